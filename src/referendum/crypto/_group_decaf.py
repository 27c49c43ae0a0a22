"""The group: ristretto255 (RFC 9496), through libdecaf's ``decaf_255``.

The fast implementation of :mod:`referendum.crypto.group` (the one small group interface of
the package; docs/crypto-backend.md); besides it, only the batch ballot checker
(:mod:`referendum.crypto.ballot_batch`, public data only) touches the binding.
``Scalar`` is an integer modulo the group order L; ``Point`` a ristretto255 element.  Every
operation on secrets (``Point * Scalar``, ``base_mul``, ``FixedBase.mul``, scalar arithmetic)
runs in constant time; ``double_mul_vartime`` is variable time and only for public data
(verification).  Encodings are the canonical 32-byte ones: scalars little-endian below L,
points as in RFC 9496 section 4.3.2; decoding rejects anything else with ``EncodingError``.

>>> two = Scalar.from_int(2)
>>> (Point.generator() * two).hex()[:16]
'6a493210f7499cd1'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from referendum.crypto._decaf import ffi, lib
from referendum.crypto._group_common import (
    GROUP_ORDER,
    POINT_BYTES,
    SCALAR_BYTES,
    PointForms,
    ScalarForms,
    SmallMultiples,
)
from referendum.errors import EncodingError, UsageError

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
    "points_from_buffer",
    "select_point",
    "select_scalar",
    "small_multiple",
    "weighted_multi_mul_vartime",
]

_SUCCESS: Final = -1  # DECAF_SUCCESS


class Scalar(ScalarForms):
    """An integer modulo the group order L (immutable)."""

    __slots__ = ("_enc", "_s")

    _s: object
    _enc: bytes | None

    def __init__(self) -> None:
        raise UsageError("build a Scalar with from_bytes, from_int, random or from_uniform_bytes")

    @classmethod
    def _new(cls) -> tuple[Scalar, object]:
        obj = object.__new__(cls)
        s = ffi.new("decaf_255_scalar_s *")
        obj._s = s
        obj._enc = None
        return obj, s

    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """Decode the canonical 32-byte little-endian encoding (value below L)."""
        if not isinstance(data, bytes | bytearray) or len(data) != SCALAR_BYTES:
            raise EncodingError("a scalar is 32 bytes")
        obj, s = cls._new()
        data = bytes(data)
        if lib.decaf_255_scalar_decode(s, data) != _SUCCESS:
            raise EncodingError("scalar encoding is not below the group order")
        obj._enc = data
        return obj

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Scalar:
        """Reduce 64 bytes (little-endian) modulo L: uniform when the bytes are."""
        if len(data) != 64:
            raise UsageError("from_uniform_bytes takes exactly 64 bytes")
        obj, s = cls._new()
        lib.decaf_255_scalar_decode_long(s, bytes(data), 64)
        return obj

    def to_bytes(self) -> bytes:
        """The canonical 32-byte little-endian encoding (computed once, then cached)."""
        if self._enc is None:
            out = ffi.new("unsigned char[32]")
            lib.decaf_255_scalar_encode(out, self._s)
            self._enc = bytes(out)
        return self._enc

    def __add__(self, other: Scalar) -> Scalar:
        obj, s = Scalar._new()
        lib.decaf_255_scalar_add(s, self._s, other._s)
        return obj

    def __sub__(self, other: Scalar) -> Scalar:
        obj, s = Scalar._new()
        lib.decaf_255_scalar_sub(s, self._s, other._s)
        return obj

    def __mul__(self, other: Scalar) -> Scalar:
        obj, s = Scalar._new()
        lib.decaf_255_scalar_mul(s, self._s, other._s)
        return obj

    def __neg__(self) -> Scalar:
        obj, s = Scalar._new()
        lib.decaf_255_scalar_sub(s, _ZERO_SCALAR._s, self._s)
        return obj

    def inverse(self) -> Scalar:
        """The multiplicative inverse; ``UsageError`` for zero."""
        obj, s = Scalar._new()
        if lib.decaf_255_scalar_invert(s, self._s) != _SUCCESS:
            raise UsageError("zero has no inverse")
        return obj

    def is_zero(self) -> bool:
        """Whether this is the scalar 0."""
        return self == _ZERO_SCALAR

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scalar):
            return NotImplemented
        return bool(lib.decaf_255_scalar_eq(self._s, other._s))

    __hash__ = ScalarForms.__hash__


class Point(PointForms):
    """A ristretto255 group element (immutable)."""

    __slots__ = ("_enc", "_p")

    _p: object
    _enc: bytes | None

    def __init__(self) -> None:
        raise UsageError("build a Point with from_bytes, generator, identity or arithmetic")

    @classmethod
    def _new(cls) -> tuple[Point, object]:
        obj = object.__new__(cls)
        p = ffi.new("decaf_255_point_s *")
        obj._p = p
        obj._enc = None
        return obj, p

    @classmethod
    def from_bytes(cls, data: bytes) -> Point:
        """Decode a canonical ristretto255 encoding (RFC 9496 4.3.1); the identity is allowed."""
        if not isinstance(data, bytes | bytearray) or len(data) != POINT_BYTES:
            raise EncodingError("a group element is 32 bytes")
        obj, p = cls._new()
        data = bytes(data)
        if lib.decaf_255_point_decode(p, data, 1) != _SUCCESS:
            raise EncodingError("not a canonical ristretto255 encoding")
        obj._enc = data
        return obj

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Point:
        """RFC 9496 element derivation (section 4.3.4) from 64 uniform bytes."""
        if len(data) != 64:
            raise UsageError("from_uniform_bytes takes exactly 64 bytes")
        obj, p = cls._new()
        lib.decaf_255_point_from_hash_uniform(p, bytes(data))
        return obj

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
            out = ffi.new("unsigned char[32]")
            lib.decaf_255_point_encode(out, self._p)
            self._enc = bytes(out)
        return self._enc

    def is_identity(self) -> bool:
        """Whether this is the neutral element."""
        return self == _IDENTITY

    def __add__(self, other: Point) -> Point:
        obj, p = Point._new()
        lib.decaf_255_point_add(p, self._p, other._p)
        return obj

    def __sub__(self, other: Point) -> Point:
        obj, p = Point._new()
        lib.decaf_255_point_sub(p, self._p, other._p)
        return obj

    def __neg__(self) -> Point:
        obj, p = Point._new()
        lib.decaf_255_point_negate(p, self._p)
        return obj

    def __mul__(self, scalar: Scalar) -> Point:
        """Constant-time scalar multiplication."""
        if not isinstance(scalar, Scalar):
            return NotImplemented
        obj, p = Point._new()
        lib.decaf_255_point_scalarmul(p, self._p, scalar._s)
        return obj

    def __rmul__(self, scalar: Scalar) -> Point:
        return self.__mul__(scalar)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return bool(lib.decaf_255_point_eq(self._p, other._p))

    def __hash__(self) -> int:
        return hash((Point, self.to_bytes()))


def _constant_point(source: object) -> Point:
    obj, p = Point._new()
    ffi.memmove(p, source, ffi.sizeof("decaf_255_point_s"))
    return obj


_ZERO_SCALAR = Scalar.from_bytes(bytes(32))
_GENERATOR = _constant_point(lib.decaf_255_point_base)
_IDENTITY = _constant_point(lib.decaf_255_point_identity)


def select_scalar(pick_b: int, a: Scalar, b: Scalar) -> Scalar:
    """``b`` if ``pick_b`` (0 or 1) else ``a``, without a data-dependent branch."""
    obj, s = Scalar._new()
    lib.decaf_255_scalar_cond_sel(s, a._s, b._s, pick_b)
    return obj


def select_point(pick_b: int, a: Point, b: Point) -> Point:
    """``b`` if ``pick_b`` (0 or 1) else ``a``, without a data-dependent branch."""
    obj, p = Point._new()
    lib.decaf_255_point_cond_sel(p, a._p, b._p, pick_b)
    return obj


def base_mul(scalar: Scalar) -> Point:
    """``scalar·G`` through libdecaf's precomputed generator table (constant time)."""
    obj, p = Point._new()
    lib.decaf_255_precomputed_scalarmul(p, lib.decaf_255_precomputed_base, scalar._s)
    return obj


