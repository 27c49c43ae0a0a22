"""docs/spec/record.md states vectors and an example record: they must match the code."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from referendum.crypto.hashing import encode_fields
from referendum.record.canonical import canonical_json
from referendum.record.event import GENESIS_PARENT, event_hash, make_event
from referendum.record.io import write_record

SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec" / "record.md"


def spec_text() -> str:
    return SPEC.read_text(encoding="utf-8")


def indented_block_after(text: str, marker: str) -> list[str]:
    """The four-space-indented lines of the first block after ``marker``."""
    rest = text[text.index(marker) + len(marker) :].splitlines()
    lines: list[str] = []
    for line in rest:
        if line.startswith("    "):
            lines.append(line[4:])
        elif lines and line.strip():
            break
    return lines


def test_vector_1() -> None:
    text = spec_text()
    payload = {"title": "Référendum", "n": [1, True, None]}
    assert len(canonical_json(payload)) == 42
    expected = event_hash(0, GENESIS_PARENT, "manifest", "2026-03-01T08:00:00.000000Z", payload)
    assert f"    event_hash = {expected}" in text


def test_vector_2_bytes_and_hash() -> None:
    text = spec_text()
    block = indented_block_after(text, "in hex:")
    preimage = bytes.fromhex("".join(block[:-1]).replace(" ", ""))
    assert block[-1].startswith("event_hash = ")
    assert preimage == encode_fields(
        b"referendum/v1/event",
        (1).to_bytes(8, "big"),
        bytes.fromhex("ab" * 32),
        b"ballot",
        b"2026-03-01T08:00:01.250000Z",
        b"{}",
    )
    assert len(preimage) == 142
    stated = block[-1].split("=")[1].strip()
    assert stated == hashlib.sha256(preimage).hexdigest()
    assert stated == event_hash(1, "ab" * 32, "ballot", "2026-03-01T08:00:01.250000Z", {})


def test_example_record(tmp_path: Path) -> None:
    text = spec_text()
    first = make_event(
        0, GENESIS_PARENT, "manifest", "2026-03-01T08:00:00.000000Z", {"title": "Référendum"}
    )
    second = make_event(
        1, first.hash, "note", "2026-03-01T08:00:05.000000Z", {"text": 'a "quoted" line\n'}
    )
    write_record([first, second], tmp_path)
    record = indented_block_after(text, "\n`record.json`\n")
    events = indented_block_after(text, "\n`events.jsonl`\n")
    assert (tmp_path / "record.json").read_text(encoding="utf-8") == "\n".join(record) + "\n"
    assert (tmp_path / "events.jsonl").read_text(encoding="utf-8") == "\n".join(events) + "\n"


def test_domain_tag_and_format_named() -> None:
    text = spec_text()
    assert '"referendum/v1/event"' in text
    assert '"referendum-record"' in text
    assert re.search(r"`version` \| the integer `2`", text)
