"""The group: ristretto255 (RFC 9496) on libsodium's Edwards25519 functions, through PyNaCl.

The portable implementation of :mod:`referendum.crypto.group` (same names, same results to the
byte; docs/crypto-backend.md).  PyNaCl's wheels bundle libsodium for Linux, macOS and Windows,
but not its ristretto255 functions, so:

- a ``Point`` P is held as the Edwards encoding of ``4·P``.  Every ristretto255 element is a
  coset P + E[4] of the curve's 4-torsion; four times any point of the coset is the same point
  of the prime-order subgroup, which is what libsodium's Edwards functions take.  The map
  P ↦ 4·P is one to one on the group, so sums, differences, multiples and equality carry over;
- decoding, encoding and element derivation are RFC 9496's formulas in Python integers
  (:mod:`referendum.crypto._ristretto`), which enforce the canonical encodings themselves
  (libsodium 1.0.18's own ristretto255 decoding ignores the top bit);
- ``Scalar`` arithmetic, ``Point * Scalar``, ``base_mul`` and ``FixedBase.mul`` run in
  libsodium (constant time); encodings, which are public, run in Python;
- there are no precomputed tables and no multi-scalar multiplication in C: the variable-time
  helpers add up single multiplications.

>>> two = Scalar.from_int(2)
>>> (Point.generator() * two).hex()[:16]
'6a493210f7499cd1'
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Final

import nacl.bindings as sodium
from nacl.exceptions import RuntimeError as SodiumRuntimeError

from referendum.crypto import _ristretto as ristretto
from referendum.crypto._group_common import (
    GROUP_ORDER,
    POINT_BYTES,
    SCALAR_BYTES,
    PointForms,
    ScalarForms,
    SmallMultiples,
)
from referendum.errors import BackendError, EncodingError, UsageError

__all__ = [
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

if not (sodium.has_crypto_core_ed25519 and sodium.has_crypto_scalarmult_ed25519):
    raise BackendError(
        "REFERENDUM_GROUP_BACKEND",
        "sodium: this PyNaCl's libsodium is a minimal build without the Edwards25519 "
        "functions; install PyNaCl's own wheel (pip install --force-reinstall pynacl)",
    )


_add = sodium.crypto_core_ed25519_add
_sub = sodium.crypto_core_ed25519_sub
_mul = sodium.crypto_scalarmult_ed25519_noclamp
_base_noclamp = sodium.crypto_scalarmult_ed25519_base_noclamp
_ZERO: Final = bytes(32)
_IDENTITY_E: Final = (1).to_bytes(32, "little")  # the Edwards encoding of (0, 1)
_FOUR: Final = (4).to_bytes(32, "little")
_QUARTER: Final = pow(4, -1, GROUP_ORDER).to_bytes(32, "little")
_MASK: Final = (1 << 256) - 1
# The last points decoded, by encoding: a decoding costs a square root in Python (~0.1 ms),
# and the verifier decodes a ballot's ciphertexts twice (to check, then to sum them).
_DECODED: dict[bytes, Point] = {}
_DECODED_LIMIT: Final = 256  # a few ballots: never a whole pass of the verifier


class Scalar(ScalarForms):
    """An integer modulo the group order L (immutable), held as its canonical encoding."""

    __slots__ = ("_b",)

    _b: bytes

    def __init__(self) -> None:
        raise UsageError("build a Scalar with from_bytes, from_int, random or from_uniform_bytes")

    @classmethod
    def _of(cls, data: bytes) -> Scalar:
        obj = object.__new__(cls)
        obj._b = data
        return obj

    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """Decode the canonical 32-byte little-endian encoding (value below L)."""
        if not isinstance(data, bytes | bytearray) or len(data) != SCALAR_BYTES:
            raise EncodingError("a scalar is 32 bytes")
        data = bytes(data)
        if int.from_bytes(data, "little") >= GROUP_ORDER:
            raise EncodingError("scalar encoding is not below the group order")
        return cls._of(data)

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Scalar:
        """Reduce 64 bytes (little-endian) modulo L: uniform when the bytes are."""
        if len(data) != 64:
            raise UsageError("from_uniform_bytes takes exactly 64 bytes")
        return cls._of(sodium.crypto_core_ed25519_scalar_reduce(bytes(data)))

    def to_bytes(self) -> bytes:
        """The canonical 32-byte little-endian encoding."""
        return self._b

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar._of(sodium.crypto_core_ed25519_scalar_add(self._b, other._b))

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar._of(sodium.crypto_core_ed25519_scalar_sub(self._b, other._b))

    def __mul__(self, other: Scalar) -> Scalar:
        return Scalar._of(sodium.crypto_core_ed25519_scalar_mul(self._b, other._b))

    def __neg__(self) -> Scalar:
        return Scalar._of(sodium.crypto_core_ed25519_scalar_negate(self._b))

    def inverse(self) -> Scalar:
        """The multiplicative inverse; ``UsageError`` for zero."""
        if self.is_zero():
            raise UsageError("zero has no inverse")
        return Scalar._of(sodium.crypto_core_ed25519_scalar_invert(self._b))

    def is_zero(self) -> bool:
        """Whether this is the scalar 0."""
        return hmac.compare_digest(self._b, _ZERO)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scalar):
            return NotImplemented
        return hmac.compare_digest(self._b, other._b)

    __hash__ = ScalarForms.__hash__


class Point(PointForms):
    """A ristretto255 group element (immutable), held as the Edwards encoding of four times
    a representative."""

    __slots__ = ("_e", "_enc")

    _e: bytes
    _enc: bytes | None

    def __init__(self) -> None:
        raise UsageError("build a Point with from_bytes, generator, identity or arithmetic")

    @classmethod
    def _of(cls, quadrupled: bytes, encoding: bytes | None = None) -> Point:
        obj = object.__new__(cls)
        obj._e = quadrupled
        obj._enc = encoding
        return obj

    @classmethod
    def _from_extended(cls, point: ristretto.Extended, encoding: bytes | None = None) -> Point:
        edwards = ristretto.edwards_compress(point)
        double = _add(edwards, edwards)
        return cls._of(_add(double, double), encoding)

    @classmethod
    def from_bytes(cls, data: bytes) -> Point:
        """Decode a canonical ristretto255 encoding (RFC 9496 4.3.1); the identity is allowed."""
        if not isinstance(data, bytes | bytearray) or len(data) != POINT_BYTES:
            raise EncodingError("a group element is 32 bytes")
        data = bytes(data)
        known = _DECODED.get(data)
        if known is not None:
            return known
        affine = ristretto.decode(data)
        if affine is None:
            raise EncodingError("not a canonical ristretto255 encoding")
        x, y = affine
        point = cls._from_extended((x, y, 1, x * y % ristretto.P), data)
        if len(_DECODED) >= _DECODED_LIMIT:
            _DECODED.clear()
        _DECODED[data] = point
        return point

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Point:
        """RFC 9496 element derivation (section 4.3.4) from 64 uniform bytes."""
        if len(data) != 64:
            raise UsageError("from_uniform_bytes takes exactly 64 bytes")
        return cls._from_extended(ristretto.from_uniform(bytes(data)))

    @staticmethod
    def generator() -> Point:
        """The RFC 9496 generator."""
        return _GENERATOR

    @staticmethod
    def identity() -> Point:
        """The neutral element."""
        return _IDENTITY

    def to_bytes(self) -> bytes:
        """The canonical 32-byte encoding (computed once, then cached)."""
        if self._enc is None:
            if self._e == _IDENTITY_E:
                self._enc = _ZERO
            else:  # the representative in the prime-order subgroup: (1/4)·(4·P)
                self._enc = ristretto.encode(ristretto.edwards_decompress(_mul(_QUARTER, self._e)))
        return self._enc

    def is_identity(self) -> bool:
        """Whether this is the neutral element."""
        return self._e == _IDENTITY_E

    def __add__(self, other: Point) -> Point:
        return Point._of(_add(self._e, other._e))

    def __sub__(self, other: Point) -> Point:
        return Point._of(_sub(self._e, other._e))

    def __neg__(self) -> Point:
        return Point._of(_sub(_IDENTITY_E, self._e))

    def __mul__(self, scalar: Scalar) -> Point:
        """Constant-time scalar multiplication (in libsodium)."""
        if not isinstance(scalar, Scalar):
            return NotImplemented
        return Point._of(_scalarmult(scalar._b, self._e))

    def __rmul__(self, scalar: Scalar) -> Point:
        return self.__mul__(scalar)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return self._e == other._e

    def __hash__(self) -> int:
        return hash((Point, self._e))


def _scalarmult(scalar: bytes, quadrupled: bytes) -> bytes:
    """``scalar·Q`` for Q of the prime-order subgroup.  libsodium refuses the identity as
    input and reports an identity result (a zero scalar) as an error: both give the identity
    here."""
    if quadrupled == _IDENTITY_E:
        return _IDENTITY_E
    try:
        return _mul(scalar, quadrupled)
    except SodiumRuntimeError:
        return _IDENTITY_E


def _base(scalar: bytes) -> bytes:
    """``4·scalar·G``: the held form of ``scalar·G``."""
    try:
        return _base_noclamp(sodium.crypto_core_ed25519_scalar_mul(scalar, _FOUR))
    except SodiumRuntimeError:  # a zero scalar
        return _IDENTITY_E


_GENERATOR: Final = Point._of(_base((1).to_bytes(32, "little")))
_IDENTITY: Final = Point._of(_IDENTITY_E, _ZERO)


def select_scalar(pick_b: int, a: Scalar, b: Scalar) -> Scalar:
    """``b`` if ``pick_b`` (0 or 1) else ``a``, by masking rather than branching."""
    return Scalar._of(_select(pick_b, a._b, b._b))


def select_point(pick_b: int, a: Point, b: Point) -> Point:
    """``b`` if ``pick_b`` (0 or 1) else ``a``, by masking rather than branching."""
    return Point._of(_select(pick_b, a._e, b._e))


def _select(pick_b: int, a: bytes, b: bytes) -> bytes:
    mask = -(pick_b & 1) & _MASK
    x, y = int.from_bytes(a, "little"), int.from_bytes(b, "little")
    return (x ^ ((x ^ y) & mask)).to_bytes(32, "little")


def base_mul(scalar: Scalar) -> Point:
    """``scalar·G`` through libsodium's generator table (constant time)."""
    return Point._of(_base(scalar._b))


