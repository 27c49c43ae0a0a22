"""Disjunctive Chaum-Pedersen proof that a ciphertext encrypts an integer in ``[lo, hi]``.

Statement: ``(alpha, beta)`` under key ``K`` encrypts some ``m`` in ``lo..hi`` (``0..1`` for a
selection).  For each ``j`` in ``lo..hi`` the branch claims that ``(G, alpha, K, beta - j·G)``
is a Diffie-Hellman tuple.  Published: commitments ``(a_j, b_j)``, challenges ``c_j`` and
responses ``z_j`` of every branch.  The challenge is

    c = hash_to_scalar(domain, fingerprint, K, alpha, beta, lo, hi,
                       a_lo, b_lo, ..., a_hi, b_hi, context)

(``lo``/``hi`` as 8-byte big-endian) and the verifier checks ``sum(c_j) == c`` and, for every
``j``: ``z_j·G == a_j + c_j·alpha`` and ``z_j·K == b_j + c_j·(beta - j·G)``.

The prover runs the same sequence of group operations for every branch whichever is real.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.elgamal import Ciphertext, public_key_table
from referendum.crypto.group import Point, Scalar, base_mul, select_point, select_scalar
from referendum.crypto.hashing import hash_to_scalar
from referendum.crypto.json_fields import CryptoInputError, get_list, get_object, point, scalar
from referendum.crypto.random import RandomSource
from referendum.errors import ProofError, UsageError

__all__ = [
    "RangeNonces",
    "RangeProof",
    "prove_range",
    "prove_range_with_nonces",
    "random_range_nonces",
    "range_challenge",
    "range_equations",
    "verify_range",
]

RangeNonces = tuple[tuple[Scalar, Scalar], ...]
"""One pair ``(u_j, v_j)`` per branch ``j = lo..hi``: for the real branch ``u`` is the
commitment nonce (``v`` unused); for a simulated one ``u`` is its challenge, ``v`` its response."""


@dataclass(frozen=True, slots=True)
class RangeProof:
    """Per branch ``j = lo..hi``: commitment ``(a_j, b_j)``, challenge ``c_j``, response ``z_j``."""

    commitments: tuple[tuple[Point, Point], ...]
    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]

    def to_json(self) -> dict[str, list[Any]]:
        """``{"commitments": [{"a", "b"}...], "challenges": [...], "responses": [...]}``, hex."""
        return {
            "commitments": [{"a": a.hex(), "b": b.hex()} for a, b in self.commitments],
            "challenges": [c.hex() for c in self.challenges],
            "responses": [z.hex() for z in self.responses],
        }

    @staticmethod
    def from_json(obj: Any, *, branches: int | None = None, field: str = "proof") -> RangeProof:
        """Parse ``to_json`` output (with exactly ``branches`` branches when given, at least
        one otherwise); errors name the field."""
        data = get_object(obj, field)
        if set(data) != {"commitments", "challenges", "responses"}:
            raise CryptoInputError(field, "expected keys commitments, challenges, responses")
        raw = get_list(data, "commitments", field, length=branches)
        branches = len(raw)
        if not 1 <= branches <= 1 << 16:
            raise CryptoInputError(f"{field}.commitments", "expected 1 to 65536 branches")
        commitments = []
        for j, item in enumerate(raw):
            where = f"{field}.commitments[{j}]"
            entry = get_object(item, where)
            if set(entry) != {"a", "b"}:
                raise CryptoInputError(where, "expected keys a, b")
            commitments.append((point(entry["a"], f"{where}.a"), point(entry["b"], f"{where}.b")))
        challenges = get_list(data, "challenges", field, length=branches)
        responses = get_list(data, "responses", field, length=branches)
        return RangeProof(
            tuple(commitments),
            tuple(scalar(c, f"{field}.challenges[{j}]") for j, c in enumerate(challenges)),
            tuple(scalar(z, f"{field}.responses[{j}]") for j, z in enumerate(responses)),
        )


def random_range_nonces(lo: int, hi: int, rng: RandomSource) -> RangeNonces:
    """Fresh nonces for a proof over ``lo..hi``."""
    return tuple((Scalar.random(rng), Scalar.random(rng)) for _ in range(lo, hi + 1))


def range_challenge(
    *,
    domain: str,
    fingerprint: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    lo: int,
    hi: int,
    commitments: Sequence[tuple[Point, Point]],
    context: bytes,
) -> Scalar:
    """The Fiat-Shamir challenge of the whole disjunction."""
    parts = [fingerprint, public_key.to_bytes(), ciphertext.alpha.to_bytes()]
    parts += [ciphertext.beta.to_bytes(), lo.to_bytes(8, "big"), hi.to_bytes(8, "big")]
    for a, b in commitments:
        parts += [a.to_bytes(), b.to_bytes()]
    parts.append(context)
    return hash_to_scalar(domain, *parts)


def _bounds(lo: int, hi: int) -> None:
    if not 0 <= lo <= hi < 1 << 16:
        raise UsageError(f"range proof bounds must satisfy 0 <= lo <= hi < 65536: {lo}..{hi}")


def prove_range_with_nonces(
    *,
    domain: str,
    fingerprint: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    message: int,
    nonce: Scalar,
    lo: int,
    hi: int,
    context: bytes,
    nonces: RangeNonces,
) -> RangeProof:
    """Deterministic twin of ``prove_range``; ``nonce`` is the ciphertext's ``r``."""
    _bounds(lo, hi)
    if not lo <= message <= hi:
        raise UsageError(f"message {message} is outside {lo}..{hi}")
    if len(nonces) != hi - lo + 1:
        raise UsageError("one nonce pair per branch")
    table = public_key_table(public_key)
    identity = Point.identity()
    # Every branch runs the same operations: real (flag 1): a = u·G, b = u·K; simulated
    # (flag 0): a = s·G, b = s·K + t·G with s = v - u·r and t = u·(j - m), so that
    # z = v and c = u satisfy the verification equations.
    flags = [int(j == message) for j in range(lo, hi + 1)]
    s_values = [
        select_scalar(flag, v - u * nonce, u) for flag, (u, v) in zip(flags, nonces, strict=True)
    ]
    t_values = [
        select_scalar(flag, u * Scalar.from_int(j - message), Scalar.from_int(0))
        for j, flag, (u, _) in zip(range(lo, hi + 1), flags, nonces, strict=True)
    ]
    if len(flags) == 1:
        shifts = [identity]  # the only branch is the real one: t = 0
    elif len(flags) == 2:
        # exactly one simulated branch: one multiplication, selected into place
        shared = base_mul(t_values[0] + t_values[1])
        shifts = [select_point(1 - flag, identity, shared) for flag in flags]
    else:
        shifts = [base_mul(t) for t in t_values]
    commitments = [
        (base_mul(s_j), table.mul(s_j) + shift) for s_j, shift in zip(s_values, shifts, strict=True)
    ]
    challenge = range_challenge(
        domain=domain,
        fingerprint=fingerprint,
        public_key=public_key,
        ciphertext=ciphertext,
        lo=lo,
        hi=hi,
        commitments=commitments,
        context=context,
    )
    zero = Scalar.from_int(0)
    simulated_sum = zero
    for flag, (u, _) in zip(flags, nonces, strict=True):
        simulated_sum = simulated_sum + select_scalar(flag, u, zero)
    real_challenge = challenge - simulated_sum
    real_response_base = real_challenge * nonce
    challenges = []
    responses = []
    for flag, (u, v) in zip(flags, nonces, strict=True):
        challenges.append(select_scalar(flag, u, real_challenge))
        responses.append(select_scalar(flag, v, u + real_response_base))
    return RangeProof(tuple(commitments), tuple(challenges), tuple(responses))