def double_mul(first: Point, a: Scalar, second: Point, b: Scalar) -> Point:
    """``a·first + b·second`` in constant time: one of libdecaf's ladders for both (about 1.46
    times faster than two multiplications), for secret scalars."""
    obj, p = Point._new()
    lib.decaf_255_point_double_scalarmul(p, first._p, a._s, second._p, b._s)
    return obj


def double_mul_vartime(a: Scalar, b: Scalar, point: Point) -> Point:
    """``a·G + b·point`` in variable time: for public data only (verification)."""
    if b.is_zero():
        # libdecaf 1.0.2's base_double_scalarmul_non_secret returns the identity when the
        # second scalar is zero (tests/crypto/test_group.py checks this path).
        return base_mul(a)
    obj, p = Point._new()
    lib.decaf_255_base_double_scalarmul_non_secret(p, a._s, point._p, b._s)
    return obj


def multi_mul(scalars: Sequence[Scalar], points: Sequence[Point]) -> Point:
    """``sum(s·P)`` in constant time, for secret scalars (``csrc/msm_secret.c``: fixed
    radix-16 windows, each multiple read by a scan of the point's whole table)."""
    return _msm(lib.referendum_msm_secret, "multi_mul", scalars, points)


def multi_mul_vartime(scalars: Sequence[Scalar], points: Sequence[Point]) -> Point:
    """``sum(s·P)`` in variable time (Straus' method): for public data only."""
    return _msm(lib.referendum_msm_vartime, "multi_mul_vartime", scalars, points)


