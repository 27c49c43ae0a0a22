"""Reading a byte range of ``events.jsonl``: canonical lines, event hashes and chain links.

A range starts at a line start and ends at a line start (or at the end of the file), so that
independent readers can share one record: each checks the lines of its range (canonical JSON,
well-formed event, hash, links and timestamps between consecutive lines) and reports its first
and last event so that the links between ranges are checked by whoever merges them.

A line must be canonical JSON (:func:`~referendum.record.canonical.parse_canonical_json`), so
the payload's bytes as they stand in the line are its canonical encoding: the event hash is
computed over them without encoding the payload again.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from referendum.errors import InputError
from referendum.record.bounded_json import RECORD_LINE
from referendum.record.canonical import parse_canonical_json
from referendum.record.event import GENESIS_PARENT, Event, event_hash_encoded
from referendum.verify.source import open_binary, size_of

__all__ = [
    "MAX_LINE",
    "LineError",
    "Link",
    "aligned_ranges",
    "check_join",
    "parse_event_line",
    "read_lines",
]

MAX_LINE = RECORD_LINE.max_bytes
"""A longer line is refused rather than read into memory (as ``record.io`` does); a line is
also held to the other bounds of :data:`~referendum.record.bounded_json.RECORD_LINE`."""

_PAYLOAD_KEY = b',"payload":'
_TIMESTAMP_KEY = b',"timestamp":'


class LineError(Exception):
    """A line of the range breaks the record format or the chain (``line`` is 0-based within
    the range; the merger turns it into a line number of the file)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason

    def __reduce__(self) -> tuple[type[LineError], tuple[int, str]]:
        return LineError, (self.line, self.reason)


@dataclass(frozen=True, slots=True)
class Link:
    """An end of a range: the event's height, its hash (last) or parent (first), timestamp."""

    height: int
    hash: str
    timestamp: str


def _fast_event(line: bytes) -> Event | None:
    """The event of a canonical, correctly hashed line; ``None`` when anything is off (the
    caller then reparses slowly to name the problem)."""
    try:
        event = Event.from_json(parse_canonical_json(line))
    except (InputError, TypeError):
        return None
    start = line.find(_PAYLOAD_KEY) + len(_PAYLOAD_KEY)
    end = line.rfind(_TIMESTAMP_KEY)
    payload = line[start:end]
    computed = event_hash_encoded(event.height, event.parent, event.type, event.timestamp, payload)
    return event if computed == event.hash else None


def parse_event_line(line: bytes, index: int) -> Event:
    """Parse one line (without its line feed) into a correctly hashed event; ``LineError``
    naming the reason otherwise."""
    event = _fast_event(line)
    if event is not None:
        return event
    try:
        obj = parse_canonical_json(line)
        event = Event.from_json(obj)
        event.check_hash()
    except InputError as exc:
        raise LineError(index, f"{exc}") from None
    raise LineError(index, "unreadable event")  # pragma: no cover (fast path disagrees)


def read_lines(handle: BinaryIO, start: int, end: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(offset, line without its line feed)`` for the lines in ``[start, end)``."""
    handle.seek(start)
    offset = start
    index = 0
    while offset < end:
        line = handle.readline(MAX_LINE + 1)
        if not line:
            break
        if len(line) > MAX_LINE:
            raise LineError(index, f"longer than {MAX_LINE} bytes")
        if not line.endswith(b"\n"):
            raise LineError(index, "does not end with a line feed")
        yield offset, line[:-1]
        offset += len(line)
        index += 1


def check_join(previous: Link | None, first: Link, index: int) -> None:
    """The chain rules between the last event of a range and the ``first`` of the next (its
    height, parent hash and timestamp); ``LineError`` at ``index`` when one is broken."""
    expected_height = 0 if previous is None else previous.height + 1
    expected_parent = GENESIS_PARENT if previous is None else previous.hash
    where = f"event at height {first.height}"
    if first.height != expected_height:
        raise LineError(index, f"{where}: expected height {expected_height}")
    if first.hash != expected_parent:
        raise LineError(
            index, f"{where}: parent {first.hash} is not the previous hash {expected_parent}"
        )
    if previous is not None and first.timestamp < previous.timestamp:
        raise LineError(
            index,
            f"{where}: timestamp {first.timestamp} is earlier than the previous "
            f"{previous.timestamp}",
        )


def aligned_ranges(
    path: str | os.PathLike[str], start: int, size: int, *, end: int | None = None
) -> list[tuple[int, int]]:
    """Split ``[start, end)`` (``end``: the end of the file by default, or a line's end)
    into ranges of about ``size`` bytes, each beginning at a line start (found by reading to
    the next line feed after each cut)."""
    total = size_of(path) if end is None else end
    cuts = [start]
    with open_binary(path, block=1 << 14) as handle:  # over HTTP: a small read per cut
        position = start + size
        while position < total:
            handle.seek(position - 1)
            handle.readline(MAX_LINE + 1)
            cut = handle.tell()
            if cut >= total:
                break
            if cut > cuts[-1]:
                cuts.append(cut)
            position = max(cut, position) + size
    cuts.append(total)
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a] or [(start, total)]
