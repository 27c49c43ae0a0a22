"""The :class:`BulletinBoard` protocol every backend implements.

Appending is optimistic: the caller reads :meth:`BulletinBoard.head`, builds its event from the
state it saw, and passes that head's hash as ``expected_head``; if another appender got there
first the board raises :class:`~referendum.errors.HeadMovedError` and stores nothing, and the
caller re-reads and retries.  Of any number of appenders at the same head exactly one wins.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, runtime_checkable

from referendum.protocol.electorate import CredentialLists
from referendum.protocol.merkle import Node
from referendum.record.event import Event, Head

__all__ = [
    "CHECKPOINT_PAGE",
    "MAX_KEY_LENGTH",
    "BulletinBoard",
    "Draft",
    "Head",
    "Summary",
    "append_on",
]

MAX_KEY_LENGTH = 512
"""Longest index key (in characters) that :meth:`BulletinBoard.append` accepts."""

CHECKPOINT_PAGE = 100
"""Most checkpoints :meth:`BulletinBoard.checkpoints` returns at once."""


@dataclass(frozen=True, slots=True)
class Draft:
    """An event to append with :meth:`BulletinBoard.append_many`: type, payload, index keys."""

    type: str
    payload: Mapping[str, Any]
    keys: Sequence[str] = ()
    encoded: bytes | None = None
    """The payload's canonical JSON, when the caller has it already (the ingest path cuts
    it from the submission's bytes): it must be ``canonical_json(payload)``, and the board
    then hashes and stores it without encoding the payload again, and keeps ``payload``
    itself (not a copy) in the event, so the caller must not change it afterwards."""


class Summary(NamedTuple):
    """An event's height, type and timestamp, and some members of its payload
    (:meth:`BulletinBoard.summaries`)."""

    height: int
    type: str
    timestamp: str
    fields: dict[str, Any]


@runtime_checkable
class BulletinBoard(Protocol):
    """An append-only, hash-chained log of typed events."""

    def head(self) -> Head | None:
        """The last event's height and hash; None while the board is empty."""
        ...

    def append(
        self,
        type: str,
        payload: Mapping[str, Any],
        *,
        expected_head: str | None,
        keys: Sequence[str] = (),
        timestamp: str,
    ) -> Event:
        """Append one event on top of ``expected_head`` (None: the board must be empty).

        ``keys`` are index keys for :meth:`lookup` (not part of the hashed event).  The
        ``timestamp`` must not be earlier than the head's.  Raises
        :class:`~referendum.errors.HeadMovedError` if the head is not ``expected_head``,
        :class:`~referendum.errors.InputError` for a bad type, payload, key or timestamp.
        """
        ...

    def append_many(
        self, drafts: Sequence[Draft], *, expected_head: str | None, timestamp: str
    ) -> list[Event]:
        """Append several events at once, all or none, on top of ``expected_head``.

        The events get consecutive heights and the same ``timestamp``; one transaction (one
        disk sync) for all of them, which is how a busy board ingests fast.  Errors as for
        :meth:`append`; an InputError's field is ``drafts[i].<field>``.
        """
        ...

    def writing(self) -> AbstractContextManager[None]:
        """The writer's turn: while the calling thread holds it, no other writer of any
        process (that also takes its turn) appends, so a writer that reads the head, decides
        what to append from the board and appends on top of that head does not find it moved
        (and decide again).  Re-entrant; an append does not need it (``expected_head`` alone
        keeps the chain whole), and reads never wait for it.  A backend that one process
        alone uses may give an empty turn."""
        ...

    def events(
        self, start: int = 0, types: Collection[str] | None = None, *, limit: int | None = None
    ) -> Iterator[Event]:
        """Events from height ``start`` on, ascending, optionally only of ``types``, at most
        ``limit`` of them (None: all); streamed.  A page of a list is ``events(after + 1,
        types, limit=n)``: by key (the height), read in an index, never skipped with OFFSET."""
        ...

    def summaries(
        self, start: int, types: Collection[str], names: Sequence[str], *, limit: int
    ) -> list[Summary]:
        """A page of :meth:`events` (``start``, ``types``, ``limit`` as there) with only the
        payload members ``names`` (lowercase identifiers; a member absent is ``None``), read by
        the database from the stored payloads: what a listing shows, without parsing whole
        ballots."""
        ...

    def get(self, height: int) -> Event:
        """The event at ``height``; :class:`~referendum.errors.BoardError` if there is none."""
        ...

    def lookup(self, key: str) -> list[Event]:
        """The events appended with index key ``key``, ascending by height."""
        ...

    def lookup_many(self, keys: Collection[str]) -> dict[str, list[Event]]:
        """:meth:`lookup` of several keys in one query: each key that has events, with them
        ascending by height (keys without events are absent)."""
        ...

    def count(self, type: str) -> int:
        """How many events of ``type`` the board holds."""
        ...

    def credential_lists(self, at: int | None = None) -> CredentialLists:
        """The credential lists that the events up to height ``at`` (None: the head now)
        make, as :mod:`referendum.protocol.electorate` defines them, answered by the board's
        own index (kept in each append's transaction): a server asks it instead of replaying
        the lists into memory.  Later appends do not change the answers."""
        ...

    def region_counts(self, types: Collection[str]) -> dict[str, int]:
        """How many events of ``types`` each region holds (by their payload's ``region``;
        regions without any are absent), kept at each append: one read whatever the board's
        size (the board holds it for ``ballot.accepted`` and ``ballot.deniable``)."""
        ...

    def read_nodes(self, wanted: Collection[Node]) -> Mapping[Node, bytes]:
        """The hashes of complete perfect subtrees of the board's Merkle tree (a
        :class:`~referendum.protocol.merkle.NodeReader`: proofs and roots of any size up to the
        board's come from it); :class:`~referendum.errors.BoardError` for a node not complete.
        The tree grows in the transaction of each append, so it always holds every event."""
        ...

    def add_checkpoint(self, size: int, note: str) -> None:
        """Store a signed checkpoint (its note text) of the tree of ``size`` leaves.

        The board does not check the signature (the publisher signs, the verifier checks).
        Raises :class:`~referendum.errors.HeadMovedError` when the board already holds a
        checkpoint of that size or larger, :class:`~referendum.errors.BoardError` when the
        tree has fewer than ``size`` leaves.
        """
        ...

    def checkpoints(self, after: int = -1, limit: int = CHECKPOINT_PAGE) -> list[tuple[int, str]]:
        """Up to ``limit`` stored checkpoints ``(size, note)`` of size greater than
        ``after``, ascending by size."""
        ...

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The largest stored checkpoint ``(size, note)``; None before the first."""
        ...

    def close(self) -> None:
        """Release the backend's connections; the board must not be used afterwards."""
        ...


def append_on(
    board: BulletinBoard, drafts: Sequence[Draft], head: Head | None, timestamp: str
) -> list[Event] | None:
    """``drafts`` appended on top of ``head`` (None: on an empty board); ``None`` when the
    head has moved meanwhile (the caller decides again on the new head)."""
    from referendum.errors import HeadMovedError

    try:
        return board.append_many(
            drafts, expected_head=None if head is None else head.hash, timestamp=timestamp
        )
    except HeadMovedError:
        return None