def double_mul(first: Point, a: Scalar, second: Point, b: Scalar) -> Point:
    """``a·first + b·second`` in constant time (two of libsodium's multiplications)."""
    return first * a + second * b


def double_mul_vartime(a: Scalar, b: Scalar, point: Point) -> Point:
    """``a·G + b·point``: for public data only (verification)."""
    return Point._of(_add(_base(a._b), _scalarmult(b._b, point._e)))


def multi_mul(scalars: Sequence[Scalar], points: Sequence[Point]) -> Point:
    """``sum(s·P)`` in constant time, for secret scalars (one of libsodium's constant-time
    multiplications per point)."""
    if len(scalars) != len(points):
        raise UsageError("multi_mul: as many scalars as points")
    total = _IDENTITY
    for s, q in zip(scalars, points, strict=True):
        total = total + q * s
    return total


def multi_mul_vartime(scalars: Sequence[Scalar], points: Sequence[Point]) -> Point:
    """``sum(s·P)``: for public data only (one multiplication per point, the generator's
    through its table)."""
    if len(scalars) != len(points):
        raise UsageError("multi_mul_vartime: as many scalars as points")
    return _sum_of_products([(s.to_int(), p) for s, p in zip(scalars, points, strict=True)])


def _sum_of_products(terms: Sequence[tuple[int, Point]]) -> Point:
    """``sum(c·P)`` for integer coefficients (reduced modulo L here)."""
    total = _IDENTITY_E
    generator = 0
    for coefficient, point in terms:
        c = coefficient % GROUP_ORDER
        if c == 0 or point._e == _IDENTITY_E:
            continue
        if point._e == _GENERATOR._e:
            generator += c
            continue
        total = _add(total, _scalarmult(c.to_bytes(32, "little"), point._e))
    if generator % GROUP_ORDER:
        total = _add(total, _base((generator % GROUP_ORDER).to_bytes(32, "little")))
    return Point._of(total)


