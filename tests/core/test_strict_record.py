"""Exact payloads and verdicts (issue 11, parts 6 and 7): a cheating board that changes the
form of an event, and recomputes every hash, gets a named failure (check, event, field),
never a traceback; a record that stops before the results is "valid so far", not verified."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referendum.cli.main import main
from referendum.errors import BallotRejected, InputError, ManifestError, PayloadError
from referendum.protocol.payloads import PAYLOADS, check_payload
from referendum.record.event import Event, make_event
from referendum.record.io import read_record, write_record
from referendum.record.manifest import manifest_from_mapping
from referendum.services.demo import run_demo
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import Report, Verdict

Payloads = list[dict[str, Any]]


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> list[Event]:
    out = tmp_path_factory.mktemp("strict")
    run_demo(out, voters=12, seed=3)
    return list(read_record(out).events())


def _rehashed(
    events: list[Event], folder: Path, change: Callable[[Payloads], None], *, rows: bool = False
) -> Path:
    """The record with ``change`` applied to its payloads (or, with ``rows``, to its events'
    ``{type, timestamp, payload}``) and every hash recomputed, as a cheating board would."""
    table = [
        {"type": e.type, "timestamp": e.timestamp, "payload": copy.deepcopy(e.payload)}
        for e in events
    ]
    if rows:
        change(table)
    else:
        change([row["payload"] for row in table])
    rebuilt, parent = [], "0" * 64
    for height, row in enumerate(table):
        new = make_event(height, parent, row["type"], row["timestamp"], row["payload"])
        rebuilt.append(new)
        parent = new.hash
    write_record(rebuilt, folder)
    return folder


def _first(events: list[Event], event_type: str) -> int:
    return next(e.height for e in events if e.type == event_type)


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = 0
    with (
        mock.patch.object(sys, "argv", ["referendum", *args]),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue()


def _failure(report: Report) -> tuple[str, str | None, str | None, str]:
    assert report.verdict is Verdict.FAILS and not report.ok, report.to_json()
    first = report.failures()[0]
    return first.check.value, first.item, first.field, first.detail


def _upper(payload: dict[str, Any], member: str) -> None:
    payload[member] = payload[member].upper()


ATTACKS: dict[str, tuple[str, Callable[[list[Event], Payloads], None], str, str | None, str]] = {
    # name: (event type, change, check, field (None: in the detail), words of the detail)
    "voter identity beside a ballot": (
        "ballot.accepted",
        lambda ev, p: p[_first(ev, "ballot.accepted")].update(voter="Olena Petrenko"),
        "BALLOTS",
        None,
        "voter: a member the spec does not list",
    ),
    "upper-case hex credential": (
        "ballot.accepted",
        lambda ev, p: _upper(p[_first(ev, "ballot.accepted")], "credential"),
        "BALLOTS",
        None,
        "credential",
    ),
    "upper-case hex key": (
        "election.key",
        lambda ev, p: _upper(p[_first(ev, "election.key")], "public_key"),
        "KEY_CEREMONY",
        "payload.public_key",
        "lowercase hex",
    ),
    "trustees as a string": (
        "results",
        lambda ev, p: p[_first(ev, "results")].update(trustees="13"),
        "DECRYPTION",
        "payload.trustees",
        "expected a list",
    ),
    "a boolean for a trustee": (
        "results",
        lambda ev, p: p[_first(ev, "results")].update(trustees=[True, 3]),
        "DECRYPTION",
        "payload.trustees[0]",
        "expected an integer",
    ),
    "results without regions": (
        "results",
        lambda ev, p: p[_first(ev, "results")].pop("regions"),
        "RESULTS",
        "payload.regions",
        "missing",
    ),
    "results regions as a list": (
        "results",
        lambda ev, p: p[_first(ev, "results")].update(regions=[]),
        "RESULTS",
        "payload.regions",
        "expected an object, got a list",
    ),
    "a count as a string": (
        "tally",
        lambda ev, p: p[_first(ev, "tally")]["regions"]["north"].update(ballots="4"),
        "TALLY",
        "payload.regions.north.ballots",
        "expected an integer",
    ),
    "a huge region weight": (
        "manifest",
        lambda ev, p: p[0]["regions"][0].update(weight="1e300000000"),
        "MANIFEST",
        "payload.regions[0].weight",
        "does not match",
    ),
    "a yes/no question with three marks": (
        "manifest",
        lambda ev, p: p[0]["questions"][0].update(max_selections=3),
        "MANIFEST",
        "payload.questions.0",
        "max_selections must be 1",
    ),
    "a threshold as a string": (
        "manifest",
        lambda ev, p: p[0]["trustees"].update(threshold="2"),
        "MANIFEST",
        "payload.trustees.threshold",
        "expected an integer",
    ),
    "a rejection with an extra member": (
        "ballot.rejected",
        lambda ev, p: p[_first(ev, "ballot.rejected")].update(voter="x"),
        "REJECTIONS",
        None,
        "voter: a member the spec does not list",
    ),
}

REORDERINGS: dict[str, tuple[Callable[[list[Event], Payloads], None], str]] = {
    # name: (change of the rows, words of the EVENT_ORDER failure)
    "a second voting.open": (
        lambda ev, rows: rows[_first(ev, "ballot.accepted") + 1].update(
            type="voting.open", payload={}
        ),
        "a second voting.open event",
    ),
    "a second credential list": (
        lambda ev, rows: rows.insert(
            _first(ev, "credentials") + 1, copy.deepcopy(rows[_first(ev, "credentials")])
        ),
        "a second credentials event for region north",
    ),
    "a second deal of a trustee": (
        lambda ev, rows: rows.insert(
            _first(ev, "trustee.deal") + 1, copy.deepcopy(rows[_first(ev, "trustee.deal")])
        ),
        "a second trustee.deal event of trustee 1",
    ),
}


@pytest.mark.parametrize("name", sorted(REORDERINGS))
def test_a_second_event_is_out_of_order(name: str, events: list[Event], tmp_path: Path) -> None:
    change, words = REORDERINGS[name]
    record = _rehashed(events, tmp_path / "r", lambda rows: change(events, rows), rows=True)
    check, item, _, detail = _failure(verify_record(record))
    assert (check, words) == ("EVENT_ORDER", detail), (check, item, detail)
    assert item is not None and item.startswith("event ")


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_a_named_failure(name: str, events: list[Event], tmp_path: Path) -> None:
    event_type, change, check, field, words = ATTACKS[name]
    record = _rehashed(events, tmp_path / "r", lambda p: change(events, p))
    report = verify_record(record)
    got = _failure(report)
    assert got[0] == check, got
    assert got[1] is not None and got[1].startswith("event "), got
    assert events[int(got[1].split()[1])].type == event_type, got
    if field is not None:
        assert got[2] == field, got
    assert words in got[3], got
    code, text = _cli("verify", str(record), "--workers", "1")
    assert code == 1 and "The record does NOT verify" in text and check in text
    code, out = _cli("verify", str(record), "--workers", "1", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["verdict"] == "fails"
    failed = [c for c in data["checks"] if c["status"] == "fail"]
    assert failed[0]["check"] == check and failed[0]["item"] == got[1]
    assert failed[0]["field"] == got[2]


def _cut_after(events: list[Event], event_type: str, *, extra: int = 0) -> int:
    """The number of events of a record cut just after the first ``event_type`` (and
    ``extra`` more)."""
    return _first(events, event_type) + 1 + extra


TRUNCATIONS = {
    # name: (where the record stops, its phase)
    "after the manifest": (lambda ev: 1, "setup"),
    "mid-ceremony": (lambda ev: _cut_after(ev, "trustee.deal"), "setup"),
    "during the setup": (lambda ev: _cut_after(ev, "election.key"), "setup"),
    "at the opening": (lambda ev: _cut_after(ev, "voting.open"), "voting"),
    "mid-voting": (lambda ev: _cut_after(ev, "ballot.accepted", extra=3), "voting"),
    "after closing": (lambda ev: _cut_after(ev, "voting.close"), "closed"),
    "after the tally": (lambda ev: _cut_after(ev, "tally"), "tallied"),
    "after one share": (lambda ev: _cut_after(ev, "tally.share"), "tallied"),
}


@pytest.mark.parametrize("name", sorted(TRUNCATIONS))
def test_a_truncated_record_is_valid_so_far(name: str, events: list[Event], tmp_path: Path) -> None:
    stop, phase = TRUNCATIONS[name]
    record = tmp_path / "r"
    write_record(events[: stop(events)], record)
    report = verify_record(record)
    assert report.sound and not report.ok and not report.complete, report.to_json()
    assert (report.verdict, report.phase) == (Verdict.VALID_SO_FAR, phase)
    code, text = _cli("verify", str(record), "--workers", "1")
    assert code == 3, text
    assert "The record verifies" not in text and "valid so far" in text and phase in text
    code, out = _cli("verify", str(record), "--workers", "1", "--format", "json")
    data = json.loads(out)
    assert code == 3
    assert (data["ok"], data["complete"], data["phase"], data["verdict"]) == (
        False,
        False,
        phase,
        "valid_so_far",
    )


def test_a_complete_record_verifies(events: list[Event], tmp_path: Path) -> None:
    write_record(events, tmp_path / "r")
    code, out = _cli("verify", str(tmp_path / "r"), "--workers", "1", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert (data["ok"], data["complete"], data["phase"], data["verdict"]) == (
        True,
        True,
        "published",
        "verifies",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"regions": [{"id": "a", "name": "A", "weight": "1e300000000"}]}, "regions.0.weight"),
        ({"regions": [{"id": "a", "name": "A", "weight": "0.5"}]}, "regions.0.weight"),
        ({"regions": [{"id": "a", "name": " "}]}, "regions.0.name"),
        ({"trustees": {"names": ["A", "A"], "threshold": 1}}, "trustees"),
        ({"trustees": {"names": ["A", "B"], "threshold": "2"}}, "trustees.threshold"),
        ({"rule": {"turnout_quorum": "0.5"}}, "rule.turnout_quorum"),
        ({"rule": {"approval_quorum": "45%"}}, "rule.approval_quorum"),
        ({"title": "  "}, "title"),
        (
            {
                "questions": [
                    {"id": "q1", "text": "?", "answers": ["yes", "no"], "max_selections": 2}
                ]
            },
            "questions.0",
        ),
    ],
)
def test_manifest_constraints(change: dict[str, Any], field: str) -> None:
    data: dict[str, Any] = {
        "id": "t",
        "title": "T",
        "questions": [{"id": "q1", "text": "?", "answers": ["yes", "no"]}],
        "regions": [{"id": "a", "name": "A"}],
        "window": [{"opens": "2026-05-04T08:00:00Z", "closes": "2026-05-04T20:00:00Z"}],
        "trustees": {"names": ["A"], "threshold": 1},
        "credential_authority": "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
        "board_key": "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76",
    }
    manifest_from_mapping(data)
    with pytest.raises(ManifestError) as caught:
        manifest_from_mapping({**data, **change})
    assert caught.value.field == field


# -- any change of form, anywhere, is a named failure -------------------------------------

_OTHER_TYPES: dict[type, list[object]] = {
    str: [7, [], {}, True],
    int: ["7", [7], True, None],
    bool: [1, "true", None],
    list: [{}, "[]", 0],
    dict: [[], "{}", 0],
    type(None): [0, [], {}, False],
}


def _paths(value: object, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _mutate(payload: dict[str, Any], data: st.DataObject) -> None:
    """Change the type of one value, or add or remove one member, somewhere in ``payload``."""
    # a refusal's recorded submission is any JSON the sender sent: its words cannot be
    # checked (only its sender holds the bytes), so it is left out of the changes
    paths = [p for p in _paths(payload) if p[:2] != ("submission", "json")]
    path = data.draw(st.sampled_from(paths))
    parent: Any = payload
    for key in path[:-1]:
        parent = parent[key]
    target = parent[path[-1]] if path else payload
    kind = data.draw(st.sampled_from(["type", "add", "remove"]))
    if kind == "add" and isinstance(target, dict):
        target[data.draw(st.sampled_from(["voter", "extra", "Z", "1"]))] = "x"
    elif kind == "remove" and isinstance(target, dict) and target:
        target.pop(data.draw(st.sampled_from(sorted(target))))
    elif path:
        parent[path[-1]] = data.draw(st.sampled_from(_OTHER_TYPES[type(target)]))
    else:
        payload["extra"] = "x"


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_changed_payloads_are_refused_by_name(events: list[Event], data: st.DataObject) -> None:
    """The form check alone: a PayloadError naming a member, never another exception."""
    event = data.draw(st.sampled_from(events))
    payload = copy.deepcopy(event.payload)
    _mutate(payload, data)
    try:
        check_payload(event.type, payload)
    except PayloadError as exc:
        assert exc.reason
    # some changes keep the form (a region dropped from a map): the verifier judges those


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_changed_records_fail_by_name(
    events: list[Event], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """A record with one payload's form changed and every hash recomputed fails a named check
    on a named event (never CHAIN, never a traceback), in the text and JSON output alike."""
    height = data.draw(st.sampled_from([e.height for e in events if e.type in PAYLOADS]))
    folder = tmp_path_factory.mktemp("mutated")
    try:
        record = _rehashed(events, folder / "r", lambda p: _mutate(p[height], data))
    except InputError:  # not even an event (a value canonical JSON cannot hold)
        return
    report = verify_record(record)
    check, item, _, detail = _failure(report)
    assert check != "CHAIN" and item and detail, report.to_json()
    code, out = _cli("verify", str(record), "--workers", "1", "--format", "json")
    assert code == 1 and json.loads(out)["checks"]


# -- the board appends only what a verifier accepts ---------------------------------------


def test_the_services_refuse_a_payload_the_verifier_would(tmp_path: Path) -> None:
    from referendum.board.memory import MemoryBoard
    from referendum.protocol.state import Phase
    from referendum.services.state import load_state
    from referendum.services.voting import append, cast

    from .helpers import ready_referendum

    setup = ready_referendum(MemoryBoard(), per_region=1)
    board = setup.board
    head = board.head()
    for event_type, payload, field in [
        ("results", {"trustees": "13", "regions": {}, "outcome": {}}, "trustees"),
        ("results", {"trustees": [1, 2], "outcome": {}}, "regions"),
        ("voting.close", {"note": "early"}, "note"),
        ("election.key", {}, "qualified"),
    ]:
        with pytest.raises(PayloadError) as caught:
            append(board, event_type, payload, setup.clock)
        assert caught.value.field == field
    assert board.head() == head
    # a submission naming an odd member, upper-case hex and a lone surrogate: the refusal is
    # still a payload of exactly the spec's form
    odd = "\\ud800" + "x" * 500  # a JSON escape: the parsed name holds a lone surrogate
    for submission in (
        f'{{"election":"{"0" * 64}","region":"east","credential":"{"AB" * 32}",'
        f'"ballot":{{}},"signature":{{}},"{odd}":1}}'.encode(),
        {
            "election": "0" * 64,
            "region": "east",
            "credential": "AB" * 32,
            "ballot": {},
            "signature": {},
        },
    ):
        with pytest.raises(BallotRejected):
            cast(board, submission, setup.clock)
    rejected = [e for e in board.events(types=("ballot.rejected",))]
    assert rejected, "the refusal was logged"
    for event in rejected:
        check_payload(event.type, event.payload)
        assert event.payload["credential"] is None  # upper-case hex is not a credential
    assert load_state(board).phase is Phase.OPEN
