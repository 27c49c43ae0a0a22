"""Ballot encryption, its proofs, the Benaloh challenge and tracking codes.

A ballot answers each question of the manifest with one 0/1 mark per option.  Each mark is
encrypted (exponential ElGamal under the election key) with a proof that it is 0 or 1
(domain ``referendum/v1/proof/selection``), and the sum of a question's ciphertexts carries a
proof that the number of marks lies in ``min_selections..max_selections`` (domain
``referendum/v1/proof/selection-count``).  Every proof's context is
``encode_fields(binding, question index, option index)`` (the count proof omits the option
index), where ``binding`` is the voter's public credential: a ballot's proofs cannot be
replayed under another credential.

The Benaloh challenge: ``encrypt_ballot`` returns the nonces; the voter either casts the ballot
or reveals ``(selections, nonces)``, and anyone can check with ``audit_ballot`` that the ballot
encrypted those selections (a challenged ballot is then discarded, never cast).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.credentials import Signature, signature_equations
from referendum.crypto.elgamal import Ciphertext, encrypt, public_key_table
from referendum.crypto.group import Point, Scalar
from referendum.crypto.hashing import encode_fields, sha256_fields
from referendum.crypto.json_fields import CryptoInputError, get_list, get_object, scalar
from referendum.crypto.proofs.disjunctive import (
    RangeNonces,
    RangeProof,
    prove_range_with_nonces,
    range_equations,
)
from referendum.crypto.random import RandomSource
from referendum.errors import ProofError, UsageError

__all__ = [
    "COUNT_DOMAIN",
    "SELECTION_DOMAIN",
    "TRACKING_DOMAIN",
    "BallotContext",
    "BallotNonces",
    "EncryptedBallot",
    "EncryptedQuestion",
    "EncryptedSelection",
    "QuestionNonces",
    "QuestionShape",
    "SignedBallot",
    "audit_ballot",
    "ballot_equations",
    "encrypt_ballot",
    "encrypt_ballot_with_nonces",
    "random_ballot_nonces",
    "tracking_code",
    "verify_ballot",
    "verify_signed_ballot",
    "verify_signed_ballots",
]

SELECTION_DOMAIN: Final = "referendum/v1/proof/selection"
COUNT_DOMAIN: Final = "referendum/v1/proof/selection-count"
TRACKING_DOMAIN: Final = "referendum/v1/tracking-code"
_MAX_OPTIONS: Final = 1024


@dataclass(frozen=True, slots=True)
class QuestionShape:
    """A question's number of options and allowed number of marks."""

    options: int
    min_selections: int
    max_selections: int

    def __post_init__(self) -> None:
        if not 1 <= self.options <= _MAX_OPTIONS:
            raise UsageError(f"a question has 1..{_MAX_OPTIONS} options, not {self.options}")
        if not 0 <= self.min_selections <= self.max_selections <= self.options:
            raise UsageError(
                "need 0 <= min_selections <= max_selections <= options, got "
                f"{self.min_selections}..{self.max_selections} of {self.options}"
            )


@dataclass(frozen=True, slots=True)
class BallotContext:
    """What a ballot is encrypted for: election fingerprint, election key, question shapes."""

    fingerprint: bytes
    public_key: Point
    questions: tuple[QuestionShape, ...]


@dataclass(frozen=True, slots=True)
class EncryptedSelection:
    """One option's encrypted mark and its 0/1 proof."""

    ciphertext: Ciphertext
    proof: RangeProof


@dataclass(frozen=True, slots=True)
class EncryptedQuestion:
    """One question: a selection per option and the proof on the number of marks."""

    selections: tuple[EncryptedSelection, ...]
    count_proof: RangeProof

    def total(self) -> Ciphertext:
        """The homomorphic sum of the question's ciphertexts."""
        total = Ciphertext.zero()
        for selection in self.selections:
            total = total + selection.ciphertext
        return total


