"""The reads that the SQL backends share; each backend supplies :meth:`SqlReads._rows`."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from typing import Any

from referendum.board import _tree
from referendum.board._rows import EVENT_COLUMNS, event_from_row
from referendum.board.protocol import CHECKPOINT_PAGE, Head
from referendum.errors import BoardError
from referendum.protocol.merkle import Node
from referendum.record.event import Event

__all__ = ["HEAD_QUERY", "SqlReads"]

HEAD_QUERY = "SELECT height, hash, timestamp FROM events ORDER BY height DESC LIMIT 1"
_KEYS_PER_QUERY = 500
_PREFIXED = ", ".join(f"e.{c.strip()}" for c in EVENT_COLUMNS.split(","))


class SqlReads(ABC):
    """``head``, ``get``, ``lookup``, ``count``, the Merkle tree's and checkpoints' reads and
    ``schema_version`` over the shared schema.

    Queries are written with ``?`` placeholders; :meth:`_rows` runs one under ``self._lock``.
    """

    _lock: threading.RLock

    @abstractmethod
    def _rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``query`` (``?`` placeholders) and return all its rows."""

    def head(self) -> Head | None:
        """The last event's height and hash; None while empty."""
        rows = self._rows(HEAD_QUERY)
        return Head(int(rows[0][0]), rows[0][1]) if rows else None

    def get(self, height: int) -> Event:
        """The event at ``height``."""
        rows = self._rows(f"SELECT {EVENT_COLUMNS} FROM events WHERE height = ?", (height,))
        if not rows:
            raise BoardError(f"no event at height {height}")
        return event_from_row(rows[0])

    def lookup(self, key: str) -> list[Event]:
        """Events appended with index key ``key``, ascending."""
        rows = self._rows(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE height IN "
            "(SELECT height FROM event_keys WHERE key = ?) ORDER BY height",
            (key,),
        )
        return [event_from_row(row) for row in rows]

    def lookup_many(self, keys: Collection[str]) -> dict[str, list[Event]]:
        """:meth:`lookup` of several keys, a few hundred per query."""
        wanted = sorted(set(keys))
        found: dict[str, list[Event]] = {}
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            part = wanted[start : start + _KEYS_PER_QUERY]
            rows = self._rows(
                f"SELECT k.key, {_PREFIXED} FROM event_keys k JOIN events e ON e.height = k.height "
                f"WHERE k.key IN ({', '.join('?' * len(part))}) ORDER BY e.height",
                part,
            )
            for row in rows:
                found.setdefault(row[0], []).append(event_from_row(row[1:]))
        return found

    def count(self, type: str) -> int:
        """How many events of ``type``: one row of ``event_counts`` (migration 0003), which a
        trigger keeps in each append's transaction, whatever the board's size."""
        rows = self._rows("SELECT n FROM event_counts WHERE type = ?", (type,))
        return int(rows[0][0]) if rows else 0

    def read_nodes(self, wanted: Collection[Node]) -> dict[Node, bytes]:
        """Stored perfect subtrees of the Merkle tree (see the protocol)."""
        return _tree.read_nodes(self._rows, wanted)

    def checkpoints(self, after: int = -1, limit: int = CHECKPOINT_PAGE) -> list[tuple[int, str]]:
        """Stored checkpoints of size greater than ``after``, ascending (see the protocol)."""
        return _tree.checkpoint_rows(self._rows, after, limit)

    def latest_checkpoint(self) -> tuple[int, str] | None:
        """The largest stored checkpoint; None before the first."""
        rows = self._rows("SELECT size, note FROM log_checkpoints ORDER BY size DESC LIMIT 1")
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def schema_version(self) -> int:
        """The highest migration number applied to this board's database."""
        return int(self._rows("SELECT max(version) FROM schema_migrations")[0][0] or 0)
