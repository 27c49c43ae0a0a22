"""Refusals the record can prove (docs/spec/events.md, "ballot.rejected"): every refusal
carries its submission, the verifier re-decides its reason at its point of the record, and a
cheating board that rewrites the record (every hash recomputed) fails ``REJECTIONS``."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from referendum.board.memory import MemoryBoard
from referendum.board.protocol import BulletinBoard
from referendum.crypto.ballot import tracking_code
from referendum.crypto.credentials import derive_credential, sign
from referendum.errors import BallotRejected
from referendum.protocol.ballots import MAX_SUBMISSION_BYTES, ballot_signing_message
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.io import write_record
from referendum.services.credentials import IssuedCredential, issue_credentials
from referendum.services.voter import prepare_ballot
from referendum.services.voting import cast, close_voting
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import Report, Status

from .helpers import OPENS, Setup, payloads_of, ready_referendum, write_rehashed

Forged = tuple[str, str, dict[str, Any]]  # an event's type, timestamp and payload

FIELD = {
    "malformed": "body",
    "wrong_election": "election",
    "not_open": "timestamp",
    "closed": "timestamp",
    "outside_window": "timestamp",
    "unknown_credential": "credential",
    "wrong_region": "region",
    "bad_signature": "signature",
    "bad_proof": "ballot",
    "replayed": "ballot",
    "stale_replaces": "replaces",
}
"""Each reason the record can decide, and the field the board names with it."""


def _ballot(setup: Setup, voter: IssuedCredential, answer: str = "yes") -> dict[str, Any]:
    return prepare_ballot(setup.state, voter.private, {"q1": [answer]}, setup.rng).submission


def _resigned(setup: Setup, voter: IssuedCredential, submission: dict[str, Any]) -> dict[str, Any]:
    """``submission`` signed again by ``voter`` (over its region and ballot as they are)."""
    secret, public = derive_credential(setup.state.manifest.id, voter.private)
    message = ballot_signing_message(
        setup.state.fingerprint,
        public.hex(),
        submission["region"],
        submission["ballot"],
        submission["replaces"],
    )
    return dict(submission, signature=sign(secret, public, message, setup.rng).to_json())


def _replay(setup: Setup, voter: IssuedCredential, accepted: dict[str, Any]) -> dict[str, Any]:
    """An accepted ballot signed again by its voter as replacing itself: a replay (sent again
    as it was, or only signed again, it would be a resend, answered with its receipt)."""
    itself = tracking_code(canonical_json(accepted["ballot"]))
    return _resigned(setup, voter, dict(accepted, replaces=itself))


def _tampered(setup: Setup, voter: IssuedCredential) -> dict[str, Any]:
    """A ballot whose ciphertexts were swapped, then signed by its voter: a bad proof."""
    submission = _ballot(setup, voter)
    ballot = copy.deepcopy(submission["ballot"])
    sel = ballot["questions"][0]["selections"]
    sel[0]["beta"], sel[1]["beta"] = sel[1]["beta"], sel[0]["beta"]
    return _resigned(setup, voter, dict(submission, ballot=ballot))


def _outsider(setup: Setup) -> dict[str, Any]:
    """A ballot signed by a credential on no list."""
    stranger = issue_credentials(setup.state.manifest.id, "east", 1, setup.rng)[0]
    voter = setup.credentials["east"][0]
    submission = _ballot(setup, voter)
    _, public = derive_credential(setup.state.manifest.id, stranger.private)
    return _resigned(setup, stranger, dict(submission, credential=public.hex()))


def _refuse(setup: Setup, submission: bytes | dict[str, Any], code: str) -> None:
    with pytest.raises(BallotRejected) as info:
        cast(setup.board, submission, setup.clock, state=setup.state)
    assert info.value.code == code


def _rejections(board: BulletinBoard) -> list[dict[str, Any]]:
    return [dict(e.payload) for e in board.events(types=(m.BALLOT_REJECTED,))]


def _verified(setup: Setup, folder: Path) -> Report:
    write_record(setup.board.events(), folder)
    report = verify_record(folder)
    assert report.sound, [r.to_json() for r in report.failures()]
    assert {r.check.value: r.status for r in report.results}["REJECTIONS"] is Status.PASS
    return report


def test_every_refusal_records_its_submission_and_rechecks(
    board: BulletinBoard, tmp_path: Path
) -> None:
    """Each reason, on each board: the refusal holds the submission (its JSON, its bytes, or
    for an oversize body its size and digest), names a credential only when the submission
    is signed by it, and the record's verifier re-decides every reason and agrees."""
    setup = ready_referendum(board)
    east = setup.credentials["east"]
    valid = _ballot(setup, east[0])
    cast(board, valid, setup.clock, state=setup.state)
    sent: list[tuple[str, bytes | dict[str, Any]]] = [
        ("replayed", _replay(setup, east[0], valid)),
        ("unknown_credential", _outsider(setup)),
        ("wrong_region", dict(_ballot(setup, east[1]), region="west")),
        ("bad_signature", dict(_ballot(setup, east[1]), signature=valid["signature"])),
        ("bad_proof", _tampered(setup, east[1])),
        ("wrong_election", dict(_ballot(setup, east[1]), election="00" * 32)),
        ("malformed", b"{not json"),
        ("malformed", b'{"election": 1.5}'),  # JSON, but not strict JSON: a number with a fraction
        ("malformed", dict(valid, private="k3v9-not-a-real-one")),
        ("oversize", b" " * (MAX_SUBMISSION_BYTES + 1)),
        ("stale_replaces", _ballot(setup, east[0], "no")),  # names no ballot: east[0] has one
    ]
    for code, submission in sent:
        _refuse(setup, submission, code)
    setup.clock.jump(OPENS + dt.timedelta(hours=16))  # the night between the two voting days
    _refuse(setup, _ballot(setup, east[1]), "outside_window")
    setup.clock.jump(OPENS + dt.timedelta(days=1, hours=13))
    close_voting(board, setup.clock)
    _refuse(setup, _ballot(setup, east[1]), "closed")

    logged = _rejections(board)
    assert [p["reason"] for p in logged] == [c for c, _ in sent] + ["outside_window", "closed"]
    for payload, (code, submission) in zip(logged, sent, strict=False):
        body = submission if isinstance(submission, bytes) else canonical_json(submission)
        assert payload["submission_sha256"] == hashlib.sha256(body).hexdigest()
        assert payload["submission_size"] == len(body)
        if code == "oversize":
            assert payload["submission"] is None
        elif isinstance(submission, bytes):
            assert base64.b64decode(payload["submission"]["base64"]) == submission
        elif "private" in submission:  # a member no submission has: its value is not shown
            assert payload["submission"]["json"] == dict(submission, private=None)
        else:
            assert payload["submission"] == {"json": submission}
    named = {p["reason"]: p["credential"] for p in logged}
    other = _ballot(setup, east[1])["credential"]
    assert named["replayed"] == valid["credential"]
    assert named["bad_proof"] == named["outside_window"] == named["closed"] == other
    assert named["wrong_region"] is None  # its voter signed it for east, not west
    assert named["bad_signature"] is None and named["malformed"] is None
    assert named["unknown_credential"] == sent[1][1]["credential"]  # type: ignore[index]
    report = _verified(setup, tmp_path / "record")
    assert sum(report.summary["rejected"].values()) == len(logged)


