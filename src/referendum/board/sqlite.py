"""The SQLite bulletin board, the default backend.

One file, WAL journal (readers never block the writer), every append in a ``BEGIN IMMEDIATE``
transaction (one writer at a time; others wait up to the busy timeout), ``synchronous=FULL`` by
default so that an acknowledged event survives a power cut.  Writers of several processes
queue on a lock file beside the board (``<board>-writer``, ``flock``) before they begin: a
waiting writer starts the moment the lock is free, where SQLite's own busy handler would
sleep and poll (up to 100 ms at a time), leaving a core idle while a batch of ballots waits.
The schema comes from the numbered migrations in ``board/migrations/sqlite/``; triggers forbid
UPDATE and DELETE and check that each event links to the one below it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from referendum.board import _tree
from referendum.board._append import AppendOne, prepare
from referendum.board._rows import EVENT_COLUMNS, event_from_row, event_to_row
from referendum.board._sql import HEAD_QUERY, SqlReads
from referendum.board._turn import Turn
from referendum.board.migrations import load_migrations
from referendum.board.protocol import Draft
from referendum.errors import BoardCorrupted, BoardError, HeadMovedError, InputError
from referendum.record.event import Event

__all__ = ["SqliteBoard"]

try:
    import fcntl as _flock
except ImportError:  # not a POSIX system
    _flock = None  # type: ignore[assignment]

_BATCH = 1000


class SqliteBoard(AppendOne, SqlReads):
    """A :class:`~referendum.board.protocol.BulletinBoard` in an SQLite file.

    Several processes may open the same file and append concurrently.  One object may be shared
    by threads (calls are serialised).
    """

    _REGION_SQL = "json_extract(payload, '$.region')"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 60.0,
        synchronous: Literal["full", "normal"] = "full",
    ) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        if synchronous not in ("full", "normal"):
            raise InputError("synchronous", f"must be 'full' or 'normal', got {synchronous!r}")
        try:
            conn = sqlite3.connect(
                self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise BoardError(f"cannot open the SQLite board {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise BoardError(f"cannot open the SQLite board {self.path}: {exc}") from None
        self._conn: sqlite3.Connection | None = conn
        self._lock_file = _LockFile(self.path)
        self._writer = Turn(self._lock_file.take, self._lock_file.give)

    # -- protocol (head, get, lookup, count come from SqlReads) -----------------------------

    def _store(
        self, drafts: Sequence[Draft], *, expected_head: str | None, timestamp: str, single: bool
    ) -> list[Event]:
        with self._writer.held(), self._lock:  # reads go on while a writer waits
            conn = self._db()
            conn.execute("BEGIN IMMEDIATE")
            try:
                head = conn.execute(HEAD_QUERY).fetchone()
                prepared = prepare(
                    head, drafts, expected_head=expected_head, timestamp=timestamp, single=single
                )
                conn.executemany(
                    f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    [event_to_row(event, encoded) for event, encoded, _ in prepared],
                )
                conn.executemany(
                    "INSERT INTO event_keys (key, height) VALUES (?, ?)",
                    [(key, event.height) for event, _, keys in prepared for key in keys],
                )
                conn.executemany(  # the tree grows in the same transaction as the chain
                    "INSERT INTO log_nodes (node, hash) VALUES (?, ?)",
                    _tree.new_tree_rows(
                        _fetcher(conn),
                        0 if head is None else head[0] + 1,
                        [event.hash for event, _, _ in prepared],
                    ),
                )
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.IntegrityError):
                    raise HeadMovedError(f"the board refused the event: {exc}") from exc
                raise
        return [event for event, _, _ in prepared]

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """The writer's turn (see the protocol): the lock file, which every writer of this
        board takes before its transaction."""
        return self._writer.held()

    def events(
        self, start: int = 0, types: Collection[str] | None = None, *, limit: int | None = None
    ) -> Iterator[Event]:
        """Events from height ``start``, ascending, optionally only of ``types``, at most
        ``limit``; streamed in batches (memory stays bounded whatever the board's size), each
        batch read by key (``height >= ?``) in the primary key or ``events_type_height``."""
        type_list = None if types is None else sorted(set(types))
        if type_list == [] or (limit is not None and limit <= 0):
            return
        where = "height >= ?"
        if type_list is not None:
            where += f" AND type IN ({', '.join('?' * len(type_list))})"
        query = f"SELECT {EVENT_COLUMNS} FROM events WHERE {where} ORDER BY height LIMIT ?"
        height = max(start, 0)
        left = limit
        while True:
            batch = _BATCH if left is None else min(_BATCH, left)
            with self._lock:
                rows = self._db().execute(query, [height, *(type_list or []), batch]).fetchall()
            for row in rows:
                yield event_from_row(row)
            if left is not None:
                left -= len(rows)
            if len(rows) < batch or left == 0:
                return
            height = rows[-1][0] + 1

    def _summary_sql(self, names: list[str], types: int) -> str:
        paths = [f"'$.{name}'" for name in names] * (2 if len(names) == 1 else 1)
        values = f"json_extract(payload, {', '.join(paths)})"  # two paths or more: an array
        return (
            f"SELECT height, type, timestamp, {values} FROM events WHERE height >= ? "
            f"AND type IN ({', '.join('?' * types)}) ORDER BY height LIMIT ?"
        )

    def add_checkpoint(self, size: int, note: str) -> None:
        """Store a signed checkpoint of the tree of ``size`` leaves (see the protocol)."""
        with self._writer.held(), self._lock:  # reads go on while a writer waits
            conn = self._db()
            conn.execute("BEGIN IMMEDIATE")
            try:
                head = conn.execute(HEAD_QUERY).fetchone()
                if size > (0 if head is None else head[0] + 1):
                    raise BoardError(f"no checkpoint of size {size}: the tree is smaller")
                conn.execute("INSERT INTO log_checkpoints (size, note) VALUES (?, ?)", (size, note))
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.IntegrityError):
                    raise HeadMovedError(
                        f"the board holds a checkpoint of size {size} or larger"
                    ) from exc
                raise

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
        # after: a writer takes its turn before the connection's lock
        self._writer.between(self._lock_file.close)

    # -- internals ----------------------------------------------------------------------------

    def _rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db().execute(query, params).fetchall()

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise BoardError("the board is closed")
        return self._conn

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for migration in load_migrations("sqlite"):
                if migration.version in applied:
                    continue
                for statement in _statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at)"
                    " VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                    (migration.version, migration.name),
                )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        SqliteBoard._catch_up(conn)

    @staticmethod
    def _catch_up(conn: sqlite3.Connection) -> None:
        """Give a board that predates its Merkle tree (migration 0002) the nodes of the events
        it holds, a batch per transaction; a tree larger than the chain is corruption."""
        fetch = _fetcher(conn)
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                size = _tree.tree_size(fetch)
                head = conn.execute(HEAD_QUERY).fetchone()
                events = 0 if head is None else head[0] + 1
                if size > events:
                    raise BoardCorrupted(f"the Merkle tree has {size} leaves, the chain {events}")
                hashes = [
                    row[0]
                    for row in conn.execute(
                        "SELECT hash FROM events WHERE height >= ? ORDER BY height LIMIT ?",
                        (size, _tree.CATCH_UP_BATCH),
                    )
                ]
                conn.executemany(
                    "INSERT INTO log_nodes (node, hash) VALUES (?, ?)",
                    _tree.new_tree_rows(fetch, size, hashes),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if size + len(hashes) >= events:
                return


def _fetcher(conn: sqlite3.Connection) -> _tree.Fetch:
    """A :data:`~referendum.board._tree.Fetch` on ``conn`` (inside its transaction)."""
    return lambda query, params: conn.execute(query, params).fetchall()


def _statements(script: str) -> Iterator[str]:
    """Split an SQL script into complete statements (trigger bodies stay whole)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    if buffer.strip():
        raise BoardError(f"incomplete SQL statement in a migration: {buffer[:60]!r}")


class _LockFile:
    """The lock file on which the writers of every process open on one board queue (an
    exclusive ``flock``, released on commit, or by the kernel when a process dies); none on
    a system without ``flock`` or a board in memory, where SQLite's busy handler alone
    serialises writers, as it always does within the transaction."""

    def __init__(self, board: Path) -> None:
        self._fd: int | None = None
        if _flock is None or str(board) == ":memory:":
            return
        try:
            self._fd = os.open(f"{board}-writer", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:  # a read-only folder: writers wait in SQLite's busy handler instead
            self._fd = None

    def take(self) -> None:
        if self._fd is not None and _flock is not None:
            _flock.flock(self._fd, _flock.LOCK_EX)

    def give(self) -> None:
        if self._fd is not None and _flock is not None:
            _flock.flock(self._fd, _flock.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
