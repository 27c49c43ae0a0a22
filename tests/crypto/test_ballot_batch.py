"""The C batch checker (referendum.crypto.ballot_batch) agrees with the reference code: on the
signed-ballot vectors, on every single altered value of a ballot, on errors that would cancel
out without random weights, and on the homomorphic sums; ballots not of the exact form of
their ballot style are refused at the door and never queued."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from referendum.crypto.ballot import (
    BallotContext,
    EncryptedBallot,
    QuestionShape,
    encrypt_ballot,
    verify_ballot,
)
from referendum.crypto.ballot_batch import AVAILABLE, BallotBatch, CiphertextSums
from referendum.crypto.credentials import (
    Signature,
    derive_credential,
    generate_private_credential,
    sign,
    verify_signature,
)
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import GROUP_ORDER, Point, Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.errors import CryptoError, InputError
from referendum.protocol.ballots import ballot_signing_message

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="the C batch checker is decaf's")

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
SHAPES = (QuestionShape(3, 1, 1), QuestionShape(4, 0, 2))


def vector_cases() -> list[dict[str, Any]]:
    """The signed-ballot vectors, each with the message the protocol computes from its
    members (checked equal to the vector's, so the C check is given exactly that)."""
    data = json.loads((VECTORS / "signed_ballot.json").read_text(encoding="utf-8"))
    cases: list[dict[str, Any]] = data["cases"]
    for case in cases:
        message = ballot_signing_message(
            bytes.fromhex(case["fingerprint"]),
            case["credential"],
            case["region"],
            case["ballot"],
            case["replaces"],
        )
        assert message.hex() == case["message"]
    return cases


def context_of(case: dict[str, Any]) -> BallotContext:
    return BallotContext(
        bytes.fromhex(case["fingerprint"]),
        Point.from_hex(case["public_key"]),
        tuple(QuestionShape(q["options"], q["min"], q["max"]) for q in case["questions"]),
    )


def reference_valid(ctx: BallotContext, item: dict[str, Any]) -> bool:
    try:
        credential = Point.from_hex(item["credential"])
        verify_signature(
            credential, bytes.fromhex(item["message"]), Signature.from_json(item["signature"])
        )
        verify_ballot(ctx, EncryptedBallot.from_json(item["ballot"]), binding=credential.to_bytes())
    except (CryptoError, InputError):
        return False
    return True


def batch_valid(ctx: BallotContext, items: list[dict[str, Any]]) -> bool:
    batch = BallotBatch(ctx)
    for item in items:
        assert batch.add(
            item["credential"], item["ballot"], item["signature"], bytes.fromhex(item["message"])
        )
    return batch.check()


@pytest.mark.parametrize("case", vector_cases(), ids=lambda c: c.get("reason", "valid"))
def test_signed_ballot_vectors_alone(case: dict[str, Any]) -> None:
    ctx = context_of(case)
    assert batch_valid(ctx, [case]) is case["valid"] is reference_valid(ctx, case)


def test_signed_ballot_vectors_together() -> None:
    by_context: dict[str, list[dict[str, Any]]] = {}
    for case in vector_cases():
        by_context.setdefault(json.dumps(case["questions"]), []).append(case)
    assert len(by_context) == 2
    for cases in by_context.values():
        ctx = context_of(cases[0])
        good = [c for c in cases if c["valid"]]
        assert batch_valid(ctx, good * 3)
        for bad in (c for c in cases if not c["valid"]):
            assert not batch_valid(ctx, [*good, bad, *good])


def make_ballots(count: int, seed: bytes = b"batch") -> tuple[BallotContext, list[dict[str, Any]]]:
    rng = DeterministicRandom(seed)
    key = base_mul(Scalar.random(rng))
    ctx = BallotContext(hashlib.sha256(seed).digest(), key, SHAPES)
    items = []
    for i in range(count):
        secret, public = derive_credential("batch", generate_private_credential(rng))
        marks = [[int(o == i % 3) for o in range(3)], [int(o < i % 3) for o in range(4)]]
        ballot, _ = encrypt_ballot(ctx, marks, rng, binding=public.to_bytes())
        message = hashlib.sha256(b"message %d" % i).digest()
        items.append(
            {
                "credential": public.hex(),
                "ballot": ballot.to_json(),
                "signature": sign(secret, public, message, rng).to_json(),
                "message": message.hex(),
            }
        )
    return ctx, items


@pytest.fixture(scope="module")
def ballots() -> tuple[BallotContext, list[dict[str, Any]]]:
    return make_ballots(6)


def hex_paths(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every hex value in a JSON value."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from hex_paths(value, (*path, key))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield from hex_paths(value, (*path, index))
    elif isinstance(obj, str):
        yield path


def edit(obj: Any, path: tuple[Any, ...], change: Callable[[Any], Any]) -> Any:
    out = copy.deepcopy(obj)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = change(target[path[-1]])
    return out


def test_valid_ballots_pass_and_sums_match(ballots: tuple[BallotContext, list[Any]]) -> None:
    ctx, items = ballots
    sums = CiphertextSums(ctx)
    batch = BallotBatch(ctx)
    for item in items:
        assert batch.add(
            item["credential"], item["ballot"], item["signature"], bytes.fromhex(item["message"])
        )
    assert len(batch) == len(items)
    assert batch.check(sums) and len(batch) == 0 and sums.ballots == len(items)
    expected = [[Ciphertext.zero()] * shape.options for shape in SHAPES]
    for item in items:
        ballot = EncryptedBallot.from_json(item["ballot"])
        for q, question in enumerate(ballot.questions):
            for o, selection in enumerate(question.selections):
                expected[q][o] = expected[q][o] + selection.ciphertext
    assert sums.ciphertexts() == expected
    assert batch.check() is True  # nothing queued: nothing to refuse


def test_every_altered_value_fails_as_in_the_reference(
    ballots: tuple[BallotContext, list[Any]],
) -> None:
    ctx, items = ballots
    item = items[1]
    paths = list(hex_paths(item))
    assert len(paths) == 3 + 1 + 3 * (2 + 8) + 4 + 4 * (2 + 8) + 4 * 3  # every value
    for path in paths:
        for position in (0, 63):
            bad = edit(
                item,
                path,
                lambda h, p=position: h[:p] + format(int(h[p], 16) ^ 1, "x") + h[p + 1 :],
            )
            assert not reference_valid(ctx, bad), path
            assert not batch_valid(ctx, [items[0], bad, items[2]]), (path, position)
    sums = CiphertextSums(ctx)
    batch = BallotBatch(ctx)
    bad = edit(item, ("message",), lambda h: h[::-1])
    for one in (items[0], bad):
        batch.add(one["credential"], one["ballot"], one["signature"], bytes.fromhex(one["message"]))
    assert not batch.check(sums) and sums.ballots == 0  # a failed batch adds nothing
    assert sums.ciphertexts() == [[Ciphertext.zero()] * s.options for s in SHAPES]


def test_errors_that_cancel_out_without_weights_are_caught(
    ballots: tuple[BallotContext, list[Any]],
) -> None:
    ctx, items = ballots

    def shift(hex_scalar: str, delta: int) -> str:
        value = (Scalar.from_hex(hex_scalar).to_int() + delta) % GROUP_ORDER
        return value.to_bytes(32, "little").hex()

    # z + 1 in one signature and z - 1 in another: the plain sum of the equations still holds
    up = edit(items[0], ("signature", "response"), lambda h: shift(h, 1))
    down = edit(items[1], ("signature", "response"), lambda h: shift(h, -1))
    assert not reference_valid(ctx, up) and not reference_valid(ctx, down)
    assert not batch_valid(ctx, [up, down])


@pytest.mark.parametrize("bad_at", [(), (0,), (5,), (2, 3), (0, 1, 2, 3, 4, 5), (1, 4)])
def test_valid_members_names_exactly_the_invalid_ones(
    ballots: tuple[BallotContext, list[Any]], bad_at: tuple[int, ...]
) -> None:
    ctx, items = ballots
    spoilt = [
        edit(item, ("signature", "response"), lambda h: h[::-1]) if i in bad_at else item
        for i, item in enumerate(items)
    ]
    batch = BallotBatch(ctx)
    for item in spoilt:
        assert batch.add(
            item["credential"], item["ballot"], item["signature"], bytes.fromhex(item["message"])
        )
    assert batch.valid_members() == [i not in bad_at for i in range(len(items))]
    assert len(batch) == 0 and batch.valid_members() == []  # the queue was emptied


def test_another_context_fails(ballots: tuple[BallotContext, list[Any]]) -> None:
    ctx, items = ballots
    other = BallotContext(bytes(32), ctx.public_key, ctx.questions)
    assert not batch_valid(other, items[:2])
    assert not batch_valid(
        BallotContext(ctx.fingerprint, base_mul(Scalar.from_int(5)), ctx.questions), items[:2]
    )


FORMS: list[tuple[str, tuple[Any, ...], Callable[[Any], Any]]] = [
    ("extra member", ("ballot",), lambda b: {**b, "extra": 1}),
    ("a question too many", ("ballot", "questions"), lambda q: [*q, q[0]]),
    ("a selection missing", ("ballot", "questions", 0, "selections"), lambda s: s[:2]),
    (
        "three branches",
        ("ballot", "questions", 0, "selections", 0, "proof", "challenges"),
        lambda c: [*c, c[0]],
    ),
    ("upper case", ("ballot", "questions", 0, "selections", 0, "alpha"), str.upper),
    ("short", ("ballot", "questions", 1, "count_proof", "responses", 0), lambda h: h[:-1]),
    ("space", ("signature", "response"), lambda h: h[:2] + " " + h[3:]),
    ("not a string", ("signature", "commitment"), lambda h: int(h, 16)),
    ("not hex", ("credential",), lambda h: "g" + h[1:]),
    ("a list for an object", ("ballot", "questions", 0), lambda q: [q]),
]


@pytest.mark.parametrize(("name", "path", "change"), FORMS, ids=[f[0] for f in FORMS])
def test_other_forms_are_not_queued(
    ballots: tuple[BallotContext, list[Any]],
    name: str,
    path: tuple[Any, ...],
    change: Callable[[Any], Any],
) -> None:
    ctx, items = ballots
    bad = edit(items[0], path, change)
    batch = BallotBatch(ctx)
    assert batch.add(items[1]["credential"], items[1]["ballot"], items[1]["signature"], b"m")
    assert not batch.add(bad["credential"], bad["ballot"], bad["signature"], b"m"), name
    assert len(batch) == 1
    assert not reference_valid(ctx, bad), name
