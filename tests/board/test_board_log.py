"""The Merkle tree and checkpoints of every board backend: the tree grows with the chain in
one transaction, proofs come from stored nodes, a board that predates the tree gets one,
checkpoints only grow, and the databases refuse changes to either."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from test_board_sql import DB_ERRORS, raw_execute

from board_targets import BoardTarget
from referendum.board.migrations import load_migrations
from referendum.board.open import split_schema
from referendum.board.protocol import BulletinBoard, Draft
from referendum.errors import BoardError, HeadMovedError
from referendum.protocol import merkle
from referendum.record.event import GENESIS_PARENT, format_timestamp, make_event

START = datetime(2026, 3, 1, 8, tzinfo=UTC)


def fill(board: BulletinBoard, count: int, *, batch: int = 1) -> None:
    """Append ``count`` events, ``batch`` per append_many."""
    done = 0
    while done < count:
        head = board.head()
        n = min(batch, count - done)
        seconds = 0 if head is None else head.height + 1
        board.append_many(
            [Draft("e", {"i": done + j}) for j in range(n)],
            expected_head=None if head is None else head.hash,
            timestamp=format_timestamp(START + timedelta(seconds=seconds)),
        )
        done += n


def chain_root(board: BulletinBoard, size: int | None = None) -> bytes:
    events = list(board.events())[:size]
    return merkle.root_of(merkle.event_leaf(e.hash) for e in events)


def test_the_tree_follows_the_chain_one_event_at_a_time(board: BulletinBoard) -> None:
    assert merkle.root_at(0, board) == merkle.EMPTY_ROOT
    for size in range(1, 20):
        fill_one = board.head()
        board.append(
            "e",
            {"i": size},
            expected_head=None if fill_one is None else fill_one.hash,
            timestamp=format_timestamp(START),
        )
        assert merkle.root_at(size, board) == chain_root(board)


def test_batches_proofs_and_every_prefix(board: BulletinBoard) -> None:
    fill(board, 45, batch=7)
    events = list(board.events())
    root = merkle.root_at(45, board)
    assert root == chain_root(board)
    for size in (1, 2, 7, 8, 30, 45):
        assert merkle.root_at(size, board) == chain_root(board, size)
    for index in (0, 1, 13, 31, 44):
        proof = merkle.inclusion_proof(index, 45, board)
        merkle.verify_inclusion(index, 45, merkle.event_leaf(events[index].hash), proof, root)
    for old in (1, 5, 8, 32, 44):
        proof = merkle.consistency_proof(old, 45, board)
        merkle.verify_consistency(old, 45, merkle.root_at(old, board), root, proof)


def test_nodes_beyond_the_tree_are_a_board_error(board: BulletinBoard) -> None:
    fill(board, 5)
    with pytest.raises(BoardError):
        board.read_nodes([(0, 5)])
    with pytest.raises(BoardError):
        merkle.root_at(6, board)


def test_a_failed_append_adds_no_node(board: BulletinBoard) -> None:
    fill(board, 3)
    root = merkle.root_at(3, board)
    with pytest.raises(HeadMovedError):
        board.append("e", {}, expected_head=GENESIS_PARENT, timestamp=format_timestamp(START))
    fill(board, 1)
    assert merkle.root_at(3, board) == root
    assert merkle.root_at(4, board) == chain_root(board)


def test_checkpoints_only_grow_and_stay_within_the_tree(board: BulletinBoard) -> None:
    assert board.latest_checkpoint() is None
    assert board.checkpoints() == []
    fill(board, 10)
    board.add_checkpoint(3, "note 3")
    board.add_checkpoint(7, "note 7")
    with pytest.raises(HeadMovedError):
        board.add_checkpoint(7, "again")
    with pytest.raises(HeadMovedError):
        board.add_checkpoint(5, "older")
    with pytest.raises(BoardError, match="smaller"):
        board.add_checkpoint(11, "beyond")
    board.add_checkpoint(10, "note 10")
    assert board.latest_checkpoint() == (10, "note 10")
    assert board.checkpoints() == [(3, "note 3"), (7, "note 7"), (10, "note 10")]
    assert board.checkpoints(after=3, limit=1) == [(7, "note 7")]
    assert board.checkpoints(after=10) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE log_nodes SET hash = hash WHERE node = 0",
        "DELETE FROM log_nodes WHERE node = 1",
        "UPDATE log_checkpoints SET note = 'forged'",
        "DELETE FROM log_checkpoints",
    ],
)
def test_databases_refuse_changes_to_the_log(shared_target: BoardTarget, statement: str) -> None:
    board = shared_target.open()
    fill(board, 4)
    board.add_checkpoint(4, "note")
    root = merkle.root_at(4, board)
    with pytest.raises(DB_ERRORS, match=r"append-only|forbidden"):
        raw_execute(shared_target, statement)
    assert merkle.root_at(4, board) == root
    assert board.checkpoints() == [(4, "note")]


def test_databases_refuse_a_checkpoint_that_does_not_grow(shared_target: BoardTarget) -> None:
    board = shared_target.open()
    fill(board, 4)
    board.add_checkpoint(4, "note")
    with pytest.raises(DB_ERRORS, match="larger than the last"):
        raw_execute(shared_target, "INSERT INTO log_checkpoints (size, note) VALUES (2, 'x')")


def _board_before_the_tree(target: BoardTarget, count: int) -> list[str]:
    """A database with only migration 0001 applied and ``count`` events (a board written by
    an earlier version); returns the event hashes."""
    dialect = "sqlite" if target.kind == "sqlite" else "postgres"
    first = load_migrations(dialect)[0]
    events = []
    parent = GENESIS_PARENT
    for height in range(count):
        event = make_event(height, parent, "e", format_timestamp(START), {"i": height})
        events.append(event)
        parent = event.hash
    rows = [
        (e.height, e.parent, e.type, e.timestamp, f'{{"i":{e.height}}}', e.hash) for e in events
    ]
    if target.kind == "sqlite":
        conn = sqlite3.connect(target.url, isolation_level=None)
        conn.executescript(first.sql)
        conn.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO schema_migrations VALUES (1, 'events', 'then')")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.close()
    else:
        conninfo, schema = split_schema(target.url)
        with psycopg.connect(conninfo, autocommit=True) as pg:
            pg.execute(f'CREATE SCHEMA "{schema}"')
            pg.execute(f'SET search_path TO "{schema}"')
            pg.execute(first.sql.encode())
            pg.execute(
                "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            pg.execute("INSERT INTO schema_migrations (version, name) VALUES (1, 'events')")
            with pg.cursor() as cur:
                cur.executemany("INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s)", rows)
    return [e.hash for e in events]


def test_a_board_from_before_the_tree_gets_its_tree_on_opening(
    shared_target: BoardTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    from referendum.board import _tree

    monkeypatch.setattr(_tree, "CATCH_UP_BATCH", 7)  # several catch-up transactions
    hashes = _board_before_the_tree(shared_target, 40)
    board = shared_target.open()
    assert board.schema_version() == len(load_migrations("sqlite"))  # type: ignore[attr-defined]
    expected = merkle.root_of(merkle.event_leaf(h) for h in hashes)
    assert merkle.root_at(40, board) == expected
    fill(board, 3)  # and it grows on from there
    assert merkle.root_at(43, board) == chain_root(board)
    again = shared_target.open()  # opening again adds nothing
    assert merkle.root_at(43, again) == merkle.root_at(43, board)


def test_a_board_from_before_the_counts_is_counted_on_opening(shared_target: BoardTarget) -> None:
    """Migration 0003 counts the events already there once; its trigger counts on."""
    _board_before_the_tree(shared_target, 12)
    board = shared_target.open()
    assert board.count("e") == 12
    fill(board, 5, batch=2)
    assert board.count("e") == 17
    assert board.count("absent") == 0
    with pytest.raises(DB_ERRORS, match=r"forbidden"):
        raw_execute(shared_target, "DELETE FROM event_counts")
    assert board.count("e") == 17
