"""RFC 9496's ristretto255 formulas over Python integers, for the portable backend.

PyNaCl's bundled libsodium gives Edwards25519 arithmetic (``crypto_core_ed25519_*``,
``crypto_scalarmult_ed25519_*``) but not its ristretto255 functions, so
:mod:`referendum.crypto._group_sodium` does here what libsodium would: decoding with every
canonicity check of RFC 9496 section 4.3.1, encoding (4.3.2), element derivation (4.3.4), and
the conversions to and from the Edwards encoding (RFC 8032 section 5.1.2-5.1.3) that libsodium
takes.  Names follow the RFC.  Variable time: used on public values only (encodings of points
that are published), never on secret scalars.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "Extended",
    "decode",
    "edwards_compress",
    "edwards_decompress",
    "encode",
    "from_uniform",
]

P: Final = 2**255 - 19
D: Final = -121665 * pow(121666, -1, P) % P
# RFC 9496 section 4.1 (the constants' defining equations are checked in the tests).
SQRT_M1: Final = 19681161376707505956807079304988542015446066515923890162744021073123829784752
SQRT_AD_MINUS_ONE: Final = (
    25063068953384623474111414158702152701244531502492656460079210482610430750235
)
INVSQRT_A_MINUS_D: Final = (
    54469307008909316920995813868745141605393597292927456921205312896311721017578
)
ONE_MINUS_D_SQ: Final = 1159843021668779879193775521855586647937357759715417654439879720876111806838
D_MINUS_ONE_SQ: Final = (
    40440834346308536858101042469323190826248399146238708352240133220865137265952
)
_LOW_255: Final = (1 << 255) - 1

Extended = tuple[int, int, int, int]
"""Extended twisted Edwards coordinates (X : Y : Z : T) with x = X/Z, y = Y/Z, xy = T/Z."""


def _square_times(x: int, n: int) -> int:
    for _ in range(n):
        x = x * x % P
    return x


def _pow_p58(z: int) -> int:
    """``z**((p-5)/8)`` (= ``z**(2**252 - 3)``) by the usual addition chain: about 2.5 times
    faster than ``pow`` in CPython."""
    z2 = z * z % P
    z9 = _square_times(z2, 2) * z % P
    z11 = z9 * z2 % P
    z_5 = z11 * z11 % P * z9 % P  # z**(2**5 - 1)
    z_10 = _square_times(z_5, 5) * z_5 % P
    z_20 = _square_times(z_10, 10) * z_10 % P
    z_40 = _square_times(z_20, 20) * z_20 % P
    z_50 = _square_times(z_40, 10) * z_10 % P
    z_100 = _square_times(z_50, 50) * z_50 % P
    z_200 = _square_times(z_100, 100) * z_100 % P
    z_250 = _square_times(z_200, 50) * z_50 % P
    return _square_times(z_250, 2) * z % P


def _inverse(z: int) -> int:
    """``1/z`` as ``z**(p-2)``, with p - 2 = 8·(2**252 - 3) + 3."""
    return _square_times(_pow_p58(z), 3) * z % P * z % P * z % P


def is_negative(x: int) -> bool:
    """RFC 9496's IS_NEGATIVE: the least significant bit of x's canonical encoding."""
    return (x % P) & 1 == 1


def _abs(x: int) -> int:
    x %= P
    return P - x if x & 1 else x


def sqrt_ratio_m1(u: int, v: int) -> tuple[bool, int]:
    """RFC 9496 section 4.2: (True, +sqrt(u/v)) when u/v is square, else (False,
    +sqrt(SQRT_M1·u/v))."""
    v3 = v * v % P * v % P
    v7 = v3 * v3 % P * v % P
    r = u * v3 % P * _pow_p58(u * v7 % P) % P
    check = v * r % P * r % P
    u %= P
    correct = check == u
    flipped = check == (-u) % P
    flipped_i = check == (-u * SQRT_M1) % P
    if flipped or flipped_i:
        r = r * SQRT_M1 % P
    return correct or flipped, _abs(r)


def decode(data: bytes) -> tuple[int, int] | None:
    """The affine (x, y) of a representative of the element that ``data`` encodes, or
    ``None`` when ``data`` is not a canonical encoding (RFC 9496 section 4.3.1: a field
    element below p, so with the top bit 0, that is non-negative, and the checks after the
    square root)."""
    s = int.from_bytes(data, "little")
    if s >= P or s & 1:
        return None
    ss = s * s % P
    u1 = (1 - ss) % P
    u2 = (1 + ss) % P
    u2_sqr = u2 * u2 % P
    v = (-(D * u1 % P * u1) - u2_sqr) % P
    was_square, invsqrt = sqrt_ratio_m1(1, v * u2_sqr % P)
    den_x = invsqrt * u2 % P
    den_y = invsqrt * den_x % P * v % P
    x = _abs(2 * s * den_x)
    y = u1 * den_y % P
    if not was_square or is_negative(x * y) or y == 0:
        return None
    return x, y


def encode(point: Extended) -> bytes:
    """The canonical encoding of the element of ``point`` (RFC 9496 section 4.3.2)."""
    x0, y0, z0, t0 = point
    u1 = (z0 + y0) * (z0 - y0) % P
    u2 = x0 * y0 % P
    _, invsqrt = sqrt_ratio_m1(1, u1 * u2 % P * u2 % P)
    den1 = invsqrt * u1 % P
    den2 = invsqrt * u2 % P
    z_inv = den1 * den2 % P * t0 % P
    if is_negative(t0 * z_inv):
        x, y, den_inv = y0 * SQRT_M1 % P, x0 * SQRT_M1 % P, den1 * INVSQRT_A_MINUS_D % P
    else:
        x, y, den_inv = x0, y0, den2
    if is_negative(x * z_inv):
        y = -y
    return _abs(den_inv * (z0 - y)).to_bytes(32, "little")


def _map(t: int) -> Extended:
    """RFC 9496 section 4.3.4's MAP from a field element to a point."""
    r = SQRT_M1 * t % P * t % P
    u = (r + 1) * ONE_MINUS_D_SQ % P
    v = (-1 - r * D) * (r + D) % P
    was_square, s = sqrt_ratio_m1(u, v)
    if was_square:
        c = P - 1
    else:
        s, c = (-_abs(s * t)) % P, r
    n = (c * (r - 1) % P * D_MINUS_ONE_SQ - v) % P
    w0 = 2 * s * v % P
    w1 = n * SQRT_AD_MINUS_ONE % P
    ss = s * s % P
    w2 = (1 - ss) % P
    w3 = (1 + ss) % P
    return w0 * w3 % P, w2 * w1 % P, w1 * w3 % P, w0 * w2 % P


