"""Schnorr proof of knowledge of ``x`` with ``X = x·G``, bound to a context.

Challenge ``c = hash_to_scalar("referendum/v1/proof/schnorr", X, A, context)`` where ``A = w·G``
is the commitment; response ``z = w + c·x``; check ``z·G == A + c·X``.

>>> from referendum.crypto.random import DeterministicRandom
>>> x = Scalar.from_int(42)
>>> proof = prove_schnorr(x, base_mul(x), b"ctx", DeterministicRandom(b"d"))
>>> verify_schnorr(base_mul(x), proof, b"ctx")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.hashing import hash_to_scalar
from referendum.crypto.json_fields import get_object, get_point, get_scalar
from referendum.crypto.random import RandomSource

__all__ = [
    "SCHNORR_DOMAIN",
    "SchnorrProof",
    "prove_schnorr",
    "prove_schnorr_with_nonce",
    "schnorr_challenge",
    "schnorr_equations",
    "verify_schnorr",
]

SCHNORR_DOMAIN: Final = "referendum/v1/proof/schnorr"


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """Commitment ``A = w·G`` and response ``z``."""

    commitment: Point
    response: Scalar

    def to_json(self) -> dict[str, str]:
        """``{"commitment": hex, "response": hex}``."""
        return {"commitment": self.commitment.hex(), "response": self.response.hex()}

    @staticmethod
    def from_json(obj: Any, *, field: str = "proof") -> SchnorrProof:
        """Parse ``to_json`` output; errors name ``field``."""
        data = get_object(obj, field)
        return SchnorrProof(
            get_point(data, "commitment", field), get_scalar(data, "response", field)
        )


def schnorr_challenge(public: Point, commitment: Point, context: bytes) -> Scalar:
    """The Fiat-Shamir challenge."""
    return hash_to_scalar(SCHNORR_DOMAIN, public.to_bytes(), commitment.to_bytes(), context)


def prove_schnorr_with_nonce(
    secret: Scalar, public: Point, context: bytes, nonce: Scalar
) -> SchnorrProof:
    """Deterministic twin of ``prove_schnorr``: ``nonce`` is ``w``."""
    commitment = base_mul(nonce)
    challenge = schnorr_challenge(public, commitment, context)
    return SchnorrProof(commitment, nonce + challenge * secret)


def prove_schnorr(secret: Scalar, public: Point, context: bytes, rng: RandomSource) -> SchnorrProof:
    """Prove knowledge of ``secret`` with ``public = secret·G``."""
    return prove_schnorr_with_nonce(secret, public, context, Scalar.random(rng))


def schnorr_equations(
    public: Point, proof: SchnorrProof, context: bytes, *, label: str = "schnorr"
) -> list[Equation]:
    """The equation ``z·G - A - c·X == 0``."""
    challenge = schnorr_challenge(public, proof.commitment, context)
    minus_one = Scalar.from_int(-1)
    terms = (
        (proof.response, Point.generator()),
        (minus_one, proof.commitment),
        (-challenge, public),
    )
    return [Equation(label, terms)]


def verify_schnorr(
    public: Point, proof: SchnorrProof, context: bytes, *, label: str = "schnorr"
) -> None:
    """Raise ``ProofError`` unless the proof verifies."""
    verify_equations(schnorr_equations(public, proof, context, label=label))