@dataclass(frozen=True, slots=True)
class EncryptedBallot:
    """An encrypted ballot: one ``EncryptedQuestion`` per question of the manifest."""

    questions: tuple[EncryptedQuestion, ...]

    def to_json(self) -> dict[str, Any]:
        """``{"questions": [{"selections": [{alpha, beta, proof}...], "count_proof"}...]}``."""
        return {
            "questions": [
                {
                    "selections": [
                        {**s.ciphertext.to_json(), "proof": s.proof.to_json()}
                        for s in question.selections
                    ],
                    "count_proof": question.count_proof.to_json(),
                }
                for question in self.questions
            ]
        }

    @staticmethod
    def from_json(obj: Any, *, field: str = "ballot") -> EncryptedBallot:
        """Parse ``to_json`` output; errors (``InputError``) name the field."""
        data = get_object(obj, field)
        if set(data) != {"questions"}:
            raise CryptoInputError(field, "expected exactly the key questions")
        questions = []
        for q, raw_question in enumerate(get_list(data, "questions", field)):
            where = f"{field}.questions[{q}]"
            question = get_object(raw_question, where)
            if set(question) != {"selections", "count_proof"}:
                raise CryptoInputError(where, "expected keys selections, count_proof")
            selections = []
            for o, raw in enumerate(get_list(question, "selections", where)):
                at = f"{where}.selections[{o}]"
                entry = get_object(raw, at)
                if set(entry) != {"alpha", "beta", "proof"}:
                    raise CryptoInputError(at, "expected keys alpha, beta, proof")
                selections.append(
                    EncryptedSelection(
                        Ciphertext.from_json(entry, field=at),
                        RangeProof.from_json(entry["proof"], branches=2, field=f"{at}.proof"),
                    )
                )
            count_proof = RangeProof.from_json(
                question["count_proof"], field=f"{where}.count_proof"
            )
            questions.append(EncryptedQuestion(tuple(selections), count_proof))
        return EncryptedBallot(tuple(questions))


@dataclass(frozen=True, slots=True)
class QuestionNonces:
    """All nonces of one question: encryption nonces, 0/1 proof nonces, count proof nonces."""

    encryption: tuple[Scalar, ...]
    selection_proofs: tuple[RangeNonces, ...]
    count_proof: RangeNonces


def _nonce_pairs_json(pairs: RangeNonces) -> list[list[str]]:
    return [[u.hex(), v.hex()] for u, v in pairs]


def _nonce_pairs(raw: Any, field: str) -> RangeNonces:
    if not isinstance(raw, list) or not raw:
        raise CryptoInputError(field, "expected a non-empty list of [u, v] pairs")
    pairs = []
    for j, pair in enumerate(raw):
        if not isinstance(pair, list) or len(pair) != 2:
            raise CryptoInputError(f"{field}[{j}]", "expected a pair [u, v]")
        pairs.append((scalar(pair[0], f"{field}[{j}][0]"), scalar(pair[1], f"{field}[{j}][1]")))
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class BallotNonces:
    """Every nonce a ballot's encryption used (secret unless the voter challenges the ballot)."""

    questions: tuple[QuestionNonces, ...]

    def to_json(self) -> dict[str, Any]:
        """The nonces as hex, for a Benaloh challenge."""
        return {
            "questions": [
                {
                    "encryption": [r.hex() for r in q.encryption],
                    "selection_proofs": [_nonce_pairs_json(p) for p in q.selection_proofs],
                    "count_proof": _nonce_pairs_json(q.count_proof),
                }
                for q in self.questions
            ]
        }

    @staticmethod
    def from_json(obj: Any, *, field: str = "nonces") -> BallotNonces:
        """Parse ``to_json`` output; errors name the field."""
        data = get_object(obj, field)
        questions = []
        for q, raw in enumerate(get_list(data, "questions", field)):
            where = f"{field}.questions[{q}]"
            entry = get_object(raw, where)
            encryption = get_list(entry, "encryption", where)
            proofs = get_list(entry, "selection_proofs", where, length=len(encryption))
            questions.append(
                QuestionNonces(
                    tuple(scalar(r, f"{where}.encryption[{o}]") for o, r in enumerate(encryption)),
                    tuple(
                        _nonce_pairs(p, f"{where}.selection_proofs[{o}]")
                        for o, p in enumerate(proofs)
                    ),
                    _nonce_pairs(entry.get("count_proof"), f"{where}.count_proof"),
                )
            )
        return BallotNonces(tuple(questions))


def _u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def _check_selections(ctx: BallotContext, selections: Sequence[Sequence[int]]) -> None:
    if len(selections) != len(ctx.questions):
        raise CryptoInputError(
            "selections", f"expected {len(ctx.questions)} questions, got {len(selections)}"
        )
    for q, (shape, marks) in enumerate(zip(ctx.questions, selections, strict=True)):
        if len(marks) != shape.options:
            raise CryptoInputError(
                f"selections[{q}]", f"expected {shape.options} marks, got {len(marks)}"
            )
        for o, mark in enumerate(marks):
            if mark not in (0, 1) or isinstance(mark, bool):
                raise CryptoInputError(f"selections[{q}][{o}]", "a mark is 0 or 1")
        count = sum(marks)
        if not shape.min_selections <= count <= shape.max_selections:
            raise CryptoInputError(
                f"selections[{q}]",
                f"{count} marks; allowed {shape.min_selections}..{shape.max_selections}",
            )


