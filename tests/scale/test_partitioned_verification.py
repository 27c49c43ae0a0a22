"""Partitioned and batched verification gives exactly the single-process, one-by-one verdict."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
from pathlib import Path
from typing import Any

import pytest

from referendum.bench.generate import generate_record
from referendum.protocol.ballots import ballot_signing_message
from referendum.protocol.state import state_from_events
from referendum.record import messages as m
from referendum.record.canonical import canonical_json, parse_canonical_json
from referendum.record.event import make_event
from referendum.record.io import read_record, write_record
from referendum.verify import partition
from referendum.verify.ballots import (
    RangeTask,
    check_chunk,
    check_range,
    setup_events,
    signing_message,
)
from referendum.verify.lines import LineError, aligned_ranges, parse_event_line
from referendum.verify.record_verifier import verify_record

SMALL_CHUNK = 24 * 1024  # about seven ballots per range: many ranges even in a small record


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "record"
    generated = generate_record(out, voters=40, regions=3, workers=2, seed=3, revote_every=6)
    assert generated.ballots == 40 + 7  # voters 0, 6, ..., 36 vote twice
    return out


def _report(directory: Path, **options: Any) -> dict[str, Any]:
    return verify_record(directory, **options).to_json()  # type: ignore[no-any-return]


def _rewrite(record: Path, out: Path, height: int, change: Any) -> None:
    """Copy ``record`` to ``out`` with event ``height``'s payload changed and every hash after
    it recomputed (a forger's record: the chain holds, the content does not)."""
    events = list(read_record(record).events())
    payload = json.loads(json.dumps(events[height].payload))
    change(payload)
    rebuilt = events[:height]
    parent = rebuilt[-1].hash
    for event in events[height:]:
        new = make_event(
            event.height,
            parent,
            event.type,
            event.timestamp,
            payload if event.height == height else event.payload,
        )
        rebuilt.append(new)
        parent = new.hash
    write_record(rebuilt, out)


def _ballot_heights(record: Path) -> list[int]:
    return [e.height for e in read_record(record).events() if e.type == m.BALLOT_ACCEPTED]


def test_generated_record_verifies_whoever_checks_it(record: Path) -> None:
    single = _report(record)
    assert single["ok"], single
    assert single["summary"]["accepted"] == 47
    assert single["summary"]["counted"] == 40
    assert sum(r["ballots"] for r in single["summary"]["results"].values()) == 40
    assert _report(record, chunk_bytes=SMALL_CHUNK) == single
    assert _report(record, workers=2, chunk_bytes=SMALL_CHUNK) == single


def test_a_bad_proof_is_named_as_the_single_check_names_it(record: Path, tmp_path: Path) -> None:
    height = _ballot_heights(record)[20]

    def change(payload: dict[str, Any]) -> None:
        proof = payload["ballot"]["questions"][0]["selections"][1]["proof"]
        proof["responses"][0] = _other_scalar(proof["responses"][0])

    bad = tmp_path / "bad"
    _rewrite(record, bad, height, change)
    report = _report(bad, chunk_bytes=SMALL_CHUNK)
    failures = [r for r in report["checks"] if r["status"] == "fail"]
    assert [f["check"] for f in failures] == ["BALLOTS"]
    assert failures[0]["item"] == f"event {height}"
    events = list(read_record(bad).events())
    state = state_from_events(setup_events(events))
    alone = check_chunk(state, [(height, events[height].payload)])
    assert failures[0]["detail"] == alone[0].reason
    assert _report(bad) == report
    assert _report(bad, workers=2, chunk_bytes=SMALL_CHUNK) == report


def _other_scalar(value: Any) -> Any:
    if isinstance(value, str):
        return ("01" if not value.startswith("01") else "02") + value[2:]
    return [_other_scalar(v) for v in value]


def test_a_dropped_revote_changes_the_tally(record: Path, tmp_path: Path) -> None:
    """The sums merged from the ranges count only the last ballot of each credential: a
    revote whose 'replaces' is erased is caught, and the tally no longer matches."""
    events = list(read_record(record).events())
    height = next(e.height for e in events if e.type == m.BALLOT_ACCEPTED and e.payload["replaces"])
    bad = tmp_path / "revote"
    _rewrite(record, bad, height, lambda p: p.update(replaces=None))
    report = _report(bad, workers=2, chunk_bytes=SMALL_CHUNK)
    failed = {r["check"]: r for r in report["checks"] if r["status"] == "fail"}
    assert failed["REVOTES"]["item"] == f"event {height}"
    assert report == _report(bad)


def test_a_broken_line_in_a_middle_range_names_its_line(record: Path, tmp_path: Path) -> None:
    bad = tmp_path / "chain"
    shutil.copytree(record, bad)
    lines = (bad / "events.jsonl").read_bytes().split(b"\n")
    target = _ballot_heights(record)[30]
    lines[target] = lines[target].replace(b'"region":"r', b'"region":"x', 1)
    (bad / "events.jsonl").write_bytes(b"\n".join(lines))
    for options in ({}, {"chunk_bytes": SMALL_CHUNK}, {"workers": 2, "chunk_bytes": SMALL_CHUNK}):
        report = _report(bad, **options)
        failure = next(r for r in report["checks"] if r["status"] == "fail")
        assert failure["check"] == "CHAIN"
        assert f"line {target + 1}:" in failure["detail"], failure


def test_ranges_cover_the_file_at_line_starts(record: Path) -> None:
    path = record / "events.jsonl"
    data = path.read_bytes()
    ranges = aligned_ranges(path, 100, 5000)
    assert ranges[0][0] == 100 and ranges[-1][1] == len(data)
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end == start and data[start - 1 : start] == b"\n"


def test_fast_line_parser_refuses_what_the_canonical_parser_refuses(record: Path) -> None:
    line = (record / "events.jsonl").read_bytes().split(b"\n")[0]
    event = parse_event_line(line, 0)
    assert event.height == 0
    spaced = line.replace(b'","height":', b'", "height":', 1)
    floated = line.replace(b'"height":0', b'"height":0.0', 1)
    for bad in (spaced, floated, line.replace(b'{"hash":"', b'{"hash":"0', 1)):
        with pytest.raises(LineError):
            parse_event_line(bad, 0)
        with pytest.raises(Exception):  # noqa: B017 (any refusal, with its own wording)
            parse_canonical_json(bad)
            parse_event_line(bad, 0)


def test_signing_message_from_bytes_equals_the_protocol(record: Path) -> None:
    events = list(read_record(record).events())
    state = state_from_events(setup_events(events))
    ballots = [e.payload for e in events if e.type == m.BALLOT_ACCEPTED]
    revote = next(b for b in ballots if b["replaces"] is not None)
    for ballot in (ballots[0], revote):
        expected = ballot_signing_message(
            state.fingerprint,
            ballot["credential"],
            ballot["region"],
            ballot["ballot"],
            ballot["replaces"],
        )
        got = signing_message(
            state.fingerprint,
            bytes.fromhex(ballot["credential"]),
            ballot["region"],
            canonical_json(ballot["ballot"]),
            ballot["replaces"],
        )
        assert got == expected


def test_a_range_checks_its_ballots_and_sums_them(record: Path) -> None:
    path = record / "events.jsonl"
    text = path.read_bytes()
    events = list(read_record(record).events())
    opened = next(e.height for e in events if e.type == m.VOTING_OPEN)
    setup_end = sum(len(x) + 1 for x in text.split(b"\n")[: opened + 1])
    stat = path.stat()
    task = RangeTask(str(path), setup_end, len(text), setup_end, (stat.st_size, stat.st_mtime_ns))
    result = check_range(task)
    assert result.error is None and not result.failures
    assert sum(n for n, _ in result.sums.values()) == 47
    assert result.lines == len(events) - opened - 1


def _die_once(task: RangeTask) -> Any:
    """check_range, except that the first process to call it (across the pool) kills itself
    with SIGKILL: a worker lost mid-run."""
    try:
        os.close(os.open(os.environ["REFERENDUM_TEST_DIE_ONCE"], os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return check_range(task)
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")  # pragma: no cover


def test_a_killed_worker_process_ranges_are_run_again(
    record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    single = _report(record)
    marker = tmp_path / "died"
    monkeypatch.setenv("REFERENDUM_TEST_DIE_ONCE", str(marker))
    monkeypatch.setattr(partition, "check_range", _die_once)
    assert _report(record, workers=2, chunk_bytes=SMALL_CHUNK) == single
    assert marker.exists()  # a worker did die
