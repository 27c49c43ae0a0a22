"""Guarantees the SQL databases enforce themselves: append-only, chain links, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from board_targets import BoardTarget
from referendum.board.migrations import load_migrations
from referendum.board.open import open_board, split_schema
from referendum.board.postgres import PostgresBoard
from referendum.board.protocol import Draft, Head
from referendum.board.sqlite import SqliteBoard
from referendum.errors import InputError
from referendum.record.event import GENESIS_PARENT

TS = "2026-03-01T08:00:00.000000Z"


def seeded(target: BoardTarget) -> SqliteBoard | PostgresBoard:
    board = target.open()
    assert isinstance(board, SqliteBoard | PostgresBoard)
    first = board.append("a", {"v": 1}, expected_head=None, keys=["k"], timestamp=TS)
    board.append("b", {"v": 2}, expected_head=first.hash, keys=["k"], timestamp=TS)
    return board


def raw_execute(target: BoardTarget, statement: str) -> None:
    """Run one statement on a connection of our own, outside the board's code."""
    if target.kind == "sqlite":
        conn = sqlite3.connect(target.url, isolation_level=None)
        try:
            conn.execute(statement)
        finally:
            conn.close()
    else:
        conninfo, schema = split_schema(target.url)
        with psycopg.connect(conninfo, autocommit=True) as pg:
            pg.execute(f'SET search_path TO "{schema}"')
            pg.execute(statement.encode())


DB_ERRORS = (sqlite3.DatabaseError, psycopg.DatabaseError)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET payload = '{\"v\":3}' WHERE height = 1",
        "UPDATE events SET type = 'c'",
        "DELETE FROM events WHERE height = 1",
        "DELETE FROM events",
        "UPDATE event_keys SET key = 'other'",
        "DELETE FROM event_keys",
    ],
)
def test_database_refuses_update_and_delete(shared_target: BoardTarget, statement: str) -> None:
    board = seeded(shared_target)
    before = list(board.events())
    with pytest.raises(DB_ERRORS, match="append-only"):
        raw_execute(shared_target, statement)
    assert list(board.events()) == before
    assert [e.height for e in board.lookup("k")] == [0, 1]


def test_postgres_refuses_truncate(shared_target: BoardTarget) -> None:
    if shared_target.kind != "postgres":
        pytest.skip("TRUNCATE is PostgreSQL only (SQLite has none)")
    board = seeded(shared_target)
    with pytest.raises(psycopg.DatabaseError):
        raw_execute(shared_target, "TRUNCATE events CASCADE")
    assert board.count("a") == 1


@pytest.mark.parametrize(
    ("height", "parent", "timestamp"),
    [
        (3, "head", TS),  # a gap: there is no event at height 2
        (2, "genesis", TS),  # a parent that is not the hash of height 1
        (1, "genesis", TS),  # a fork at an existing height
        (0, "genesis", TS),  # a second genesis
        (2, "head", "2020-01-01T00:00:00.000000Z"),  # time running backwards
    ],
)
def test_database_refuses_broken_links(
    shared_target: BoardTarget, height: int, parent: str, timestamp: str
) -> None:
    board = seeded(shared_target)
    head = board.head()
    assert head is not None
    parent_hash = head.hash if parent == "head" else GENESIS_PARENT
    row = f"{height}, '{parent_hash}', 'c', '{timestamp}', '{{}}', '{'e' * 64}'"
    with pytest.raises(DB_ERRORS):
        raw_execute(shared_target, f"INSERT INTO events VALUES ({row})")
    assert board.head() == head
    # the same row with the right height, parent and time is accepted: the refusals above
    # were about the link, not the statement
    good = f"2, '{head.hash}', 'c', '{TS}', '{{}}', '{'e' * 64}'"
    raw_execute(shared_target, f"INSERT INTO events VALUES ({good})")
    assert board.head() == Head(2, "e" * 64)


