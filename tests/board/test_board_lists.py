"""The credential lists and the ballots per region that every board keeps at each append
(migration 0004 for the SQL boards, an index in memory for the memory board): the answers are
those of the replayed events (:class:`~referendum.protocol.electorate.MemoryLists`), as of the
height asked, and a board that predates the migration is indexed on opening."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from board_targets import BoardTarget
from referendum.board.migrations import load_migrations
from referendum.board.open import split_schema
from referendum.board.protocol import BulletinBoard
from referendum.errors import BoardError
from referendum.protocol.electorate import CredentialLists, MemoryLists
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import GENESIS_PARENT, Event, format_timestamp, make_event

START = datetime(2026, 3, 1, 8, tzinfo=UTC)


def cred(name: str) -> str:
    """A credential's stand-in: 64 hex digits that sort as ``name`` does."""
    return name.encode().hex().ljust(64, "0")


A, B, C, D, F, G, X = (cred(n) for n in "abcdfgx")

# (type, payload) in the board's order; the rules of referendum.protocol.electorate
HISTORY: list[tuple[str, dict[str, Any]]] = [
    (m.MANIFEST, {"note": "not a manifest: the board does not read it"}),
    (m.CREDENTIALS, {"region": "east", "public_credentials": [A, B, C]}),
    (m.CREDENTIALS, {"region": "west", "public_credentials": [D]}),
    (m.CREDENTIALS, {"region": "east", "public_credentials": [X]}),  # a second list: nothing
    (m.CREDENTIALS_REISSUE, {"region": "east", "revoked": [B], "public_credentials": [F]}),
    (m.CREDENTIALS_REISSUE, {"region": "north", "revoked": [A], "public_credentials": [G]}),
    (m.VOTING_OPEN, {}),
    (m.CREDENTIALS_REISSUE, {"region": "east", "revoked": [A], "public_credentials": [G]}),
    (m.BALLOT_ACCEPTED, {"region": "east", "tracking_code": "1"}),
    (m.BALLOT_ACCEPTED, {"region": "west", "tracking_code": "2"}),
    (m.BALLOT_REJECTED, {"region": "west"}),
    (m.BALLOT_ACCEPTED, {"region": "east", "tracking_code": "3"}),
    (m.BALLOT_DENIABLE, {"region": "west", "tracking_code": "4"}),
]
REISSUE_AT = 4  # the height of the reissue that is applied


def events_of(history: list[tuple[str, dict[str, Any]]]) -> list[Event]:
    events, parent = [], GENESIS_PARENT
    for height, (kind, payload) in enumerate(history):
        stamp = format_timestamp(START + timedelta(seconds=height))
        event = make_event(height, parent, kind, stamp, payload)
        events.append(event)
        parent = event.hash
    return events


def append_all(board: BulletinBoard, history: list[tuple[str, dict[str, Any]]]) -> None:
    for event in events_of(history)[len(list(board.events())) :]:
        head = board.head()
        board.append(
            event.type,
            event.payload,
            expected_head=None if head is None else head.hash,
            timestamp=event.timestamp,
        )


def replayed(upto: int) -> MemoryLists:
    """The lists as the events up to height ``upto`` make them, replayed in memory."""
    lists = MemoryLists()
    opened = False
    for event in events_of(HISTORY)[: upto + 1]:
        p = event.payload
        if event.type == m.VOTING_OPEN:
            opened = True
        elif event.type == m.CREDENTIALS:
            lists.publish(p["region"], p["public_credentials"])
        elif event.type == m.CREDENTIALS_REISSUE and not opened:
            lists.reissue(p["region"], p["revoked"], p["public_credentials"])
    return lists


def assert_same(lists: CredentialLists, expected: MemoryLists) -> None:
    everyone = [A, B, C, D, F, G, X, cred("z")]
    assert lists.regions() == expected.regions()
    for region in ("east", "west", "north"):
        assert lists.electorate(region) == expected.electorate(region), region
        assert lists.listed(region) == expected.listed(region), region
    for c in everyone:
        assert lists.region_of(c) == expected.region_of(c), c
        assert lists.is_revoked(c) == expected.is_revoked(c), c
    assert lists.regions_of(everyone) == expected.regions_of(everyone)


def test_the_lists_are_those_of_the_replayed_events(board: BulletinBoard) -> None:
    append_all(board, HISTORY)
    final = replayed(len(HISTORY))
    assert final.listed("east") == [A, C, F] and final.is_revoked(B)
    assert final.listed("west") == [D] and final.regions() == {"east", "west"}
    assert_same(board.credential_lists(), final)
    for height in (0, 1, REISSUE_AT - 1, REISSUE_AT, len(HISTORY) - 1):
        assert_same(board.credential_lists(at=height), replayed(height))


