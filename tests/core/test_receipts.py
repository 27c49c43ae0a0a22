"""Receipts the voter keeps: what the record alone cannot show, the board's signed receipt
proves.  A cheating board drops a voter's last ballot (an earlier one then counts), a voter's
only ballot, or a refusal, and re-hashes the whole chain and ``record.json``: ``verify``
passes, ``track --receipt`` exits 1 with a statement anyone can check."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from core.helpers import BOARD_KEY, OPENS, Setup, ready_referendum
from core.test_cli_roles import Ran, run
from referendum.board.memory import MemoryBoard
from referendum.board.protocol import BulletinBoard
from referendum.crypto.credentials import verify_signature
from referendum.crypto.group import Point
from referendum.crypto.random import DeterministicRandom
from referendum.errors import BallotRejected, InputError
from referendum.protocol.receipts import (
    BoardReceipt,
    parse_receipt,
    parse_short_code,
    short_code_matches,
)
from referendum.protocol.state import credential_key, tracking_key
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event, event_hash
from referendum.record.io import write_record
from referendum.services.ingest import cast_many
from referendum.services.receipts import BoardKey, ReceiptSigner
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voter import prepare_ballot
from referendum.services.voting import Receipt, cast, close_voting, last_tracking_code
from referendum.verify.record_verifier import verify_record


@dataclass
class Voted:
    setup: Setup
    events: list[Event]
    first: BoardReceipt  # voter A's first ballot (replaced)
    last: BoardReceipt  # voter A's last ballot
    only: BoardReceipt  # voter B's only ballot
    refused: BoardReceipt  # a refused submission


def _ballot(setup: Setup, region: str, i: int, answer: str) -> dict[str, Any]:
    voter = setup.credentials[region][i]
    replaces = last_tracking_code(setup.board, voter.public)  # what a revote names
    return prepare_ballot(
        setup.state, voter.private, {"q1": [answer]}, setup.rng, replaces=replaces
    ).submission


def _signed(receipt: Receipt) -> BoardReceipt:
    assert receipt.signed is not None
    return receipt.signed


def _vote(board: BulletinBoard) -> Voted:
    setup = ready_referendum(board)
    signer = ReceiptSigner(BOARD_KEY, DeterministicRandom(b"receipts"))
    first = _signed(cast(board, _ballot(setup, "east", 0, "no"), setup.clock, signer=signer))
    only = _signed(cast(board, _ballot(setup, "east", 1, "yes"), setup.clock, signer=signer))
    with pytest.raises(BallotRejected) as refusal:
        cast(board, b'{"election": ', setup.clock, signer=signer)
    assert refusal.value.receipt is not None
    refused = parse_receipt(canonical_json(refusal.value.receipt))
    last = _signed(cast(board, _ballot(setup, "east", 0, "yes"), setup.clock, signer=signer))
    cast(board, _ballot(setup, "west", 0, "yes"), setup.clock, signer=signer)
    return Voted(setup, list(board.events()), first, last, only, refused)


def _finish(board: BulletinBoard, setup: Setup, folder: Path) -> Path:
    """Close, tally, decrypt and publish on ``board``; the record goes to ``folder``."""
    setup.clock.jump(OPENS + dt.timedelta(days=2))
    close_voting(board, setup.clock)
    publish_tally(board, setup.clock)
    for secrets in setup.secrets[:2]:
        publish_share(board, secrets, setup.rng, setup.clock)
    publish_results(board, setup.clock)
    write_record(board.events(), folder)
    return folder


def _cheat(voted: Voted, drop: BoardReceipt, folder: Path) -> Path:
    """A board that drops the event of ``drop`` and re-hashes every later event: it replays
    the rest on a fresh board, then counts and publishes as an honest board would."""
    cheat = MemoryBoard()
    for event in voted.events:
        if event.height == drop.height:
            continue
        keys: tuple[str, ...] = ()
        if event.type == m.BALLOT_ACCEPTED:
            p = event.payload
            keys = (credential_key(p["credential"]), tracking_key(p["tracking_code"]))
        head = cheat.head()
        cheat.append(
            event.type,
            event.payload,
            expected_head=None if head is None else head.hash,
            keys=keys,
            timestamp=event.timestamp,
        )
    return _finish(cheat, voted.setup, folder)


def _save(receipt: BoardReceipt | dict[str, Any], path: Path) -> Path:
    data = receipt if isinstance(receipt, dict) else receipt.to_json()
    path.write_bytes(canonical_json(data) + b"\n")
    return path


def _track(receipt: Path, record: Path | str, *more: str, ok: bool = True) -> Ran:
    return run("track", "--receipt", str(receipt), str(record), *more, ok=ok)


@pytest.fixture
def voted(board: BulletinBoard) -> Voted:
    """Ballots and a refusal cast with receipts on memory, SQLite and PostgreSQL boards."""
    return _vote(board)


def test_an_honest_record_holds_every_receipt(voted: Voted, tmp_path: Path) -> None:
    record = _finish(voted.setup.board, voted.setup, tmp_path / "record")
    assert verify_record(record).ok
    held = _track(_save(voted.last, tmp_path / "last.json"), record)
    assert held.stdout.startswith("OK:") and "it counts" in held.stdout
    replaced = _track(_save(voted.first, tmp_path / "first.json"), record)
    assert voted.last.subject in replaced.stdout and "the later one counts" in replaced.stdout
    refused = _track(_save(voted.refused, tmp_path / "refused.json"), record, "--format", "json")
    assert json.loads(refused.stdout)["verdict"] == "holds"


@pytest.mark.parametrize("dropped", ["last", "only", "refused"])
def test_a_dropped_event_passes_verify_but_not_the_receipt(
    voted: Voted, dropped: str, tmp_path: Path
) -> None:
    receipt: BoardReceipt = getattr(voted, dropped)
    record = _cheat(voted, receipt, tmp_path / "record")
    report = verify_record(record)
    assert report.ok, [r.to_json() for r in report.failures()]  # the record alone looks fine
    if dropped == "last":  # the voter's earlier ballot now counts instead
        assert report.summary["results"]["east"]["questions"]["q1"]["no"] == 1
    path = _save(receipt, tmp_path / "receipt.json")
    text = _track(path, record, ok=False)
    assert text.returncode == 1 and text.stdout.startswith("BOARD MISBEHAVIOUR")
    out = _track(path, record, "--format", "json", ok=False)
    assert out.returncode == 1
    statement = json.loads(out.stdout)
    assert statement["format"] == "referendum-misbehaviour/1"
    assert statement["verdict"] == "misbehaviour"
    # self-contained: the receipt verifies under the key in the statement, and the record's
    # event at that height (its hash recomputed from its fields) is another event
    signed = parse_receipt(canonical_json(statement["receipt"]))
    verify_signature(Point.from_hex(statement["board_key"]), signed.message(), signed.signature)
    held = statement["record"]["event_at_height"]
    fields = ("height", "parent", "type", "timestamp", "payload")
    assert event_hash(*(held[k] for k in fields)) == held["hash"] != signed.event_hash
    assert (
        statement["record"]["head_hash"]
        == json.loads((record / "record.json").read_text())["head_hash"]
    )
    if dropped == "last":  # the earlier ballot's receipt still holds: it precedes the cut
        first = _track(_save(voted.first, tmp_path / "first.json"), record)
        assert "it counts" in first.stdout


def test_forged_and_malformed_receipts_accuse_no_one(voted: Voted, tmp_path: Path) -> None:
    record = _finish(voted.setup.board, voted.setup, tmp_path / "record")
    forged = voted.only.to_json()
    forged["tracking_code"] = voted.last.subject  # a receipt for someone else's ballot
    bad = _track(_save(forged, tmp_path / "forged.json"), record, ok=False)
    assert bad.returncode == 2 and "receipt.signature" in bad.stderr
    assert "MISBEHAVIOUR" not in bad.stdout + bad.stderr and "no one is accused" in bad.stderr
    cases: list[tuple[bytes, str]] = [
        (b" " * 20_000, "larger than"),
        (b"[1, 2", "receipt: not JSON"),
        (canonical_json({**voted.only.to_json(), "height": -1}), "receipt.height"),
        (canonical_json({**voted.only.to_json(), "event_hash": "AB" * 32}), "receipt.event_hash"),
        (canonical_json({**voted.only.to_json(), "note": 1}), "receipt.note"),
        (canonical_json({**voted.only.to_json(), "kind": "maybe"}), "receipt.kind"),
        (canonical_json({**voted.only.to_json(), "fingerprint": "00" * 32}), "receipt.fingerprint"),
        (canonical_json({**voted.only.to_json(), "timestamp": "yesterday"}), "receipt.timestamp"),
    ]
    for n, (raw, named) in enumerate(cases):
        path = tmp_path / f"bad{n}.json"
        path.write_bytes(raw)
        out = _track(path, record, ok=False)
        assert out.returncode == 2 and named in out.stderr, (named, out.stderr)
        assert "Traceback" not in out.stderr
    missing = _track(tmp_path / "nowhere.json", record, ok=False)
    assert missing.returncode == 2 and "cannot read the receipt" in missing.stderr


def test_a_record_published_before_the_ballot_is_not_an_accusation(
    voted: Voted, tmp_path: Path
) -> None:
    early = tmp_path / "early"
    write_record(voted.events[: voted.last.height], early)
    out = _track(_save(voted.last, tmp_path / "last.json"), early, ok=False)
    assert out.returncode == 1 and out.stdout.startswith("NOT YET")
    assert "MISBEHAVIOUR" not in out.stdout


def test_track_a_receipt_against_a_record_at_a_url(voted: Voted, tmp_path: Path) -> None:
    from scale.range_server import serve

    record = _finish(voted.setup.board, voted.setup, tmp_path / "site" / "record")
    path = _save(voted.only, tmp_path / "only.json")
    with serve(tmp_path / "site") as base:
        assert _track(path, f"{base}/record/").stdout.startswith("OK:")
        gone = _track(path, f"{base}/elsewhere/", ok=False)
    assert gone.returncode == 1 and "missing" in gone.stderr
    assert record.exists()


def test_short_codes_find_the_event_and_catch_typing_errors(voted: Voted) -> None:
    code = voted.last.short_code
    height, chars = parse_short_code(code.upper().replace("0", "o"))
    assert height == voted.last.height and short_code_matches(chars, voted.last.event_hash)
    assert not short_code_matches(chars, voted.only.event_hash)
    digits, *groups = code.split("-")
    typo = "0" if groups[1][2] != "0" else "1"
    mistyped = "-".join([digits, groups[0], groups[1][:2] + typo + groups[1][3:], *groups[2:]])
    swapped = "-".join([digits, groups[0][1] + groups[0][0] + groups[0][2:], *groups[1:]])
    for wrong in (mistyped, swapped if groups[0][0] != groups[0][1] else mistyped):
        with pytest.raises(InputError, match="check characters"):
            parse_short_code(wrong)
    with pytest.raises(InputError, match="short-code"):
        parse_short_code("no-height")


def test_track_a_short_code_in_a_record(voted: Voted, tmp_path: Path) -> None:
    record = _finish(voted.setup.board, voted.setup, tmp_path / "record")
    found = run("track", "--short-code", voted.last.short_code, str(record))
    assert voted.last.subject in found.stdout and "matches" in found.stdout
    cheated = _cheat(voted, voted.last, tmp_path / "cheated")
    lost = run("track", "--short-code", voted.last.short_code, str(cheated), ok=False)
    assert lost.returncode == 1 and "not evidence" in lost.stdout
    code = voted.last.short_code
    typo = run("track", "--short-code", code[:-1] + ("0" if code[-1] != "0" else "1"),
               str(record), ok=False)  # fmt: skip
    assert typo.returncode == 2 and "check characters" in typo.stderr


def test_cast_many_signs_each_receipt(board: BulletinBoard) -> None:
    setup = ready_referendum(board)
    signer = ReceiptSigner(BOARD_KEY, DeterministicRandom(b"batch"))
    outcomes = cast_many(
        board,
        [_ballot(setup, "east", 0, "yes"), b"not json", _ballot(setup, "west", 1, "no")],
        setup.clock,
        state=setup.state,
        signer=signer,
    )
    events = {e.height: e for e in board.events()}
    for outcome in outcomes:
        if isinstance(outcome, BallotRejected):
            assert outcome.receipt is not None
            signed = parse_receipt(canonical_json(outcome.receipt))
        else:
            signed = _signed(outcome)
        assert signed.matches(events[signed.height])
        verify_signature(BOARD_KEY.public, signed.message(), signed.signature)
    assert [isinstance(o, Receipt) for o in outcomes] == [True, False, True]


def test_a_board_key_that_is_not_the_manifests_casts_nothing(board: BulletinBoard) -> None:
    setup = ready_referendum(board)
    wrong = ReceiptSigner(BoardKey.generate(DeterministicRandom(b"w")), DeterministicRandom(b"r"))
    before = board.head()
    with pytest.raises(InputError, match="board_key"):
        cast(board, _ballot(setup, "east", 0, "yes"), setup.clock, signer=wrong)
    assert board.head() == before
