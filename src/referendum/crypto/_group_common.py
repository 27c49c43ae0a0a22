"""What both implementations of :mod:`referendum.crypto.group` share: the constants, the
hex and integer forms of the encodings, pickling, and the cache of small multiples of the
generator.  Each implementation's ``Scalar`` and ``Point`` derive from these mixins and give
the encodings and the arithmetic."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Generic, Self, TypeVar

from referendum.errors import EncodingError, UsageError

if TYPE_CHECKING:
    from referendum.crypto.random import RandomSource

__all__ = [
    "GROUP_ORDER",
    "POINT_BYTES",
    "SCALAR_BYTES",
    "PointForms",
    "ScalarForms",
    "SmallMultiples",
]

GROUP_ORDER: Final = 2**252 + 27742317777372353535851937790883648493
SCALAR_BYTES: Final = 32
POINT_BYTES: Final = 32

_SMALL_SCALARS: dict[tuple[type, int], Any] = {}
_SMALL_SCALAR_LIMIT: Final = 1 << 12


class ScalarForms:
    """The forms of a scalar built on its canonical encoding (``from_bytes``, ``to_bytes``
    and ``from_uniform_bytes`` come from the implementation)."""

    __slots__ = ()

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        raise NotImplementedError

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Self:
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        raise NotImplementedError

    @classmethod
    def from_int(cls, n: int) -> Self:
        """The scalar ``n mod L`` (negative ``n`` allowed; small values come from a cache)."""
        cached: Self | None = _SMALL_SCALARS.get((cls, n))
        if cached is not None:
            return cached
        value = cls.from_bytes((n % GROUP_ORDER).to_bytes(SCALAR_BYTES, "little"))
        if -_SMALL_SCALAR_LIMIT <= n <= _SMALL_SCALAR_LIMIT:
            _SMALL_SCALARS[(cls, n)] = value
        return value

    @classmethod
    def random(cls, rng: RandomSource) -> Self:
        """A uniformly random scalar: 64 bytes from ``rng`` reduced modulo L."""
        return cls.from_uniform_bytes(rng.random_bytes(64))

    @classmethod
    def from_hex(cls, text: str) -> Self:
        """Decode lowercase or uppercase hex of the canonical encoding."""
        try:
            data = bytes.fromhex(text)
        except (ValueError, TypeError) as exc:
            raise EncodingError("scalar is not hex") from exc
        return cls.from_bytes(data)

    def hex(self) -> str:
        """Lowercase hex of ``to_bytes()``."""
        return self.to_bytes().hex()

    def to_int(self) -> int:
        """The integer in ``0 .. L-1``."""
        return int.from_bytes(self.to_bytes(), "little")

    def __hash__(self) -> int:
        return hash((ScalarForms, self.to_bytes()))

    def __repr__(self) -> str:
        return f"Scalar({self.hex()})"

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        # picklable (for worker processes) through the canonical encoding
        return (type(self).from_bytes, (self.to_bytes(),))


class PointForms:
    """The forms of a point built on its canonical encoding."""

    __slots__ = ()

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        raise NotImplementedError

    @classmethod
    def from_hex(cls, text: str) -> Self:
        """Decode hex of the canonical encoding."""
        try:
            data = bytes.fromhex(text)
        except (ValueError, TypeError) as exc:
            raise EncodingError("group element is not hex") from exc
        return cls.from_bytes(data)

    def hex(self) -> str:
        """Lowercase hex of ``to_bytes()``."""
        return self.to_bytes().hex()

    def __repr__(self) -> str:
        return f"Point({self.hex()})"

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        # picklable (for worker processes) through the canonical encoding
        return (type(self).from_bytes, (self.to_bytes(),))


P = TypeVar("P")


class SmallMultiples(Generic[P]):
    """``m·G`` for ``0 <= m < 65536``, each computed once by adding the generator (public
    values only: the discrete logarithms of a tally)."""

    LIMIT: Final = 1 << 16

    def __init__(self, identity: P, generator: P, add: Callable[[P, P], P]) -> None:
        self._multiples = [identity]
        self._generator = generator
        self._add = add

    def __call__(self, m: int) -> P:
        if not 0 <= m < self.LIMIT:
            raise UsageError(f"small_multiple takes 0 <= m < {self.LIMIT}, got {m}")
        multiples = self._multiples
        while len(multiples) <= m:
            multiples.append(self._add(multiples[-1], self._generator))
        return multiples[m]
