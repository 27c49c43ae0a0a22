"""Signing keys kept in files: the credential authority's, the board's and a witness's.

Each is a secret scalar whose public half goes in the manifest; its file (written mode 0600)
is ``{"format": ..., "secret": hex, "public": hex}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar, Self

from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.random import RandomSource
from referendum.errors import EncodingError, InputError

__all__ = ["SigningKey", "WitnessKey"]


@dataclass(frozen=True)
class SigningKey:
    """A Schnorr signing key; subclasses name their file format and what they are."""

    FORMAT: ClassVar[str]
    WHAT: ClassVar[str]

    secret: Scalar

    @cached_property
    def public(self) -> Point:
        """The public key (computed once)."""
        return base_mul(self.secret)

    @classmethod
    def generate(cls, rng: RandomSource) -> Self:
        return cls(Scalar.random(rng))

    def to_json(self) -> dict[str, str]:
        return {"format": self.FORMAT, "secret": self.secret.hex(), "public": self.public.hex()}

    @classmethod
    def from_json(cls, data: object) -> Self:
        """Read a key file's JSON; :class:`InputError` naming the key when it is not one."""
        if not isinstance(data, dict) or data.get("format") != cls.FORMAT:
            raise InputError(cls.WHAT, f"not a {cls.FORMAT} file")
        try:
            return cls(Scalar.from_hex(str(data["secret"])))
        except (KeyError, ValueError, EncodingError) as exc:
            raise InputError(cls.WHAT, f"malformed: {type(exc).__name__}") from None


@dataclass(frozen=True)
class WitnessKey(SigningKey):
    """A witness's cosigning key; its public half is named in the manifest's ``witnesses``."""

    FORMAT: ClassVar[str] = "referendum-witness-key/1"
    WHAT: ClassVar[str] = "witness key"
