"""The tallying authority's step parts on disk until they are checked and appended.

:func:`~referendum.services.deniable.publish_deniable_tally` makes every region's steps,
checks them all as the verifier will, and only then appends them: a tally whose steps do not
pass is never published.  Held as Python objects, the steps of a million ballots take tens of
gigabytes; so each step is cut into its parts (docs/spec/coercion.md section 6.1) as soon as
it is made, each part written as one line of canonical JSON to an unnamed temporary file
(``tempfile``: ``TMPDIR`` chooses its directory) and dropped.  The check and the appending
then read the parts back one at a time, in the order they were made (the record's order).

The file is the process's own and is removed when the spool is closed (or the process ends);
it holds only what is about to be published.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, overload

from referendum.errors import PhaseError, UsageError
from referendum.protocol.deniable import (
    CLOSING_MEMBERS,
    PART_LISTS,
    ROWS_PER_PART,
    rows_per_part,
    split_step,
)
from referendum.protocol.payloads import check_payload
from referendum.record.canonical import canonical_json
from referendum.record.event import Event

__all__ = ["JsonView", "RowStream", "StepSpool", "draft_event"]


class JsonView(Sequence[Any]):
    """A step's list of decoded values (a mix's rows, its proof's points) whose JSON is made
    by the slice as the spool cuts the step into parts (``to_json`` of each item), so that
    the whole list's JSON is never held beside the values."""

    def __init__(self, items: Sequence[Any], to_json: Callable[[Any], Any]) -> None:
        self._items = items
        self._to_json = to_json

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._to_json(item) for item in self._items[index]]
        return self._to_json(self._items[index])


@dataclass(frozen=True)
class RowStream:
    """A step's list whose items are made while the spool writes them (``count`` items from
    ``items``): a step of one list (``tally.dummies``, ``tally.groups``, ``tally.filter``)
    is then never whole in memory."""

    count: int
    items: Iterator[Any]


class StepSpool:
    """Step parts, in order, in a temporary file: :meth:`add` a step, then read them back
    with :meth:`parts` or, as stand-in events for checking, :meth:`drafts`."""

    def __init__(self, *, max_bytes: int, rows: int = ROWS_PER_PART) -> None:
        # closed by close() (the spool is a context manager)
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="referendum-steps-")  # noqa: SIM115
        self._max_bytes = max_bytes
        self._rows = rows
        self.count = 0

    def __enter__(self) -> StepSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def add(self, event_type: str, payload: dict[str, Any]) -> None:
        """Cut a step into its parts and write them (its list made as it is written when it
        is a :class:`RowStream`); a :class:`PhaseError` for a part larger than ``max_bytes``
        (a record line less the room of its event's other members)."""
        streamed = [p for p in PART_LISTS[event_type] if isinstance(payload.get(p), RowStream)]
        if streamed:
            self._add_streamed(event_type, payload, streamed)
            return
        for part in split_step(event_type, payload, rows=self._rows):
            self._write(event_type, part)

    def _add_streamed(self, event_type: str, payload: dict[str, Any], lists: list[str]) -> None:
        """The parts of a step of one list, a :class:`RowStream`: as
        :func:`~referendum.protocol.deniable.split_step` cuts it (``R`` from the first
        item), each written as soon as its rows are made."""
        if len(lists) != 1 or len(PART_LISTS[event_type]) != 1:
            raise UsageError(f"{event_type}: a row stream for a step of one list only")
        name = lists[0]
        stream: RowStream = payload[name]
        first = next(stream.items, None)
        per = rows_per_part(len(canonical_json(first)) if first is not None else 0, self._rows)
        count = max(1, -(-stream.count // per))
        closing = CLOSING_MEMBERS[event_type]
        rows: list[Any] = [] if first is None else [first]
        made, k = len(rows), 0

        def emit() -> None:
            part = {
                key: value
                for key, value in payload.items()
                if key != name and (k == count - 1 or key not in closing)
            }
            part |= {name: rows, "part": k, "parts": count}
            self._write(event_type, part)

        for item in stream.items:
            if len(rows) == per:
                emit()
                k, rows = k + 1, []
            rows.append(item)
            made += 1
        if made != stream.count or k != count - 1:
            raise UsageError(f"{event_type}: {made} rows made where {stream.count} were due")
        emit()

    def _write(self, event_type: str, part: dict[str, Any]) -> None:
        encoded = canonical_json(part)
        if len(encoded) > self._max_bytes:
            raise PhaseError(
                f"region {part['region']}: a part of its {event_type} step would be "
                f"{len(encoded):,} bytes, more than a record line holds "
                f"({self._max_bytes:,}): its rows are too wide (fewer questions or answers "
                "per ballot)"
            )
        self._file.write(event_type.encode("ascii") + b" " + encoded + b"\n")
        self.count += 1

    def parts(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every part written, in order, as its type and payload (read one line at a time)."""
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            event_type, _, encoded = line.rstrip(b"\n").partition(b" ")
            yield event_type.decode("ascii"), json.loads(encoded)
        self._file.seek(0, 2)

    def drafts(self, *, check: bool = True) -> Iterator[Event]:
        """Every part as a stand-in event (:func:`draft_event`), heights from 0."""
        for height, (event_type, payload) in enumerate(self.parts()):
            yield draft_event(event_type, payload, height, check=check)


def draft_event(
    event_type: str, payload: dict[str, Any], height: int, *, check: bool = True
) -> Event:
    """A stand-in event for checking planned steps before they are appended (their form is
    checked too unless ``check`` is false)."""
    if check:
        check_payload(event_type, payload)
    digest = hashlib.sha256(canonical_json(payload)).hexdigest()
    return Event(
        height=height, parent="", type=event_type, timestamp="", payload=payload, hash=digest
    )
