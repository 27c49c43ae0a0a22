"""The demo referendum end to end: its record verifies, is deterministic, and any single
altered value makes ``verify`` fail (docs/spec/verification.md)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from referendum.protocol.ballots import REJECTION_CODES
from referendum.record.event import make_event
from referendum.record.io import read_record, write_record
from referendum.services.demo import run_demo
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import Status


@pytest.fixture(scope="module")
def demo_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    summary = run_demo(out, voters=24, seed=5)
    assert summary.trustees_present == [1, 3]
    return out


def test_demo_record_verifies(demo_record: Path) -> None:
    report = verify_record(demo_record)
    assert report.ok, [r.to_json() for r in report.failures()]
    statuses = {r.check.value: r.status for r in report.results}
    assert all(s is Status.PASS for s in statuses.values()), statuses
    results = report.summary["results"]
    assert set(results) == {"north", "centre", "south"}
    for entry in results.values():
        assert sum(entry["questions"]["q1"].values()) == entry["ballots"] <= entry["electorate"]
    # the demo's nine kinds of bad submission, each logged and re-decided from the record
    assert set(report.summary["rejected"]) == REJECTION_CODES - {"wrong_election", "not_open"}


def test_demo_is_deterministic(demo_record: Path, tmp_path: Path) -> None:
    run_demo(tmp_path, voters=24, seed=5)
    digest = [
        hashlib.sha256((d / "events.jsonl").read_bytes()).hexdigest()
        for d in (demo_record, tmp_path)
    ]
    assert digest[0] == digest[1]


def test_cli_demo_then_verify(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    cli = [sys.executable, "-m", "referendum.cli"]
    run = subprocess.run(
        [*cli, "demo", "--out", str(out), "--voters", "12", "--seed", "3"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "Outcome" in run.stdout
    check = subprocess.run(
        [*cli, "verify", str(out), "--workers", "2"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "The record verifies" in check.stdout


def _leaves(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, (*path, i))
    else:
        yield path, obj


def _altered(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return "x"
    text = str(value)
    if text and all(c in "0123456789abcdef" for c in text):
        return ("1" if text[0] != "1" else "2") + text[1:]
    return text + "!"


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def _one_value_per_event_type(record: Path) -> list[tuple[int, tuple[Any, ...]]]:
    """For every event type, every leaf path of its first event's payload (capped).

    Rejections are left out: their ``detail`` is words, and the digest of a JSON submission
    is its sender's to check; tests/core/test_refusals.py alters them one meaning at a time."""
    seen: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
    for event in read_record(record).events():
        if event.type in seen or event.type == "ballot.rejected":
            continue
        seen[event.type] = [(event.height, p) for p, _ in _leaves(event.payload)][:12]
    return [item for items in seen.values() for item in items]


def test_any_altered_byte_breaks_the_chain(demo_record: Path, tmp_path: Path) -> None:
    lines = (demo_record / "events.jsonl").read_text().splitlines()
    for height in (0, len(lines) // 2, len(lines) - 1):
        copy = tmp_path / f"c{height}"
        shutil.copytree(demo_record, copy)
        event = json.loads(lines[height])
        path, value = next(_leaves(event["payload"]))
        _set(event["payload"], path, _altered(value))
        altered = [*lines]
        altered[height] = json.dumps(
            event, separators=(",", ":"), sort_keys=True, ensure_ascii=False
        )
        (copy / "events.jsonl").write_text("\n".join(altered) + "\n")
        report = verify_record(copy)
        assert not report.ok
        assert report.failures()[0].check.value == "CHAIN"


def test_altered_values_fail_even_when_rehashed(demo_record: Path, tmp_path: Path) -> None:
    """A forger who recomputes every hash still fails: each altered value, in each kind of
    event, is caught by a semantic check."""
    events = list(read_record(demo_record).events())
    targets = _one_value_per_event_type(demo_record)
    # every type but rejections and the empty payloads of voting.open and voting.close
    assert len({events[h].type for h, _ in targets}) == 10
    undetected = []
    for n, (height, path) in enumerate(targets):
        payloads = [json.loads(json.dumps(e.payload)) for e in events]
        value = payloads[height]
        for key in path:
            value = value[key]
        _set(payloads[height], path, _altered(value))
        rebuilt = []
        parent = "0" * 64
        for e, payload in zip(events, payloads, strict=True):
            try:
                new = make_event(e.height, parent, e.type, e.timestamp, payload)
            except Exception:
                break  # the alteration is not even a well-formed event
            rebuilt.append(new)
            parent = new.hash
        else:
            folder = tmp_path / f"r{n}"
            write_record(rebuilt, folder)
            if verify_record(folder).ok:
                undetected.append((events[height].type, path))
    assert not undetected, "\n".join(map(str, undetected))
