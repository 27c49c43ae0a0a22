"""Chaum-Pedersen proof that ``log_g1(h1) == log_g2(h2)`` (DLEQ), bound to a context.

Used for decryption shares (``g1 = G``, ``h1`` = the trustee's verification key, ``g2 = alpha``,
``h2`` = the share) and for complaints in the key generation.  Commitments ``a1 = w·g1``,
``a2 = w·g2``; challenge ``c = hash_to_scalar("referendum/v1/proof/dleq", g1, h1, g2, h2, a1,
a2, context)``; response ``z = w + c·x``; checks ``z·g1 == a1 + c·h1`` and ``z·g2 == a2 + c·h2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.group import Point, Scalar
from referendum.crypto.hashing import hash_to_scalar
from referendum.crypto.json_fields import get_object, get_point, get_scalar
from referendum.crypto.random import RandomSource

__all__ = [
    "DLEQ_DOMAIN",
    "DleqProof",
    "DleqStatement",
    "dleq_equations",
    "prove_dleq",
    "prove_dleq_with_nonce",
    "verify_dleq",
]

DLEQ_DOMAIN: Final = "referendum/v1/proof/dleq"


@dataclass(frozen=True, slots=True)
class DleqStatement:
    """``h1 = x·g1`` and ``h2 = x·g2`` for the same secret ``x``."""

    g1: Point
    h1: Point
    g2: Point
    h2: Point

    def challenge(self, a1: Point, a2: Point, context: bytes) -> Scalar:
        """The Fiat-Shamir challenge."""
        return hash_to_scalar(
            DLEQ_DOMAIN,
            self.g1.to_bytes(),
            self.h1.to_bytes(),
            self.g2.to_bytes(),
            self.h2.to_bytes(),
            a1.to_bytes(),
            a2.to_bytes(),
            context,
        )


@dataclass(frozen=True, slots=True)
class DleqProof:
    """Commitments ``a1``, ``a2`` and response ``z``."""

    a1: Point
    a2: Point
    response: Scalar

    def to_json(self) -> dict[str, str]:
        """``{"a1": hex, "a2": hex, "response": hex}``."""
        return {"a1": self.a1.hex(), "a2": self.a2.hex(), "response": self.response.hex()}

    @staticmethod
    def from_json(obj: Any, *, field: str = "proof") -> DleqProof:
        """Parse ``to_json`` output; errors name ``field``."""
        data = get_object(obj, field)
        return DleqProof(
            get_point(data, "a1", field),
            get_point(data, "a2", field),
            get_scalar(data, "response", field),
        )


def prove_dleq_with_nonce(
    secret: Scalar, statement: DleqStatement, context: bytes, nonce: Scalar
) -> DleqProof:
    """Deterministic twin of ``prove_dleq`` (constant time in ``secret`` and ``nonce``)."""
    a1 = statement.g1 * nonce
    a2 = statement.g2 * nonce
    challenge = statement.challenge(a1, a2, context)
    return DleqProof(a1, a2, nonce + challenge * secret)


def prove_dleq(
    secret: Scalar, statement: DleqStatement, context: bytes, rng: RandomSource
) -> DleqProof:
    """Prove that ``statement.h1 = secret·g1`` and ``statement.h2 = secret·g2``."""
    return prove_dleq_with_nonce(secret, statement, context, Scalar.random(rng))


def dleq_equations(
    statement: DleqStatement, proof: DleqProof, context: bytes, *, label: str = "dleq"
) -> list[Equation]:
    """The two verification equations."""
    challenge = statement.challenge(proof.a1, proof.a2, context)
    minus_one = Scalar.from_int(-1)
    minus_c = -challenge
    return [
        Equation(
            f"{label}.g1",
            ((proof.response, statement.g1), (minus_one, proof.a1), (minus_c, statement.h1)),
        ),
        Equation(
            f"{label}.g2",
            ((proof.response, statement.g2), (minus_one, proof.a2), (minus_c, statement.h2)),
        ),
    ]


def verify_dleq(
    statement: DleqStatement, proof: DleqProof, context: bytes, *, label: str = "dleq"
) -> None:
    """Raise ``ProofError`` unless the proof verifies."""
    verify_equations(dleq_equations(statement, proof, context, label=label))
