"""Batched casting (`cast_many`): the same verdicts as `cast`, one transaction per batch."""

from __future__ import annotations

import copy
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from referendum.board.protocol import BulletinBoard
from referendum.crypto.ballot import tracking_code
from referendum.crypto.credentials import derive_credential, sign
from referendum.crypto.group import GROUP_ORDER
from referendum.errors import BallotRejected
from referendum.protocol.ballots import ballot_signing_message
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import make_event
from referendum.record.io import write_record
from referendum.services.ingest import CastQueue, cast, cast_many
from referendum.services.voter import prepare_ballot
from referendum.services.voting import Receipt
from referendum.verify.record_verifier import verify_record

from .helpers import ready_referendum


def test_cast_many_verdicts_match_cast(board: BulletinBoard, tmp_path: Path) -> None:
    setup = ready_referendum(board, per_region=4)
    east, west = setup.credentials["east"], setup.credentials["west"]

    def ballot(cred: Any, answer: str, replaces: str | None = None) -> dict[str, Any]:
        return prepare_ballot(
            setup.state, cred.private, {"q1": [answer]}, setup.rng, replaces=replaces
        ).submission

    good = [ballot(c, "yes") for c in east[:3]] + [ballot(c, "no") for c in west[:3]]
    revote = ballot(east[0], "no", tracking_code(canonical_json(good[0]["ballot"])))
    stale = ballot(east[1], "no")  # names no ballot, though east[1] has one earlier in the batch
    wrong_region = dict(ballot(east[3], "yes"), region="west")
    resigned = ballot(west[3], "yes")
    tampered = copy.deepcopy(resigned["ballot"])
    sel = tampered["questions"][0]["selections"]
    sel[0]["beta"], sel[1]["beta"] = sel[1]["beta"], sel[0]["beta"]
    secret, public = derive_credential(setup.state.manifest.id, west[3].private)
    message = ballot_signing_message(setup.state.fingerprint, public.hex(), "west", tampered, None)
    resigned = dict(
        resigned, ballot=tampered, signature=sign(secret, public, message, setup.rng).to_json()
    )
    bad_signature = dict(good[1], signature=good[2]["signature"])
    batch: list[Any] = [
        *good,
        revote,
        good[0],
        wrong_region,
        resigned,
        bad_signature,
        stale,
        b"{oops",
    ]
    outcomes = cast_many(board, batch, setup.clock, state=setup.state)
    assert len(outcomes) == len(batch)
    assert all(isinstance(o, Receipt) for o in outcomes[:7])
    assert outcomes[6].replaces == outcomes[0].tracking_code  # type: ignore[union-attr]
    codes = [o.code for o in outcomes[7:]]  # type: ignore[union-attr]
    assert codes == [
        "replayed",
        "wrong_region",
        "bad_proof",
        "bad_signature",
        "stale_replaces",
        "malformed",
    ]
    assert all(isinstance(o, BallotRejected) for o in outcomes[7:])
    logged = [e.payload["reason"] for e in board.events(types=(m.BALLOT_REJECTED,))]
    assert logged == codes
    write_record(board.events(), tmp_path / "record")
    report = verify_record(tmp_path / "record")
    assert report.sound and report.phase == "voting", [r.to_json() for r in report.failures()]
    assert report.summary["counted"] == 6 and report.summary["accepted"] == 7


def test_cast_many_refuses_forms_the_batch_checker_leaves_to_the_reference(
    board: BulletinBoard,
) -> None:
    """Upper-case hex is refused before the C batch; a response not below the group order
    passes the form check but fails the batch: both get `cast`'s reason, the good ballots of
    the same batch are accepted."""
    setup = ready_referendum(board, per_region=3)
    east = setup.credentials["east"]

    def ballot(cred: Any) -> dict[str, Any]:
        return prepare_ballot(setup.state, cred.private, {"q1": ["yes"]}, setup.rng).submission

    upper = ballot(east[0])
    upper["ballot"]["questions"][0]["selections"][0]["alpha"] = upper["ballot"]["questions"][0][
        "selections"
    ][0]["alpha"].upper()
    wide = ballot(east[1])
    proof = wide["ballot"]["questions"][0]["selections"][1]["proof"]
    value = int.from_bytes(bytes.fromhex(proof["responses"][0]), "little") + GROUP_ORDER
    proof["responses"][0] = value.to_bytes(32, "little").hex()
    good = ballot(east[2])
    outcomes = cast_many(board, [upper, wide, good], setup.clock, state=setup.state)
    assert [getattr(o, "code", None) for o in outcomes] == ["malformed", "malformed", None]
    assert isinstance(outcomes[2], Receipt)


