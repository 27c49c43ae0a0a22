"""Checking many verification equations at once (public data only).

Every proof check here is a linear equation ``sum(s_i·P_i) == identity`` over public points.
``verify_equations`` checks a random linear combination of all of them with one variable-time
multi-scalar multiplication; the 128-bit weights are derived by hashing every term of every
equation, so verification stays deterministic while a cheating prover cannot predict them.
When the combination fails, each equation is checked alone to name the one that is wrong.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from referendum.crypto.group import Point, Scalar, multi_mul_vartime, weighted_multi_mul_vartime
from referendum.crypto.hashing import encode_fields
from referendum.errors import ProofError

__all__ = ["BATCH_DOMAIN", "Equation", "check_equation", "verify_equations"]

BATCH_DOMAIN = b"referendum/v1/batch-weights"


@dataclass(frozen=True, slots=True)
class Equation:
    """The claim ``sum(s·P for s, P in terms) == identity``; ``label`` names it in errors.

    ``transcript``, when not empty, is a byte string that determines the equation's terms
    (for a sigma proof: its Fiat-Shamir challenge, which hashes the statement and the
    commitments, and its challenge and response scalars); the batch weights then hash the
    transcripts instead of every term.
    """

    label: str
    terms: tuple[tuple[Scalar, Point], ...]
    transcript: bytes = b""


def check_equation(equation: Equation) -> bool:
    """Whether one equation holds."""
    scalars = [s for s, _ in equation.terms]
    points = [p for _, p in equation.terms]
    return multi_mul_vartime(scalars, points).is_identity()


def _weights(equations: Sequence[Equation]) -> bytes:
    """16-byte little-endian weights: 1 for the first equation, then SHAKE-256 output."""
    parts = [BATCH_DOMAIN, len(equations).to_bytes(8, "big")]
    for equation in equations:
        if equation.transcript:
            parts += [b"t", equation.transcript]
            continue
        parts += [b"e", len(equation.terms).to_bytes(8, "big")]
        for scalar, point in equation.terms:
            parts += [scalar.to_bytes(), point.to_bytes()]
    seed = hashlib.sha512(encode_fields(*parts)).digest()
    stream = hashlib.shake_256(seed).digest(16 * (len(equations) - 1))
    return (1).to_bytes(16, "little") + stream


def verify_equations(equations: Sequence[Equation]) -> None:
    """Check all equations; raise ``ProofError`` naming the first false one."""
    if not equations:
        return
    if len(equations) == 1:
        if not check_equation(equations[0]):
            raise ProofError(f"{equations[0].label}: verification equation does not hold")
        return
    index: dict[int, int] = {}
    points: list[Point] = []
    scalars: list[Scalar] = []
    point_index: list[int] = []
    weight_index: list[int] = []
    for k, equation in enumerate(equations):
        for scalar, point in equation.terms:
            i = index.get(id(point))
            if i is None:
                i = index[id(point)] = len(points)
                points.append(point)
            scalars.append(scalar)
            point_index.append(i)
            weight_index.append(k)
    combined = weighted_multi_mul_vartime(
        points, _weights(equations), scalars, point_index, weight_index
    )
    if combined.is_identity():
        return
    for equation in equations:
        if not check_equation(equation):
            raise ProofError(f"{equation.label}: verification equation does not hold")
    raise ProofError("batch: combined verification equation does not hold")  # pragma: no cover