def test_refusals_before_voting_opens_recheck(board: BulletinBoard, tmp_path: Path) -> None:
    setup = ready_referendum(board, open_now=False)
    setup.clock.jump(OPENS + dt.timedelta(minutes=1))
    ballot = _ballot(setup, setup.credentials["west"][0])
    _refuse(setup, ballot, "not_open")
    _refuse(setup, dict(ballot, election="11" * 32), "wrong_election")
    _refuse(setup, b"[1, 2]", "malformed")
    # signed for this referendum (its `election` member altered since): its voter is named
    assert [p["credential"] for p in _rejections(board)] == [ballot["credential"]] * 2 + [None]
    _verified(setup, tmp_path / "record")


def test_no_secret_is_in_a_refusal(board: BulletinBoard) -> None:
    """A private credential sent where it should never be (under another member, or typed as
    the credential) does not reach the board."""
    setup = ready_referendum(board)
    voter = setup.credentials["east"][0]
    valid = _ballot(setup, voter)
    _refuse(setup, dict(valid, private_credential=voter.private), "malformed")
    _refuse(setup, dict(valid, credential=voter.private), "unknown_credential")
    dump = "\n".join(canonical_json(e.to_json()).decode() for e in board.events())
    assert voter.private not in dump and voter.private.replace("-", "") not in dump


# The attacks: a record of an open referendum (no tally yet, so that only the refusals can
# fail), rewritten with every hash recomputed.


