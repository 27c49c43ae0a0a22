"""Records on disk: round trip, streaming in bounded memory, and every corruption named."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from referendum.errors import BoardCorrupted, RecordError
from referendum.record.canonical import canonical_json
from referendum.record.event import GENESIS_PARENT, Event, make_event
from referendum.record.io import read_record, write_record


def generate(n: int, *, pad: int = 0) -> Iterator[Event]:
    """A valid chain of ``n`` events, produced lazily."""
    parent = GENESIS_PARENT
    for height in range(n):
        payload = {"n": height, "who": f"voter-{height % 7}", "pad": "x" * pad}
        event = make_event(height, parent, "ballot" if height else "manifest", _ts(height), payload)
        parent = event.hash
        yield event


def _ts(second: int) -> str:
    return f"2026-03-01T{8 + second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.000000Z"


def test_round_trip(tmp_path: Path) -> None:
    events = list(generate(50))
    info = write_record(iter(events), tmp_path / "rec")
    assert info.event_count == 50
    assert info.head == events[-1].head
    reader = read_record(tmp_path / "rec")
    assert reader.info == info
    assert list(reader.events()) == events
    assert list(reader) == events  # a second pass re-reads the file
    record = json.loads((tmp_path / "rec" / "record.json").read_text())
    assert record["format"] == "referendum-record"
    assert record["version"] == 2
    lines = (tmp_path / "rec" / "events.jsonl").read_bytes().splitlines(keepends=True)
    assert lines[3] == canonical_json(events[3].to_json()) + b"\n"
    assert sorted(p.name for p in (tmp_path / "rec").iterdir()) == ["events.jsonl", "record.json"]


def test_empty_record(tmp_path: Path) -> None:
    info = write_record([], tmp_path)
    assert info.head is None
    assert list(read_record(tmp_path)) == []


def test_streaming_uses_bounded_memory(tmp_path: Path) -> None:
    tracemalloc.start()
    try:
        info = write_record(generate(1000, pad=5000), tmp_path)  # about 5 MB of events
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        count = sum(1 for _ in read_record(tmp_path))
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == info.event_count == 1000
    assert (tmp_path / "events.jsonl").stat().st_size > 4_000_000
    assert write_peak < 500_000
    assert read_peak < 500_000


def test_refuses_to_overwrite_unless_told(tmp_path: Path) -> None:
    write_record(generate(3), tmp_path)
    with pytest.raises(RecordError, match="already holds a record"):
        write_record(generate(4), tmp_path)
    write_record(generate(4), tmp_path, overwrite=True)
    assert read_record(tmp_path).info.event_count == 4


def test_broken_chain_is_not_exported(tmp_path: Path) -> None:
    events = list(generate(4))
    with pytest.raises(BoardCorrupted, match="height 3"):
        write_record([*events[:2], events[3]], tmp_path)
    assert not (tmp_path / "record.json").exists()
    assert not (tmp_path / "events.jsonl").exists()
    assert list(tmp_path.iterdir()) == []


def corrupt(tmp_path: Path, line_no: int, transform: object) -> Path:
    write_record(generate(6), tmp_path)
    path = tmp_path / "events.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[line_no - 1] = transform(lines[line_no - 1])  # type: ignore[operator]
    path.write_bytes(b"".join(lines))
    return path


def _edit(key: str, value: object) -> object:
    def transform(line: bytes) -> bytes:
        obj = json.loads(line)
        if key.startswith("payload."):
            obj["payload"][key.split(".", 1)[1]] = value
        else:
            obj[key] = value
        return canonical_json(obj) + b"\n"

    return transform


@pytest.mark.parametrize(
    ("transform", "reason"),
    [
        (lambda line: line.replace(b'"n":', b'"n" :'), "not in canonical form"),
        (lambda line: line[:-1] + b" \n", "not in canonical form"),
        (lambda line: line.replace(b'"n":2', b'"n":2.0'), "floats are not allowed"),
        (_edit("extra", 1), "unknown extra"),
        (lambda line: b"not json\n", "Expecting value"),
        (lambda line: b"\n", "Expecting value"),
        (lambda line: line.replace(b"ballot", b"Ballot"), "event.type"),
        (_edit("payload.n", 99), "hash"),
        (_edit("payload.extra", None), "hash"),
        (_edit("type", "other"), "hash"),
        (_edit("timestamp", "2026-03-01T08:00:02.000001Z"), "hash"),
        (_edit("height", 7), "expected height 2"),
        (_edit("parent", "0" * 64), "parent"),
        (_edit("hash", "a" * 64), "hash"),
    ],
)
def test_corrupted_line_is_named(tmp_path: Path, transform: object, reason: str) -> None:
    path = corrupt(tmp_path, 3, transform)
    with pytest.raises(RecordError, match=rf"events\.jsonl: line 3: .*{reason}") as info:
        list(read_record(tmp_path))
    assert str(info.value).startswith(f"{path}: line 3: ")


def test_every_value_of_every_line_matters(tmp_path: Path) -> None:
    write_record(generate(4), tmp_path / "good")
    lines = (tmp_path / "good" / "events.jsonl").read_bytes().splitlines(keepends=True)
    for index, line in enumerate(lines):
        obj = json.loads(line)
        changes = [(k, "x") for k in obj if k != "payload"] + [("payload.n", 1000)]
        for key, value in changes:
            path = corrupt(tmp_path / f"{index}-{key}", index + 1, _edit(key, value))
            with pytest.raises(RecordError) as info:
                list(read_record(path.parent))
            assert "line" in str(info.value) or "events" in str(info.value)


def test_missing_final_line_feed(tmp_path: Path) -> None:
    write_record(generate(3), tmp_path)
    path = tmp_path / "events.jsonl"
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(RecordError, match="line 3: does not end with a line feed"):
        list(read_record(tmp_path))


def test_truncated_and_extended_files(tmp_path: Path) -> None:
    write_record(generate(5), tmp_path)
    path = tmp_path / "events.jsonl"
    full = path.read_bytes()
    path.write_bytes(b"".join(full.splitlines(keepends=True)[:4]))
    with pytest.raises(RecordError, match=r"4 events, but record\.json says 5"):
        list(read_record(tmp_path))
    extra = list(generate(6))[5]
    path.write_bytes(full + canonical_json(extra.to_json()) + b"\n")
    with pytest.raises(RecordError, match=r"6 events, but record\.json says 5"):
        list(read_record(tmp_path))


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("version", 3, "version 3 is not supported"),
        ("version", 1, "format version 1"),
        ("format", "other", "format must be"),
        ("event_count", 4, "4"),
        ("event_count", -1, "event_count"),
        ("head_hash", "b" * 64, "record.json says b"),
        ("head_hash", None, "head_hash"),
        ("events_sha256", "c" * 64, "SHA-256"),
        ("extra", 1, "unknown keys"),
    ],
)
def test_record_json_checked(tmp_path: Path, key: str, value: object, reason: str) -> None:
    write_record(generate(5), tmp_path)
    path = tmp_path / "record.json"
    obj = json.loads(path.read_bytes())
    obj[key] = value
    path.write_bytes(canonical_json(obj))
    with pytest.raises(RecordError, match=reason):
        list(read_record(tmp_path))


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "missing"), (b"[]", "JSON object"), (b'{"a":1,"a":2}', "duplicate key")],
)
def test_bad_record_json(tmp_path: Path, content: bytes | None, reason: str) -> None:
    if content is not None:
        (tmp_path / "record.json").write_bytes(content)
    with pytest.raises(RecordError, match=rf"record\.json: .*{reason}"):
        read_record(tmp_path)


def test_missing_events_file(tmp_path: Path) -> None:
    write_record(generate(2), tmp_path)
    (tmp_path / "events.jsonl").unlink()
    with pytest.raises(RecordError, match=r"events\.jsonl: cannot be read"):
        list(read_record(tmp_path))
