"""The PostgreSQL bulletin board (psycopg 3).

Same semantics as the SQLite board, for several servers sharing one board.  Concurrency rests
on the database: an append takes a transaction-scoped advisory lock of the board, reads the
head and inserts the next events in one transaction, so appenders queue rather than collide;
one that finds the head moved gets :class:`~referendum.errors.HeadMovedError` before writing
anything.  The unique constraints on ``height`` (the primary key) and on ``parent`` still let
only one of two appenders at the same head commit, whatever a client does.  Triggers forbid
UPDATE, DELETE and TRUNCATE and check each event's link to the one below.  The schema comes
from the numbered migrations in ``board/migrations/postgres/``, recorded in
``schema_migrations``; all tables live in one PostgreSQL schema (``public`` unless told), so
that several boards can share a database.  :meth:`PostgresBoard.events` streams through a
server-side cursor on its own connection.
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
import zlib
from collections.abc import Collection, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql

from referendum.board import _tree
from referendum.board._append import AppendOne, prepare
from referendum.board._rows import EVENT_COLUMNS, event_from_row, event_to_row
from referendum.board._sql import HEAD_QUERY, SqlReads
from referendum.board._turn import Turn
from referendum.board.migrations import load_migrations
from referendum.board.protocol import Draft
from referendum.errors import BoardCorrupted, BoardError, HeadMovedError, InputError
from referendum.record.event import Event

__all__ = ["PostgresBoard"]

_SCHEMA_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_ITERSIZE = 1000
# The arrays go in binary (``%b``): in text, psycopg quotes and escapes every element with a
# regular expression, which cost more than the rest of the insert for 2-3 KB payloads.
_INSERT_EVENTS = (
    f"INSERT INTO events ({EVENT_COLUMNS}) SELECT * FROM unnest("
    "%b::bigint[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[])"
)
_INSERT_KEYS = "INSERT INTO event_keys (key, height) SELECT * FROM unnest(%b::text[], %b::bigint[])"
_INSERT_NODES = "INSERT INTO log_nodes (node, hash) SELECT * FROM unnest(%b::bigint[], %b::bytea[])"


class PostgresBoard(AppendOne, SqlReads):
    """A :class:`~referendum.board.protocol.BulletinBoard` in a PostgreSQL schema."""

    _REGION_SQL = "(payload::json ->> 'region')"

    def __init__(self, url: str, *, schema: str = "public", connect_timeout: int = 10) -> None:
        if not _SCHEMA_RE.fullmatch(schema):
            raise InputError("schema", f"{schema!r} is not a lowercase SQL identifier")
        self.schema = schema
        self._url = url
        self._connect_timeout = connect_timeout
        self._lock = threading.RLock()
        self._spare: list[psycopg.Connection[Any]] = []  # idle connections for events()
        self._append_lock = zlib.crc32(f"referendum-append:{schema}".encode())
        self._writer_lock = zlib.crc32(f"referendum-writer:{schema}".encode())
        self._writer_conn: psycopg.Connection[Any] | None = None
        self._writer = Turn(self._take_writer_lock, self._give_writer_lock)
        self._conn: psycopg.Connection[Any] | None = self._connect()
        self._migrate(self._conn)

    # -- protocol (head, get, lookup, count come from SqlReads) -----------------------------

    def _store(
        self, drafts: Sequence[Draft], *, expected_head: str | None, timestamp: str, single: bool
    ) -> list[Event]:
        head: tuple[int, str, str] | None = None
        with self._lock:
            conn = self._db()
            try:
                with conn.transaction(), conn.cursor() as cur:
                    head = self._locked_head(cur)
                    prepared = prepare(
                        head,
                        drafts,
                        expected_head=expected_head,
                        timestamp=timestamp,
                        single=single,
                    )
                    # one statement a table (whatever the batch's size): the statement
                    # triggers that keep the counts see every row at once (migration 0006)
                    rows = [event_to_row(event, encoded) for event, encoded, _ in prepared]
                    cur.execute(_INSERT_EVENTS, _columns(rows))
                    keys = [(key, event.height) for event, _, keys in prepared for key in keys]
                    if keys:
                        cur.execute(_INSERT_KEYS, _columns(keys))
                    nodes = _tree.new_tree_rows(  # the tree grows in the chain's transaction
                        _fetcher(cur),
                        0 if head is None else head[0] + 1,
                        [event.hash for event, _, _ in prepared],
                    )
                    if nodes:
                        cur.execute(_INSERT_NODES, _columns(nodes))
            except psycopg.errors.UniqueViolation as exc:
                raise HeadMovedError(
                    f"another appender took height {head[0] + 1 if head else 0} first"
                ) from exc
            except psycopg.errors.IntegrityConstraintViolation as exc:
                raise HeadMovedError(f"the board refused the event: {exc}") from exc
        return [event for event, _, _ in prepared]

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """The writer's turn (see the protocol): a session advisory lock of the board, taken
        on a connection of its own (so that this process's reads do not wait behind it)."""
        return self._writer.held()

    def _take_writer_lock(self) -> None:
        if self._writer_conn is None or self._writer_conn.closed:
            self._writer_conn = self._connect()
        try:
            self._writer_conn.execute("SELECT pg_advisory_lock(%s)", (self._writer_lock,))
        except psycopg.OperationalError as exc:
            raise BoardError(f"cannot take the board's writer turn: {exc}") from None

    def _give_writer_lock(self) -> None:
        conn = self._writer_conn
        if conn is None:
            return
        try:
            conn.execute("SELECT pg_advisory_unlock(%s)", (self._writer_lock,))
        except psycopg.Error:  # the session is gone, and its lock with it
            conn.close()

    def _close_writer_conn(self) -> None:
        if self._writer_conn is not None:
            self._writer_conn.close()
            self._writer_conn = None

    def events(
        self, start: int = 0, types: Collection[str] | None = None, *, limit: int | None = None
    ) -> Iterator[Event]:
        """Events from height ``start``, ascending, optionally only of ``types``, at most
        ``limit``; streamed through a server-side cursor on a connection of its own (kept for
        the next stream).  A short page (``limit`` up to one cursor batch) is one plain query
        on the board's connection instead."""
        type_list = None if types is None else sorted(set(types))
        if type_list == [] or (limit is not None and limit <= 0):
            return
        query = f"SELECT {EVENT_COLUMNS} FROM events WHERE height >= %s"
        params: list[Any] = [max(start, 0)]
        if type_list is not None:
            query += " AND type = ANY(%s)"
            params.append(type_list)
        query += " ORDER BY height"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
            if limit <= _ITERSIZE:
                with self._lock:
                    rows = self._db().execute(query, params).fetchall()
                yield from (event_from_row(row) for row in rows)
                return
        conn = self._reader()
        try:
            with conn.transaction(), conn.cursor(name=f"events_{uuid.uuid4().hex}") as cur:
                cur.itersize = _ITERSIZE
                cur.execute(query, params)
                for row in cur:
                    yield event_from_row(row)
        except BaseException:
            conn.close()  # a stream abandoned or failed mid-way: do not reuse its connection
            raise
        with self._lock:
            if self._conn is None:
                conn.close()
            else:
                self._spare.append(conn)

    def _summary_sql(self, names: list[str], types: int) -> str:
        values = ", ".join(f"p -> '{name}'" for name in names)
        return (
            f"SELECT height, type, timestamp, jsonb_build_array({values})::text FROM ("
            "SELECT height, type, timestamp, payload::jsonb AS p FROM events WHERE height >= ? "
            f"AND type IN ({', '.join('?' * types)}) ORDER BY height LIMIT ?) page "
            "ORDER BY height"
        )

    def add_checkpoint(self, size: int, note: str) -> None:
        """Store a signed checkpoint of the tree of ``size`` leaves (see the protocol)."""
        with self._lock:
            conn = self._db()
            try:
                with conn.transaction(), conn.cursor() as cur:
                    head = self._locked_head(cur)
                    if size > (0 if head is None else head[0] + 1):
                        raise BoardError(f"no checkpoint of size {size}: the tree is smaller")
                    cur.execute(
                        "INSERT INTO log_checkpoints (size, note) VALUES (%s, %s)", (size, note)
                    )
            except psycopg.errors.IntegrityConstraintViolation as exc:
                raise HeadMovedError(
                    f"the board holds a checkpoint of size {size} or larger"
                ) from exc

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            while self._spare:
                self._spare.pop().close()
        self._writer.between(self._close_writer_conn)

    # -- internals ----------------------------------------------------------------------------

    def _locked_head(self, cur: psycopg.Cursor[Any]) -> tuple[int, str, str] | None:
        """Take the board's append lock for the transaction, then read the head.  Appenders
        queue here instead of racing to the unique constraints: the one that waited sees the
        new head and gets HeadMovedError at once."""
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (self._append_lock,))
        cur.execute(HEAD_QUERY)
        row = cur.fetchone()
        return None if row is None else (int(row[0]), row[1], row[2])

    def _rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db().execute(query.replace("?", "%s"), params).fetchall()

    def _db(self) -> psycopg.Connection[Any]:
        if self._conn is None:
            raise BoardError("the board is closed")
        return self._conn

    def _reader(self) -> psycopg.Connection[Any]:
        """An idle connection for a stream (a fresh one when none is spare)."""
        with self._lock:
            self._db()
            if self._spare:
                return self._spare.pop()
        return self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(
                self._url, autocommit=True, connect_timeout=self._connect_timeout
            )
        except psycopg.OperationalError as exc:
            raise BoardError(f"cannot connect to PostgreSQL: {exc}") from None
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        return conn

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        # One process at a time migrates a given schema (transaction-scoped advisory lock).
        lock_id = zlib.crc32(f"referendum-board:{self.schema}".encode())
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_id,))
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for migration in load_migrations("postgres"):
                if migration.version in applied:
                    continue
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
        self._catch_up(conn)

    def _catch_up(self, conn: psycopg.Connection[Any]) -> None:
        """Give a board that predates its Merkle tree (migration 0002) the nodes of the events
        it holds, a batch per transaction; a tree larger than the chain is corruption."""
        while True:
            with conn.transaction(), conn.cursor() as cur:
                head = self._locked_head(cur)
                fetch = _fetcher(cur)
                size = _tree.tree_size(fetch)
                events = 0 if head is None else head[0] + 1
                if size > events:
                    raise BoardCorrupted(f"the Merkle tree has {size} leaves, the chain {events}")
                hashes = [
                    r[0]
                    for r in fetch(
                        "SELECT hash FROM events WHERE height >= ? ORDER BY height LIMIT ?",
                        [size, _tree.CATCH_UP_BATCH],
                    )
                ]
                rows = _tree.new_tree_rows(fetch, size, hashes)
                if rows:
                    cur.executemany("INSERT INTO log_nodes (node, hash) VALUES (%s, %s)", rows)
            if size + len(hashes) >= events:
                return


def _columns(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """The columns of ``rows`` (each an array parameter of an ``unnest`` insert)."""
    return [list(column) for column in zip(*rows, strict=True)]


def _fetcher(cur: psycopg.Cursor[Any]) -> _tree.Fetch:
    """A :data:`~referendum.board._tree.Fetch` on ``cur`` (inside its transaction)."""

    def fetch(query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cur.execute(query.replace("?", "%s"), params)
        return cur.fetchall()

    return fetch