def test_lists_asked_earlier_do_not_follow_later_appends(board: BulletinBoard) -> None:
    append_all(board, HISTORY[:REISSUE_AT])
    before = board.credential_lists()
    assert before.region_of(B) == "east"  # remembered by the object, and still true below
    append_all(board, HISTORY)
    assert before.region_of(B) == "east" and not before.is_revoked(B)
    assert before.electorate("east") == 3 and before.region_of(F) is None
    assert board.credential_lists().region_of(B) is None


def test_ballots_are_counted_by_region(board: BulletinBoard) -> None:
    append_all(board, HISTORY)
    assert board.region_counts([m.BALLOT_ACCEPTED]) == {"east": 2, "west": 1}
    assert board.region_counts([m.BALLOT_ACCEPTED, m.BALLOT_DENIABLE]) == {"east": 2, "west": 2}
    assert board.region_counts([m.BALLOT_REJECTED]) == {}  # not kept: not a ballot
    assert board.region_counts([]) == {}


def _board_before_the_lists(target: BoardTarget) -> None:
    """A database with migrations 0001-0003 only, holding the history's events."""
    dialect = "sqlite" if target.kind == "sqlite" else "postgres"
    earlier = load_migrations(dialect)[:3]
    rows = [
        (e.height, e.parent, e.type, e.timestamp, canonical_json(e.payload).decode(), e.hash)
        for e in events_of(HISTORY)
    ]
    if target.kind == "sqlite":
        conn = sqlite3.connect(target.url, isolation_level=None)
        conn.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL)"
        )
        for migration in earlier:
            conn.executescript(migration.sql)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, 'then')",
                (migration.version, migration.name),
            )
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.close()
        return
    conninfo, schema = split_schema(target.url)
    with psycopg.connect(conninfo, autocommit=True) as pg:
        pg.execute(f'CREATE SCHEMA "{schema}"')
        pg.execute(f'SET search_path TO "{schema}"')
        pg.execute(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for migration in earlier:
            pg.execute(migration.sql.encode())
            pg.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
        with pg.cursor() as cur:
            cur.executemany("INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s)", rows)


def test_a_board_from_before_the_lists_is_indexed_on_opening(shared_target: BoardTarget) -> None:
    _board_before_the_lists(shared_target)
    board = shared_target.open()
    assert_same(board.credential_lists(), replayed(len(HISTORY)))
    assert_same(board.credential_lists(at=REISSUE_AT - 1), replayed(REISSUE_AT - 1))
    assert board.region_counts([m.BALLOT_ACCEPTED, m.BALLOT_DENIABLE]) == {"east": 2, "west": 2}
    append_all(board, [*HISTORY, (m.BALLOT_ACCEPTED, {"region": "west", "tracking_code": "5"})])
    assert board.region_counts([m.BALLOT_ACCEPTED]) == {"east": 2, "west": 2}


def test_summaries_carry_the_named_members_only(board: BulletinBoard) -> None:
    append_all(board, HISTORY)
    events = events_of(HISTORY)
    ballots = [e for e in events if e.type == m.BALLOT_ACCEPTED]
    page = board.summaries(0, [m.BALLOT_ACCEPTED], ["tracking_code", "replaces"], limit=2)
    assert [(s.height, s.type, s.timestamp) for s in page] == [
        (e.height, e.type, e.timestamp) for e in ballots[:2]
    ]
    assert [s.fields for s in page] == [
        {"tracking_code": e.payload["tracking_code"], "replaces": None} for e in ballots[:2]
    ]
    after = board.summaries(page[-1].height + 1, [m.BALLOT_ACCEPTED], ["region"], limit=5)
    assert [s.fields for s in after] == [{"region": "east"}]  # one name, one value
    nested = board.summaries(0, [m.CREDENTIALS_REISSUE], ["revoked", "region"], limit=1)
    assert nested[0].fields == {"revoked": [B], "region": "east"}  # JSON values, not text
    assert board.summaries(0, [], ["region"], limit=5) == []
    if hasattr(board, "_summary_sql"):  # SQL: a name is spliced into the query, so checked
        with pytest.raises(BoardError, match="not a payload member"):
            board.summaries(0, [m.BALLOT_ACCEPTED], ["x') --"], limit=1)
