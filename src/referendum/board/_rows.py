"""Rows of the SQL backends' ``events`` table, to and from :class:`Event`."""

from __future__ import annotations

import json
from typing import Any

from referendum.errors import BoardCorrupted
from referendum.record.canonical import canonical_json
from referendum.record.event import Event

__all__ = ["EVENT_COLUMNS", "EventRow", "event_from_row", "event_to_row"]

EVENT_COLUMNS = "height, parent, type, timestamp, payload, hash"

EventRow = tuple[int, str, str, str, str, str]


def event_to_row(event: Event, payload: bytes | None = None) -> EventRow:
    """The row stored for ``event``: the payload as canonical JSON text (``payload`` if given)."""
    text = (canonical_json(event.payload) if payload is None else payload).decode("utf-8")
    return (event.height, event.parent, event.type, event.timestamp, text, event.hash)


def event_from_row(row: tuple[Any, ...]) -> Event:
    """The event of a stored row.

    The payload is parsed with the plain JSON parser (fast); a tampered payload shows up as a
    hash mismatch in :func:`~referendum.record.chain.verify_chain`.
    """
    height, parent, type_, timestamp, payload, hash_ = row
    try:
        decoded = json.loads(payload)
    except ValueError as exc:
        raise BoardCorrupted(f"event at height {height}: payload is not JSON: {exc}") from None
    if not isinstance(decoded, dict):
        raise BoardCorrupted(f"event at height {height}: payload is not a JSON object")
    return Event(int(height), parent, type_, timestamp, decoded, hash_)