@dataclass
class Voting:
    setup: Setup
    folder: Path

    def events(self) -> list[Forged]:
        """The record's events, fresh for each forgery."""
        return payloads_of(self.setup.board.events())


@pytest.fixture(scope="module")
def voting(tmp_path_factory: pytest.TempPathFactory) -> Voting:
    """An open referendum's record: three accepted ballots (one per credential: east 0 and 1,
    west 0), then a bad proof, a wrong region, a bad signature, a replay and an unknown
    credential, then at night a fresh valid ballot refused outside the voting periods."""
    setup = ready_referendum(MemoryBoard())
    east, west = setup.credentials["east"], setup.credentials["west"]
    first = [_ballot(setup, v) for v in (east[0], east[1], west[0])]
    for submission in first:
        cast(setup.board, submission, setup.clock, state=setup.state)
    _refuse(setup, _tampered(setup, east[2]), "bad_proof")
    _refuse(setup, dict(_ballot(setup, east[2]), region="west"), "wrong_region")
    _refuse(setup, dict(_ballot(setup, east[2]), signature=first[0]["signature"]), "bad_signature")
    _refuse(setup, _replay(setup, east[1], first[1]), "replayed")
    _refuse(setup, _outsider(setup), "unknown_credential")
    setup.clock.jump(OPENS + dt.timedelta(hours=16))
    _refuse(setup, _ballot(setup, west[1]), "outside_window")
    folder = tmp_path_factory.mktemp("voting")
    write_record(setup.board.events(), folder)
    assert verify_record(folder).sound
    return Voting(setup, folder)


def _height(events: list[Forged], event_type: str, **members: Any) -> int:
    return next(
        h
        for h, (t, _, p) in enumerate(events)
        if t == event_type and all(p.get(k) == v for k, v in members.items())
    )


def _refusal(reason: str, submission: dict[str, Any], credential: str | None) -> dict[str, Any]:
    body = canonical_json(submission)
    return {
        "reason": reason,
        "field": FIELD[reason],
        "detail": "refused",
        "credential": credential,
        "submission": {"json": submission},
        "submission_sha256": hashlib.sha256(body).hexdigest(),
        "submission_size": len(body),
    }


def _fails_rejections(events: list[Forged], folder: Path, words: str) -> None:
    report = verify_record(write_rehashed(events, folder))
    failures = report.failures()
    assert [f.check.value for f in failures] == ["REJECTIONS"], [f.to_json() for f in failures]
    assert words in failures[0].detail, failures[0].detail


@pytest.mark.parametrize("reason", sorted(FIELD))
def test_a_valid_ballot_turned_into_a_refusal_fails(
    voting: Voting, tmp_path: Path, reason: str
) -> None:
    """The board turns west 0's accepted ballot (its only one) into a refusal, for any
    reason, naming its credential (its signature verifies): the record shows a valid ballot."""
    setup, events = voting.setup, voting.events()
    height = _height(events, m.BALLOT_ACCEPTED, region="west")
    _, timestamp, ballot = events[height]
    submission = {
        "election": setup.state.fingerprint.hex(),
        "region": ballot["region"],
        "credential": ballot["credential"],
        "ballot": ballot["ballot"],
        "signature": ballot["signature"],
        "replaces": ballot["replaces"],
    }
    refusal = _refusal(reason, submission, ballot["credential"])
    events[height] = (m.BALLOT_REJECTED, timestamp, refusal)
    _fails_rejections(events, tmp_path / "r", "should have been accepted")


def test_a_replayed_refusal_of_a_code_never_seen_fails(voting: Voting, tmp_path: Path) -> None:
    setup, events = voting.setup, voting.events()
    fresh = _ballot(setup, setup.credentials["west"][2])  # never cast
    timestamp = events[_height(events, m.BALLOT_REJECTED, reason="unknown_credential")][1]
    refusal = _refusal("replayed", fresh, fresh["credential"])
    events.insert(-1, (m.BALLOT_REJECTED, timestamp, refusal))
    _fails_rejections(events, tmp_path / "r", "should have been accepted")


def test_a_replay_before_its_ballot_fails(voting: Voting, tmp_path: Path) -> None:
    """The genuine replay of east 1's ballot (naming that ballot in ``replaces``), moved to
    before that ballot was accepted: there it is no replay but a stale ``replaces``."""
    events = voting.events()
    kind, _, replay = events.pop(_height(events, m.BALLOT_REJECTED, reason="replayed"))
    original = _height(events, m.BALLOT_ACCEPTED, credential=replay["credential"])
    events.insert(original, (kind, events[original - 1][1], replay))
    _fails_rejections(events, tmp_path / "r", "the record gives stale_replaces")


