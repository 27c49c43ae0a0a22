"""The cryptography of deniable revoting (docs/spec/coercion.md, VoteAgain adapted): building
blocks, not yet wired into ballots, the board or the verifier.

- :func:`encrypt_credential` and the ``credential_proof``: a ballot carries its voter's public
  credential encrypted under the tallying authority's key ``T``, with a proof that its author
  knows the credential's secret (coercion.md section 3.1);
- tags and dummies: a real ballot's tag is the trivial encryption of 0, a dummy's of 1; a dummy's
  choices are trivial encryptions of 0, all publicly checkable (section 3.2 step 1);
- pseudonyms: ``P = s·C`` from an encrypted credential, with a proof, so that the mixed ballots
  of one credential can be grouped without naming it (step 3);
- counter decryption with a proof (step 3);
- the filter's proof: the selected row of a group is its last real ballot re-encrypted, or, for
  a group of dummies only, an encryption of 0 (step 4).

Every proof is a :mod:`referendum.crypto.proofs.linear` relation, domain-separated and bound to
a caller's context (in a record: the fingerprint, the region and the row or group).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.elgamal import Ciphertext, public_key_table
from referendum.crypto.group import Point, Scalar, base_mul, double_mul
from referendum.crypto.proofs.linear import (
    LinearProof,
    LinearRelation,
    OrProof,
    or_equations,
    prove_linear,
    prove_or,
    verify_linear,
)
from referendum.crypto.random import RandomSource
from referendum.errors import ProofError, UsageError

__all__ = [
    "COUNTER_DOMAIN",
    "CREDENTIAL_DOMAIN",
    "DUMMY_TAG",
    "FILTER_DOMAIN",
    "PSEUDONYM_DOMAIN",
    "PSEUDONYM_KEY_DOMAIN",
    "REAL_TAG",
    "REENCRYPTION_DOMAIN",
    "CounterOpening",
    "FilterStatement",
    "PseudonymKey",
    "check_dummy",
    "counter_relation",
    "credential_relation",
    "decrypt_counter",
    "dummy_choices",
    "encrypt_credential",
    "filter_equations",
    "filter_relations",
    "prove_credential",
    "prove_filter",
    "prove_pseudonym",
    "pseudonym_key_relation",
    "pseudonym_relation",
    "reencrypt_with_proof",
    "reencryption_relation",
    "verify_counter",
    "verify_credential",
    "verify_filter",
    "verify_pseudonym",
    "verify_pseudonym_key",
    "verify_reencryption",
]

CREDENTIAL_DOMAIN: Final = "referendum/v3/proof/encrypted-credential"
PSEUDONYM_KEY_DOMAIN: Final = "referendum/v3/proof/pseudonym-key"
PSEUDONYM_DOMAIN: Final = "referendum/v3/proof/pseudonym"
COUNTER_DOMAIN: Final = "referendum/v3/proof/counter-decryption"
FILTER_DOMAIN: Final = "referendum/v3/proof/filter"
REENCRYPTION_DOMAIN: Final = "referendum/v3/proof/reencryption"

_G = Point.generator()
_O = Point.identity()
REAL_TAG: Final = Ciphertext(_O, _O)
"""The tag of a ballot a voter cast: the trivial encryption of 0."""
DUMMY_TAG: Final = Ciphertext(_O, _G)
"""The tag of a dummy ballot: the trivial encryption of 1."""


# --- the encrypted credential of a ballot -------------------------------------------------


def encrypt_credential(authority_key: Point, credential: Point, nonce: Scalar) -> Ciphertext:
    """``V = (r·G, C + r·T)``: the public credential ``C`` encrypted under ``T``."""
    return Ciphertext(base_mul(nonce), credential + public_key_table(authority_key).mul(nonce))


def credential_relation(authority_key: Point, voter: Ciphertext) -> LinearRelation:
    """Secrets ``(x, r)``: ``V.alpha = r·G`` and ``V.beta = x·G + r·T``."""
    return LinearRelation(
        (voter.alpha, voter.beta),
        (((1, _G),), ((0, _G), (1, authority_key))),
        secrets=2,
    )


def prove_credential(
    authority_key: Point,
    voter: Ciphertext,
    credential_secret: Scalar,
    nonce: Scalar,
    context: bytes,
    rng: RandomSource,
) -> LinearProof:
    """The ``credential_proof``: the author knows the secret of the encrypted credential."""
    relation = credential_relation(authority_key, voter)
    return prove_linear(CREDENTIAL_DOMAIN, relation, (credential_secret, nonce), context, rng)


def verify_credential(
    authority_key: Point, voter: Ciphertext, proof: LinearProof, context: bytes
) -> None:
    """``ProofError`` (``credential_proof[e]``) unless the proof verifies."""
    relation = credential_relation(authority_key, voter)
    verify_linear(CREDENTIAL_DOMAIN, relation, proof, context, label="credential_proof")


# --- dummies --------------------------------------------------------------------------------


def dummy_choices(width: int) -> tuple[Ciphertext, ...]:
    """A dummy's choices: ``width`` trivial encryptions of 0."""
    return (REAL_TAG,) * width