def add(p1: Extended, p2: Extended) -> Extended:
    """The sum of two points (the extended-coordinates formulas for a = -1)."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * D * t1 % P * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return e * f % P, g * h % P, f * g % P, e * h % P


def from_uniform(data: bytes) -> Extended:
    """RFC 9496 section 4.3.4's element derivation from 64 uniform bytes (each half with its
    top bit cleared)."""
    t0 = int.from_bytes(data[:32], "little") & _LOW_255
    t1 = int.from_bytes(data[32:], "little") & _LOW_255
    return add(_map(t0 % P), _map(t1 % P))


def edwards_compress(point: Extended) -> bytes:
    """RFC 8032's encoding of a point (y, and the sign of x in the top bit)."""
    x, y, z, _ = point
    if z != 1:
        z_inv = _inverse(z)
        x, y = x * z_inv % P, y * z_inv % P
    return ((y % P) | ((x % P) & 1) << 255).to_bytes(32, "little")


def edwards_decompress(data: bytes) -> Extended:
    """The point of a canonical RFC 8032 encoding (as libsodium writes them)."""
    value = int.from_bytes(data, "little")
    y = value & _LOW_255
    yy = y * y % P
    _, x = sqrt_ratio_m1(yy - 1, D * yy + 1)
    if x & 1 != value >> 255:
        x = P - x
    return x, y, 1, x * y % P
