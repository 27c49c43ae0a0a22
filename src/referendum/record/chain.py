"""The hash chain rules, checked one event at a time (bounded memory).

1. the first event has height 0 and parent :data:`~referendum.record.event.GENESIS_PARENT`;
2. each next event has height one more than the previous and parent equal to its hash;
3. every event's hash is the hash of its fields (:func:`~referendum.record.event.event_hash`);
4. timestamps never decrease along the chain.
"""

from __future__ import annotations

from collections.abc import Iterable

from referendum.errors import BoardCorrupted, InputError
from referendum.record.event import GENESIS_PARENT, Event, Head

__all__ = ["ChainChecker", "verify_chain"]


class ChainChecker:
    """Feed events in order with :meth:`add`; raises BoardCorrupted at the first broken rule."""

    def __init__(self) -> None:
        self._head: Head | None = None
        self._timestamp = ""

    @property
    def head(self) -> Head | None:
        """The last event accepted so far (None before the first)."""
        return self._head

    def add(self, event: Event, *, computed_hash: str | None = None) -> None:
        """Check ``event`` against the chain so far and make it the new head.

        ``computed_hash``, when the caller already hashed the event's fields (from the payload
        bytes it read), saves re-encoding the payload.
        """
        expected_height = 0 if self._head is None else self._head.height + 1
        expected_parent = GENESIS_PARENT if self._head is None else self._head.hash
        where = f"event at height {event.height}"
        if event.height != expected_height:
            raise BoardCorrupted(f"{where}: expected height {expected_height}")
        if event.parent != expected_parent:
            raise BoardCorrupted(
                f"{where}: parent {event.parent} is not the previous hash {expected_parent}"
            )
        if computed_hash is None:
            try:
                event.check_hash()
            except InputError as exc:
                raise BoardCorrupted(f"{where}: {exc}") from None
        elif computed_hash != event.hash:
            raise BoardCorrupted(
                f"{where}: hash: is {event.hash}, the fields hash to {computed_hash}"
            )
        if event.timestamp < self._timestamp:
            raise BoardCorrupted(
                f"{where}: timestamp {event.timestamp} is earlier than the previous "
                f"{self._timestamp}"
            )
        self._head = event.head
        self._timestamp = event.timestamp


def verify_chain(events: Iterable[Event]) -> Head | None:
    """Check the chain rules over ``events`` (streamed); return the head, None if empty.

    Raises :class:`~referendum.errors.BoardCorrupted` naming the height of the first bad event.
    """
    checker = ChainChecker()
    for event in events:
        checker.add(event)
    return checker.head
