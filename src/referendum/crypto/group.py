"""The group: ristretto255 (RFC 9496), the one small group interface of the package.

Two implementations give the same results to the byte, chosen once per process by
:mod:`referendum.crypto.backend` (docs/crypto-backend.md): libdecaf through the package's cffi
extension (:mod:`referendum.crypto._group_decaf`, the fast one) and libsodium through PyNaCl
(:mod:`referendum.crypto._group_sodium`, the portable one).  Everything else in the package
imports the group from here.

``Scalar`` is an integer modulo the group order L; ``Point`` a ristretto255 element.  Every
operation on secrets (``Point * Scalar``, ``base_mul``, ``FixedBase.mul``, ``double_mul``,
``multi_mul``, scalar arithmetic) runs in constant time; ``double_mul_vartime`` and the
``*_vartime`` multi-scalar multiplications are variable time and only for public data
(verification).  Encodings are the canonical 32-byte
ones: scalars little-endian below L, points as in RFC 9496 section 4.3.2; decoding rejects
anything else with ``EncodingError``.

>>> two = Scalar.from_int(2)
>>> (Point.generator() * two).hex()[:16]
'6a493210f7499cd1'
"""

from __future__ import annotations

from referendum.crypto.backend import BACKEND

if BACKEND == "decaf":
    from referendum.crypto._group_decaf import (
        GROUP_ORDER,
        POINT_BYTES,
        SCALAR_BYTES,
        FixedBase,
        Point,
        Scalar,
        base_mul,
        double_mul,
        double_mul_vartime,
        multi_mul,
        multi_mul_vartime,
        select_point,
        select_scalar,
        small_multiple,
        weighted_multi_mul_vartime,
    )
else:  # the same names and behaviour (tests/crypto/test_backends.py compares them)
    from referendum.crypto._group_sodium import (  # type: ignore[assignment]
        GROUP_ORDER,
        POINT_BYTES,
        SCALAR_BYTES,
        FixedBase,
        Point,
        Scalar,
        base_mul,
        double_mul,
        double_mul_vartime,
        multi_mul,
        multi_mul_vartime,
        select_point,
        select_scalar,
        small_multiple,
        weighted_multi_mul_vartime,
    )

__all__ = [
    "BACKEND",
    "GROUP_ORDER",
    "POINT_BYTES",
    "SCALAR_BYTES",
    "FixedBase",
    "Point",
    "Scalar",
    "base_mul",
    "double_mul",
    "double_mul_vartime",
    "multi_mul",
    "multi_mul_vartime",
    "select_point",
    "select_scalar",
    "small_multiple",
    "weighted_multi_mul_vartime",
]
