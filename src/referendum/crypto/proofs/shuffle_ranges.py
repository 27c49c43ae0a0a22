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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point, Scalar, weighted_multi_mul_vartime
from referendum.crypto.hashing import encode_fields
from referendum.crypto.proofs.shuffle import (
    Row,
    ShuffleProof,
    ShuffleStatement,
    chain_generator,
    challenge_of_encodings,
    check_proof_shape,
    permutation_challenge,
    row_generator,
    seed_of_encodings,
    shuffle_generators,
    statement_seed,
    verify_shuffle,
)
from referendum.errors import ProofError, UsageError

__all__ = [
    "RANGE_WEIGHTS_DOMAIN",
    "ProofClosing",
    "ShuffleCheck",
    "prepare",
    "prepare_encoded",
    "range_sum",
    "range_sum_of",
    "rest_sum",
    "verify_in_ranges",
]

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
    return _check_of(
        seed, proof.challenge(seed), [s.to_bytes() for s in proof.responses()], n, statement.width
    )


def _check_of(
    seed: bytes, challenge: Scalar, responses: Sequence[bytes], rows: int, width: int
) -> ShuffleCheck:
    weights_seed = hashlib.sha512(
        encode_fields(RANGE_WEIGHTS_DOMAIN, challenge.to_bytes(), *responses)
    ).digest()
    return ShuffleCheck(seed, challenge, weights_seed, rows, width)


def prepare_encoded(
    context: bytes,
    keys: Sequence[bytes],
    rows: int,
    values: Iterable[bytes],
    permutation: Sequence[bytes],
    commitments: Sequence[bytes],
    responses: Sequence[bytes],
) -> ShuffleCheck:
    """:func:`prepare` from encodings that nobody decoded yet (``values``, ``commitments``
    and ``responses`` in the orders of :func:`~referendum.crypto.proofs.shuffle.
    seed_of_encodings`, :func:`~referendum.crypto.proofs.shuffle.challenge_of_encodings` and
    :meth:`~referendum.crypto.proofs.shuffle.ShuffleProof.responses`).  Sound only if every
    one of them is then decoded, canonically, by the range or the closing it belongs to."""
    width = len(keys)
    generators = (row_generator(context, i).to_bytes() for i in range(rows))
    seed = seed_of_encodings(
        context,
        rows,
        width,
        keys,
        chain_generator(context).to_bytes(),
        generators,
        values,
        permutation,
    )
    return _check_of(seed, challenge_of_encodings(seed, commitments), responses, rows, width)


def range_sum(
    check: ShuffleCheck, statement: ShuffleStatement, proof: ShuffleProof, start: int, end: int
) -> Point:
    """The weighted sum of the terms of rows ``start .. end-1`` of every equation."""
    if not 0 <= start <= end <= check.rows:
        raise UsageError("range_sum: a range of rows")
    before = chain_generator(statement.context) if start == 0 else proof.chain[start - 1]
    return range_sum_of(
        check,
        statement.context,
        start,
        statement.inputs[start:end],
        statement.outputs[start:end],
        proof.permutation[start:end],
        before,
        proof.chain[start:end],
        proof.t_chain[start:end],
        proof.s_chain[start:end],
        proof.s_permuted[start:end],
    )


