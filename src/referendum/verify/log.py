"""The log check of ``referendum verify`` (``docs/spec/log.md`` section 4).

The record's Merkle tree is recomputed from ``events.jsonl`` (each line's ``hash``, in order:
O(log n) memory, the root of every size a checkpoint names on the way), then every checkpoint
the record holds (``checkpoints.jsonl``) and every one given with ``--checkpoints FILE|URL`` is
checked: it parses, names this referendum, is signed with the manifest's ``board_key``, and its
root is the record's tree of its size; the record's own checkpoints grow in size and never go
back in time, and no two checkpoints, wherever they come from, give one size two roots or go
back in time as the size grows.  Each failure is a report line naming the checkpoint.
"""

from __future__ import annotations

import itertools
import json
import os
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from referendum.crypto.group import Point
from referendum.errors import InputError, ProofError, RecordError
from referendum.protocol.checkpoints import Checkpoint, parse_note, verify_checkpoint
from referendum.protocol.merkle import EMPTY_ROOT, leaf_hash, node_hash
from referendum.record.io import CHECKPOINTS_FILE, EVENTS_FILE
from referendum.verify.report import Check, Report
from referendum.verify.source import is_url, join, open_binary, read_bytes

__all__ = [
    "GivenCheckpoints",
    "Roots",
    "check_log",
    "parse_checkpoint_list",
    "read_given_checkpoints",
    "record_checkpoint_notes",
    "tree_roots",
]

_HASH_PREFIX: Final = b'{"hash":"'
_MAX_PAGES: Final = 100_000


@dataclass(frozen=True)
class GivenCheckpoints:
    """Checkpoints from outside the record: where from, and their note texts."""

    source: str
    notes: list[str]


class Roots:
    """The roots of the tree of a stream of leaf hashes, kept for the sizes asked for."""

    def __init__(self, sizes: Iterable[int]) -> None:
        self._wanted = set(sizes)
        self._stack: list[tuple[int, bytes]] = []  # (subtree size, hash), largest first
        self.size = 0
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}

    def push(self, leaf: bytes) -> None:
        """Append one leaf hash."""
        width, value = 1, leaf
        while self._stack and self._stack[-1][0] == width:
            value = node_hash(self._stack.pop()[1], value)
            width *= 2
        self._stack.append((width, value))
        self.size += 1
        if self.size in self._wanted:
            self.roots[self.size] = self.root()

    def root(self) -> bytes:
        """The root of the tree so far."""
        if not self._stack:
            return EMPTY_ROOT
        value = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            value = node_hash(left, value)
        return value


def tree_roots(location: str | os.PathLike[str], sizes: Iterable[int]) -> Roots:
    """The record's tree, read from its ``events.jsonl``: its roots at ``sizes`` and the
    whole tree's.  The lines are those the chain check read: canonical JSON whose first
    member is ``hash``."""
    roots = Roots(sizes)
    where = join(location, EVENTS_FILE)
    with open_binary(where) as handle:
        for number, line in enumerate(iter(handle.readline, b""), start=1):
            if not line.startswith(_HASH_PREFIX) or line[73:74] != b'"':
                raise RecordError(f"{where}:{number}: the line does not start with its hash")
            roots.push(leaf_hash(bytes.fromhex(line[9:73].decode("ascii"))))
    return roots


def parse_checkpoint_list(data: bytes, where: str) -> list[str]:
    """Signed notes from one of the three forms a checkpoint list takes: ``checkpoints.jsonl``
    (one JSON string per line), the JSON page of ``/api/log/checkpoints``, or one note."""
    text = data.decode("utf-8", errors="strict") if data else ""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            page = json.loads(stripped)
            notes = page.get("checkpoints") if isinstance(page, dict) else None
            if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
                raise InputError(where, "a JSON object without a list of strings 'checkpoints'")
            return notes
        if stripped.startswith('"'):
            found: list[str] = []
            for number, line in enumerate(text.splitlines(), start=1):
                note = json.loads(line)
                if not isinstance(note, str):
                    raise InputError(f"{where}:{number}", "not a JSON string (a signed note)")
                found.append(note)
            return found
    except json.JSONDecodeError as exc:
        raise InputError(where, f"not JSON: {exc.msg} at {exc.pos}") from None
    return [text] if text else []


def record_checkpoint_notes(location: str | os.PathLike[str]) -> list[str] | None:
    """The record's ``checkpoints.jsonl`` (``None`` when the record has none)."""
    where = join(location, CHECKPOINTS_FILE)
    try:
        data = read_bytes(where)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RecordError(f"{where}: cannot be read: {exc.strerror or exc}") from None
    try:
        return parse_checkpoint_list(data, where)
    except (InputError, UnicodeDecodeError) as exc:
        raise RecordError(f"{where}: {exc}") from None


