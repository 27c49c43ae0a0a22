"""The regular-expression reading of ballot lines (verify.fastline) accepts only what the
general path accepts, with the same content, and the verifier's results do not depend on
which path read a line: on a valid record and on records with a corrupted ballot."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.bench.generate import generate_record
from referendum.crypto.ballot_batch import AVAILABLE, BallotBatch
from referendum.errors import InputError
from referendum.protocol.state import state_from_events
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import event_hash_encoded
from referendum.record.io import read_record
from referendum.verify import ballots as verify_ballots
from referendum.verify.ballots import RangeTask, check_range, setup_events
from referendum.verify.fastline import BallotLines
from referendum.verify.lines import LineError, parse_event_line
from referendum.verify.record_verifier import verify_record

pytestmark = pytest.mark.skipif(not AVAILABLE, reason="compares with the C batch checker")


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fast") / "record"
    generate_record(out, voters=24, regions=3, workers=1, seed=9, revote_every=5)
    return out


@pytest.fixture(scope="module")
def setup(record: Path) -> Any:
    events = list(read_record(record).events())
    state = state_from_events(setup_events(events))
    lines = [x for x in (record / "events.jsonl").read_bytes().split(b"\n") if x]
    ballot_lines = [
        line for line, e in zip(lines, events, strict=True) if e.type == m.BALLOT_ACCEPTED
    ]
    patterns = BallotLines((r.id, state.ballot_context(r.id)) for r in state.manifest.regions)
    return _Quiet((state, patterns, ballot_lines))


class _Quiet(tuple):  # type: ignore[type-arg]
    """The fixture's value, with a short repr (hypothesis prints its arguments)."""

    def __repr__(self) -> str:
        return "<state, patterns, ballot lines>"


def _hex_values(obj: Any) -> list[bytes]:
    """The hex strings of a ballot in the order of its canonical JSON."""
    if isinstance(obj, dict):
        return [v for k in sorted(obj) for v in _hex_values(obj[k])]
    if isinstance(obj, list):
        return [v for item in obj for v in _hex_values(item)]
    return [obj.encode()]


def _agrees(state: Any, patterns: BallotLines, line: bytes) -> bool:
    """Check the property on one line; returns whether the fast path took it."""
    fast = patterns.match(line)
    if fast is None or not verify_ballots._hash_holds(fast):  # as check_range takes it
        return False
    event = parse_event_line(line, 0)  # must not raise: fast accepted it
    assert event.type == m.BALLOT_ACCEPTED
    assert (event.hash, event.height, event.parent, event.timestamp) == (
        fast.hash,
        fast.height,
        fast.parent,
        fast.timestamp,
    )
    payload = event.payload
    assert canonical_json(payload) == fast.payload
    assert canonical_json(payload["ballot"]) == fast.ballot
    assert (payload["credential"], payload["region"], payload["replaces"]) == (
        fast.credential,
        fast.region,
        fast.replaces,
    )
    assert payload["tracking_code"] == fast.tracking_code
    signature = payload["signature"]
    assert (signature["commitment"].encode(), signature["response"].encode()) == fast.signature
    assert list(fast.values) == _hex_values(payload["ballot"])
    by_dict = BallotBatch(state.ballot_context(fast.region))
    by_values = BallotBatch(state.ballot_context(fast.region))
    assert by_dict.add(payload["credential"], payload["ballot"], signature, b"message")
    by_values.add_values(fast.credential, fast.signature, fast.values, b"message")
    assert by_dict._blobs == by_values._blobs and by_dict._digests == by_values._digests
    return True


def test_every_ballot_line_of_a_valid_record_is_read_fast_and_alike(setup: Any) -> None:
    state, patterns, lines = setup
    assert len(lines) == 24 + 5
    assert all(_agrees(state, patterns, line) for line in lines)


@settings(max_examples=400)
@given(data=st.data())
def test_a_changed_byte_is_read_fast_only_when_the_general_path_agrees(
    setup: Any, data: st.DataObject
) -> None:
    state, patterns, lines = setup
    line = data.draw(st.sampled_from(lines))
    position = data.draw(st.integers(0, len(line) - 1))
    byte = data.draw(st.sampled_from(b'0aAf9 "{}[],:.-zTZ\\\x00\xc3e1'))
    changed = _rehashed(line[:position] + bytes([byte]) + line[position + 1 :])
    try:
        _agrees(state, patterns, changed)
    except (LineError, InputError) as exc:  # the general path refused what fast accepted
        raise AssertionError(f"fast accepted a line the general path refuses: {exc}") from None