def check_dummy(tag: Ciphertext, choices: Sequence[Ciphertext], *, label: str = "dummy") -> None:
    """``ProofError`` unless a dummy row (before mixing) has the dummy tag and zero choices."""
    if tag != DUMMY_TAG:
        raise ProofError(f"{label}.tag: not the dummy tag (O, G)")
    for k, choice in enumerate(choices):
        if choice != REAL_TAG:
            raise ProofError(f"{label}.choices[{k}]: not the trivial encryption of 0")


# --- pseudonyms -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PseudonymKey:
    """The tallying authority's pseudonym secret ``s`` with ``u = s·t`` (``t`` the secret of
    ``T``); public ``S = s·G`` and ``U = s·T``.  ``P = s·V.beta - u·V.alpha = s·C``."""

    s: Scalar
    u: Scalar
    _public: tuple[Point, Point] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_public", (base_mul(self.s), base_mul(self.u)))

    @staticmethod
    def create(authority_secret: Scalar, rng: RandomSource) -> PseudonymKey:
        """A fresh pseudonym key (one per stage: stages' pseudonyms do not link)."""
        s = Scalar.random(rng)
        return PseudonymKey(s, s * authority_secret)

    @property
    def public(self) -> tuple[Point, Point]:
        """``(S, U)``."""
        return self._public

    def pseudonym(self, voter: Ciphertext) -> Point:
        """``s·C`` for the credential ``C`` that ``voter`` encrypts."""
        return double_mul(voter.beta, self.s, voter.alpha, -self.u)

    def prove_key(self, authority_key: Point, context: bytes, rng: RandomSource) -> LinearProof:
        """Proof that ``U = s·T`` for the ``s`` of ``S``."""
        s_point, u_point = self.public
        relation = pseudonym_key_relation(authority_key, s_point, u_point)
        return prove_linear(PSEUDONYM_KEY_DOMAIN, relation, (self.s,), context, rng)


def pseudonym_key_relation(authority_key: Point, s_point: Point, u_point: Point) -> LinearRelation:
    """Secret ``s``: ``S = s·G`` and ``U = s·T``."""
    return LinearRelation((s_point, u_point), (((0, _G),), ((0, authority_key),)), secrets=1)


def verify_pseudonym_key(
    authority_key: Point, s_point: Point, u_point: Point, proof: LinearProof, context: bytes
) -> None:
    """``ProofError`` (``pseudonym_key[e]``) unless ``U = s·T`` for the ``s`` of ``S``."""
    relation = pseudonym_key_relation(authority_key, s_point, u_point)
    verify_linear(PSEUDONYM_KEY_DOMAIN, relation, proof, context, label="pseudonym_key")


def pseudonym_relation(
    s_point: Point, u_point: Point, voter: Ciphertext, pseudonym: Point
) -> LinearRelation:
    """Secrets ``(s, u)``: ``S = s·G``, ``U = u·G``, ``P = s·V.beta - u·V.alpha``."""
    return LinearRelation(
        (s_point, u_point, pseudonym),
        (((0, _G),), ((1, _G),), ((0, voter.beta), (1, -voter.alpha))),
        secrets=2,
    )


def prove_pseudonym(
    key: PseudonymKey, voter: Ciphertext, context: bytes, rng: RandomSource
) -> tuple[Point, LinearProof]:
    """The pseudonym of ``voter`` and its proof."""
    s_point, u_point = key.public
    pseudonym = key.pseudonym(voter)
    relation = pseudonym_relation(s_point, u_point, voter, pseudonym)
    return pseudonym, prove_linear(PSEUDONYM_DOMAIN, relation, (key.s, key.u), context, rng)