def _msm(
    function: Callable[..., int], name: str, scalars: Sequence[Scalar], points: Sequence[Point]
) -> Point:
    """``sum(s·P)`` by one of the C multi-scalar multiplications (``function``)."""
    if len(scalars) != len(points):
        raise UsageError(f"{name}: as many scalars as points")
    if not points:
        return _IDENTITY
    obj, p = Point._new()
    ok = function(
        p,
        ffi.new("decaf_255_point_s *[]", [q._p for q in points]),
        ffi.new("decaf_255_scalar_s *[]", [s._s for s in scalars]),
        len(points),
    )
    if not ok:
        raise MemoryError(f"{name}: out of memory")
    return obj


def points_from_buffer(buffer: object, count: int) -> list[Point]:
    """Copies of the first ``count`` points of a C array of ``decaf_255_point_s`` (the sums
    that :mod:`referendum.crypto.ballot_batch` keeps in C memory)."""
    size = ffi.sizeof("decaf_255_point_s")
    source = ffi.cast("decaf_255_point_s *", buffer)
    out = []
    for i in range(count):
        obj, p = Point._new()
        ffi.memmove(p, source + i, size)
        out.append(obj)
    return out


def weighted_multi_mul_vartime(
    points: Sequence[Point],
    weights: bytes,
    scalars: Sequence[Scalar],
    point_index: Sequence[int],
    weight_index: Sequence[int],
) -> Point:
    """``sum(w[weight_index[k]]·scalars[k]·points[point_index[k]])`` in variable time, where
    ``w[i]`` is the i-th 16-byte little-endian integer of ``weights``: a random linear
    combination of equations, for public data only."""
    n = len(scalars)
    if not len(point_index) == len(weight_index) == n:
        raise UsageError("weighted_multi_mul_vartime: one point and weight index per scalar")
    if len(weights) % 16 or any(not 0 <= w < len(weights) // 16 for w in weight_index):
        raise UsageError("weighted_multi_mul_vartime: weight index out of range")
    obj, p = Point._new()
    ok = lib.referendum_weighted_msm_vartime(
        p,
        ffi.new("decaf_255_point_s *[]", [q._p for q in points]),
        len(points),
        weights,
        ffi.new("decaf_255_scalar_s *[]", [s._s for s in scalars]),
        ffi.new("size_t[]", list(point_index)),
        ffi.new("size_t[]", list(weight_index)),
        n,
    )
    if not ok:
        raise UsageError("weighted_multi_mul_vartime: point index out of range")
    return obj


class FixedBase:
    """A point with a precomputed table, for repeated constant-time multiplication.

    >>> table = FixedBase(Point.generator())
    >>> table.mul(Scalar.from_int(3)) == base_mul(Scalar.from_int(3))
    True
    """

    __slots__ = ("_buffer", "_table", "point")

    def __init__(self, point: Point) -> None:
        size = lib.decaf_255_sizeof_precomputed_s
        align = lib.decaf_255_alignof_precomputed_s
        self._buffer = ffi.new("unsigned char[]", size + align)
        address = int(ffi.cast("uintptr_t", self._buffer))
        aligned = (address + align - 1) // align * align
        self._table = ffi.cast("decaf_255_precomputed_s *", aligned)
        lib.decaf_255_precompute(self._table, point._p)
        self.point = point

    @property
    def table(self) -> object:
        """The ``decaf_255_precomputed_s *`` of the table (for the C batch checker)."""
        return self._table

    def mul(self, scalar: Scalar) -> Point:
        """``scalar·point`` (constant time)."""
        obj, p = Point._new()
        lib.decaf_255_precomputed_scalarmul(p, self._table, scalar._s)
        return obj


small_multiple: Final = SmallMultiples(_IDENTITY, _GENERATOR, Point.__add__)
"""``m·G`` for ``0 <= m < 65536`` from a cached table (public values only)."""
