"""Revotes bound by the voter: each ballot signs the tracking code of the ballot it replaces.

Tested as a cheating board would cheat: it rewrites the record (reordering or dropping a
voter's ballots, fixing ``replaces`` so that the chain of revotes looks right) and recomputes
every hash, the chain's and ``record.json``'s; ``referendum verify`` must then fail with
BALLOTS (a signature no longer signs what the record says) or REVOTES (the chain of
``replaces`` is broken).  Dropping a voter's *last* ballot leaves a record that verifies: it
is caught by the voter's device, which refuses to vote again on that board."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.cli import voter as voter_cli
from referendum.cli.common import write_secret_json
from referendum.errors import DroppedBallot
from referendum.record import messages as m
from referendum.record.event import Event, make_event
from referendum.record.io import write_record
from referendum.services.voter import check_last_ballot, prepare_ballot
from referendum.services.voting import cast, last_tracking_code
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import Report

from .helpers import BOARD_KEY, Setup, ready_referendum, run_main

Payloads = list[tuple[Event, dict[str, Any]]]


def _vote(setup: Setup, index: int, answer: str) -> str:
    """Voter ``index`` of the east votes, naming the board's last ballot: its tracking code."""
    voter = setup.credentials["east"][index]
    replaces = last_tracking_code(setup.board, voter.public)
    prepared = prepare_ballot(
        setup.state, voter.private, {"q1": [answer]}, setup.rng, replaces=replaces
    )
    return cast(setup.board, prepared.submission, setup.clock).tracking_code


@pytest.fixture
def voting(board: BulletinBoard) -> tuple[Setup, list[str]]:
    """East voter 0 votes three times (codes returned), others once or twice in between."""
    setup = ready_referendum(board, per_region=3)
    codes = [_vote(setup, 0, "yes")]
    _vote(setup, 1, "no")
    codes.append(_vote(setup, 0, "no"))
    _vote(setup, 2, "yes")
    _vote(setup, 1, "yes")
    codes.append(_vote(setup, 0, "blank"))
    return setup, codes


def _republish(board: BulletinBoard, edit: Callable[[Payloads], Payloads], out: Path) -> Report:
    """The record of ``board`` as a cheating board rewrites it: ``edit`` changes the list of
    (event, payload) pairs; every event is re-made on its new parent (heights, hashes,
    record.json recomputed); then verified."""
    events = list(board.events())
    edited = edit([(e, {**e.payload}) for e in events])
    rebuilt, parent = [], "0" * 64
    for height, (event, payload) in enumerate(edited):
        new = make_event(height, parent, event.type, event.timestamp, payload)
        rebuilt.append(new)
        parent = new.hash
    write_record(rebuilt, out)
    return verify_record(out)


def _at(items: Payloads, code: str) -> int:
    return next(
        i
        for i, (e, p) in enumerate(items)
        if e.type == m.BALLOT_ACCEPTED and p["tracking_code"] == code
    )


def _failed(report: Report) -> dict[str, str]:
    return {r.check.value: f"{r.item}: {r.detail}" for r in report.failures()}


def test_the_honest_record_verifies(voting: tuple[Setup, list[str]], tmp_path: Path) -> None:
    setup, _ = voting
    report = _republish(setup.board, lambda items: items, tmp_path / "honest")
    assert report.sound, _failed(report)


def _swap_last_two(items: Payloads, codes: list[str], fix: bool) -> Payloads:
    """The voter's last two ballots swapped, so that the earlier one counts."""
    first, second, third = codes
    b, c = _at(items, second), _at(items, third)
    items[b], items[c] = (items[b][0], items[c][1]), (items[c][0], items[b][1])
    if fix:  # so that each replaces the ballot now before it
        items[b][1]["replaces"] = first
        items[c][1]["replaces"] = third
    return items


def _drop_middle(items: Payloads, codes: list[str], fix: bool) -> Payloads:
    """The voter's second ballot of three dropped."""
    first, second, third = codes
    del items[_at(items, second)]
    if fix:
        items[_at(items, third)][1]["replaces"] = first
    return items


@pytest.mark.parametrize("attack", [_swap_last_two, _drop_middle], ids=["swap", "drop-middle"])
@pytest.mark.parametrize("fix", [False, True], ids=["as-is", "chain-rewritten"])
def test_reordering_or_dropping_a_revote_fails(
    voting: tuple[Setup, list[str]],
    tmp_path: Path,
    attack: Callable[[Payloads, list[str], bool], Payloads],
    fix: bool,
) -> None:
    """Left as it is, the chain of ``replaces`` breaks (REVOTES); rewritten to look right, a
    signature no longer signs its ballot's ``replaces`` (BALLOTS)."""
    setup, codes = voting
    report = _republish(setup.board, lambda items: attack(items, codes, fix), tmp_path / "r")
    failed = _failed(report)
    if fix:
        assert "BALLOTS" in failed and "bad_signature" in failed["BALLOTS"], failed
    else:
        assert "REVOTES" in failed, failed


