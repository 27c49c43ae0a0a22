"""Public pages on a large board: the database work of each page does not grow with the number
of ballots, no query skips rows with OFFSET or scans a table, start-up reads no ballot and no
credential list, and the server's memory does not grow with the electorate (issue 13 part 9;
the timed figures are in ``benchmarks/board_pages.py``, not here).

Two boards synthesised as ``referendum.bench.board_pages`` does, of the same electorate, one
with ten times the other's ballots, serve the same requests; SQLite's progress handler counts
the virtual machine's instructions of each request on the board's connection, and its trace
callback collects every statement, whose query plan is then read.
"""

from __future__ import annotations

import re
import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from board_targets import postgres_url
from referendum.bench.board_pages import BoardShape, board_key, build_board, tracking_of
from referendum.board.sqlite import SqliteBoard
from referendum.web.app import create_app
from referendum.web.context import WebContext

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SMALL, LARGE, ELECTORATE = 400, 4000, 4000
_TICK = 50  # instructions between two calls of the progress handler


class Counted:
    """A web app over a synthesised board, counting its SQLite work and statements."""

    def __init__(self, path: Path, shape: BoardShape) -> None:
        self.shape = shape
        self.board = SqliteBoard(path)
        self.steps = 0
        self.statements: list[str] = []
        conn = self.board._db()
        conn.set_progress_handler(self._tick, _TICK)
        conn.set_trace_callback(self.statements.append)
        self.ctx = WebContext(board=self.board, board_key=board_key(shape.seed))
        self.client = TestClient(create_app(self.ctx))

    def _tick(self) -> int:
        self.steps += _TICK
        return 0

    def cost(self, path: str) -> int:
        """The instructions the request of ``path`` ran (it must answer 200)."""
        before = self.steps
        answer = self.client.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        return self.steps - before

    def close(self) -> None:
        self.board.close()


def _shape(ballots: int) -> BoardShape:
    return BoardShape(ballots, regions=4, revote_every=10, electorate=ELECTORATE)


@pytest.fixture(scope="module")
def boards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Counted]]:
    folder = tmp_path_factory.mktemp("large-board")
    built = {}
    for name, ballots in (("small", SMALL), ("large", LARGE)):
        path, _ = build_board(folder, _shape(ballots))
        built[name] = path
    # start-up is measured from the first request on, before any other
    apps = {
        name: Counted(path, _shape(n))
        for (name, path), n in zip(built.items(), (SMALL, LARGE), strict=True)
    }
    yield apps
    for app in apps.values():
        app.close()


def _pages(app: Counted) -> list[str]:
    """The public requests, with a deep page and tracking codes of the board's own ballots."""
    shape = app.shape
    first = int(app.client.get("/api/ballots").json()["ballots"][0]["height"])
    deep = first + shape.ballots - 150
    revote = (
        shape.revote_every - 1 + shape.revote_every * (shape.ballots // shape.revote_every // 2)
    )
    replaced = shape.replaced(revote)
    return [
        "/",
        "/?lang=uk",
        "/ballots",
        f"/ballots?after={deep}",
        "/rejections",
        "/api/referendum",
        "/api/results",
        "/api/ballots",
        f"/api/ballots?after={deep}",
        f"/api/ballots/{tracking_of(shape, revote)}",
        f"/api/ballots/{tracking_of(shape, replaced)}",
        f"/track?code={tracking_of(shape, shape.ballots - 1)}",
        f"/api/events?after={deep}",
        "/api/log/checkpoint",
    ]


@pytest.fixture(scope="module")
def electorates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Counted]]:
    """Two boards of the same ballots, one with ten times the other's electorate."""
    folder = tmp_path_factory.mktemp("large-electorate")
    apps = {}
    for name, electorate in (("small", ELECTORATE), ("large", 10 * ELECTORATE)):
        shape = BoardShape(SMALL, regions=4, revote_every=10, electorate=electorate)
        path, _ = build_board(folder, shape)
        apps[name] = Counted(path, shape)
    yield apps
    for app in apps.values():
        app.close()


def test_start_up_does_not_grow_with_the_electorate(electorates: dict[str, Counted]) -> None:
    """The first page after start-up costs the same with ten times the voters: the state asks
    the board's index of the credential lists instead of replaying them."""
    small, large = (electorates[k].cost("/") for k in ("small", "large"))
    assert large < 1.3 * small, (small, large)
    for app in electorates.values():  # the lists are not among the statements' reads
        assert not [s for s in app.statements if "'credentials'" in s and "payload" in s]


