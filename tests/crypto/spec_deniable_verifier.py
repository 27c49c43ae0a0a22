"""An independent verifier of deniable revoting's proofs, written from docs/spec/coercion.md
section 8 alone (pure Python over ``spec_verifier``'s RFC 9496 arithmetic, nothing from
``referendum``).  It raises ``Invalid`` with the name of the first check that fails."""

from __future__ import annotations

from typing import Any

from spec_verifier import (
    IDENTITY,
    G,
    Invalid,
    Point,
    add,
    decode,
    encode,
    equal,
    hash_to_scalar,
    hex_bytes,
    mul,
    neg,
    scalar,
    u64,
)

Relation = tuple[int, list[tuple[Point, list[tuple[int, Point]]]]]  # (secrets, equations)


def pt(value: Any) -> Point:
    return decode(hex_bytes(value))


def ct(value: Any) -> tuple[Point, Point]:
    return pt(value["alpha"]), pt(value["beta"])


def sub(a: Point, b: Point) -> Point:
    return add(a, neg(b))


def encoding(relation: Relation) -> list[bytes]:
    secrets, equations = relation
    parts = [u64(secrets), u64(len(equations))]
    for image, terms in equations:
        parts += [encode(image), u64(len(terms))]
        for i, base in terms:
            parts += [u64(i), encode(base)]
    return parts


def check_equations(
    relation: Relation, commitments: list[Point], responses: list[int], c: int, label: str
) -> None:
    secrets, equations = relation
    if len(commitments) != len(equations) or len(responses) != secrets:
        raise Invalid(label)
    for e, (image, terms) in enumerate(equations):
        left = IDENTITY
        for i, base in terms:
            left = add(left, mul(responses[i], base))
        if not equal(left, add(commitments[e], mul(c, image))):
            raise Invalid(f"{label}[{e}]")


def parse(proof: Any) -> tuple[list[bytes], list[Point], list[int]]:
    raw = [hex_bytes(a) for a in proof["commitments"]]
    return raw, [decode(a) for a in raw], [scalar(z) for z in proof["responses"]]


def check_linear(tag: str, ctx: bytes, relation: Relation, proof: Any, label: str) -> None:
    raw, commitments, responses = parse(proof)
    c = hash_to_scalar(tag, ctx, *encoding(relation), *raw)
    check_equations(relation, commitments, responses, c, label)


def check_or(tag: str, ctx: bytes, relations: tuple[Relation, Relation], proof: Any) -> None:
    branches = [parse(b) for b in proof["branches"]]
    challenges = [scalar(x) for x in proof["challenges"]]
    parts: list[bytes] = []
    for relation, (raw, _, _) in zip(relations, branches, strict=True):
        parts += [*encoding(relation), *raw]
    c = hash_to_scalar(tag, ctx, *parts)
    L = 2**252 + 27742317777372353535851937790883648493
    if (challenges[0] + challenges[1]) % L != c:
        raise Invalid("filter")
    for k in (0, 1):
        _, commitments, responses = branches[k]
        check_equations(relations[k], commitments, responses, challenges[k], f"filter.branch{k}")


def check_case(case: dict[str, Any]) -> None:
    """One case of ``vectors/deniable.json``."""
    ctx = bytes.fromhex(case["context"])
    kind = case["kind"]
    tag = "referendum/v3/proof/"
    if kind == "credential":
        t = pt(case["authority_key"])
        alpha, beta = ct(case["voter"])
        rel: Relation = (2, [(alpha, [(1, G)]), (beta, [(0, G), (1, t)])])
        check_linear(tag + "encrypted-credential", ctx, rel, case["proof"], "credential_proof")
    elif kind == "pseudonym-key":
        t, s_point, u_point = pt(case["authority_key"]), pt(case["S"]), pt(case["U"])
        rel = (1, [(s_point, [(0, G)]), (u_point, [(0, t)])])
        check_linear(tag + "pseudonym-key", ctx, rel, case["proof"], "pseudonym_key")
    elif kind == "pseudonym":
        s_point, u_point, p = pt(case["S"]), pt(case["U"]), pt(case["pseudonym"])
        alpha, beta = ct(case["voter"])
        rel = (2, [(s_point, [(0, G)]), (u_point, [(1, G)]), (p, [(0, beta), (1, neg(alpha))])])
        check_linear(tag + "pseudonym", ctx, rel, case["proof"], "pseudonym")
    elif kind == "counter":
        t, d = pt(case["authority_key"]), pt(case["factor"])
        alpha, beta = ct(case["counter"])
        rel = (1, [(t, [(0, G)]), (d, [(0, alpha)])])
        check_linear(tag + "counter-decryption", ctx, rel, case["proof"], "counter")
        if not equal(sub(beta, d), mul(case["value"], G)):
            raise Invalid("counter")
    elif kind == "reencryption":
        key = pt(case["key"])
        (a0, b0), (a1, b1) = ct(case["before"]), ct(case["after"])
        rel = (1, [(sub(a1, a0), [(0, G)]), (sub(b1, b0), [(0, key)])])
        check_linear(tag + "reencryption", ctx, rel, case["proof"], "reencryption")
    elif kind == "filter":
        t, k = pt(case["authority_key"]), pt(case["election_key"])
        tags = [ct(x) for x in case["tags"]]
        choices = [ct(x) for x in case["choices"]]
        selected = [ct(x) for x in case["selected"]]
        tag_alpha, tag_beta = tags[case["candidate"]]
        sum_alpha, sum_beta = IDENTITY, IDENTITY
        for a, b in tags:
            sum_alpha, sum_beta = add(sum_alpha, a), add(sum_beta, b)

        def branch(alpha: Point, image: Point, shift: list[tuple[Point, Point]]) -> Relation:
            equations = [(t, [(0, G)]), (image, [(0, alpha)])]
            for j, ((sa, sb), (ha, hb)) in enumerate(zip(selected, shift, strict=True)):
                equations += [(sub(sa, ha), [(1 + j, G)]), (sub(sb, hb), [(1 + j, k)])]
            return (1 + len(selected), equations)

        real = branch(tag_alpha, tag_beta, choices)
        zero = [(IDENTITY, IDENTITY)] * len(selected)
        dummies = branch(sum_alpha, sub(sum_beta, mul(len(tags), G)), zero)
        check_or(tag + "filter", ctx, (real, dummies), case["proof"])
    else:
        raise Invalid(f"unknown kind {kind}")


__all__ = ["check_case"]
