"""Proofs of knowledge of secrets satisfying linear relations (Maurer's unified sigma protocol),
and the OR of two such relations (Cramer, Damgård, Schoenmakers, CRYPTO 1994).

A relation is a list of equations ``Y_e = sum_j x_{i_j}·B_j`` over public points ``Y_e``,
``B_j`` and secret scalars ``x_0 .. x_{k-1}``.  The proof publishes one commitment
``A_e = sum_j w_{i_j}·B_j`` per equation and one response ``z_i = w_i + c·x_i`` per secret; the
check of equation ``e`` is ``sum_j z_{i_j}·B_j == A_e + c·Y_e``.  The challenge is
``hash_to_scalar(domain, context, relation, commitments)`` where ``relation`` encodes every
equation (its image, and each term's secret index and base), so the statement is bound whole.
Schnorr and DLEQ proofs are the one- and two-equation cases; the deniable-revoting proofs
(:mod:`referendum.crypto.deniable`) are built from these.

>>> from referendum.crypto.group import base_mul
>>> from referendum.crypto.random import DeterministicRandom
>>> x = Scalar.from_int(7)
>>> rel = LinearRelation((base_mul(x),), (((0, Point.generator()),),), secrets=1)
>>> verify_linear("referendum/v3/proof/example", rel, prove_linear(
...     "referendum/v3/proof/example", rel, (x,), b"ctx", DeterministicRandom(b"d")), b"ctx")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.elgamal import cached_table
from referendum.crypto.group import (
    Point,
    Scalar,
    base_mul,
    double_mul_vartime,
    multi_mul,
    multi_mul_vartime,
)
from referendum.crypto.hashing import encode_fields, hash_to_scalar
from referendum.crypto.json_fields import CryptoInputError, get_object, point, scalar
from referendum.crypto.random import RandomSource
from referendum.errors import ProofError, UsageError

__all__ = [
    "LinearProof",
    "LinearRelation",
    "OrProof",
    "linear_equations",
    "or_equations",
    "prove_linear",
    "prove_linear_with_nonces",
    "prove_or",
    "verify_linear",
    "verify_or",
]

Term = tuple[int, Point]


def _through_table(base: Point, scalar: Scalar) -> Point | None:
    """``scalar·base`` in constant time through the generator's table, or a key's table when
    :func:`~referendum.crypto.elgamal.public_key_table` has made one (the tallying authority's
    and the election's keys, the bases of most commitments); ``None`` for another base."""
    if base is _GENERATOR:
        return base_mul(scalar)
    table = cached_table(base)
    return None if table is None else table.mul(scalar)


_GENERATOR = Point.generator()


@dataclass(frozen=True, slots=True)
class LinearRelation:
    """``images[e] == sum(x[i]·B for i, B in terms[e])`` for every equation ``e``."""

    images: tuple[Point, ...]
    terms: tuple[tuple[Term, ...], ...]
    secrets: int

    def __post_init__(self) -> None:
        if len(self.images) != len(self.terms) or not self.terms:
            raise UsageError("LinearRelation: one image per equation, at least one equation")
        if any(not 0 <= i < self.secrets for eq in self.terms for i, _ in eq):
            raise UsageError("LinearRelation: secret index out of range")

    def encoding(self) -> list[bytes]:
        """The relation's fields: ``u64(#secrets)``, ``u64(#equations)``, then per equation
        its image, ``u64(#terms)`` and each term's ``u64(index)`` and base."""
        parts = [self.secrets.to_bytes(8, "big"), len(self.terms).to_bytes(8, "big")]
        for image, terms in zip(self.images, self.terms, strict=True):
            parts += [image.to_bytes(), len(terms).to_bytes(8, "big")]
            for i, base in terms:
                parts += [i.to_bytes(8, "big"), base.to_bytes()]
        return parts

    def commit(self, nonces: Sequence[Scalar]) -> tuple[Point, ...]:
        """``A_e = sum_j w_{i_j}·B_j`` (constant time in the nonces): the generator's and the
        keys' terms through their tables, the other bases of an equation together
        (``multi_mul``, when there are two or more)."""
        out = []
        for terms in self.terms:
            total = Point.identity()
            others: list[tuple[int, Point]] = []
            for i, base in terms:
                product = _through_table(base, nonces[i])
                if product is None:
                    others.append((i, base))
                else:
                    total = total + product
            if len(others) == 1:
                ((i, base),) = others
                total = total + base * nonces[i]
            elif others:
                total = total + multi_mul([nonces[i] for i, _ in others], [b for _, b in others])
            out.append(total)
        return tuple(out)

    def simulate(self, challenge: Scalar, responses: Sequence[Scalar]) -> tuple[Point, ...]:
        """The commitments that make ``responses`` verify for ``challenge``.  Variable time:
        a simulated branch's challenge and responses are published, and an OR proof's two
        branches have one shape, so the time taken does not depend on which is simulated."""
        out = []
        minus_c = -challenge
        for image, terms in zip(self.images, self.terms, strict=True):
            if len(terms) == 1 and terms[0][1] is _GENERATOR:  # through the generator's table
                out.append(double_mul_vartime(responses[terms[0][0]], minus_c, image))
                continue
            scalars = [minus_c, *[responses[i] for i, _ in terms]]
            out.append(multi_mul_vartime(scalars, [image, *[base for _, base in terms]]))
        return tuple(out)


def _challenge(domain: str, context: bytes, parts: Sequence[bytes]) -> Scalar:
    return hash_to_scalar(domain, context, *parts)


@dataclass(frozen=True, slots=True)
class LinearProof:
    """Commitments (one per equation) and responses (one per secret)."""

    commitments: tuple[Point, ...]
    responses: tuple[Scalar, ...]

    def to_json(self) -> dict[str, list[str]]:
        """``{"commitments": [hex, ...], "responses": [hex, ...]}``."""
        return {
            "commitments": [p.hex() for p in self.commitments],
            "responses": [s.hex() for s in self.responses],
        }

    @staticmethod
    def from_json(obj: Any, relation: LinearRelation, *, field: str = "proof") -> LinearProof:
        """Parse ``to_json`` output for ``relation`` (exact members and lengths)."""
        data = get_object(obj, field)
        if set(data) != {"commitments", "responses"}:
            raise CryptoInputError(field, "expected exactly commitments and responses")
        commitments = _hex_list(data, "commitments", len(relation.terms), field, point)
        responses = _hex_list(data, "responses", relation.secrets, field, scalar)
        return LinearProof(tuple(commitments), tuple(responses))


def _hex_list(data: Any, key: str, length: int, field: str, decode: Any) -> list[Any]:
    value = data[key]
    if not isinstance(value, list) or len(value) != length:
        raise CryptoInputError(f"{field}.{key}", f"expected a list of {length} items")
    return [decode(v, f"{field}.{key}[{i}]") for i, v in enumerate(value)]


def prove_linear_with_nonces(
    domain: str,
    relation: LinearRelation,
    secrets: Sequence[Scalar],
    context: bytes,
    nonces: Sequence[Scalar],
) -> LinearProof:
    """Deterministic twin of :func:`prove_linear`."""
    if len(secrets) != relation.secrets or len(nonces) != relation.secrets:
        raise UsageError("prove_linear: one secret and one nonce per secret of the relation")
    commitments = relation.commit(nonces)
    c = _challenge(domain, context, [*relation.encoding(), *[a.to_bytes() for a in commitments]])
    return LinearProof(commitments, tuple(w + c * x for w, x in zip(nonces, secrets, strict=True)))


def prove_linear(
    domain: str,
    relation: LinearRelation,
    secrets: Sequence[Scalar],
    context: bytes,
    rng: RandomSource,
) -> LinearProof:
    """Prove knowledge of ``secrets`` satisfying ``relation`` (the caller makes sure they do)."""
    nonces = [Scalar.random(rng) for _ in range(relation.secrets)]
    return prove_linear_with_nonces(domain, relation, secrets, context, nonces)


def _relation_equations(
    relation: LinearRelation,
    commitments: Sequence[Point],
    responses: Sequence[Scalar],
    challenge: Scalar,
    label: str,
    transcript: bytes,
) -> list[Equation]:
    if len(commitments) != len(relation.terms) or len(responses) != relation.secrets:
        raise ProofError(f"{label}: proof of another shape")
    minus_one, minus_c = Scalar.from_int(-1), -challenge
    out = []
    for e, (image, terms) in enumerate(zip(relation.images, relation.terms, strict=True)):
        row = [(responses[i], base) for i, base in terms]
        row += [(minus_one, commitments[e]), (minus_c, image)]
        name = f"{label}[{e}]"
        out.append(Equation(name, tuple(row), transcript + name.encode()))
    return out


def _transcript(challenge: Scalar, responses: Sequence[Scalar]) -> bytes:
    return encode_fields(challenge.to_bytes(), *[z.to_bytes() for z in responses])


def linear_equations(
    domain: str, relation: LinearRelation, proof: LinearProof, context: bytes, *, label: str
) -> list[Equation]:
    """The verification equations, named ``label[e]``."""
    parts = [*relation.encoding(), *[a.to_bytes() for a in proof.commitments]]
    c = _challenge(domain, context, parts)
    return _relation_equations(
        relation, proof.commitments, proof.responses, c, label, _transcript(c, proof.responses)
    )


def verify_linear(
    domain: str,
    relation: LinearRelation,
    proof: LinearProof,
    context: bytes,
    *,
    label: str = "proof",
) -> None:
    """Raise ``ProofError`` naming the failing equation unless the proof verifies."""
    verify_equations(linear_equations(domain, relation, proof, context, label=label))


@dataclass(frozen=True, slots=True)
class OrProof:
    """A proof that one of two relations holds: both branches' commitments, challenges and
    responses; the challenges sum to the Fiat-Shamir challenge."""

    branches: tuple[LinearProof, LinearProof]
    challenges: tuple[Scalar, Scalar]

    def to_json(self) -> dict[str, Any]:
        """``{"branches": [LINEAR, LINEAR], "challenges": [hex, hex]}``."""
        return {
            "branches": [b.to_json() for b in self.branches],
            "challenges": [c.hex() for c in self.challenges],
        }

    @staticmethod
    def from_json(
        obj: Any, relations: tuple[LinearRelation, LinearRelation], *, field: str = "proof"
    ) -> OrProof:
        """Parse ``to_json`` output for the two relations."""
        data = get_object(obj, field)
        if set(data) != {"branches", "challenges"}:
            raise CryptoInputError(field, "expected exactly branches and challenges")
        branches = data["branches"]
        if not isinstance(branches, list) or len(branches) != 2:
            raise CryptoInputError(f"{field}.branches", "expected a list of 2 proofs")
        challenges = _hex_list(data, "challenges", 2, field, scalar)
        return OrProof(
            (
                LinearProof.from_json(branches[0], relations[0], field=f"{field}.branches[0]"),
                LinearProof.from_json(branches[1], relations[1], field=f"{field}.branches[1]"),
            ),
            (challenges[0], challenges[1]),
        )


def _or_challenge(
    domain: str,
    relations: tuple[LinearRelation, LinearRelation],
    commitments: tuple[Sequence[Point], Sequence[Point]],
    context: bytes,
) -> Scalar:
    parts: list[bytes] = []
    for relation, points in zip(relations, commitments, strict=True):
        parts += [*relation.encoding(), *[a.to_bytes() for a in points]]
    return _challenge(domain, context, parts)


def prove_or(
    domain: str,
    relations: tuple[LinearRelation, LinearRelation],
    which: int,
    secrets: Sequence[Scalar],
    context: bytes,
    rng: RandomSource,
) -> OrProof:
    """Prove that ``relations[which]`` holds, with its ``secrets``, without saying which: the
    other branch is simulated.  (Not constant time in ``which``: only the prover, who knows
    it, should run this.)"""
    if which not in (0, 1):
        raise UsageError("prove_or: which is 0 or 1")
    real, fake = relations[which], relations[1 - which]
    fake_challenge = Scalar.random(rng)
    fake_responses = tuple(Scalar.random(rng) for _ in range(fake.secrets))
    fake_commitments = fake.simulate(fake_challenge, fake_responses)
    nonces = [Scalar.random(rng) for _ in range(real.secrets)]
    real_commitments = real.commit(nonces)
    pair = (
        (real_commitments, fake_commitments) if which == 0 else (fake_commitments, real_commitments)
    )
    c = _or_challenge(domain, relations, pair, context)
    real_challenge = c - fake_challenge
    real_responses = tuple(w + real_challenge * x for w, x in zip(nonces, secrets, strict=True))
    proofs = (
        LinearProof(real_commitments, real_responses),
        LinearProof(fake_commitments, fake_responses),
    )
    challenges = (real_challenge, fake_challenge)
    if which == 1:
        proofs, challenges = (proofs[1], proofs[0]), (challenges[1], challenges[0])
    return OrProof(proofs, challenges)


def or_equations(
    domain: str,
    relations: tuple[LinearRelation, LinearRelation],
    proof: OrProof,
    context: bytes,
    *,
    label: str,
) -> list[Equation]:
    """The equations of both branches (``label.branch0[e]``, ``label.branch1[e]``); raises
    ``ProofError`` when the branch challenges do not sum to the Fiat-Shamir challenge."""
    commitments = (proof.branches[0].commitments, proof.branches[1].commitments)
    c = _or_challenge(domain, relations, commitments, context)
    if proof.challenges[0] + proof.challenges[1] != c:
        raise ProofError(f"{label}: the branch challenges do not sum to the challenge")
    transcript = _transcript(
        c, [*proof.challenges, *proof.branches[0].responses, *proof.branches[1].responses]
    )
    out: list[Equation] = []
    for k in (0, 1):
        branch = proof.branches[k]
        out += _relation_equations(
            relations[k],
            branch.commitments,
            branch.responses,
            proof.challenges[k],
            f"{label}.branch{k}",
            transcript,
        )
    return out


def verify_or(
    domain: str,
    relations: tuple[LinearRelation, LinearRelation],
    proof: OrProof,
    context: bytes,
    *,
    label: str = "proof",
) -> None:
    """Raise ``ProofError`` unless the OR proof verifies."""
    verify_equations(or_equations(domain, relations, proof, context, label=label))
