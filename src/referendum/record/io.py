"""Election records on disk: a directory with ``record.json`` and ``events.jsonl``.

``events.jsonl`` holds one event per line, each line the canonical JSON of the event object
(keys ``hash``, ``height``, ``parent``, ``payload``, ``timestamp``, ``type``) followed by a line
feed, in ascending height.  ``record.json`` describes it::

    {"event_count": 3, "events_sha256": "…", "format": "referendum-record",
     "head_hash": "…", "version": 2}

Both directions stream: :func:`write_record` consumes any iterable of events (a board's
:meth:`events`, for instance) and :class:`RecordReader` yields events one line at a time, so
memory stays bounded whatever the record's size.  The spec is ``docs/spec/record.md``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from referendum.errors import BoardCorrupted, InputError, RecordError
from referendum.record.bounded_json import RECORD_LINE
from referendum.record.canonical import canonical_json, parse_canonical_json, parse_json_strict
from referendum.record.chain import ChainChecker
from referendum.record.event import Event, Head, event_hash_encoded

__all__ = [
    "CHECKPOINTS_FILE",
    "EVENTS_FILE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "RECORD_FILE",
    "RecordInfo",
    "RecordReader",
    "parse_record_info",
    "read_events",
    "read_record",
    "write_record",
]

FORMAT_NAME = "referendum-record"
FORMAT_VERSION = 2
RECORD_FILE = "record.json"
EVENTS_FILE = "events.jsonl"
CHECKPOINTS_FILE = "checkpoints.jsonl"
"""The board's signed checkpoints, one JSON string (the signed note) per line (log.md section 5)."""

_RECORD_KEYS = frozenset({"format", "version", "event_count", "head_hash", "events_sha256"})
_MAX_LINE = RECORD_LINE.max_bytes  # a longer line is refused rather than read into memory


@dataclass(frozen=True, slots=True)
class RecordInfo:
    """What ``record.json`` says: the number of events, the head, the digest of the events."""

    event_count: int
    head: Head | None
    events_sha256: str
    version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        """The ``record.json`` object."""
        return {
            "format": FORMAT_NAME,
            "version": self.version,
            "event_count": self.event_count,
            "head_hash": None if self.head is None else self.head.hash,
            "events_sha256": self.events_sha256,
        }


def write_record(
    events: Iterable[Event],
    directory: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    checkpoints: Iterable[str] = (),
) -> RecordInfo:
    """Write ``events`` (streamed, ascending from height 0) as a record in ``directory``,
    with the board's signed ``checkpoints`` (note texts, ascending size) in
    ``checkpoints.jsonl`` when there are any.

    The chain is checked on the way (:class:`~referendum.errors.BoardCorrupted` if it is
    broken: a broken board is not exported).  Files are written under temporary names and
    renamed, ``events.jsonl`` first and ``record.json`` last, so that a record with a
    ``record.json`` is complete.  An existing record in ``directory`` is replaced only with
    ``overwrite=True`` (:class:`~referendum.errors.RecordError` otherwise).
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    record_path, events_path = folder / RECORD_FILE, folder / EVENTS_FILE
    if not overwrite and (record_path.exists() or events_path.exists()):
        raise RecordError(f"{folder}: already holds a record (pass overwrite=True to replace it)")
    if record_path.exists():
        record_path.unlink()  # the record is incomplete until the new record.json lands
    checker = ChainChecker()
    digest = hashlib.sha256()
    count = 0
    partial = folder / f".{EVENTS_FILE}.partial"
    try:
        with partial.open("wb") as out:
            for event in events:
                checker.add(event)
                line = canonical_json(event.to_json()) + b"\n"
                digest.update(line)
                out.write(line)
                count += 1
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(events_path)
    notes = b"".join(canonical_json(note) + b"\n" for note in checkpoints)
    checkpoints_path = folder / CHECKPOINTS_FILE
    if notes:
        partial = folder / f".{CHECKPOINTS_FILE}.partial"
        with partial.open("wb") as out:
            out.write(notes)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(checkpoints_path)
    else:
        checkpoints_path.unlink(missing_ok=True)
    info = RecordInfo(count, checker.head, digest.hexdigest())
    partial = folder / f".{RECORD_FILE}.partial"
    with partial.open("wb") as out:
        out.write(canonical_json(info.to_json()) + b"\n")
        out.flush()
        os.fsync(out.fileno())
    partial.replace(record_path)
    _fsync_directory(folder)
    return info


def read_record(directory: str | os.PathLike[str]) -> RecordReader:
    """Open the record in ``directory``: reads and checks ``record.json`` now, events lazily."""
    return RecordReader(Path(directory))


class RecordReader:
    """A record on disk.  :meth:`events` streams its events, checking each line as it goes.

    Every problem raises :class:`~referendum.errors.RecordError` naming the file and, for
    ``events.jsonl``, the line number (1-based) and the reason.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.info = self._read_info()

    @property
    def events_path(self) -> Path:
        """The path of ``events.jsonl``."""
        return self.directory / EVENTS_FILE

    def __iter__(self) -> Iterator[Event]:
        return self.events()

    def events(self) -> Iterator[Event]:
        """Yield the events in order, one line at a time (as :func:`read_events`).  Each pass
        re-reads the file."""
        path = self.events_path
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise RecordError(f"{path}: cannot be read: {exc.strerror}") from None
        with handle:
            yield from read_events(handle, str(path), self.info)

    def _read_info(self) -> RecordInfo:
        path = self.directory / RECORD_FILE
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise RecordError(
                f"{path}: missing (is {self.directory} an election record?)"
            ) from None
        except OSError as exc:
            raise RecordError(f"{path}: cannot be read: {exc.strerror}") from None
        return parse_record_info(data, str(path))


