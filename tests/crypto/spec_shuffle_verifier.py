"""An independent shuffle verifier written from ``docs/spec/shuffle.md`` alone.

Pure Python: the ristretto255 arithmetic of ``spec_verifier`` (RFC 9496's formulas), RFC 9380's
``expand_message_xmd`` and RFC 9496's element derivation written out here, and nothing from
``referendum``.  It checks each equation of the spec on its own, in the spec's order, and
raises ``Invalid`` with the name of the first check that fails, so that the vectors bind the
name as well as the verdict.
"""

from __future__ import annotations

import hashlib
from typing import Any

from spec_verifier import (
    IDENTITY,
    SQRT_M1,
    D,
    G,
    Invalid,
    P,
    Point,
    add,
    ct_abs,
    decode,
    encode,
    equal,
    fields,
    hash_to_scalar,
    hex_bytes,
    is_negative,
    mul,
    neg,
    sqrt_ratio_m1,
    u64,
)

L = 2**252 + 27742317777372353535851937790883648493
ONE_MINUS_D_SQ = (1 - D * D) % P
D_MINUS_ONE_SQ = (D - 1) * (D - 1) % P
SQRT_AD_MINUS_ONE = 25063068953384623474111414158702152701244531502492656460079210482610430750235


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512 (b_in_bytes 64, r_in_bytes 128)."""
    ell = -(-length // 64)
    dst_prime = dst + bytes([len(dst)])
    b0 = hashlib.sha512(bytes(128) + msg + length.to_bytes(2, "big") + b"\0" + dst_prime).digest()
    b = [hashlib.sha512(b0 + b"\1" + dst_prime).digest()]
    for i in range(2, ell + 1):
        b.append(
            hashlib.sha512(
                bytes(x ^ y for x, y in zip(b0, b[-1], strict=True)) + bytes([i]) + dst_prime
            ).digest()
        )
    return b"".join(b)[:length]


def one_way_map(t: int) -> Point:
    """RFC 9496 section 4.3.4, MAP."""
    r = SQRT_M1 * t * t % P
    u = (r + 1) * ONE_MINUS_D_SQ % P
    v = (-1 - r * D) * (r + D) % P
    was_square, s = sqrt_ratio_m1(u, v)
    s_prime = (-ct_abs(s * t)) % P
    s = s if was_square else s_prime
    c = P - 1 if was_square else r
    n = (c * (r - 1) * D_MINUS_ONE_SQ - v) % P
    w0, w1 = 2 * s * v % P, n * SQRT_AD_MINUS_ONE % P
    w2, w3 = (1 - s * s) % P, (1 + s * s) % P
    return (w0 * w3 % P, w2 * w1 % P, w1 * w3 % P, w0 * w2 % P)


def hash_to_group(dst: str, msg: bytes) -> Point:
    """RFC 9380 hash_to_ristretto255 (expand to 64 bytes, two MAPs, added)."""
    uniform = expand_message_xmd(msg, dst.encode(), 64)
    mask = (1 << 255) - 1
    t1 = int.from_bytes(uniform[:32], "little") & mask
    t2 = int.from_bytes(uniform[32:], "little") & mask
    return add(one_way_map(t1 % P), one_way_map(t2 % P))


def scalar_field(value: Any, name: str) -> int:
    try:
        number = int.from_bytes(hex_bytes(value), "little")
    except Invalid as exc:
        raise Invalid(name) from exc
    if number >= L:
        raise Invalid(name)
    return number


def point_field(value: Any, name: str) -> tuple[Point, bytes]:
    try:
        raw = hex_bytes(value)
        return decode(raw), raw
    except Invalid as exc:
        raise Invalid(name) from exc


def check_shuffle(case: dict[str, Any]) -> None:
    """Spec sections "Statement", "Proof JSON" and "Verification"."""
    context = bytes.fromhex(case["context"])
    keys = [point_field(k, "public_keys") for k in case["public_keys"]]
    rows_in = [
        [(point_field(c["alpha"], "inputs"), point_field(c["beta"], "inputs")) for c in row]
        for row in case["inputs"]
    ]
    rows_out = [
        [(point_field(c["alpha"], "outputs"), point_field(c["beta"], "outputs")) for c in row]
        for row in case["outputs"]
    ]
    n, w = len(rows_in), len(rows_in[0])
    if len(rows_out) != n:
        raise Invalid("outputs")
    if any(len(row) != w for row in rows_in + rows_out):
        raise Invalid("outputs")
    if len(keys) != w:
        raise Invalid("keys")
    proof = case["proof"]
    names = {
        "permutation",
        "chain",
        "t_sum",
        "t_product",
        "t_weighted",
        "t_reencryption",
        "t_chain",
        "s_sum",
        "s_product",
        "s_weighted",
        "s_reencryption",
        "s_chain",
        "s_permuted",
    }
    if set(proof) != names:
        raise Invalid("proof")
    for name, length in (
        ("permutation", n),
        ("chain", n),
        ("t_chain", n),
        ("s_chain", n),
        ("s_permuted", n),
        ("t_reencryption", w),
        ("s_reencryption", w),
    ):
        if not isinstance(proof[name], list) or len(proof[name]) != length:
            raise Invalid(f"proof.{name}")
    perm = [point_field(v, f"proof.permutation[{i}]") for i, v in enumerate(proof["permutation"])]
    chain = [point_field(v, f"proof.chain[{i}]") for i, v in enumerate(proof["chain"])]
    t_sum = point_field(proof["t_sum"], "proof.t_sum")
    t_product = point_field(proof["t_product"], "proof.t_product")
    t_weighted = point_field(proof["t_weighted"], "proof.t_weighted")
    t_re = [
        (
            point_field(v["alpha"], f"proof.t_reencryption[{k}].alpha"),
            point_field(v["beta"], f"proof.t_reencryption[{k}].beta"),
        )
        for k, v in enumerate(proof["t_reencryption"])
    ]
    t_chain = [point_field(v, f"proof.t_chain[{i}]") for i, v in enumerate(proof["t_chain"])]
    s_sum = scalar_field(proof["s_sum"], "proof.s_sum")
    s_product = scalar_field(proof["s_product"], "proof.s_product")
    s_weighted = scalar_field(proof["s_weighted"], "proof.s_weighted")
    s_re = [
        scalar_field(v, f"proof.s_reencryption[{k}]") for k, v in enumerate(proof["s_reencryption"])
    ]
    s_chain = [scalar_field(v, f"proof.s_chain[{i}]") for i, v in enumerate(proof["s_chain"])]
    s_perm = [scalar_field(v, f"proof.s_permuted[{i}]") for i, v in enumerate(proof["s_permuted"])]

    dst = "referendum/v3/shuffle/generator"
    h = hash_to_group(dst, fields(context, b"chain"))
    hs = [hash_to_group(dst, fields(context, b"row", u64(i))) for i in range(n)]
    seed = hashlib.sha512(
        fields(
            b"referendum/v3/shuffle/statement",
            context,
            b"ristretto255",
            u64(n),
            u64(w),
            *[raw for _, raw in keys],
            encode(h),
            *[encode(x) for x in hs],
            *[part[1] for row in rows_in for ct in row for part in ct],
            *[part[1] for row in rows_out for ct in row for part in ct],
            *[raw for _, raw in perm],
        )
    ).digest()
    u = [
        hash_to_scalar("referendum/v3/shuffle/permutation-challenge", seed, u64(j))
        for j in range(n)
    ]
    c = hash_to_scalar(
        "referendum/v3/shuffle/challenge",
        seed,
        *[raw for _, raw in chain],
        t_sum[1],
        t_product[1],
        t_weighted[1],
        *[part[1] for pair in t_re for part in pair],
        *[raw for _, raw in t_chain],
    )

    def holds(name: str, left: list[tuple[int, Point]], right: list[tuple[int, Point]]) -> None:
        total = IDENTITY
        for s, p in left:
            total = add(total, mul(s, p))
        for s, p in right:
            total = add(total, neg(mul(s, p)))
        if not equal(total, IDENTITY):
            raise Invalid(name)

    # sum: s_sum·G == t_sum + c·(sum_j c_j - sum_i H_i)
    holds("sum", [(s_sum, G), *[(c, x) for x in hs]], [(1, t_sum[0]), *[(c, x) for x, _ in perm]])
    u_product = 1
    for x in u:
        u_product = u_product * x % L
    # product: s_product·G == t_product + c·(C_{N-1} - (prod u_j)·H)
    holds(
        "product", [(s_product, G), (c * u_product % L, h)], [(1, t_product[0]), (c, chain[-1][0])]
    )
    # weighted: s_weighted·G + sum s'_i·H_i == t_weighted + c·sum u_j·c_j
    holds(
        "weighted",
        [(s_weighted, G), *zip(s_perm, hs, strict=True)],
        [(1, t_weighted[0]), *[(c * uj % L, x) for uj, (x, _) in zip(u, perm, strict=True)]],
    )
    for k in range(w):
        for part, base in ((0, G), (1, keys[k][0])):
            name = f"reencryption[{k}].{('alpha', 'beta')[part]}"
            holds(
                name,
                [*[(s, row[k][part][0]) for s, row in zip(s_perm, rows_out, strict=True)]],
                [
                    (s_re[k], base),
                    (1, t_re[k][part][0]),
                    *[(c * uj % L, row[k][part][0]) for uj, row in zip(u, rows_in, strict=True)],
                ],
            )
    previous = h
    for i in range(n):
        holds(
            f"chain[{i}]",
            [(s_chain[i], G), (s_perm[i], previous)],
            [(1, t_chain[i][0]), (c, chain[i][0])],
        )
        previous = chain[i][0]


__all__ = ["check_shuffle", "hash_to_group", "is_negative"]
