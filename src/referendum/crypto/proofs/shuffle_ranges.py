"""Verifying one shuffle proof in ranges of rows, so that worker processes share the work (as
``referendum verify`` shares ballot ranges).

Every equation of the proof (docs/spec/shuffle.md section 6) is a sum of terms, most of them
one per row.  With one 128-bit weight per equation, the weighted sum of all equations splits
into one partial sum per range of rows plus the terms that belong to no row; the proof holds
(except with probability about ``2^-128``) when the total is the identity.  The parent derives
what every range needs (:func:`prepare`: the seed, the challenge, the weights' seed), each range
is one multi-scalar multiplication (:func:`range_sum`), and :func:`verify_in_ranges` adds them
up; when the total is not the identity it checks the proof whole, which names the first false
equation.  The weights are SHAKE-256 of ``SHA-512(encode_fields(
"referendum/v3/shuffle/range-weights", c, every response))``: 16 bytes per equation in the
order sum, product, weighted, reencryption (alpha, beta per column), chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from referendum.crypto.group import Point, Scalar, weighted_multi_mul_vartime
from referendum.crypto.hashing import encode_fields
from referendum.crypto.proofs.shuffle import (
    ShuffleProof,
    ShuffleStatement,
    chain_generator,
    check_proof_shape,
    permutation_challenge,
    row_generator,
    shuffle_generators,
    statement_seed,
    verify_shuffle,
)
from referendum.errors import ProofError, UsageError

__all__ = ["RANGE_WEIGHTS_DOMAIN", "ShuffleCheck", "prepare", "range_sum", "verify_in_ranges"]

RANGE_WEIGHTS_DOMAIN: Final = b"referendum/v3/shuffle/range-weights"


@dataclass(frozen=True, slots=True)
class ShuffleCheck:
    """What each range needs, derived once from the whole statement and proof."""

    seed: bytes
    challenge: Scalar
    weights_seed: bytes
    rows: int
    width: int

    def weights(self) -> bytes:
        """16 bytes per equation: sum, product, weighted, reencryption[k] alpha and beta,
        chain[0 .. N-1]."""
        count = 3 + 2 * self.width + self.rows
        return hashlib.shake_256(self.weights_seed).digest(16 * count)


def prepare(statement: ShuffleStatement, proof: ShuffleProof) -> ShuffleCheck:
    """The seed, the challenge and the weights' seed (one pass over the statement)."""
    statement.check_shape()
    check_proof_shape(statement, proof)
    n = len(statement.inputs)
    seed = statement_seed(statement, shuffle_generators(statement.context, n), proof.permutation)
    c = proof.challenge(seed)
    responses = proof.responses()
    weights_seed = hashlib.sha512(
        encode_fields(RANGE_WEIGHTS_DOMAIN, c.to_bytes(), *[s.to_bytes() for s in responses])
    ).digest()
    return ShuffleCheck(seed, c, weights_seed, n, statement.width)


def range_sum(
    check: ShuffleCheck, statement: ShuffleStatement, proof: ShuffleProof, start: int, end: int
) -> Point:
    """The weighted sum of the terms of rows ``start .. end-1`` of every equation.  Only those
    rows of ``statement`` and ``proof`` are read (and the chain value just before ``start``), so
    a worker may hold just its slice."""
    if not 0 <= start <= end <= check.rows:
        raise UsageError("range_sum: a range of rows")
    w = check.width
    c = check.challenge
    minus_c, minus_one = -c, Scalar.from_int(-1)
    weights = check.weights()
    # equation indices as in ShuffleCheck.weights
    sum_e, weighted_e = 0, 2
    points: list[Point] = []
    scalars: list[Scalar] = []
    weight_index: list[int] = []

    def term(scalar: Scalar, point: Point, equation: int) -> None:
        scalars.append(scalar)
        points.append(point)
        weight_index.append(equation)

    base = Point.generator()
    chain_start = chain_generator(statement.context)
    for i in range(start, end):
        cu = c * permutation_challenge(check.seed, i)
        h = row_generator(statement.context, i)
        term(minus_c, proof.permutation[i], sum_e)
        term(c, h, sum_e)
        term(proof.s_permuted[i], h, weighted_e)
        term(-cu, proof.permutation[i], weighted_e)
        for k in range(w):
            out, inp = statement.outputs[i][k], statement.inputs[i][k]
            term(proof.s_permuted[i], out.alpha, 3 + 2 * k)
            term(-cu, inp.alpha, 3 + 2 * k)
            term(proof.s_permuted[i], out.beta, 4 + 2 * k)
            term(-cu, inp.beta, 4 + 2 * k)
        chain_e = 3 + 2 * w + i
        previous = chain_start if i == 0 else proof.chain[i - 1]
        term(proof.s_chain[i], base, chain_e)
        term(proof.s_permuted[i], previous, chain_e)
        term(minus_one, proof.t_chain[i], chain_e)
        term(minus_c, proof.chain[i], chain_e)
    if not points:
        return Point.identity()
    return weighted_multi_mul_vartime(
        points, weights, scalars, list(range(len(points))), weight_index
    )


def _rest(check: ShuffleCheck, statement: ShuffleStatement, proof: ShuffleProof) -> Point:
    """The weighted terms that belong to no row."""
    c = check.challenge
    base = Point.generator()
    minus_one = Scalar.from_int(-1)
    u_product = Scalar.from_int(1)
    for j in range(check.rows):
        u_product = u_product * permutation_challenge(check.seed, j)
    terms: list[tuple[Scalar, Point, int]] = [
        (proof.s_sum, base, 0),
        (minus_one, proof.t_sum, 0),
        (proof.s_product, base, 1),
        (minus_one, proof.t_product, 1),
        (-c, proof.chain[-1], 1),
        (c * u_product, chain_generator(statement.context), 1),
        (proof.s_weighted, base, 2),
        (minus_one, proof.t_weighted, 2),
    ]
    for k in range(check.width):
        t4 = proof.t_reencryption[k]
        terms += [(-proof.s_reencryption[k], base, 3 + 2 * k), (minus_one, t4.alpha, 3 + 2 * k)]
        terms += [
            (-proof.s_reencryption[k], statement.keys[k], 4 + 2 * k),
            (minus_one, t4.beta, 4 + 2 * k),
        ]
    return weighted_multi_mul_vartime(
        [p for _, p, _ in terms],
        check.weights(),
        [s for s, _, _ in terms],
        list(range(len(terms))),
        [e for _, _, e in terms],
    )


def verify_in_ranges(
    statement: ShuffleStatement, proof: ShuffleProof, *, range_rows: int = 4096
) -> None:
    """Check the proof range by range (here in one process; a caller may hand the ranges to
    workers and add the points); ``ProofError`` naming the failing equation otherwise."""
    check = prepare(statement, proof)
    total = _rest(check, statement, proof)
    for start in range(0, check.rows, range_rows):
        total = total + range_sum(
            check, statement, proof, start, min(start + range_rows, check.rows)
        )
    if not total.is_identity():
        verify_shuffle(statement, proof)  # names the false equation
        raise ProofError("shuffle: the range sums do not add up")  # pragma: no cover