def range_sum_of(
    check: ShuffleCheck,
    context: bytes,
    start: int,
    inputs: Sequence[Row],
    outputs: Sequence[Row],
    permutation: Sequence[Point],
    chain_before: Point,
    chain: Sequence[Point],
    t_chain: Sequence[Point],
    s_chain: Sequence[Scalar],
    s_permuted: Sequence[Scalar],
) -> Point:
    """:func:`range_sum` from the slices of rows ``start ..`` alone (each sequence holds those
    rows; ``chain_before`` is the chain's value before ``start``, ``H`` for row 0): what a
    worker holding only its slice computes."""
    count = len(inputs)
    if not (
        start + count <= check.rows
        and count == len(outputs) == len(permutation) == len(chain) == len(t_chain)
        and count == len(s_chain) == len(s_permuted)
    ):
        raise UsageError("range_sum: slices of one range of rows")
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
    previous = chain_before
    for k_row in range(count):
        i = start + k_row
        s_i = s_permuted[k_row]
        minus_cu = -(c * permutation_challenge(check.seed, i))
        h = row_generator(context, i)
        term(minus_c, permutation[k_row], sum_e)
        term(c, h, sum_e)
        term(s_i, h, weighted_e)
        term(minus_cu, permutation[k_row], weighted_e)
        out_row, in_row = outputs[k_row], inputs[k_row]
        for k in range(w):
            out, inp = out_row[k], in_row[k]
            term(s_i, out.alpha, 3 + 2 * k)
            term(minus_cu, inp.alpha, 3 + 2 * k)
            term(s_i, out.beta, 4 + 2 * k)
            term(minus_cu, inp.beta, 4 + 2 * k)
        chain_e = 3 + 2 * w + i
        term(s_chain[k_row], base, chain_e)
        term(s_i, previous, chain_e)
        term(minus_one, t_chain[k_row], chain_e)
        term(minus_c, chain[k_row], chain_e)
        previous = chain[k_row]
    if not points:
        return Point.identity()
    return weighted_multi_mul_vartime(
        points, weights, scalars, list(range(len(points))), weight_index
    )


@dataclass(frozen=True, slots=True)
class ProofClosing:
    """The members of a shuffle proof that belong to no row, and the chain's last value."""

    t_sum: Point
    t_product: Point
    t_weighted: Point
    t_reencryption: tuple[Ciphertext, ...]
    s_sum: Scalar
    s_product: Scalar
    s_weighted: Scalar
    s_reencryption: tuple[Scalar, ...]
    chain_last: Point

    @staticmethod
    def of(proof: ShuffleProof) -> ProofClosing:
        """The closing members of a whole proof."""
        return ProofClosing(
            proof.t_sum,
            proof.t_product,
            proof.t_weighted,
            proof.t_reencryption,
            proof.s_sum,
            proof.s_product,
            proof.s_weighted,
            proof.s_reencryption,
            proof.chain[-1],
        )


def rest_sum(
    check: ShuffleCheck, context: bytes, keys: Sequence[Point], closing: ProofClosing
) -> Point:
    """The weighted terms that belong to no row."""
    c = check.challenge
    base = Point.generator()
    minus_one = Scalar.from_int(-1)
    u_product = Scalar.from_int(1)
    for j in range(check.rows):
        u_product = u_product * permutation_challenge(check.seed, j)
    terms: list[tuple[Scalar, Point, int]] = [
        (closing.s_sum, base, 0),
        (minus_one, closing.t_sum, 0),
        (closing.s_product, base, 1),
        (minus_one, closing.t_product, 1),
        (-c, closing.chain_last, 1),
        (c * u_product, chain_generator(context), 1),
        (closing.s_weighted, base, 2),
        (minus_one, closing.t_weighted, 2),
    ]
    for k in range(check.width):
        t4 = closing.t_reencryption[k]
        s4 = closing.s_reencryption[k]
        terms += [(-s4, base, 3 + 2 * k), (minus_one, t4.alpha, 3 + 2 * k)]
        terms += [(-s4, keys[k], 4 + 2 * k), (minus_one, t4.beta, 4 + 2 * k)]
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
    total = rest_sum(check, statement.context, statement.keys, ProofClosing.of(proof))
    for start in range(0, check.rows, range_rows):
        total = total + range_sum(
            check, statement, proof, start, min(start + range_rows, check.rows)
        )
    if not total.is_identity():
        verify_shuffle(statement, proof)  # names the false equation
        raise ProofError("shuffle: the range sums do not add up")  # pragma: no cover
