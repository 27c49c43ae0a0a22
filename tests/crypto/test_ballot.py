"""Ballot encryption, verification, tampering, the Benaloh challenge and tracking codes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.crypto.ballot import (
    BallotContext,
    BallotNonces,
    EncryptedBallot,
    EncryptedQuestion,
    QuestionShape,
    SignedBallot,
    audit_ballot,
    encrypt_ballot,
    tracking_code,
    verify_ballot,
    verify_signed_ballot,
    verify_signed_ballots,
)
from referendum.crypto.credentials import derive_credential, generate_private_credential, sign
from referendum.crypto.elgamal import Ciphertext, DiscreteLog
from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError, ProofError, UsageError

RNG = DeterministicRandom(b"test-ballot")
SECRET = Scalar.random(RNG)
KEY = base_mul(SECRET)
REFERENDUM = BallotContext(b"\x07" * 32, KEY, (QuestionShape(3, 1, 1),))
MULTI = BallotContext(b"\x08" * 32, KEY, (QuestionShape(3, 1, 1), QuestionShape(4, 0, 2)))
BINDING = b"credential"
BALLOT, NONCES = encrypt_ballot(REFERENDUM, [[0, 1, 0]], RNG, binding=BINDING)
BALLOT_JSON = BALLOT.to_json()


def decrypt(ct: Ciphertext) -> int:
    return DiscreteLog(10).solve(ct.beta - ct.alpha * SECRET)


@pytest.mark.parametrize("marks", [[[1, 0, 0]], [[0, 1, 0]], [[0, 0, 1]]])
def test_referendum_ballots_verify_and_decrypt(marks: list[list[int]]) -> None:
    ballot, nonces = encrypt_ballot(REFERENDUM, marks, RNG, binding=BINDING)
    verify_ballot(REFERENDUM, ballot, binding=BINDING)
    audit_ballot(REFERENDUM, ballot, marks, nonces, binding=BINDING)
    assert [decrypt(s.ciphertext) for s in ballot.questions[0].selections] == marks[0]


def test_multi_question_ballot_and_homomorphic_tally() -> None:
    votes = [[[1, 0, 0], [1, 1, 0, 0]], [[0, 0, 1], []], [[0, 1, 0], [0, 0, 0, 1]]]
    votes[1][1] = [0, 0, 0, 0]
    totals = [Ciphertext.zero() for _ in range(7)]
    for marks in votes:
        ballot, _ = encrypt_ballot(MULTI, marks, RNG)
        verify_ballot(MULTI, ballot)
        cts = [s.ciphertext for q in ballot.questions for s in q.selections]
        totals = [t + c for t, c in zip(totals, cts, strict=True)]
    expected = [sum(v[q][o] for v in votes) for q, n in ((0, 3), (1, 4)) for o in range(n)]
    assert [decrypt(t) for t in totals] == expected


@pytest.mark.parametrize(
    ("marks", "field"),
    [
        ([[1, 1, 0]], "selections[0]"),
        ([[0, 0, 0]], "selections[0]"),
        ([[2, 0, 0]], "selections[0][0]"),
        ([[1, 0]], "selections[0]"),
        ([], "selections"),
    ],
)
def test_bad_selections_name_the_field(marks: list[list[int]], field: str) -> None:
    with pytest.raises(InputError) as info:
        encrypt_ballot(REFERENDUM, marks, RNG)
    assert info.value.field == field


def test_binding_and_context_are_enforced() -> None:
    with pytest.raises(ProofError):
        verify_ballot(REFERENDUM, BALLOT, binding=b"another credential")
    other = BallotContext(b"\x09" * 32, KEY, REFERENDUM.questions)
    with pytest.raises(ProofError):
        verify_ballot(other, BALLOT, binding=BINDING)
    other_key = BallotContext(
        REFERENDUM.fingerprint, base_mul(Scalar.from_int(5)), (QuestionShape(3, 1, 1),)
    )
    with pytest.raises(ProofError):
        verify_ballot(other_key, BALLOT, binding=BINDING)
    with pytest.raises(ProofError, match="questions"):
        verify_ballot(MULTI, BALLOT)


def hex_paths(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in hex_paths(v, (*path, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in hex_paths(v, (*path, i))]
    return [path]


PATHS = hex_paths(BALLOT_JSON)


def set_path(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def get_path(obj: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        obj = obj[key]
    return obj


@settings(max_examples=150, deadline=None)
@given(
    index=st.integers(min_value=0, max_value=len(PATHS) - 1),
    position=st.integers(min_value=0, max_value=63),
    delta=st.integers(min_value=1, max_value=15),
)
def test_any_altered_hex_digit_is_rejected(index: int, position: int, delta: int) -> None:
    tampered = json.loads(json.dumps(BALLOT_JSON))
    path = PATHS[index]
    value = get_path(tampered, path)
    digit = format((int(value[position], 16) + delta) % 16, "x")
    set_path(tampered, path, value[:position] + digit + value[position + 1 :])
    with pytest.raises((InputError, ProofError)):
        verify_ballot(REFERENDUM, EncryptedBallot.from_json(tampered), binding=BINDING)


def test_every_field_is_covered_by_the_tamper_test() -> None:
    # 3 options x (2 + 2*2 + 2 + 2) values + count proof (2 + 1 + 1)
    assert len(PATHS) == 3 * 10 + 4


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("questions"), "ballot"),
        (lambda b: b["questions"][0].pop("count_proof"), "ballot.questions[0]"),
        (
            lambda b: b["questions"][0]["selections"][0].update(alpha="zz"),
            "ballot.questions[0].selections[0].alpha",
        ),
        (
            lambda b: b["questions"][0]["selections"][1]["proof"]["challenges"].pop(),
            "ballot.questions[0].selections[1].proof.challenges",
        ),
        (
            lambda b: b["questions"][0]["selections"][2]["proof"].update(extra=1),
            "ballot.questions[0].selections[2].proof",
        ),
    ],
)
def test_malformed_json_names_the_field(mutate: Any, field: str) -> None:
    data = json.loads(json.dumps(BALLOT_JSON))
    mutate(data)
    with pytest.raises(InputError) as info:
        EncryptedBallot.from_json(data)
    assert info.value.field == field


def test_benaloh_audit_catches_a_lie() -> None:
    with pytest.raises(ProofError, match=r"selections\[0\]"):
        audit_ballot(REFERENDUM, BALLOT, [[1, 0, 0]], NONCES, binding=BINDING)
    other_nonces = encrypt_ballot(REFERENDUM, [[0, 1, 0]], RNG)[1]
    with pytest.raises(ProofError):
        audit_ballot(REFERENDUM, BALLOT, [[0, 1, 0]], other_nonces, binding=BINDING)
    revealed = BallotNonces.from_json(json.loads(json.dumps(NONCES.to_json())))
    audit_ballot(REFERENDUM, BALLOT, [[0, 1, 0]], revealed, binding=BINDING)


def test_round_trip_and_tracking_code() -> None:
    again = EncryptedBallot.from_json(json.loads(json.dumps(BALLOT_JSON)))
    assert again.to_json() == BALLOT_JSON
    data = json.dumps(BALLOT_JSON, sort_keys=True, separators=(",", ":")).encode()
    code = tracking_code(data)
    assert len(code) == 64 and code == tracking_code(data)
    assert tracking_code(data + b" ") != code


def test_bad_question_shapes() -> None:
    with pytest.raises(UsageError):
        QuestionShape(0, 0, 0)
    with pytest.raises(UsageError):
        QuestionShape(3, 2, 1)
    with pytest.raises(UsageError):
        QuestionShape(3, 0, 4)


def test_signed_ballot_is_verified_in_one_batch() -> None:
    secret, public = derive_credential("e", generate_private_credential(RNG))
    ballot, _ = encrypt_ballot(REFERENDUM, [[1, 0, 0]], RNG, binding=public.to_bytes())
    message = json.dumps(ballot.to_json(), sort_keys=True).encode()
    signature = sign(secret, public, message, RNG)
    verify_signed_ballot(
        REFERENDUM, ballot, credential=public, message=message, signature=signature
    )
    with pytest.raises(ProofError, match="signature"):
        verify_signed_ballot(
            REFERENDUM, ballot, credential=public, message=message + b"x", signature=signature
        )
    _, other = derive_credential("e", generate_private_credential(RNG))
    with pytest.raises(ProofError):
        verify_signed_ballot(
            REFERENDUM, ballot, credential=other, message=message, signature=signature
        )


def test_many_signed_ballots_in_one_batch_and_the_bad_one_is_named() -> None:
    items = []
    for i in range(5):
        secret, public = derive_credential("e", generate_private_credential(RNG))
        ballot, _ = encrypt_ballot(REFERENDUM, [[0, 0, 1]], RNG, binding=public.to_bytes())
        message = json.dumps(ballot.to_json(), sort_keys=True).encode()
        signature = sign(secret, public, message, RNG)
        items.append(SignedBallot(ballot, public, message, signature, label=f"event[{i}]"))
    verify_signed_ballots(REFERENDUM, items)
    items[3] = SignedBallot(
        items[3].ballot, items[3].credential, b"other", items[3].signature, "event[3]"
    )
    with pytest.raises(ProofError, match=r"event\[3\]\.signature"):
        verify_signed_ballots(REFERENDUM, items)
    swapped = items[1].ballot.questions[0]
    bad_ballot = EncryptedBallot(
        (
            EncryptedQuestion(
                (swapped.selections[1], swapped.selections[0], swapped.selections[2]),
                swapped.count_proof,
            ),
        )
    )
    items[3] = items[0]
    items[1] = SignedBallot(
        bad_ballot, items[1].credential, items[1].message, items[1].signature, "event[1]"
    )
    with pytest.raises(ProofError, match=r"event\[1\]"):
        verify_signed_ballots(REFERENDUM, items)


@st.composite
def shapes_and_marks(draw: st.DrawFn) -> tuple[list[QuestionShape], list[list[int]]]:
    shapes, marks = [], []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        options = draw(st.integers(min_value=1, max_value=5))
        lo = draw(st.integers(min_value=0, max_value=options))
        hi = draw(st.integers(min_value=lo, max_value=options))
        count = draw(st.integers(min_value=lo, max_value=hi))
        chosen = set(draw(st.permutations(range(options)))[:count])
        shapes.append(QuestionShape(options, lo, hi))
        marks.append([int(o in chosen) for o in range(options)])
    return shapes, marks


@settings(max_examples=15, deadline=None)
@given(case=shapes_and_marks())
def test_any_valid_ballot_is_complete_and_decrypts(
    case: tuple[list[QuestionShape], list[list[int]]],
) -> None:
    shapes, marks = case
    ctx = BallotContext(b"\x01" * 32, KEY, tuple(shapes))
    ballot, nonces = encrypt_ballot(ctx, marks, RNG, binding=BINDING)
    parsed = EncryptedBallot.from_json(json.loads(json.dumps(ballot.to_json())))
    verify_ballot(ctx, parsed, binding=BINDING)
    audit_ballot(ctx, parsed, marks, nonces, binding=BINDING)
    assert [[decrypt(s.ciphertext) for s in q.selections] for q in parsed.questions] == marks
