"""The append rules shared by every backend: head check, argument checks, the new event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from referendum.board.protocol import MAX_KEY_LENGTH
from referendum.errors import BoardError, HeadMovedError, InputError
from referendum.record.event import GENESIS_PARENT, Event, make_event

__all__ = ["check_keys", "next_event"]


def next_event(
    head: tuple[int, str, str] | None,
    type: str,
    payload: Mapping[str, Any],
    *,
    expected_head: str | None,
    timestamp: str,
) -> Event:
    """The event to store on top of ``head`` = (height, hash, timestamp), or None if empty.

    Raises HeadMovedError when ``expected_head`` is not the head's hash, BoardError when the
    timestamp is earlier than the head's, InputError for bad fields.
    """
    actual = None if head is None else head[1]
    if expected_head != actual:
        raise HeadMovedError(
            f"the head is {actual or 'empty (no events)'}, not the expected "
            f"{expected_head or 'empty board'}"
        )
    if head is None:
        return make_event(0, GENESIS_PARENT, type, timestamp, payload)
    height, hash_, head_timestamp = head
    event = make_event(height + 1, hash_, type, timestamp, payload)
    if timestamp < head_timestamp:
        raise BoardError(
            f"timestamp {timestamp} is earlier than the head's {head_timestamp}: "
            "timestamps never decrease along the chain (take the time after reading the head)"
        )
    return event


def check_keys(keys: Sequence[str]) -> list[str]:
    """Check index keys (non-empty strings, at most MAX_KEY_LENGTH); return them de-duplicated."""
    if isinstance(keys, str):
        raise InputError("keys", "must be a sequence of strings, not one string")
    unique: list[str] = []
    for index, key in enumerate(keys):
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
            raise InputError(
                f"keys[{index}]", f"must be a string of 1 to {MAX_KEY_LENGTH} characters"
            )
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"keys[{index}]", "contains a lone surrogate") from None
        if key not in unique:
            unique.append(key)
    return unique