def test_moving_the_last_ballot_before_the_others_fails(
    voting: tuple[Setup, list[str]], tmp_path: Path
) -> None:
    """So that the voter's first ballot counts: its last moved first, the chain rewritten."""
    setup, (first, second, third) = voting

    def reorder(items: Payloads) -> Payloads:
        a, c = _at(items, first), _at(items, third)
        last = items.pop(c)
        items.insert(a, (items[a][0], last[1]))
        items[a][1]["replaces"] = None
        items[_at(items, first)][1]["replaces"] = third
        items[_at(items, second)][1]["replaces"] = first
        # the timestamps stay in order: each moved payload takes the slot's event
        return items

    failed = _failed(_republish(setup.board, reorder, tmp_path / "reordered"))
    assert "BALLOTS" in failed and "bad_signature" in failed["BALLOTS"], failed


def test_dropping_the_last_ballot_verifies_but_the_device_refuses(
    voting: tuple[Setup, list[str]], tmp_path: Path
) -> None:
    """What the record alone cannot show: the last ballot dropped leaves a consistent record
    (the earlier ballot now counts).  The voter's device, which knows its last code, refuses
    to vote on that board."""
    setup, (_, second, third) = voting

    def drop_last(items: Payloads) -> Payloads:
        del items[_at(items, third)]
        return items

    report = _republish(setup.board, drop_last, tmp_path / "dropped-last")
    assert report.sound, _failed(report)
    assert report.summary["counted"] == 3
    public = setup.credentials["east"][0].public
    assert check_last_ballot(third, third) == third
    with pytest.raises(DroppedBallot, match="may have dropped your last ballot") as info:
        check_last_ballot(second, third)  # what the cheating board would answer
    assert (info.value.board, info.value.own) == (second, third)
    with pytest.raises(DroppedBallot, match="is none"):
        check_last_ballot(None, third)  # the whole sequence dropped
    assert check_last_ballot(last_tracking_code(setup.board, public), None) == third


def _cli(clock: Any, *args: str) -> tuple[int, str, str]:
    """The CLI at the referendum's time (its clock, not the machine's)."""
    return run_main(*args, patches=[mock.patch.object(voter_cli, "system_clock", clock)])


def test_the_cli_keeps_its_last_ballot_and_refuses_a_board_that_dropped_it(
    tmp_path: Path,
) -> None:
    honest = tmp_path / "board.sqlite"
    board = open_board(honest)
    setup = ready_referendum(board, per_region=2)
    board.close()
    key = tmp_path / "credential.txt"
    key.write_text(setup.credentials["east"][0].private + "\n")
    board_key = tmp_path / "board.key"
    write_secret_json(board_key, BOARD_KEY.to_json())
    vote = ["vote", "--credential-file", str(key), "--board-key", str(board_key), "--db"]
    code, out, err = _cli(setup.clock, *vote, str(honest), "--choice", "q1=yes")
    assert code == 0, err
    kept = tmp_path / "credential.txt.last-ballot"
    first = out.split("tracking code: ")[1].split()[0]
    assert first in kept.read_text()

    # a board that will drop the voter's next ballot: a copy taken before it is cast
    dropping = tmp_path / "dropping.sqlite"
    with sqlite3.connect(honest) as source, sqlite3.connect(dropping) as copy:
        source.backup(copy)
    receipt = tmp_path / "receipt.json"
    code, out, err = _cli(
        setup.clock, *vote, str(honest), "--choice", "q1=no", "--receipt-out", str(receipt)
    )
    assert code == 0 and "replaces your earlier ballot" in out, err
    second = out.split("tracking code: ")[1].split()[0]
    assert second in kept.read_text()

    code, out, err = _cli(setup.clock, *vote, str(dropping), "--choice", "q1=blank")
    assert code == 1
    assert "may have dropped your last ballot" in err and second in err and first in err
    # the same with only the board's signed receipt (another device, no last-ballot file)
    elsewhere = ["--last-ballot", str(tmp_path / "none.last-ballot"), "--last-receipt"]
    code, out, err = _cli(
        setup.clock, *vote, str(dropping), "--choice", "q1=blank", *elsewhere, str(receipt)
    )
    assert code == 1 and "may have dropped your last ballot" in err and second in err
    data = json.loads(receipt.read_text())
    data["tracking_code"] = first  # a receipt altered to name an earlier ballot
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(data))
    code, out, err = _cli(
        setup.clock, *vote, str(dropping), "--choice", "q1=blank", *elsewhere, str(altered)
    )
    assert code == 2 and "does not verify" in err, err
    board = open_board(dropping)
    try:
        assert [e.payload["tracking_code"] for e in board.events(types=(m.BALLOT_ACCEPTED,))] == [
            first
        ]
        assert not board.count(m.BALLOT_REJECTED)  # nothing was sent
    finally:
        board.close()
    code, out, err = _cli(setup.clock, *vote, str(honest), "--choice", "q1=blank")
    assert code == 0 and second in out, err