def read_events(handle: BinaryIO, where: str, info: RecordInfo) -> Iterator[Event]:
    """Yield the events of an open ``events.jsonl`` (named ``where`` in errors) in order.

    Each line must be the canonical JSON of a well-formed event whose hash is right and
    which links to the one before it (the chain rules); at the end the line count, the head
    and the file's SHA-256 must match ``info`` (``record.json``).  Every problem raises
    :class:`~referendum.errors.RecordError` naming the line.
    """
    checker = ChainChecker()
    digest = hashlib.sha256()
    number = 0
    while True:
        line = handle.readline(_MAX_LINE + 1)
        if not line:
            break
        number += 1
        at = f"{where}: line {number}"
        if len(line) > _MAX_LINE:
            raise RecordError(f"{at}: longer than {_MAX_LINE} bytes")
        if not line.endswith(b"\n"):
            raise RecordError(f"{at}: does not end with a line feed")
        digest.update(line)
        event, computed = _parse_event_line(line[:-1], at)
        try:
            checker.add(event, computed_hash=computed)
        except BoardCorrupted as exc:
            raise RecordError(f"{at}: {exc}") from None
        yield event
    _check_totals(where, info, number, checker.head, digest.hexdigest())


def _check_totals(where: str, info: RecordInfo, count: int, head: Head | None, sha256: str) -> None:
    if count != info.event_count:
        raise RecordError(f"{where}: {count} events, but {RECORD_FILE} says {info.event_count}")
    head_hash = None if head is None else head.hash
    expected = None if info.head is None else info.head.hash
    if head_hash != expected:
        raise RecordError(
            f"{where}: the last event's hash is {head_hash}, {RECORD_FILE} says {expected}"
        )
    if sha256 != info.events_sha256:
        raise RecordError(f"{where}: SHA-256 is {sha256}, {RECORD_FILE} says {info.events_sha256}")


def _parse_event_line(line: bytes, where: str) -> tuple[Event, str]:
    """The event of a line, and its hash computed from the payload bytes in the line."""
    try:
        event = Event.from_json(parse_canonical_json(line))
    except InputError as exc:
        raise RecordError(f"{where}: {exc}") from None
    # The line is canonical, so its keys come in the order hash, height, parent, payload,
    # timestamp, type, and the payload's canonical JSON is the bytes between these two parts
    # (type and timestamp need no escaping).
    prefix = (
        f'{{"hash":"{event.hash}","height":{event.height},"parent":"{event.parent}","payload":'
    ).encode()
    suffix = f',"timestamp":"{event.timestamp}","type":"{event.type}"}}'.encode()
    if not (line.startswith(prefix) and line.endswith(suffix)):  # pragma: no cover - canonical
        raise RecordError(f"{where}: not in canonical form")
    payload_json = line[len(prefix) : len(line) - len(suffix)]
    computed = event_hash_encoded(
        event.height, event.parent, event.type, event.timestamp, payload_json
    )
    return event, computed


def _is_hash(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


def _fsync_directory(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def parse_record_info(data: bytes, where: str) -> RecordInfo:
    """Parse and check the bytes of ``record.json`` (``where`` names it in errors)."""
    path = where
    try:
        obj = parse_json_strict(data)
    except InputError as exc:
        raise RecordError(f"{path}: {exc.reason}") from None
    if not isinstance(obj, dict):
        raise RecordError(f"{path}: must be a JSON object")
    if obj.get("format") != FORMAT_NAME:
        raise RecordError(f"{path}: format must be {FORMAT_NAME!r}, got {obj.get('format')!r}")
    version = obj.get("version")
    if version != FORMAT_VERSION:
        if version == 1:
            raise RecordError(
                f"{path}: this is a record of format version 1, written before the "
                f"accountability changes of version {FORMAT_VERSION} (docs/spec/record.md, "
                f"'Changes in version 2'); this verifier reads version {FORMAT_VERSION} only"
            )
        raise RecordError(
            f"{path}: version {version!r} is not supported "
            f"(this reader knows version {FORMAT_VERSION})"
        )
    if set(obj) != _RECORD_KEYS:
        missing = sorted(_RECORD_KEYS - set(obj))
        extra = sorted(set(obj) - _RECORD_KEYS)
        raise RecordError(f"{path}: missing keys {missing}, unknown keys {extra}")
    count, head_hash, sha = obj["event_count"], obj["head_hash"], obj["events_sha256"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise RecordError(f"{path}: event_count must be a non-negative integer")
    if (head_hash is None) != (count == 0) or not (head_hash is None or _is_hash(head_hash)):
        raise RecordError(f"{path}: head_hash must be 64 hex digits (null only when empty)")
    if not _is_hash(sha):
        raise RecordError(f"{path}: events_sha256 must be 64 lowercase hex digits")
    head = None if head_hash is None else Head(count - 1, head_hash)
    return RecordInfo(count, head, sha)