def test_cast_queue_casts_what_queued_behind_a_batch_together(board: BulletinBoard) -> None:
    """The first caller leads; four callers that arrive while its batch is being cast are cast
    in one batch next; each gets its own receipt or refusal; the board holds them all."""
    setup = ready_referendum(board, per_region=3)
    creds = setup.credentials["east"] + setup.credentials["west"]
    submissions = [
        prepare_ballot(setup.state, c.private, {"q1": ["yes"]}, setup.rng).submission
        for c in creds[:5]
    ]
    submissions[3] = dict(submissions[3], region="east")  # a west credential: refused
    gate = threading.Event()

    def clock() -> Any:
        gate.wait(10)  # the first batch waits here until the others have queued
        return setup.clock()

    queue = CastQueue(board, clock, state=lambda: setup.state)
    results: dict[int, Any] = {}

    def cast(i: int) -> None:
        try:
            results[i] = queue.cast(canonical_json(submissions[i]))
        except BallotRejected as exc:
            results[i] = exc

    first = threading.Thread(target=cast, args=(0,))
    first.start()
    while queue.batches < 1:
        time.sleep(0.01)
    others = [threading.Thread(target=cast, args=(i,)) for i in range(1, 5)]
    for thread in others:
        thread.start()
    while queue.pending() < 4:
        time.sleep(0.01)
    gate.set()
    for thread in [first, *others]:
        thread.join(10)
    assert queue.batches == 2 and queue.largest == 4
    assert [isinstance(results[i], Receipt) for i in range(5)] == [True, True, True, False, True]
    assert results[3].code == "wrong_region"
    accepted = [e.payload["tracking_code"] for e in board.events(types=(m.BALLOT_ACCEPTED,))]
    assert sorted(accepted) == sorted(results[i].tracking_code for i in (0, 1, 2, 4))
    assert [e.payload["reason"] for e in board.events(types=(m.BALLOT_REJECTED,))] == [
        "wrong_region"
    ]


def test_cast_queue_hands_a_batch_error_to_every_caller_of_the_batch(
    board: BulletinBoard,
) -> None:
    setup = ready_referendum(board, per_region=1)
    submission = prepare_ballot(
        setup.state, setup.credentials["east"][0].private, {"q1": ["no"]}, setup.rng
    ).submission

    def broken_clock() -> Any:
        raise OSError("the clock is gone")

    queue = CastQueue(board, broken_clock, state=lambda: setup.state)
    with pytest.raises(OSError, match="the clock is gone"):
        queue.cast(canonical_json(submission))
    queue.clock = setup.clock  # the queue is not stuck: the next caller leads again
    assert isinstance(queue.cast(canonical_json(submission)), Receipt)


def test_a_resend_gets_the_receipt_of_the_ballot_on_the_board(board: BulletinBoard) -> None:
    """The same submission again (a client that lost the answer, or a board that crashed
    after storing it) gets the stored ballot's receipt and appends nothing; in one batch too;
    a copy of a ballot its voter has since replaced is a replay."""
    setup = ready_referendum(board, per_region=2)
    east = setup.credentials["east"]
    first = prepare_ballot(setup.state, east[0].private, {"q1": ["yes"]}, setup.rng).submission
    receipt = cast(board, first, setup.clock, state=setup.state)
    head = board.head()
    again = cast(board, canonical_json(first), setup.clock, state=setup.state)
    assert again.resent and not receipt.resent
    assert (again.event_hash, again.height) == (receipt.event_hash, receipt.height)
    assert board.head() == head  # nothing appended
    other = prepare_ballot(setup.state, east[1].private, {"q1": ["no"]}, setup.rng).submission
    outcomes = cast_many(board, [other, other], setup.clock, state=setup.state)
    assert isinstance(outcomes[0], Receipt) and isinstance(outcomes[1], Receipt)
    assert outcomes[1].resent and outcomes[1].event_hash == outcomes[0].event_hash
    assert board.count(m.BALLOT_ACCEPTED) == 2 and board.count(m.BALLOT_REJECTED) == 0
    revote = prepare_ballot(
        setup.state, east[0].private, {"q1": ["no"]}, setup.rng, replaces=receipt.tracking_code
    ).submission
    cast(board, revote, setup.clock, state=setup.state)
    with pytest.raises(BallotRejected) as info:
        cast(board, first, setup.clock, state=setup.state)
    assert info.value.code == "replayed"


def test_an_accepted_event_holds_the_canonical_payload_whatever_bytes_were_sent(
    board: BulletinBoard,
) -> None:
    """The ingest path joins an accepted ballot's payload from the bytes received (cut when
    they are canonical JSON): the event's hash is that of its payload's canonical JSON, and
    the payload has the members and order the board reads back, for canonical bytes, for
    bytes with spaces (parsed and encoded again) and for a submission given as an object."""
    setup = ready_referendum(board, per_region=3)
    east = setup.credentials["east"]
    subs = [
        prepare_ballot(setup.state, c.private, {"q1": ["yes"]}, setup.rng).submission for c in east
    ]
    sent: list[Any] = [canonical_json(subs[0]), json.dumps(subs[1], indent=1).encode(), subs[2]]
    outcomes = cast_many(board, sent, setup.clock, state=setup.state)
    assert all(isinstance(o, Receipt) for o in outcomes)
    events = list(board.events(types=(m.BALLOT_ACCEPTED,)))
    assert len(events) == 3
    for event, sub in zip(events, subs, strict=True):
        again = make_event(event.height, event.parent, event.type, event.timestamp, event.payload)
        assert again.hash == event.hash
        assert list(event.payload) == sorted(event.payload)
        assert event.payload["ballot"] == sub["ballot"]
        assert event.payload["tracking_code"] == tracking_code(canonical_json(sub["ballot"]))
