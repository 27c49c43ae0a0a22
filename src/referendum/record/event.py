"""Events of the bulletin board and their hash.

An event is ``(height, parent, type, timestamp, payload)`` plus ``hash``, the SHA-256 of::

    encode_fields(b"referendum/v1/event", height as 8-byte big-endian, bytes.fromhex(parent),
                  type as UTF-8, timestamp as UTF-8, canonical_json(payload))

where ``encode_fields`` writes each field as its 8-byte big-endian length then its bytes.  The
genesis event has height 0 and parent :data:`GENESIS_PARENT` (64 zeros); every other event's
parent is the hash of the event one lower.  Timestamps are ISO 8601 UTC with microseconds and a
``Z`` (``2026-03-01T08:00:00.000000Z``), produced from an injected clock by
:func:`format_timestamp`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from referendum.crypto.hashing import encode_fields
from referendum.errors import InputError
from referendum.record.canonical import canonical_json

__all__ = [
    "EVENT_DOMAIN",
    "EVENT_FIELDS",
    "GENESIS_PARENT",
    "Clock",
    "Event",
    "Head",
    "check_event_type",
    "check_timestamp",
    "event_hash",
    "event_hash_encoded",
    "format_timestamp",
    "make_event",
    "make_event_encoded",
    "parse_timestamp",
]

EVENT_DOMAIN = b"referendum/v1/event"
"""Domain tag, the first field hashed into every event hash."""

GENESIS_PARENT = "0" * 64
"""The parent of the event at height 0."""

EVENT_FIELDS = ("height", "parent", "type", "timestamp", "payload", "hash")
"""The keys of an event's JSON object (in ``events.jsonl`` and elsewhere), no more, no fewer."""

MAX_HEIGHT = 2**53 - 1

Clock = Callable[[], datetime]
"""An injected clock: returns the current time as an aware :class:`datetime`."""

_TYPE_RE = re.compile(r"[a-z][a-z0-9_.\-]{0,63}")
_TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_HASH_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Head:
    """The last event of a board or record: its height and hash."""

    height: int
    hash: str


@dataclass(frozen=True, slots=True, eq=True)
class Event:
    """One event of the hash chain.  ``payload`` is a JSON object; do not mutate it."""

    height: int
    parent: str
    type: str
    timestamp: str
    payload: dict[str, Any]
    hash: str

    @property
    def head(self) -> Head:
        """This event as a head (height and hash)."""
        return Head(self.height, self.hash)

    def to_json(self) -> dict[str, Any]:
        """The event as the JSON object stored in records (keys of :data:`EVENT_FIELDS`)."""
        return {
            "height": self.height,
            "parent": self.parent,
            "type": self.type,
            "timestamp": self.timestamp,
            "payload": self.payload,
            "hash": self.hash,
        }

    @classmethod
    def from_json(cls, obj: object, *, field: str = "event") -> Event:
        """Read an event object, checking shapes (not the hash: see :meth:`check_hash`).

        Raises :class:`~referendum.errors.InputError` naming ``field.key`` and the reason.
        """
        if not isinstance(obj, dict):
            raise InputError(field, "must be a JSON object")
        keys = set(obj)
        if keys != set(EVENT_FIELDS):
            missing = sorted(set(EVENT_FIELDS) - keys)
            extra = sorted(keys - set(EVENT_FIELDS))
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
                [f"unknown {', '.join(extra)}"] if extra else []
            )
            raise InputError(field, "; ".join(parts))
        height, parent, type_, timestamp, payload, hash_ = (obj[k] for k in EVENT_FIELDS)
        if not isinstance(height, int) or isinstance(height, bool) or height < 0:
            raise InputError(f"{field}.height", "must be a non-negative integer")
        _check_hash_hex(parent, f"{field}.parent")
        if not isinstance(type_, str):
            raise InputError(f"{field}.type", "must be a string")
        check_event_type(type_, field=f"{field}.type")
        if not isinstance(timestamp, str):
            raise InputError(f"{field}.timestamp", "must be a string")
        check_timestamp(timestamp, field=f"{field}.timestamp")
        if not isinstance(payload, dict):
            raise InputError(f"{field}.payload", "must be a JSON object")
        _check_hash_hex(hash_, f"{field}.hash")
        return cls(height, parent, type_, timestamp, payload, hash_)

    def computed_hash(self) -> str:
        """The hash recomputed from the other fields."""
        return event_hash(self.height, self.parent, self.type, self.timestamp, self.payload)

    def check_hash(self) -> None:
        """Raise :class:`~referendum.errors.InputError` if ``hash`` is not the computed one."""
        computed = self.computed_hash()
        if computed != self.hash:
            raise InputError("hash", f"is {self.hash}, the fields hash to {computed}")