def test_an_outside_window_refusal_inside_the_window_fails(voting: Voting, tmp_path: Path) -> None:
    events = voting.events()
    kind, _, payload = events[-1]
    assert payload["reason"] == "outside_window"
    events[-1] = (kind, events[-2][1], payload)  # the time of the refusal before it: voting day 1
    _fails_rejections(events, tmp_path / "r", "should have been accepted")


@pytest.mark.parametrize(
    ("genuine", "claimed"),
    [
        ("bad_proof", "replayed"),
        ("bad_signature", "outside_window"),
        ("bad_signature", "closed"),
        ("bad_proof", "not_open"),
        ("wrong_region", "unknown_credential"),
        ("replayed", "bad_proof"),
        ("unknown_credential", "bad_signature"),
    ],
)
def test_a_refusal_whose_reason_does_not_hold_fails(
    voting: Voting, tmp_path: Path, genuine: str, claimed: str
) -> None:
    events = voting.events()
    height = _height(events, m.BALLOT_REJECTED, reason=genuine)
    events[height][2].update(reason=claimed, field=FIELD[claimed])
    _fails_rejections(events, tmp_path / "r", f"the record gives {genuine}")


def test_a_refusal_cannot_name_a_voter_who_did_not_sign(voting: Voting, tmp_path: Path) -> None:
    """An invented refusal naming east 2 (listed) with a signature that is not east 2's."""
    setup, events = voting.setup, voting.events()
    height = _height(events, m.BALLOT_REJECTED, reason="bad_signature")
    assert events[height][2]["credential"] is None
    events[height][2]["credential"] = events[height][2]["submission"]["json"]["credential"]
    assert setup.state.region_of(events[height][2]["credential"]) == "east"
    _fails_rejections(events, tmp_path / "r", "credential")


def test_a_refusal_cannot_hide_whose_signed_submission_it_is(
    voting: Voting, tmp_path: Path
) -> None:
    events = voting.events()
    height = _height(events, m.BALLOT_REJECTED, reason="bad_proof")
    events[height][2]["credential"] = None
    _fails_rejections(events, tmp_path / "r", "credential")


@pytest.mark.parametrize(
    "change",
    [
        "oversize_within_limit",
        "json_as_base64",
        "redacted_member_shown",
        "extra_member",
        "bytes_altered",
        "bytes_over_the_limit",
    ],
)
def test_a_refusal_whose_submission_is_not_as_recorded_fails(
    voting: Voting, tmp_path: Path, change: str
) -> None:
    events = voting.events()
    payload = events[_height(events, m.BALLOT_REJECTED, reason="bad_signature")][2]
    body = canonical_json(payload["submission"]["json"])
    if change == "oversize_within_limit":
        payload.update(reason="oversize", field="body", credential=None, submission=None)
    elif change == "json_as_base64":
        payload["submission"] = {"base64": base64.b64encode(body).decode()}
    elif change == "redacted_member_shown":
        payload["submission"]["json"]["note"] = "anything"
        payload.update(reason="malformed", field="note")
    elif change == "extra_member":
        payload["submission_bytes"] = ""
    elif change == "bytes_altered":
        payload.update(reason="malformed", field="body")
        payload["submission"] = {"base64": base64.b64encode(b"{not json").decode()}
    else:
        payload.update(reason="malformed", field="body")
        payload["submission"] = {"base64": base64.b64encode(b"{" * 70000).decode()}
    _fails_rejections(events, tmp_path / "r", "")


def test_workers_re_decide_refusals_alike(voting: Voting, tmp_path: Path) -> None:
    """The refusals of a record cut into many ranges, checked in two worker processes."""
    events, folder = voting.events(), voting.folder
    assert verify_record(folder, workers=2, chunk_bytes=4096).sound
    height = _height(events, m.BALLOT_REJECTED, reason="bad_proof")
    events[height][2].update(reason="replayed")
    forged = write_rehashed(events, tmp_path / "r")
    report = verify_record(forged, workers=2, chunk_bytes=4096)
    assert [f.check.value for f in report.failures()] == ["REJECTIONS"]
    assert report.failures()[0].item == f"event {height}"