def verify_pseudonym(
    s_point: Point,
    u_point: Point,
    voter: Ciphertext,
    pseudonym: Point,
    proof: LinearProof,
    context: bytes,
    *,
    label: str = "pseudonym",
) -> None:
    """``ProofError`` unless ``pseudonym`` is ``s·C`` for the credential ``voter`` encrypts
    (with the key proven by :func:`verify_pseudonym_key`)."""
    relation = pseudonym_relation(s_point, u_point, voter, pseudonym)
    verify_linear(PSEUDONYM_DOMAIN, relation, proof, context, label=label)


# --- counters -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CounterOpening:
    """A decrypted counter ``n``, the decryption factor ``D = t·alpha`` and its proof."""

    value: int
    factor: Point
    proof: LinearProof


def counter_relation(authority_key: Point, counter: Ciphertext, factor: Point) -> LinearRelation:
    """Secret ``t``: ``T = t·G`` and ``D = t·alpha``."""
    return LinearRelation((authority_key, factor), (((0, _G),), ((0, counter.alpha),)), secrets=1)


def decrypt_counter(
    authority_secret: Scalar,
    counter: Ciphertext,
    candidates: Sequence[int],
    context: bytes,
    rng: RandomSource,
    *,
    authority_key: Point | None = None,
) -> CounterOpening:
    """Decrypt ``counter`` (exponential ElGamal of one of ``candidates``, which the authority
    knows from the board) and prove it; ``authority_key`` (``t·G``, computed when not given).
    A ``range`` of candidates (step 1) is searched by adding ``G``, one point a candidate."""
    factor = counter.alpha * authority_secret
    plain = counter.beta - factor
    value = _value_among(plain, candidates)
    if value is None:
        raise UsageError("decrypt_counter: the counter is none of the candidates")
    key = base_mul(authority_secret) if authority_key is None else authority_key
    relation = counter_relation(key, counter, factor)
    proof = prove_linear(COUNTER_DOMAIN, relation, (authority_secret,), context, rng)
    return CounterOpening(value, factor, proof)


def _value_among(plain: Point, candidates: Sequence[int]) -> int | None:
    """The candidate ``v`` with ``v·G == plain``, or ``None``."""
    if isinstance(candidates, range) and candidates.step == 1:
        if not candidates:
            return None
        point, generator = base_mul(Scalar.from_int(candidates.start)), Point.generator()
        for value in candidates:
            if point == plain:
                return value
            point = point + generator
        return None
    for value in candidates:
        if base_mul(Scalar.from_int(value)) == plain:
            return value
    return None


def verify_counter(
    authority_key: Point, counter: Ciphertext, opening: CounterOpening, context: bytes
) -> None:
    """``ProofError`` unless ``counter`` decrypts to ``opening.value``."""
    if not 0 <= opening.value < 2**63:
        raise ProofError("counter: value out of range")
    relation = counter_relation(authority_key, counter, opening.factor)
    verify_linear(COUNTER_DOMAIN, relation, opening.proof, context, label="counter")
    if counter.beta - opening.factor != base_mul(Scalar.from_int(opening.value)):
        raise ProofError("counter: the ciphertext does not decrypt to the value")


# --- the filter -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FilterStatement:
    """One group after mixing: every row's tag, the candidate row (highest counter), its
    choices, and the selected output choices."""

    authority_key: Point
    election_key: Point
    tags: tuple[Ciphertext, ...]
    candidate: int
    choices: tuple[Ciphertext, ...]
    selected: tuple[Ciphertext, ...]