def weighted_multi_mul_vartime(
    points: Sequence[Point],
    weights: bytes,
    scalars: Sequence[Scalar],
    point_index: Sequence[int],
    weight_index: Sequence[int],
) -> Point:
    """``sum(w[weight_index[k]]·scalars[k]·points[point_index[k]])`` in variable time, where
    ``w[i]`` is the i-th 16-byte little-endian integer of ``weights``: a random linear
    combination of equations, for public data only (one coefficient per point, then
    :func:`multi_mul_vartime`)."""
    n = len(scalars)
    if not len(point_index) == len(weight_index) == n:
        raise UsageError("weighted_multi_mul_vartime: one point and weight index per scalar")
    if len(weights) % 16 or any(not 0 <= w < len(weights) // 16 for w in weight_index):
        raise UsageError("weighted_multi_mul_vartime: weight index out of range")
    if any(not 0 <= i < len(points) for i in point_index):
        raise UsageError("weighted_multi_mul_vartime: point index out of range")
    coefficients = [0] * len(points)
    for scalar, i, w in zip(scalars, point_index, weight_index, strict=True):
        weight = int.from_bytes(weights[16 * w : 16 * w + 16], "little")
        coefficients[i] += weight * scalar.to_int()
    return _sum_of_products(list(zip(coefficients, points, strict=True)))


class FixedBase:
    """A point to multiply repeatedly (constant time).  This backend keeps no table: the
    generator goes through libsodium's, any other point through a plain multiplication.

    >>> table = FixedBase(Point.generator())
    >>> table.mul(Scalar.from_int(3)) == base_mul(Scalar.from_int(3))
    True
    """

    __slots__ = ("point",)

    def __init__(self, point: Point) -> None:
        self.point = point

    def mul(self, scalar: Scalar) -> Point:
        """``scalar·point`` (constant time)."""
        if self.point._e == _GENERATOR._e:
            return base_mul(scalar)
        return self.point * scalar


small_multiple: Final = SmallMultiples(_IDENTITY, _GENERATOR, Point.__add__)
"""``m·G`` for ``0 <= m < 65536`` from a cached table (public values only)."""
