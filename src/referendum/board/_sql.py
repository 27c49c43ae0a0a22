"""The reads that the SQL backends share; each backend supplies :meth:`SqlReads._rows`."""

from __future__ import annotations

import json
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from referendum.board import _tree
from referendum.board._rows import EVENT_COLUMNS, event_from_row
from referendum.board.protocol import CHECKPOINT_PAGE, Head, Summary
from referendum.errors import BoardError
from referendum.protocol.electorate import MemoryLists
from referendum.protocol.merkle import Node
from referendum.record import messages as m
from referendum.record.event import Event

__all__ = ["HEAD_QUERY", "SqlLists", "SqlReads"]

_NAME_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
HEAD_QUERY = "SELECT height, hash, timestamp FROM events ORDER BY height DESC LIMIT 1"
_KEYS_PER_QUERY = 500
_PREFIXED = ", ".join(f"e.{c.strip()}" for c in EVENT_COLUMNS.split(","))


class SqlReads(ABC):
    """``head``, ``get``, ``lookup``, ``count``, the Merkle tree's and checkpoints' reads and
    ``schema_version`` over the shared schema.

    Queries are written with ``?`` placeholders; :meth:`_rows` runs one under ``self._lock``.
    """

    _lock: threading.RLock
    _REGION_SQL: str
    """The dialect's expression of an event's ``payload.region`` (text)."""

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

    def summaries(
        self, start: int, types: Collection[str], names: Sequence[str], *, limit: int
    ) -> list[Summary]:
        """A page of events with only the payload members ``names`` (see the protocol): the
        database extracts them (one JSON array a row), so a page of ballots parses a few
        hundred bytes each instead of whole ballots."""
        wanted = sorted(set(types))
        if not wanted or limit <= 0 or not names:
            return []
        for name in names:
            if not _NAME_RE.fullmatch(name):
                raise BoardError(f"not a payload member name: {name!r}")
        rows = self._rows(
            self._summary_sql(list(names), len(wanted)), [max(start, 0), *wanted, int(limit)]
        )
        found = []
        for height, kind, stamp, values in rows:
            decoded = json.loads(values)
            found.append(Summary(int(height), kind, stamp, dict(zip(names, decoded, strict=False))))
        return found

    @abstractmethod
    def _summary_sql(self, names: list[str], types: int) -> str:
        """The dialect's query of :meth:`summaries`: parameters start, the types, limit; rows
        of height, type, timestamp and the JSON array of the members' values."""

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

    def credential_lists(self, at: int | None = None) -> SqlLists:
        """The credential lists as of height ``at`` (None: the head), answered from
        ``credential_index`` (migration 0004)."""
        if at is None:
            head = self.head()
            at = -1 if head is None else head.height
        return SqlLists(self._rows, self.get, self._REGION_SQL, at)

    def region_counts(self, types: Collection[str]) -> dict[str, int]:
        """Events of ``types`` in each region: rows of ``region_ballots`` (migration 0004)."""
        wanted = sorted(set(types))
        if not wanted:
            return {}
        rows = self._rows(
            f"SELECT region, sum(n) FROM region_ballots WHERE type IN "
            f"({', '.join('?' * len(wanted))}) GROUP BY region",
            wanted,
        )
        return {str(region): int(n) for region, n in rows if int(n)}

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


Rows = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

_CACHED = 65_536
"""Most credentials a :class:`SqlLists` remembers the region of (then it forgets them all)."""
_UNKNOWN = object()


class SqlLists:
    """:class:`~referendum.protocol.electorate.CredentialLists` read from a board's
    ``credential_index`` and ``credential_regions`` (kept by its append path, migration
    0004) as of height ``at``: the lists that the events up to ``at`` make, whatever was
    appended since (a state loaded at that head answers as it would from its replay).  A
    lookup is one index search, a batch's lookups one query; the answers are remembered (up to
    ``_CACHED`` credentials), as they cannot change."""

    def __init__(self, rows: Rows, event: Callable[[int], Event], region_sql: str, at: int) -> None:
        self._rows = rows
        self._event = event
        self._region_sql = region_sql
        self._at = at
        self._regions: frozenset[str] | None = None
        self._known: dict[str, str | None] = {}

    def regions(self) -> frozenset[str]:
        if self._regions is None:
            rows = self._rows(
                "SELECT DISTINCT region FROM credential_regions WHERE height <= ?", (self._at,)
            )
            self._regions = frozenset(str(r[0]) for r in rows)
        return self._regions

    def electorate(self, region: str) -> int:
        rows = self._rows(
            "SELECT n FROM credential_regions WHERE region = ? AND height <= ? "
            "ORDER BY height DESC LIMIT 1",
            (region, self._at),
        )
        return int(rows[0][0]) if rows else 0

    def region_of(self, credential: str) -> str | None:
        found = self._known.get(credential, _UNKNOWN)
        if found is _UNKNOWN:  # (another thread's prefetch may empty the cache meanwhile)
            found = self._fetch([credential]).get(credential)
        return found if isinstance(found, str) else None

    def regions_of(self, credentials: Collection[str]) -> dict[str, str]:
        known = self._known
        found: dict[str, object] = {c: known.get(c, _UNKNOWN) for c in credentials}
        missing = sorted({c for c, r in found.items() if r is _UNKNOWN})
        if missing:
            found.update(self._fetch(missing))
        return {c: r for c, r in found.items() if isinstance(r, str)}

    def is_revoked(self, credential: str) -> bool:
        rows = self._rows(
            "SELECT 1 FROM credential_index WHERE credential = ? AND revoked_at <= ?",
            (credential, self._at),
        )
        return bool(rows)

    def listed(self, region: str) -> list[str]:
        """The region's list replayed from its events (a tally's need, once per region)."""
        lists = MemoryLists()
        opened = self._rows("SELECT min(height) FROM events WHERE type = ?", (m.VOTING_OPEN,))
        rows = self._rows(
            f"SELECT height FROM events WHERE type IN (?, ?) AND {self._region_sql} = ? "
            "AND height <= ? ORDER BY height",
            (m.CREDENTIALS, m.CREDENTIALS_REISSUE, region, self._at),
        )
        for (height,) in rows:  # one at a time: a list may be tens of megabytes
            event = self._event(int(height))
            p = event.payload
            if event.type == m.CREDENTIALS:
                lists.publish(region, p["public_credentials"])
            elif opened[0][0] is None or event.height < int(opened[0][0]):
                lists.reissue(region, p["revoked"], p["public_credentials"])
        return lists.listed(region)

    def prefetch(self, credentials: Iterable[object]) -> None:
        wanted = sorted({c for c in credentials if isinstance(c, str)} - self._known.keys())
        if wanted:
            self._fetch(wanted)

    def _fetch(self, wanted: Sequence[str]) -> dict[str, str | None]:
        """Look ``wanted`` up (remembering the answers) and return the answers: the cache may
        be emptied by another thread's lookups before the caller reads it."""
        if len(self._known) + len(wanted) > _CACHED:
            self._known = {}
        answers: dict[str, str | None] = {}
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            part = wanted[start : start + _KEYS_PER_QUERY]
            rows = self._rows(
                "SELECT credential, region FROM credential_index WHERE credential IN "
                f"({', '.join('?' * len(part))}) AND listed_at <= ? "
                "AND (revoked_at IS NULL OR revoked_at > ?)",
                [*part, self._at, self._at],
            )
            found = {str(c): str(r) for c, r in rows}
            for cred in part:
                answers[cred] = found.get(cred)
        self._known.update(answers)
        return answers