def encrypt_ballot_with_nonces(
    ctx: BallotContext,
    selections: Sequence[Sequence[int]],
    nonces: BallotNonces,
    *,
    binding: bytes = b"",
) -> EncryptedBallot:
    """Deterministic twin of ``encrypt_ballot``: every nonce is given."""
    _check_selections(ctx, selections)
    if len(nonces.questions) != len(ctx.questions):
        raise UsageError("one QuestionNonces per question")
    table = public_key_table(ctx.public_key)
    questions = []
    for q, (shape, marks, qn) in enumerate(
        zip(ctx.questions, selections, nonces.questions, strict=True)
    ):
        if len(qn.encryption) != shape.options or len(qn.selection_proofs) != shape.options:
            raise UsageError(f"question {q}: one nonce and one proof nonce set per option")
        encrypted = []
        total_nonce = Scalar.from_int(0)
        for o, (mark, r, proof_nonces) in enumerate(
            zip(marks, qn.encryption, qn.selection_proofs, strict=True)
        ):
            ciphertext = encrypt(table, mark, r)
            proof = prove_range_with_nonces(
                domain=SELECTION_DOMAIN,
                fingerprint=ctx.fingerprint,
                public_key=ctx.public_key,
                ciphertext=ciphertext,
                message=mark,
                nonce=r,
                lo=0,
                hi=1,
                context=encode_fields(binding, _u64(q), _u64(o)),
                nonces=proof_nonces,
            )
            encrypted.append(EncryptedSelection(ciphertext, proof))
            total_nonce = total_nonce + r
        question = EncryptedQuestion(tuple(encrypted), _placeholder_proof())
        count_proof = prove_range_with_nonces(
            domain=COUNT_DOMAIN,
            fingerprint=ctx.fingerprint,
            public_key=ctx.public_key,
            ciphertext=question.total(),
            message=sum(marks),
            nonce=total_nonce,
            lo=shape.min_selections,
            hi=shape.max_selections,
            context=encode_fields(binding, _u64(q)),
            nonces=qn.count_proof,
        )
        questions.append(EncryptedQuestion(tuple(encrypted), count_proof))
    return EncryptedBallot(tuple(questions))


def _placeholder_proof() -> RangeProof:
    return RangeProof((), (), ())


def random_ballot_nonces(ctx: BallotContext, rng: RandomSource) -> BallotNonces:
    """Fresh nonces for a ballot of shape ``ctx``: per question, the encryption nonces of every
    option, then the 0/1 proof nonces of every option, then the count proof nonces."""
    # One read of 64 bytes per scalar, in that order (the same stream as one read each).
    needed = sum(
        5 * s.options + 2 * (s.max_selections - s.min_selections + 1) for s in ctx.questions
    )
    data = rng.random_bytes(64 * needed)
    scalars = iter([Scalar.from_uniform_bytes(data[i : i + 64]) for i in range(0, len(data), 64)])

    def pairs(n: int) -> RangeNonces:
        return tuple((next(scalars), next(scalars)) for _ in range(n))

    questions = []
    for shape in ctx.questions:
        encryption = tuple(next(scalars) for _ in range(shape.options))
        proofs = tuple(pairs(2) for _ in range(shape.options))
        count = pairs(shape.max_selections - shape.min_selections + 1)
        questions.append(QuestionNonces(encryption, proofs, count))
    return BallotNonces(tuple(questions))


def encrypt_ballot(
    ctx: BallotContext,
    selections: Sequence[Sequence[int]],
    rng: RandomSource,
    *,
    binding: bytes = b"",
) -> tuple[EncryptedBallot, BallotNonces]:
    """Encrypt one 0/1 mark per option of every question, with all proofs.

    ``selections[q][o]`` is 1 when option ``o`` of question ``q`` is chosen.  Returns the ballot
    and its nonces (keep them secret; reveal them only to challenge the ballot).
    """
    _check_selections(ctx, selections)
    nonces = random_ballot_nonces(ctx, rng)
    return encrypt_ballot_with_nonces(ctx, selections, nonces, binding=binding), nonces


