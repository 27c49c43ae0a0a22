"""The append rules shared by every backend: head check, argument checks, the new events."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from referendum.board.protocol import MAX_KEY_LENGTH, Draft
from referendum.errors import BoardError, HeadMovedError, InputError
from referendum.record.event import GENESIS_PARENT, Event, make_event_encoded

__all__ = ["AppendOne", "Prepared", "check_keys", "prepare"]

Prepared = tuple[Event, bytes, list[str]]
"""An event ready to store: the event, its payload's canonical JSON, its unique index keys."""


def prepare(
    head: tuple[int, str, str] | None,
    drafts: Sequence[Draft],
    *,
    expected_head: str | None,
    timestamp: str,
    single: bool = False,
) -> list[Prepared]:
    """The events to store on top of ``head`` = (height, hash, timestamp), None if empty.

    Raises HeadMovedError when ``expected_head`` is not the head's hash, BoardError when the
    timestamp is earlier than the head's, InputError for bad fields (``drafts[i].field``, or
    just ``field`` when ``single``).
    """
    actual = None if head is None else head[1]
    if expected_head != actual:
        raise HeadMovedError(
            f"the head is {actual or 'empty (no events)'}, not the expected "
            f"{expected_head or 'empty board'}"
        )
    if head is not None and timestamp < head[2]:
        raise BoardError(
            f"timestamp {timestamp} is earlier than the head's {head[2]}: "
            "timestamps never decrease along the chain (take the time after reading the head)"
        )
    height, parent = (0, GENESIS_PARENT) if head is None else (head[0] + 1, head[1])
    prepared: list[Prepared] = []
    for index, draft in enumerate(drafts):
        try:
            keys = check_keys(draft.keys)
            event, encoded = make_event_encoded(
                height, parent, draft.type, timestamp, draft.payload, encoded=draft.encoded
            )
        except InputError as exc:
            if single:
                raise
            raise InputError(f"drafts[{index}].{exc.field}", exc.reason) from None
        prepared.append((event, encoded, keys))
        height, parent = height + 1, event.hash
    return prepared


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
        if "\x00" in key:
            raise InputError(f"keys[{index}]", "contains a NUL character")
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"keys[{index}]", "contains a lone surrogate") from None
        if key not in unique:
            unique.append(key)
    return unique


class AppendOne(ABC):
    """``append`` and ``append_many`` of every backend, over its ``_store``."""

    def append(
        self,
        type: str,
        payload: Mapping[str, Any],
        *,
        expected_head: str | None,
        keys: Sequence[str] = (),
        timestamp: str,
    ) -> Event:
        """Append one event on top of ``expected_head`` (see the protocol)."""
        draft = Draft(type, payload, keys)
        return self._store([draft], expected_head=expected_head, timestamp=timestamp, single=True)[
            0
        ]

    def append_many(
        self, drafts: Sequence[Draft], *, expected_head: str | None, timestamp: str
    ) -> list[Event]:
        """Append several events at once, all or none (see the protocol)."""
        if not drafts:
            return []
        return self._store(drafts, expected_head=expected_head, timestamp=timestamp, single=False)

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """The writer's turn (see the protocol): here none; a backend that several
        processes share gives one."""
        return contextlib.nullcontext()

    @abstractmethod
    def _store(
        self, drafts: Sequence[Draft], *, expected_head: str | None, timestamp: str, single: bool
    ) -> list[Event]:
        """In one atomic step: read the head, :func:`prepare` the drafts, store them."""
