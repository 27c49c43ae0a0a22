"""A bulletin board held in memory: for tests, demos and as the reference semantics."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Sequence

from referendum.board._append import AppendOne, prepare
from referendum.board.protocol import CHECKPOINT_PAGE, Draft, Head, Summary
from referendum.errors import BoardError, HeadMovedError, InputError
from referendum.protocol.electorate import CredentialLists, MemoryLists, copy_lists
from referendum.protocol.merkle import MemoryTree, Node, event_leaf
from referendum.record import messages as m
from referendum.record.event import Event

__all__ = ["MemoryBoard"]


_COUNTED = frozenset({m.BALLOT_ACCEPTED, m.BALLOT_DENIABLE})


class MemoryBoard(AppendOne):
    """An in-memory :class:`~referendum.board.protocol.BulletinBoard` (thread-safe)."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._keys: defaultdict[str, list[int]] = defaultdict(list)
        self._counts: Counter[str] = Counter()
        self._lists = MemoryLists()
        self._regions: Counter[tuple[str, str]] = Counter()
        self._tree = MemoryTree()
        self._checkpoints: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._closed = False

    def head(self) -> Head | None:
        """The last event's height and hash; None while empty."""
        self._check_open()
        events = self._events
        return events[-1].head if events else None

    def _store(
        self, drafts: Sequence[Draft], *, expected_head: str | None, timestamp: str, single: bool
    ) -> list[Event]:
        self._check_open()
        with self._lock:
            last = self._events[-1] if self._events else None
            head = None if last is None else (last.height, last.hash, last.timestamp)
            prepared = prepare(
                head, drafts, expected_head=expected_head, timestamp=timestamp, single=single
            )
            for event, _, keys in prepared:
                self._events.append(event)
                self._counts[event.type] += 1
                self._index(event)
                for key in keys:
                    self._keys[key].append(event.height)
            self._tree.extend(event_leaf(event.hash) for event, _, _ in prepared)
        return [event for event, _, _ in prepared]

    def events(
        self, start: int = 0, types: Collection[str] | None = None, *, limit: int | None = None
    ) -> Iterator[Event]:
        """Events from height ``start``, ascending, optionally only of ``types``, at most
        ``limit``."""
        self._check_open()
        wanted = None if types is None else frozenset(types)
        height = max(start, 0)
        left = limit
        while height < len(self._events) and (left is None or left > 0):
            event = self._events[height]
            if wanted is None or event.type in wanted:
                if left is not None:
                    left -= 1
                yield event
            height += 1

    def summaries(
        self, start: int, types: Collection[str], names: Sequence[str], *, limit: int
    ) -> list[Summary]:
        """A page of events with only the payload members ``names`` (see the protocol)."""
        if not types or not names:
            return []
        return [
            Summary(e.height, e.type, e.timestamp, {n: e.payload.get(n) for n in names})
            for e in self.events(start, types, limit=limit)
        ]

    def get(self, height: int) -> Event:
        """The event at ``height``."""
        self._check_open()
        if not 0 <= height < len(self._events):
            raise BoardError(f"no event at height {height} (the board has {len(self._events)})")
        return self._events[height]

    def lookup(self, key: str) -> list[Event]:
        """Events appended with index key ``key``, ascending."""
        self._check_open()
        return [self._events[h] for h in self._keys.get(key, ())]

    def lookup_many(self, keys: Collection[str]) -> dict[str, list[Event]]:
        """:meth:`lookup` of several keys: the keys that have events, with them."""
        self._check_open()
        return {k: [self._events[h] for h in self._keys[k]] for k in set(keys) if self._keys.get(k)}

    def count(self, type: str) -> int:
        """How many events of ``type``."""
        self._check_open()
        return self._counts[type]

    def credential_lists(self, at: int | None = None) -> CredentialLists:
        """The lists as of height ``at``: a copy of those indexed in memory as each list event
        was appended (at the head), or replayed from the events up to ``at``."""
        self._check_open()
        with self._lock:
            if at is None or at >= len(self._events) - 1:
                return copy_lists(self._lists)
            replay = MemoryBoard()
            for event in self._events[: max(at + 1, 0)]:
                replay._counts[event.type] += 1
                replay._index(event)
            return replay._lists

    def region_counts(self, types: Collection[str]) -> dict[str, int]:
        """Ballots of ``types`` in each region, counted as each is appended."""
        self._check_open()
        counts: Counter[str] = Counter()
        for (kind, region), n in list(self._regions.items()):
            if kind in types:
                counts[region] += n
        return dict(counts)

    def _index(self, event: Event) -> None:
        """The lists and region counts that an appended event changes (docs/board.md)."""
        p = event.payload
        if event.type in _COUNTED:
            region = p.get("region")
            self._regions[event.type, region if isinstance(region, str) else ""] += 1
        elif event.type == m.CREDENTIALS:
            self._lists.publish(str(p.get("region")), list(p.get("public_credentials", ())))
        elif event.type == m.CREDENTIALS_REISSUE and not self._counts[m.VOTING_OPEN]:
            self._lists.reissue(
                str(p.get("region")), p.get("revoked", ()), p.get("public_credentials", ())
            )

    def read_nodes(self, wanted: Collection[Node]) -> dict[Node, bytes]:
        """Stored perfect subtrees of the Merkle tree (see the protocol)."""
        self._check_open()
        with self._lock:
            try:
                return self._tree.read_nodes(wanted)
            except InputError:
                raise BoardError(f"the Merkle tree has {self._tree.size} leaves only") from None

    def add_checkpoint(self, size: int, note: str) -> None:
        """Store a signed checkpoint of the tree of ``size`` leaves (see the protocol)."""
        self._check_open()
        with self._lock:
            if size > self._tree.size:
                raise BoardError(f"no checkpoint of size {size}: the tree is smaller")
            if self._checkpoints and size <= self._checkpoints[-1][0]:
                raise HeadMovedError(f"the board holds a checkpoint of size {size} or larger")
            self._checkpoints.append((size, note))

    def checkpoints(self, after: int = -1, limit: int = CHECKPOINT_PAGE) -> list[tuple[int, str]]:
        """Stored checkpoints of size greater than ``after``, ascending (see the protocol)."""
        self._check_open()
        with self._lock:
            return [c for c in self._checkpoints if c[0] > after][:limit]

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The largest stored checkpoint; None before the first."""
        self._check_open()
        return self._checkpoints[-1] if self._checkpoints else None

    def close(self) -> None:
        """Mark the board closed (its events are dropped with the object)."""
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise BoardError("the board is closed")
