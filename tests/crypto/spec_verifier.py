"""An independent ballot verifier written from ``docs/spec/crypto.md`` alone.

Pure Python (no libdecaf, nothing from ``referendum.crypto``): ristretto255 from the
formulas of RFC 9496, then the checks of the spec's sections 2, 4.3, 5, 7 and 7.2.  Slow, and
deliberately simple: it exists to show that the specification is complete, by accepting and
rejecting exactly the vectors the reference implementation does.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T)


class Invalid(Exception):
    """A check of the specification failed."""


def is_negative(x: int) -> bool:
    return x % P % 2 == 1


def ct_abs(x: int) -> int:
    return (-x) % P if is_negative(x) else x % P


def sqrt_ratio_m1(u: int, v: int) -> tuple[bool, int]:
    v3 = v * v % P * v % P
    v7 = v3 * v3 % P * v % P
    r = u * v3 % P * pow(u * v7 % P, (P - 5) // 8, P) % P
    check = v * r % P * r % P
    correct = check == u % P
    flipped = check == (-u) % P
    flipped_i = check == (-u) * SQRT_M1 % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return correct or flipped, ct_abs(r)


INVSQRT_A_MINUS_D = sqrt_ratio_m1(1, (-1 - D) % P)[1]


def decode(data: bytes) -> Point:
    if len(data) != 32:
        raise Invalid("element: not 32 bytes")
    s = int.from_bytes(data, "little")
    if s >= P or is_negative(s):
        raise Invalid("element: non-canonical")
    ss = s * s % P
    u1, u2 = (1 - ss) % P, (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(D * u1 % P * u1) - u2_sqr) % P
    was_square, invsqrt = sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x % P * v % P
    x = ct_abs(2 * s * den_x)
    y = u1 * den_y % P
    t = x * y % P
    if not was_square or is_negative(t) or y == 0:
        raise Invalid("element: invalid")
    return (x, y, 1, t)


def encode(point: Point) -> bytes:
    x0, y0, z0, t0 = point
    u1 = (z0 + y0) * (z0 - y0) % P
    u2 = x0 * y0 % P
    _, invsqrt = sqrt_ratio_m1(1, u1 * u2 % P * u2 % P)
    den1, den2 = invsqrt * u1 % P, invsqrt * u2 % P
    z_inv = den1 * den2 % P * t0 % P
    if is_negative(t0 * z_inv):
        x, y, den_inv = y0 * SQRT_M1 % P, x0 * SQRT_M1 % P, den1 * INVSQRT_A_MINUS_D % P
    else:
        x, y, den_inv = x0, y0, den2
    if is_negative(x * z_inv):
        y = -y % P
    return ct_abs(den_inv * (z0 - y)).to_bytes(32, "little")


def add(p1: Point, p2: Point) -> Point:
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = t1 * 2 * D % P * t2 % P
    d = z1 * 2 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def neg(p: Point) -> Point:
    return (-p[0] % P, p[1], p[2], -p[3] % P)


IDENTITY: Point = (0, 1, 1, 0)
G = decode(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))


def mul(k: int, p: Point) -> Point:
    result, addend = IDENTITY, p
    k %= L
    while k:
        if k & 1:
            result = add(result, addend)
        addend = add(addend, addend)
        k >>= 1
    return result


def equal(p1: Point, p2: Point) -> bool:
    return (p1[0] * p2[1] - p1[1] * p2[0]) % P == 0 or (p1[1] * p2[1] - p1[0] * p2[0]) % P == 0


def u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def fields(*parts: bytes) -> bytes:
    return b"".join(u64(len(p)) + p for p in parts)


def hash_to_scalar(tag: str, *parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(fields(tag.encode(), *parts)).digest(), "little") % L


def hex_bytes(text: Any) -> bytes:
    if not isinstance(text, str) or len(text) != 64 or text != text.lower():
        raise Invalid("not 64 lowercase hex digits")
    return bytes.fromhex(text)


def scalar(text: Any) -> int:
    value = int.from_bytes(hex_bytes(text), "little")
    if value >= L:
        raise Invalid("scalar: not below L")
    return value


def check_range(
    tag: str,
    fingerprint: bytes,
    key: bytes,
    alpha: bytes,
    beta: bytes,
    lo: int,
    hi: int,
    context: bytes,
    proof: dict[str, Any],
) -> None:
    """Spec section 4.3; ``alpha``/``beta``/``key`` are encodings."""
    n = hi - lo + 1
    if set(proof) != {"commitments", "challenges", "responses"} or any(
        len(proof[k]) != n for k in proof
    ):
        raise Invalid("range proof: shape")
    commitments = [(hex_bytes(c["a"]), hex_bytes(c["b"])) for c in proof["commitments"]]
    challenges = [scalar(c) for c in proof["challenges"]]
    responses = [scalar(z) for z in proof["responses"]]
    flat = [x for pair in commitments for x in pair]
    c = hash_to_scalar(tag, fingerprint, key, alpha, beta, u64(lo), u64(hi), *flat, context)
    if sum(challenges) % L != c:
        raise Invalid("range proof: challenges")
    K, A, B = decode(key), decode(alpha), decode(beta)
    for j, (a, b), cj, zj in zip(
        range(lo, hi + 1), commitments, challenges, responses, strict=True
    ):
        if not equal(mul(zj, G), add(decode(a), mul(cj, A))):
            raise Invalid(f"range proof: branch {j} (a)")
        shifted = add(B, neg(mul(j, G)))
        if not equal(mul(zj, K), add(decode(b), mul(cj, shifted))):
            raise Invalid(f"range proof: branch {j} (b)")


def check_ballot(
    fingerprint: bytes, key: bytes, shapes: list[tuple[int, int, int]], binding: bytes, ballot: Any
) -> None:
    """Spec section 5.3."""
    if set(ballot) != {"questions"} or len(ballot["questions"]) != len(shapes):
        raise Invalid("ballot: shape")
    for q, ((options, lo, hi), question) in enumerate(
        zip(shapes, ballot["questions"], strict=True)
    ):
        if set(question) != {"selections", "count_proof"} or len(question["selections"]) != options:
            raise Invalid("question: shape")
        total_alpha, total_beta = IDENTITY, IDENTITY
        for o, selection in enumerate(question["selections"]):
            if set(selection) != {"alpha", "beta", "proof"}:
                raise Invalid("selection: shape")
            alpha, beta = hex_bytes(selection["alpha"]), hex_bytes(selection["beta"])
            context = fields(binding, u64(q), u64(o))
            check_range(
                "referendum/v1/proof/selection",
                fingerprint, key, alpha, beta, 0, 1, context, selection["proof"],
            )  # fmt: skip
            total_alpha = add(total_alpha, decode(alpha))
            total_beta = add(total_beta, decode(beta))
        check_range(
            "referendum/v1/proof/selection-count",
            fingerprint, key, encode(total_alpha), encode(total_beta), lo, hi,
            fields(binding, u64(q)), question["count_proof"],
        )  # fmt: skip


def check_signature(public: bytes, message: bytes, signature: dict[str, Any]) -> None:
    """Spec section 7."""
    r = hex_bytes(signature["commitment"])
    z = scalar(signature["response"])
    c = hash_to_scalar("referendum/v1/signature", public, r, message)
    if not equal(mul(z, G), add(decode(r), mul(c, decode(public)))):
        raise Invalid("signature")


def canonical(value: Any) -> bytes:
    """Canonical JSON (docs/spec/record.md section 2) of an object of ASCII strings, lists
    and objects, such as a ballot: sorted names, no whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def ballot_signature_message(
    fingerprint: bytes, credential: bytes, region: str, ballot: Any, replaces: Any
) -> bytes:
    """Spec section 7.2: what a ballot's signature signs."""
    replaced = b"" if replaces is None else hex_bytes(replaces)
    return hashlib.sha256(
        fields(
            b"referendum/v2/ballot-signature",
            fingerprint,
            credential,
            region.encode("utf-8"),
            canonical(ballot),
            replaced,
        )
    ).digest()