def test_memory_does_not_grow_with_the_electorate(electorates: dict[str, Counted]) -> None:
    """The state of a referendum of ten times the voters takes the same memory, and looking
    credentials up keeps it bounded."""
    import tracemalloc

    from referendum.bench.board_pages import credential_of
    from referendum.services.state import load_state

    peaks: dict[str, list[int]] = {}
    for name, app in electorates.items():
        tracemalloc.start()
        try:
            state = load_state(app.board)
            loaded = tracemalloc.get_traced_memory()[1]
            for voter in range(0, app.shape.electorate, app.shape.electorate // 500):
                assert state.region_of(credential_of(app.shape, voter)) is not None
            peaks[name] = [loaded, tracemalloc.get_traced_memory()[1]]
        finally:
            tracemalloc.stop()
    (small_state, small_lookups), (large_state, large_lookups) = peaks.values()
    assert large_state < 1.2 * small_state + 50_000, peaks  # not ten times the lists
    assert large_lookups < 1.2 * small_lookups + 50_000, peaks  # as many lookups, as much


def test_start_up_reads_no_ballot(boards: dict[str, Counted]) -> None:
    """The first page after start-up costs the same on ten times the ballots: the state is
    replayed from the non-ballot events only (the counts come from one row each)."""
    small, large = (boards[k].cost("/") for k in ("small", "large"))
    assert large < 1.3 * small, (small, large)


def test_pages_do_not_grow_with_the_board(boards: dict[str, Counted]) -> None:
    for app in boards.values():
        for path in _pages(app):
            app.cost(path)  # warm: caches that a first request fills
    costs = {k: [app.cost(p) for p in _pages(app)] for k, app in boards.items()}
    for path, small, large in zip(
        _pages(boards["small"]), costs["small"], costs["large"], strict=True
    ):
        # ten times the ballots: at most a B-tree level more per lookup, never ten times the work
        assert large < 1.5 * small + 2000, (path, small, large)


def _plans(statements: list[str], db: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db)
    try:
        return {
            sql: [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            for sql in sorted(set(statements))
            if sql.lstrip().upper().startswith("SELECT")
        }
    finally:
        conn.close()


# A scan is bounded only when it reads one end of the primary key and stops.
_BOUNDED_SCANS = ("ORDER BY height DESC LIMIT 1", "ORDER BY size DESC LIMIT 1")


def test_queries_use_indexes_never_offset(boards: dict[str, Counted]) -> None:
    app = boards["large"]
    app.statements.clear()
    for path in _pages(app):
        app.cost(path)
    assert app.statements
    assert not [s for s in app.statements if " OFFSET " in s.upper()]
    plans = _plans(app.statements, app.board.path)
    for sql, plan in plans.items():
        for step in plan:
            if step.startswith("SCAN") and not step.startswith("SCAN CONSTANT"):
                assert any(end in sql for end in _BOUNDED_SCANS), (sql, plan)
    paging = [s for s in plans if "type IN ('ballot.accepted')" in s]
    assert paging, "no ballot page read by type"
    for sql in paging:
        assert any("events_type_height" in step for step in plans[sql]), (sql, plans[sql])


def _postgres(sql: str) -> str:
    """An SQLite statement in PostgreSQL's words: the members a page reads (``json_extract``
    of several paths) as the PostgreSQL board reads them (``summaries``)."""

    def members(match: re.Match[str]) -> str:
        names = re.findall(r"'\$\.([a-z0-9_]+)'", match[1])
        return "jsonb_build_array(" + ", ".join(f"payload::jsonb -> '{n}'" for n in names) + ")"

    return re.sub(r"json_extract\(payload, ((?:'\$\.[a-z0-9_]+'(?:, )?)+)\)", members, sql)


@pytest.mark.skipif(postgres_url() is None, reason="PostgreSQL URL not set")
def test_postgres_plans_use_indexes(boards: dict[str, Counted], tmp_path: Path) -> None:
    """The same statements on PostgreSQL: with sequential scans priced out, every one has an
    index path (a plan still holding a Seq Scan would have none)."""
    import uuid

    import psycopg

    from referendum.board.postgres import PostgresBoard

    url = postgres_url()
    assert url is not None
    schema = f"plans_{uuid.uuid4().hex[:12]}"
    board = PostgresBoard(url, schema=schema)
    try:
        app = boards["large"]
        app.statements.clear()
        for path in _pages(app):
            app.cost(path)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"SET search_path TO {schema}")
            conn.execute("SET enable_seqscan = off")
            for sql in sorted(set(app.statements)):
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN {_postgres(sql)}"))
                assert "Seq Scan" not in plan, (sql, plan)
                assert "OFFSET" not in sql.upper()
    finally:
        board.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
