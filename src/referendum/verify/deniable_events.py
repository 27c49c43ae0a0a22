"""The events of deniable revoting (``ballot.deniable`` and the tallying authority's steps)
as the verifier's reader keeps them: by their place in ``events.jsonl``, not their payloads.

The ranges' workers check each such event's line and payload as they read it and hand the
merger a :class:`DeniableEntry` (its height, type, time and line span), as they hand it a
:class:`~referendum.verify.ballots.BallotEntry` for a visible ballot; the merger keeps the
spans (:class:`DeniableLines`: consecutive lines are one span, so a record's deniable
ballots are a few spans whatever their number) and the deniable checks read the events
again from the file, one at a time, in record order (:meth:`DeniableLines.events`).  So the
verifier holds no deniable event beyond the one being read (docs/performance.md, "Deniable
revoting").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from referendum.errors import RecordError, ReferendumError
from referendum.protocol.payloads import PAYLOADS, check_payload
from referendum.record import messages as m
from referendum.record.event import Event
from referendum.verify.lines import LineError, parse_event_line, read_lines
from referendum.verify.source import open_binary

__all__ = ["DENIABLE_TYPES", "DeniableEntry", "DeniableLines", "deniable_entry"]

DENIABLE_TYPES: Final = frozenset({m.BALLOT_DENIABLE, *m.TALLY_STEPS})
"""The event types kept by their place (every other non-ballot event is kept whole)."""


@dataclass(frozen=True, slots=True)
class DeniableEntry:
    """A deniable event whose payload checked where its line was read: its line is
    ``[start, end)`` of ``events.jsonl`` (its line feed included)."""

    height: int
    type: str
    timestamp: str
    start: int
    end: int


def deniable_entry(event: Event, start: int, end: int) -> Event | DeniableEntry:
    """The entry of ``event`` (a deniable one, on the line ``[start, end)``), its payload
    checked; the event itself when its payload does not check, so that the merger's own
    check names the failure as it names any event's."""
    try:
        if event.type in PAYLOADS:
            check_payload(event.type, event.payload)
    except (ReferendumError, KeyError, TypeError, ValueError):
        return event
    return DeniableEntry(event.height, event.type, event.timestamp, start, end)


class DeniableLines:
    """The spans of some deniable events' lines, in record order: how many, and the
    ``[start, end)`` of each run of consecutive lines."""

    __slots__ = ("_spans", "count")

    def __init__(self) -> None:
        self.count = 0
        self._spans: list[list[int]] = []

    @property
    def spans(self) -> int:
        """How many runs of consecutive lines."""
        return len(self._spans)

    def add(self, entry: DeniableEntry) -> None:
        self.count += 1
        if self._spans and self._spans[-1][1] == entry.start:
            self._spans[-1][1] = entry.end
        else:
            self._spans.append([entry.start, entry.end])

    def events(self, path: str) -> Iterator[Event]:
        """The events, read again from ``path`` one line at a time (their hashes checked
        again); :class:`RecordError` if the file changed under them."""
        try:
            with open_binary(path, block=1 << 22) as handle:
                for start, end in self._spans:
                    for index, (_, line) in enumerate(read_lines(handle, start, end)):
                        yield parse_event_line(line, index)
        except (LineError, OSError) as exc:
            raise RecordError(f"{path}: changed or unreadable while it was verified") from exc