def event_hash(
    height: int, parent: str, type: str, timestamp: str, payload: Mapping[str, Any]
) -> str:
    """Lowercase hex SHA-256 of the event's length-prefixed fields (module docstring)."""
    return event_hash_encoded(height, parent, type, timestamp, canonical_json(payload))


def event_hash_encoded(
    height: int, parent: str, type: str, timestamp: str, payload_json: bytes
) -> str:
    """:func:`event_hash` from the payload's canonical JSON bytes (not re-encoded here)."""
    fields = encode_fields(
        EVENT_DOMAIN,
        height.to_bytes(8, "big"),
        bytes.fromhex(parent),
        type.encode("utf-8"),
        timestamp.encode("utf-8"),
        payload_json,
    )
    return hashlib.sha256(fields).hexdigest()


def make_event(
    height: int, parent: str, type: str, timestamp: str, payload: Mapping[str, Any]
) -> Event:
    """Build an event after checking every field; the payload is copied (via canonical JSON).

    Raises :class:`~referendum.errors.InputError` naming the bad field.
    """
    return make_event_encoded(height, parent, type, timestamp, payload)[0]


def make_event_encoded(
    height: int,
    parent: str,
    type: str,
    timestamp: str,
    payload: Mapping[str, Any],
    *,
    encoded: bytes | None = None,
) -> tuple[Event, bytes]:
    """:func:`make_event`, also returning the payload's canonical JSON (for storage).

    ``encoded``, when given, is the payload's canonical JSON, which the caller guarantees
    (the board's ingest path, which cuts it from canonical bytes it received): it is hashed
    as it is, and the event keeps ``payload`` itself, which the caller must not change."""
    if not isinstance(height, int) or isinstance(height, bool) or not 0 <= height <= MAX_HEIGHT:
        raise InputError("height", f"must be an integer in 0..2**53-1, got {height!r}")
    _check_hash_hex(parent, "parent")
    if (height == 0) != (parent == GENESIS_PARENT):
        raise InputError("parent", "is 64 zeros exactly for the event at height 0")
    check_event_type(type)
    check_timestamp(timestamp)
    if not isinstance(payload, dict):
        raise InputError("payload", "must be a dict (a JSON object)")
    if encoded is not None:
        digest = event_hash_encoded(height, parent, type, timestamp, encoded)
        return Event(height, parent, type, timestamp, payload, digest), encoded
    encoded = canonical_json(payload)
    digest = event_hash_encoded(height, parent, type, timestamp, encoded)
    # A private copy: later changes to the caller's dict cannot alter the event.
    return Event(height, parent, type, timestamp, json.loads(encoded), digest), encoded


def check_event_type(type: str, *, field: str = "type") -> None:
    """An event type is 1 to 64 characters of ``a-z 0-9 _ . -``, starting with a letter."""
    if not _TYPE_RE.fullmatch(type):
        raise InputError(
            field, f"{type!r} is not 1-64 characters of a-z 0-9 _ . - starting with a letter"
        )


def check_timestamp(timestamp: str, *, field: str = "timestamp") -> None:
    """A timestamp is ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, a valid UTC date and time."""
    if not _TIMESTAMP_RE.fullmatch(timestamp):
        raise InputError(field, f"{timestamp!r} is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        datetime.fromisoformat(timestamp[:-1])  # the regex fixed the layout; this the values
    except ValueError:
        raise InputError(field, f"{timestamp!r} is not a valid date and time") from None


def format_timestamp(moment: datetime) -> str:
    """Format an aware datetime as the record's timestamp (UTC, microseconds, ``Z``).

    >>> format_timestamp(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    '2026-03-01T09:00:00.000000Z'
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InputError("timestamp", "the clock returned a naive datetime (no time zone)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(timestamp: str, *, field: str = "timestamp") -> datetime:
    """Parse a record timestamp into an aware UTC datetime."""
    check_timestamp(timestamp, field=field)
    return datetime.fromisoformat(timestamp[:-1]).replace(tzinfo=UTC)


def _check_hash_hex(value: object, field: str) -> None:
    if not isinstance(value, str) or not _HASH_RE.fullmatch(value):
        raise InputError(field, "must be 64 lowercase hex digits")
