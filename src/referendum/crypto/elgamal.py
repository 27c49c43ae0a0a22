"""Exponential ElGamal on ristretto255.

A message ``m`` (a small integer) under public key ``K`` with nonce ``r`` encrypts to
``(alpha, beta) = (r·G, m·G + r·K)``.  Ciphertexts add: the sum encrypts the sum of the
messages.  Decryption yields ``m·G``; ``DiscreteLog`` recovers ``m`` for small ``m``.

>>> from referendum.crypto.group import Scalar, base_mul
>>> secret = Scalar.from_int(5)
>>> key = base_mul(secret)
>>> ct = encrypt(key, 3, Scalar.from_int(7)) + encrypt(key, 4, Scalar.from_int(9))
>>> DiscreteLog(10).solve(ct.beta - ct.alpha * secret)
7
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from referendum.crypto.group import FixedBase, Point, Scalar, base_mul, small_multiple
from referendum.crypto.json_fields import get_object, get_point
from referendum.errors import EncodingError, ProofError, UsageError

__all__ = ["Ciphertext", "DiscreteLog", "cached_table", "encrypt", "public_key_table"]


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """An exponential ElGamal ciphertext ``(alpha, beta)``."""

    alpha: Point
    beta: Point

    @staticmethod
    def zero() -> Ciphertext:
        """The trivial encryption of 0 (nonce 0): the neutral element of ``+``."""
        return Ciphertext(Point.identity(), Point.identity())

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def to_bytes(self) -> bytes:
        """``alpha || beta``, 64 bytes."""
        return self.alpha.to_bytes() + self.beta.to_bytes()

    @staticmethod
    def from_bytes(data: bytes) -> Ciphertext:
        """Decode ``to_bytes`` output (``EncodingError`` unless both points are canonical)."""
        if len(data) != 64:
            raise EncodingError("a ciphertext is 64 bytes")
        return Ciphertext(Point.from_bytes(data[:32]), Point.from_bytes(data[32:]))

    def to_json(self) -> dict[str, str]:
        """``{"alpha": hex, "beta": hex}``."""
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}

    @staticmethod
    def json_of_bytes(data: bytes) -> dict[str, str]:
        """``to_json`` of the ciphertext whose ``to_bytes`` is ``data``, without decoding it."""
        return {"alpha": data[:32].hex(), "beta": data[32:64].hex()}

    @staticmethod
    def from_json(obj: Any, *, field: str = "ciphertext") -> Ciphertext:
        """Parse ``to_json`` output; errors name ``field``."""
        data = get_object(obj, field)
        return Ciphertext(get_point(data, "alpha", field), get_point(data, "beta", field))


_TABLES: dict[bytes, FixedBase] = {}


def public_key_table(public_key: Point) -> FixedBase:
    """A (cached) precomputed table for an election public key."""
    key = public_key.to_bytes()
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) > 64:
            _TABLES.clear()
        table = _TABLES[key] = FixedBase(public_key)
    return table


def cached_table(point: Point) -> FixedBase | None:
    """The table :func:`public_key_table` made for ``point``, if it made one."""
    return _TABLES.get(point.to_bytes()) if _TABLES else None


def encrypt(public_key: Point | FixedBase, message: int, nonce: Scalar) -> Ciphertext:
    """Encrypt ``message`` (``0 <= message < 65536``) with the given nonce (constant time in the
    nonce; the message selects a cached multiple of G)."""
    table = public_key if isinstance(public_key, FixedBase) else public_key_table(public_key)
    return Ciphertext(base_mul(nonce), small_multiple(message) + table.mul(nonce))


class DiscreteLog:
    """Solve ``m`` from ``m·G`` for ``0 <= m <= max_value`` (baby-step giant-step).

    >>> DiscreteLog(1000).solve(base_mul(Scalar.from_int(777)))
    777
    """

    __slots__ = ("_baby", "_giant", "_max", "_step")

    def __init__(self, max_value: int) -> None:
        if max_value < 0:
            raise UsageError("max_value must be >= 0")
        self._max = max_value
        self._step = math.isqrt(max_value) + 1
        self._baby: dict[bytes, int] = {}
        point = Point.identity()
        generator = Point.generator()
        for j in range(self._step):
            self._baby[point.to_bytes()] = j
            point = point + generator
        self._giant = -point  # -(step·G)

    def solve(self, target: Point) -> int:
        """``m`` with ``m·G == target``; ``ProofError`` when none is in range."""
        current = target
        for i in range(self._step + 1):
            j = self._baby.get(current.to_bytes())
            if j is not None:
                m = i * self._step + j
                if m <= self._max:
                    return m
            current = current + self._giant
        raise ProofError(f"no discrete logarithm in 0..{self._max}")