def read_given_checkpoints(source: str) -> GivenCheckpoints:
    """Checkpoints from a file or a URL: a board's ``/api/log/checkpoints`` is followed
    page by page; any other URL or file is read once.  :class:`InputError` naming
    ``checkpoints`` when it cannot be read or is not a checkpoint list."""
    notes: list[str] = []
    try:
        if is_url(source) and urllib.parse.urlsplit(source).path.endswith("/log/checkpoints"):
            after = -1
            for _ in range(_MAX_PAGES):
                page = read_bytes(f"{source.split('?')[0]}?after={after}")
                batch = parse_checkpoint_list(page, source)
                notes.extend(batch)
                more = json.loads(page).get("more") is True
                if not more or not batch:
                    break
                after = parse_note(batch[-1], field="checkpoints").checkpoint.size
        else:
            notes = parse_checkpoint_list(read_bytes(source), source)
    except OSError as exc:
        raise InputError(
            "checkpoints", f"{source}: cannot be read: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError:
        raise InputError("checkpoints", f"{source}: not UTF-8 text") from None
    except InputError as exc:
        raise InputError("checkpoints", f"{source}: {exc}") from None
    return GivenCheckpoints(source, notes)


@dataclass
class _Seen:
    checkpoint: Checkpoint
    where: str


def _parsed(
    report: Report,
    notes: Sequence[str],
    where: str,
    *,
    fingerprint: bytes,
    board_key: Point,
) -> Iterator[_Seen]:
    """The notes that parse and carry the board's signature (a failure line for the others)."""
    for position, text in enumerate(notes):
        item = f"{where} checkpoint {position + 1}"
        try:
            note = parse_note(text, field="checkpoint")
        except InputError as exc:
            report.failed(Check.LOG, item, f"malformed: {exc}")
            continue
        item = f"{where} checkpoint of size {note.checkpoint.size}"
        try:
            verify_checkpoint(note, fingerprint=fingerprint, board_key=board_key)
        except ProofError as exc:
            report.failed(Check.LOG, item, str(exc))
            continue
        yield _Seen(note.checkpoint, item)


def check_log(
    report: Report,
    location: str | os.PathLike[str],
    *,
    event_count: int,
    fingerprint: bytes,
    board_key: Point,
    given: Sequence[GivenCheckpoints] = (),
) -> None:
    """Add the LOG check's lines to ``report`` (module docstring)."""
    try:
        own = record_checkpoint_notes(location)
    except RecordError as exc:
        report.failed(Check.LOG, CHECKPOINTS_FILE, str(exc))
        return
    failures = len(report.failures())
    recorded = list(
        _parsed(report, own or [], CHECKPOINTS_FILE, fingerprint=fingerprint, board_key=board_key)
    )
    outside = [
        seen
        for source in given
        for seen in _parsed(
            report, source.notes, source.source, fingerprint=fingerprint, board_key=board_key
        )
    ]
    sizes = {s.checkpoint.size for s in recorded + outside if s.checkpoint.size <= event_count}
    try:
        roots = tree_roots(location, sizes)
    except (RecordError, OSError, ValueError) as exc:
        report.failed(Check.LOG, EVENTS_FILE, f"the tree cannot be recomputed: {exc}")
        return
    previous: _Seen | None = None
    for seen in recorded:
        checkpoint = seen.checkpoint
        if checkpoint.size > event_count:
            report.failed(
                Check.LOG,
                seen.where,
                f"names {checkpoint.size} events; the record holds {event_count}",
            )
        elif checkpoint.root != roots.roots[checkpoint.size]:
            report.failed(
                Check.LOG,
                seen.where,
                f"its root is not that of the record's first {checkpoint.size} events: the "
                "board signed another tree than the record",
            )
        if previous is not None and checkpoint.size <= previous.checkpoint.size:
            report.failed(
                Check.LOG,
                seen.where,
                f"does not grow: it follows the checkpoint of size {previous.checkpoint.size}",
            )
        if previous is not None and checkpoint.time < previous.checkpoint.time:
            report.failed(
                Check.LOG,
                seen.where,
                f"goes back in time: {checkpoint.time}, after {previous.checkpoint.time}",
            )
        previous = seen
    beyond = 0
    for seen in outside:
        checkpoint = seen.checkpoint
        if checkpoint.size > event_count:
            beyond += 1
        elif checkpoint.root != roots.roots[checkpoint.size]:
            report.failed(
                Check.LOG,
                seen.where,
                f"signed by the board, but its root is not that of the record's first "
                f"{checkpoint.size} events: the board showed another log than the record (a "
                "split view); this checkpoint and the record prove it",
            )
    _check_times(report, recorded + outside)
    if len(report.failures()) > failures:
        return
    if own is None and not given:
        report.skipped(Check.LOG, f"no {CHECKPOINTS_FILE} (a record from before the log)")
        return
    detail = (
        f"{len(recorded)} checkpoints in the record and {len(outside)} given: signed with the "
        f"board key, roots of the record's tree, sizes and times in order; the record's "
        f"tree of {roots.size} events has root {roots.root().hex()}"
    )
    if recorded and recorded[-1].checkpoint.size < event_count:
        detail += f" (the last checkpoint covers {recorded[-1].checkpoint.size} of them)"
    if beyond:
        detail += f"; {beyond} given checkpoints are of a later, larger log"
    report.passed(Check.LOG, detail)


def _check_times(report: Report, seen: list[_Seen]) -> None:
    """Across every checkpoint: one size has one root, a larger size never an earlier time."""
    ordered = sorted(seen, key=lambda s: (s.checkpoint.size, s.checkpoint.time))
    for earlier, later in itertools.pairwise(ordered):
        if later.checkpoint.size == earlier.checkpoint.size and (
            later.checkpoint.root != earlier.checkpoint.root
        ):
            report.failed(
                Check.LOG,
                later.where,
                f"signed by the board with another root than {earlier.where} for the same "
                "size: two logs (a split view); the two checkpoints prove it",
            )
        if later.checkpoint.size > earlier.checkpoint.size and (
            later.checkpoint.time < earlier.checkpoint.time
        ):
            report.failed(
                Check.LOG,
                later.where,
                f"time {later.checkpoint.time} is before {earlier.checkpoint.time}, the time of "
                f"the smaller checkpoint of size {earlier.checkpoint.size} ({earlier.where})",
            )