def _rehashed(line: bytes) -> bytes:
    """The line with its hash recomputed over its (changed) fields, as a forger would."""
    found = re.fullmatch(
        rb'\{"hash":"[0-9a-f]{64}","height":([0-9]+),"parent":"([0-9a-f]{64})","payload":(.*),'
        rb'"timestamp":"([^"]*)","type":"([^"]*)"\}',
        line,
        re.DOTALL,
    )
    if found is None:
        return line
    height, parent, payload, timestamp, kind = found.groups()
    try:
        digest = event_hash_encoded(
            int(height), parent.decode(), kind.decode(), timestamp.decode(), payload
        )
    except (UnicodeDecodeError, OverflowError):
        return line
    return b'{"hash":"' + digest.encode() + line[len(b'{"hash":"') + 64 :]


def test_rehashed_lines_with_another_hex_digit_are_read_fast(setup: Any) -> None:
    state, patterns, lines = setup
    line = lines[3]
    at = line.index(b'"alpha":"') + len(b'"alpha":"')
    changed = _rehashed(line[:at] + (b"0" if line[at : at + 1] != b"0" else b"1") + line[at + 1 :])
    assert changed != line and _agrees(state, patterns, changed)


def test_lines_outside_the_shapes_take_the_general_path(setup: Any) -> None:
    _, patterns, lines = setup
    line = lines[0]
    obj = json.loads(line)
    for variant in (
        line.replace(b'"height":', b'"height": ', 1),  # whitespace
        line.replace(b'"type":"ballot.accepted"', b'"type":"ballot.rejected"'),
        re.sub(rb'"height":[0-9]+', b'"height":9007199254740992', line),  # beyond 2**53 - 1
        canonical_json({**obj, "timestamp": "2026-02-30T10:00:00.000000Z"}),  # no such day
        canonical_json({**obj, "payload": {**obj["payload"], "region": "nowhere"}}),
    ):
        assert patterns.match(variant) is None


def _copy_with(record: Path, out: Path, change: Any) -> None:
    shutil.copytree(record, out)
    events = out / "events.jsonl"
    lines = events.read_bytes().split(b"\n")
    heights = [e.height for e in read_record(record).events() if e.type == m.BALLOT_ACCEPTED]
    lines[heights[7]] = change(lines[heights[7]])
    events.write_bytes(b"\n".join(lines))


def _flip_after(marker: bytes) -> Any:
    def change(line: bytes) -> bytes:
        at = line.index(marker) + len(marker)
        return line[:at] + (b"1" if line[at : at + 1] != b"1" else b"2") + line[at + 1 :]

    return change


def _other_region(line: bytes) -> bytes:
    at = line.index(b'"region":"') + len(b'"region":"')
    end = line.index(b'"', at)
    region = line[at:end]
    other = b"r2" if region != b"r2" else b"r1"
    return line[:at] + other + line[end:]


CHANGES = {
    "a proof's response": _flip_after(b'"responses":["'),
    "the signature": _flip_after(b'"signature":{"commitment":"'),
    "the tracking code": _flip_after(b'"tracking_code":"'),
    "the region": _other_region,
    "the height": lambda line: line.replace(b'"height":', b'"height":1', 1),
}


@pytest.mark.parametrize("name", [None, *CHANGES])
def test_the_report_does_not_depend_on_the_path(
    record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str | None
) -> None:
    target = record
    if name is not None:
        target = tmp_path / "changed"
        _copy_with(record, target, CHANGES[name])
    fast = verify_record(target, chunk_bytes=20_000).to_json()
    monkeypatch.setattr(verify_ballots, "FAST_LINES", False)
    general = verify_record(target, chunk_bytes=20_000).to_json()
    assert fast == general
    assert fast["ok"] is (name is None)


def test_a_range_gives_the_same_result_either_way(
    record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = record / "events.jsonl"
    events = list(read_record(record).events())
    opened = next(i for i, e in enumerate(events) if e.type == m.VOTING_OPEN)
    sizes = [len(x) + 1 for x in path.read_bytes().split(b"\n")[:-1]]
    start = sum(sizes[: opened + 1])
    stat = path.stat()
    task = RangeTask(str(path), start, stat.st_size, start, (stat.st_size, stat.st_mtime_ns))
    fast = check_range(task)
    monkeypatch.setattr(verify_ballots, "FAST_LINES", False)
    assert check_range(task) == fast
    assert fast.failures == [] and fast.error is None