def check_signed_ballot(
    fingerprint: bytes,
    key: bytes,
    shapes: list[tuple[int, int, int]],
    credential: bytes,
    region: str,
    ballot: Any,
    replaces: Any,
    signature: dict[str, Any],
) -> bytes:
    """Spec sections 5.3 and 7.2: the signature over the recomputed message, then the
    ballot's proofs; returns the message."""
    message = ballot_signature_message(fingerprint, credential, region, ballot, replaces)
    check_signature(credential, message, signature)
    check_ballot(fingerprint, key, shapes, credential, ballot)
    return message


def check_schnorr(public: bytes, context: bytes, proof: dict[str, Any]) -> None:
    """Spec section 4.1."""
    a = hex_bytes(proof["commitment"])
    z = scalar(proof["response"])
    c = hash_to_scalar("referendum/v1/proof/schnorr", public, a, context)
    if not equal(mul(z, G), add(decode(a), mul(c, decode(public)))):
        raise Invalid("schnorr")


def check_dleq(
    g1: bytes, h1: bytes, g2: bytes, h2: bytes, context: bytes, proof: dict[str, Any]
) -> None:
    """Spec section 4.2."""
    a1, a2 = hex_bytes(proof["a1"]), hex_bytes(proof["a2"])
    z = scalar(proof["response"])
    c = hash_to_scalar("referendum/v1/proof/dleq", g1, h1, g2, h2, a1, a2, context)
    for g, h, a in ((g1, h1, a1), (g2, h2, a2)):
        if not equal(mul(z, decode(g)), add(decode(a), mul(c, decode(h)))):
            raise Invalid("dleq")


def check_decryption_share(
    alpha: bytes, verification_key: bytes, context: bytes, share: dict[str, Any]
) -> None:
    """Spec section 8.5."""
    index = share["index"]
    proof_context = fields(b"referendum/v1/decryption-share", context, u64(index))
    d = hex_bytes(share["share"])
    check_dleq(encode(G), verification_key, alpha, d, proof_context, share["proof"])


def combine(beta: bytes, shares: dict[int, bytes]) -> bytes:
    """Spec section 8.5: ``[m]G = beta - sum(lambda_j·D_j)``."""
    total = IDENTITY
    for j, d in shares.items():
        num, den = 1, 1
        for k in shares:
            if k != j:
                num, den = num * k % L, den * (k - j) % L
        total = add(total, mul(num * pow(den, -1, L), decode(d)))
    return encode(add(decode(beta), neg(total)))
