"""A cheating board's edits of a finished record: change a meaning, then recompute every hash
(the chain and ``record.json``), so that ``CHAIN`` passes and another check must fail."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from referendum.record import messages as m
from referendum.record.event import Event, make_event

__all__ = [
    "Payloads",
    "edit_first",
    "edit_last",
    "rehash",
    "truncate_after",
]

Payloads = list[tuple[str, str, dict[str, Any]]]
"""Events as ``(type, timestamp, payload)``, in chain order."""


def payloads(events: list[Event]) -> Payloads:
    """A deep copy of the events' contents, to edit."""
    return [(e.type, e.timestamp, copy.deepcopy(dict(e.payload))) for e in events]


def rehash(items: Payloads) -> list[Event]:
    """The chain of ``items``, every hash recomputed."""
    out: list[Event] = []
    parent = "0" * 64
    for height, (event_type, timestamp, payload) in enumerate(items):
        event = make_event(height, parent, event_type, timestamp, payload)
        out.append(event)
        parent = event.hash
    return out


def _edit(
    events: list[Event], event_type: str, change: Callable[[dict[str, Any]], None], last: bool
) -> list[Event]:
    items = payloads(events)
    heights = [h for h, (t, _, _) in enumerate(items) if t == event_type]
    assert heights, f"no {event_type} event to edit"
    change(items[heights[-1] if last else heights[0]][2])
    return rehash(items)


def edit_first(
    events: list[Event], event_type: str, change: Callable[[dict[str, Any]], None]
) -> list[Event]:
    """Apply ``change`` to the payload of the first event of ``event_type``; re-hash."""
    return _edit(events, event_type, change, last=False)


def edit_last(
    events: list[Event], event_type: str, change: Callable[[dict[str, Any]], None]
) -> list[Event]:
    """Apply ``change`` to the payload of the last event of ``event_type``; re-hash."""
    return _edit(events, event_type, change, last=True)


def truncate_after(events: list[Event], event_type: str, *, skip: int = 0) -> list[Event]:
    """The record cut just after the first event of ``event_type`` (after the ``skip``-th
    further one of that type): the hashes of what remains are unchanged."""
    seen = 0
    for event in events:
        if event.type == event_type:
            if seen == skip:
                return events[: event.height + 1]
            seen += 1
    raise AssertionError(f"no {event_type} event to cut after")


def insert_before(items: Payloads, event_type: str, new: tuple[str, str, dict[str, Any]]) -> None:
    """Insert ``new`` just before the first event of ``event_type``."""
    at = next(h for h, (t, _, _) in enumerate(items) if t == event_type)
    items.insert(at, new)


def ballots_of(items: Payloads, credential: str) -> list[int]:
    """Positions of the accepted ballots of ``credential``."""
    return [
        h
        for h, (t, _, p) in enumerate(items)
        if t == m.BALLOT_ACCEPTED and p["credential"] == credential
    ]