def prove_range(
    *,
    domain: str,
    fingerprint: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    message: int,
    nonce: Scalar,
    lo: int,
    hi: int,
    context: bytes,
    rng: RandomSource,
) -> RangeProof:
    """Prove that ``ciphertext`` (made with ``nonce``) encrypts ``message`` in ``lo..hi``."""
    return prove_range_with_nonces(
        domain=domain,
        fingerprint=fingerprint,
        public_key=public_key,
        ciphertext=ciphertext,
        message=message,
        nonce=nonce,
        lo=lo,
        hi=hi,
        context=context,
        nonces=random_range_nonces(lo, hi, rng),
    )


def range_equations(
    *,
    domain: str,
    fingerprint: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    lo: int,
    hi: int,
    proof: RangeProof,
    context: bytes,
    label: str = "range",
    summands: Sequence[Ciphertext] = (),
) -> list[Equation]:
    """Check the challenge sum (raising ``ProofError``) and return the linear equations.

    When ``ciphertext`` is the sum of ``summands``, passing them writes the equations over
    the summands (the same equations, with points a batch shares with other proofs)."""
    _bounds(lo, hi)
    branches = hi - lo + 1
    if not len(proof.commitments) == len(proof.challenges) == len(proof.responses) == branches:
        raise ProofError(f"{label}: expected {branches} branches")
    challenge = range_challenge(
        domain=domain,
        fingerprint=fingerprint,
        public_key=public_key,
        ciphertext=ciphertext,
        lo=lo,
        hi=hi,
        commitments=proof.commitments,
        context=context,
    )
    total = Scalar.from_int(0)
    for c in proof.challenges:
        total = total + c
    if total != challenge:
        raise ProofError(f"{label}: challenges do not add up to the Fiat-Shamir hash")
    generator = Point.generator()
    minus_one = Scalar.from_int(-1)
    alphas = [part.alpha for part in summands] or [ciphertext.alpha]
    betas = [part.beta for part in summands] or [ciphertext.beta]
    equations = []
    for j, ((a, b), c, z) in enumerate(
        zip(proof.commitments, proof.challenges, proof.responses, strict=True), start=lo
    ):
        minus_c = -c
        transcript = challenge.to_bytes() + j.to_bytes(8, "big") + c.to_bytes() + z.to_bytes()
        a_terms = ((z, generator), (minus_one, a), *((minus_c, alpha) for alpha in alphas))
        equations.append(Equation(f"{label}.branch[{j}].a", a_terms, b"a" + transcript))
        b_terms = ((z, public_key), (minus_one, b), *((minus_c, beta) for beta in betas))
        if j:
            b_terms += ((c * Scalar.from_int(j), generator),)
        equations.append(Equation(f"{label}.branch[{j}].b", b_terms, b"b" + transcript))
    return equations


def verify_range(
    *,
    domain: str,
    fingerprint: bytes,
    public_key: Point,
    ciphertext: Ciphertext,
    lo: int,
    hi: int,
    proof: RangeProof,
    context: bytes,
    label: str = "range",
) -> None:
    """Raise ``ProofError`` unless ``proof`` shows ``ciphertext`` encrypts a value in lo..hi."""
    verify_equations(
        range_equations(
            domain=domain,
            fingerprint=fingerprint,
            public_key=public_key,
            ciphertext=ciphertext,
            lo=lo,
            hi=hi,
            proof=proof,
            context=context,
            label=label,
        )
    )