def filter_relations(statement: FilterStatement) -> tuple[LinearRelation, LinearRelation]:
    """Branch 0 (a real ballot): secrets ``(t, rho_0..)``, ``T = t·G``, the candidate's tag
    decrypts to 0 (``tag.beta = t·tag.alpha``), ``selected_k - choices_k = (rho_k·G, rho_k·K)``.
    Branch 1 (a group of dummies only): ``T = t·G``, the sum of the tags decrypts to ``[g]G``,
    ``selected_k = (rho_k·G, rho_k·K)``."""
    st = statement
    if not 0 <= st.candidate < len(st.tags) or len(st.choices) != len(st.selected):
        raise ProofError("filter: candidate or width out of range")
    tag = st.tags[st.candidate]
    total = Ciphertext.zero()
    for t in st.tags:
        total = total + t
    width = len(st.choices)
    key = st.election_key

    def branch(tag_alpha: Point, tag_image: Point, shift: tuple[Ciphertext, ...]) -> LinearRelation:
        images = [st.authority_key, tag_image]
        terms: list[tuple[tuple[int, Point], ...]] = [((0, _G),), ((0, tag_alpha),)]
        for k in range(width):
            images += [st.selected[k].alpha - shift[k].alpha, st.selected[k].beta - shift[k].beta]
            terms += [((1 + k, _G),), ((1 + k, key),)]
        return LinearRelation(tuple(images), tuple(terms), secrets=1 + width)

    real = branch(tag.alpha, tag.beta, st.choices)
    dummies = branch(
        total.alpha,
        total.beta - base_mul(Scalar.from_int(len(st.tags))),
        (Ciphertext.zero(),) * width,
    )
    return real, dummies


def prove_filter(
    authority_secret: Scalar,
    election_key: Point,
    tags: Sequence[Ciphertext],
    candidate: int,
    choices: Sequence[Ciphertext],
    context: bytes,
    rng: RandomSource,
) -> tuple[tuple[Ciphertext, ...], OrProof]:
    """The selected choices of a group and the filter's proof.  ``UsageError`` when neither
    branch holds (the candidate is a dummy in a group with a real ballot): the authority
    cannot prove such a group, and neither can anyone else."""
    tag = tags[candidate]
    total = Ciphertext.zero()
    for t in tags:
        total = total + t
    rho = tuple(Scalar.random(rng) for _ in choices)
    key_table = public_key_table(election_key)
    if tag.beta == tag.alpha * authority_secret:
        which = 0
        selected = tuple(
            Ciphertext(c.alpha + base_mul(r), c.beta + key_table.mul(r))
            for c, r in zip(choices, rho, strict=True)
        )
    elif total.beta - total.alpha * authority_secret == base_mul(Scalar.from_int(len(tags))):
        which = 1
        selected = tuple(Ciphertext(base_mul(r), key_table.mul(r)) for r in rho)
    else:
        raise UsageError("prove_filter: the candidate is a dummy but the group has a real ballot")
    statement = FilterStatement(
        base_mul(authority_secret), election_key, tuple(tags), candidate, tuple(choices), selected
    )
    relations = filter_relations(statement)
    proof = prove_or(FILTER_DOMAIN, relations, which, (authority_secret, *rho), context, rng)
    return selected, proof


def filter_equations(
    statement: FilterStatement, proof: OrProof, context: bytes, *, label: str = "filter"
) -> list[Equation]:
    """The filter proof's equations (for batching with others)."""
    return or_equations(FILTER_DOMAIN, filter_relations(statement), proof, context, label=label)


def verify_filter(
    statement: FilterStatement, proof: OrProof, context: bytes, *, label: str = "filter"
) -> None:
    """``ProofError`` naming the failing equation unless the filter's proof verifies."""
    verify_equations(filter_equations(statement, proof, context, label=label))


# --- re-encryption of one ciphertext (the filter output's credential) -----------------------


def reencryption_relation(key: Point, before: Ciphertext, after: Ciphertext) -> LinearRelation:
    """Secret ``rho``: ``after - before = (rho·G, rho·key)``."""
    return LinearRelation(
        (after.alpha - before.alpha, after.beta - before.beta),
        (((0, _G),), ((0, key),)),
        secrets=1,
    )


def reencrypt_with_proof(
    key: Point, before: Ciphertext, context: bytes, rng: RandomSource
) -> tuple[Ciphertext, LinearProof]:
    """``before`` re-encrypted under ``key`` and the proof (for the filter's ``voter'``, the
    same in both branches, so proven outside the OR)."""
    rho = Scalar.random(rng)
    after = Ciphertext(before.alpha + base_mul(rho), before.beta + public_key_table(key).mul(rho))
    relation = reencryption_relation(key, before, after)
    return after, prove_linear(REENCRYPTION_DOMAIN, relation, (rho,), context, rng)


def verify_reencryption(
    key: Point, before: Ciphertext, after: Ciphertext, proof: LinearProof, context: bytes
) -> None:
    """``ProofError`` (``reencryption[e]``) unless ``after`` re-encrypts ``before``."""
    relation = reencryption_relation(key, before, after)
    verify_linear(REENCRYPTION_DOMAIN, relation, proof, context, label="reencryption")