def ballot_equations(
    ctx: BallotContext, ballot: EncryptedBallot, *, binding: bytes = b"", label: str = "ballot"
) -> list[Equation]:
    """Check the ballot's shape and Fiat-Shamir hashes (``ProofError`` naming the question and
    option, prefixed by ``label``) and return every verification equation of its proofs."""
    if len(ballot.questions) != len(ctx.questions):
        raise ProofError(
            f"{label}.questions: expected {len(ctx.questions)}, got {len(ballot.questions)}"
        )
    equations: list[Equation] = []
    for q, (shape, question) in enumerate(zip(ctx.questions, ballot.questions, strict=True)):
        where = f"{label}.questions[{q}]"
        if len(question.selections) != shape.options:
            raise ProofError(
                f"{where}.selections: expected {shape.options}, got {len(question.selections)}"
            )
        for o, selection in enumerate(question.selections):
            equations += range_equations(
                domain=SELECTION_DOMAIN,
                fingerprint=ctx.fingerprint,
                public_key=ctx.public_key,
                ciphertext=selection.ciphertext,
                lo=0,
                hi=1,
                proof=selection.proof,
                context=encode_fields(binding, _u64(q), _u64(o)),
                label=f"{where}.selections[{o}].proof",
            )
        equations += range_equations(
            domain=COUNT_DOMAIN,
            fingerprint=ctx.fingerprint,
            public_key=ctx.public_key,
            ciphertext=question.total(),
            lo=shape.min_selections,
            hi=shape.max_selections,
            proof=question.count_proof,
            context=encode_fields(binding, _u64(q)),
            label=f"{where}.count_proof",
            summands=[selection.ciphertext for selection in question.selections],
        )
    return equations


def verify_ballot(ctx: BallotContext, ballot: EncryptedBallot, *, binding: bytes = b"") -> None:
    """Raise ``ProofError`` (naming question, option and equation) unless every proof holds."""
    verify_equations(ballot_equations(ctx, ballot, binding=binding))


@dataclass(frozen=True, slots=True)
class SignedBallot:
    """A ballot with the credential it is bound to, the signed message and the signature;
    ``label`` names it in errors (for example ``"event[1234]"``)."""

    ballot: EncryptedBallot
    credential: Point
    message: bytes
    signature: Signature
    label: str = "ballot"

    def equations(self, ctx: BallotContext) -> list[Equation]:
        """The signature's and the proofs' equations (``ProofError`` on a bad hash)."""
        equations = signature_equations(
            self.credential, self.message, self.signature, label=f"{self.label}.signature"
        )
        equations += ballot_equations(
            ctx, self.ballot, binding=self.credential.to_bytes(), label=self.label
        )
        return equations


def verify_signed_ballot(
    ctx: BallotContext,
    ballot: EncryptedBallot,
    *,
    credential: Point,
    message: bytes,
    signature: Signature,
) -> None:
    """Verify a ballot bound to ``credential`` (``binding = credential.to_bytes()``) and the
    credential's signature on ``message`` in one batch; ``ProofError`` names what failed."""
    verify_equations(SignedBallot(ballot, credential, message, signature).equations(ctx))


def verify_signed_ballots(ctx: BallotContext, items: Sequence[SignedBallot]) -> None:
    """Verify many signed ballots with one multi-scalar multiplication (faster per ballot than
    one by one); on failure, ``ProofError`` names the first bad item by its label."""
    equations: list[Equation] = []
    per_item = []
    for item in items:
        mine = item.equations(ctx)
        per_item.append(mine)
        equations += mine
    try:
        verify_equations(equations)
    except ProofError:
        for mine in per_item:
            verify_equations(mine)
        raise


def audit_ballot(
    ctx: BallotContext,
    ballot: EncryptedBallot,
    selections: Sequence[Sequence[int]],
    nonces: BallotNonces,
    *,
    binding: bytes = b"",
) -> None:
    """Benaloh challenge: raise ``ProofError`` unless ``ballot`` is exactly the encryption of
    ``selections`` with ``nonces`` (naming the first question/option that differs)."""
    try:
        expected = encrypt_ballot_with_nonces(ctx, selections, nonces, binding=binding)
    except UsageError as exc:
        raise ProofError(f"nonces: {exc}") from exc
    if len(expected.questions) != len(ballot.questions):
        raise ProofError("ballot.questions: wrong number of questions")
    for q, (mine, theirs) in enumerate(zip(expected.questions, ballot.questions, strict=True)):
        if len(mine.selections) != len(theirs.selections):
            raise ProofError(f"ballot.questions[{q}].selections: wrong number of options")
        for o, (a, b) in enumerate(zip(mine.selections, theirs.selections, strict=True)):
            if a.ciphertext != b.ciphertext:
                raise ProofError(
                    f"ballot.questions[{q}].selections[{o}]: ciphertext does not encrypt "
                    f"{selections[q][o]} with the revealed nonce"
                )
            if a.proof.to_json() != b.proof.to_json():
                raise ProofError(f"ballot.questions[{q}].selections[{o}].proof: differs")
        if mine.count_proof.to_json() != theirs.count_proof.to_json():
            raise ProofError(f"ballot.questions[{q}].count_proof: differs")


def tracking_code(ballot_json_canonical_bytes: bytes) -> str:
    """The tracking code of a cast ballot: lowercase hex of
    ``sha256_fields("referendum/v1/tracking-code", canonical JSON bytes of the ballot)``."""
    return sha256_fields(TRACKING_DOMAIN, ballot_json_canonical_bytes).hex()