def test_migrations_recorded_once(shared_target: BoardTarget) -> None:
    board = seeded(shared_target)
    latest = len(load_migrations("sqlite" if shared_target.kind == "sqlite" else "postgres"))
    assert board.schema_version() == latest
    again = shared_target.open()  # opening again applies nothing new
    assert isinstance(again, SqliteBoard | PostgresBoard)
    assert again.schema_version() == latest
    assert again.count("a") == 1


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    SqliteBoard(tmp_path / "b.db").close()
    conn = sqlite3.connect(tmp_path / "b.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert {"events_no_update", "events_no_delete", "events_link"} <= names
    conn.close()


@pytest.mark.parametrize(
    ("url", "kind"),
    [("memory:", "MemoryBoard"), ("board.db", "SqliteBoard"), ("sqlite:///b2.db", "SqliteBoard")],
)
def test_open_board_picks_backend(
    url: str, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    board = open_board(url)
    assert type(board).__name__ == kind
    board.close()


def test_open_board_absolute_sqlite_url(tmp_path: Path) -> None:
    board = open_board(f"sqlite:///{tmp_path / 'abs.db'}")
    board.close()
    assert (tmp_path / "abs.db").exists()


@pytest.mark.parametrize("url", ["sqlite:", "sqlite://x.db", "mysql://h/db"])
def test_open_board_refuses_bad_urls(url: str) -> None:
    with pytest.raises(InputError) as info:
        open_board(url)
    assert info.value.field == "board"


def test_split_schema() -> None:
    assert split_schema("postgresql://u@h:5432/db?schema=s1&sslmode=disable") == (
        "postgresql://u@h:5432/db?sslmode=disable",
        "s1",
    )
    assert split_schema("postgresql://u@h/db") == ("postgresql://u@h/db", "public")


def test_postgres_refuses_bad_schema_name() -> None:
    with pytest.raises(InputError) as info:
        PostgresBoard("postgresql://nobody@127.0.0.1:1/x", schema='x"; DROP')
    assert info.value.field == "schema"


def test_sqlite_open_errors_are_board_errors(tmp_path: Path) -> None:
    from referendum.errors import BoardError

    with pytest.raises(BoardError, match="cannot open the SQLite board"):
        SqliteBoard(tmp_path / "missing-dir" / "b.db")
    (tmp_path / "not.db").write_bytes(b"this is not an SQLite database, just text" * 100)
    with pytest.raises(BoardError, match="not a database"):
        SqliteBoard(tmp_path / "not.db")
    with pytest.raises(InputError) as info:
        SqliteBoard(tmp_path / "b.db", synchronous="off")  # type: ignore[arg-type]
    assert info.value.field == "synchronous"


def test_postgres_unreachable_is_a_board_error() -> None:
    from referendum.errors import BoardError

    with pytest.raises(BoardError, match="cannot connect to PostgreSQL"):
        PostgresBoard("postgresql://nobody@127.0.0.1:1/none", connect_timeout=2)


def test_postgres_compresses_payloads_with_lz4_where_it_can(shared_target: BoardTarget) -> None:
    if shared_target.kind != "postgres":
        pytest.skip("lz4 compression of payloads is PostgreSQL's (migration 0005)")
    seeded(shared_target)
    conninfo, schema = split_schema(shared_target.url)
    with psycopg.connect(conninfo, autocommit=True) as pg:
        (supported,) = pg.execute(
            "SELECT 'lz4' = ANY (enumvals) FROM pg_settings"
            " WHERE name = 'default_toast_compression'"
        ).fetchone()  # type: ignore[misc]
        (method,) = pg.execute(
            "SELECT a.attcompression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = 'events' AND a.attname = 'payload'",
            (schema,),
        ).fetchone()  # type: ignore[misc]
    assert method == ("l" if supported else "")


def test_a_batch_updates_the_counts_once_whatever_its_size(shared_target: BoardTarget) -> None:
    """The counts by type and of ballots by region after one append of a mixed batch (on
    PostgreSQL kept by one statement trigger over the batch's rows, migration 0006)."""
    board = seeded(shared_target)
    head = board.head()
    assert head is not None
    drafts = [
        Draft("ballot.accepted", {"region": "north" if i % 3 else "south", "i": i})
        for i in range(10)
    ] + [Draft("note", {"i": 99})]
    board.append_many(drafts, expected_head=head.hash, timestamp=TS)
    assert board.count("ballot.accepted") == 10 and board.count("note") == 1
    assert board.count("a") == 1  # the seeded events are still counted once
    assert board.region_counts(["ballot.accepted"]) == {"north": 6, "south": 4}
