"""Many processes casting at once on one board (SQLite file, PostgreSQL schema): no ballot
lost, none duplicated, and the exported record verifies."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from referendum.board.open import open_board
from referendum.errors import BallotRejected
from referendum.record import messages as m
from referendum.record.io import write_record
from referendum.services.voter import prepare_ballot
from referendum.services.voting import cast
from referendum.verify.record_verifier import verify_record

from .helpers import OPENS, ready_referendum

PROCESSES = 4


def _wall_clock_in_window(start: float) -> Any:
    """A clock shared by every process: the wall clock, moved into the voting window."""
    return lambda: OPENS + dt.timedelta(minutes=10) + dt.timedelta(seconds=time.time() - start)


def _caster(url: str, submissions: list[dict[str, Any]], start: float, out: Any) -> None:
    board = open_board(url)
    clock = _wall_clock_in_window(start)
    codes = []
    try:
        for submission in submissions:
            try:
                codes.append(cast(board, submission, clock).tracking_code)
            except BallotRejected as exc:
                codes.append(f"rejected:{exc.code}")
    finally:
        board.close()
    out.put(codes)


@pytest.fixture(params=["sqlite", "postgres"])
def board_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "board.sqlite")
        return
    base = os.environ.get("REFERENDUM_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("PostgreSQL tests need REFERENDUM_TEST_POSTGRES_URL")
    import psycopg
    from psycopg import sql

    schema = f"cast_{uuid.uuid4().hex}"
    yield f"{base}{'&' if '?' in base else '?'}schema={schema}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def test_concurrent_casting(board_url: str, tmp_path: Path) -> None:
    board = open_board(board_url)
    setup = ready_referendum(board, per_region=12)
    voters = [c for region in setup.credentials.values() for c in region]
    submissions = [
        prepare_ballot(
            setup.state, v.private, {"q1": [("yes", "no", "blank")[i % 3]]}, setup.rng
        ).submission
        for i, v in enumerate(voters)
    ]
    # a few voters also revote, from another process than their first ballot
    revotes = [
        prepare_ballot(setup.state, v.private, {"q1": ["no"]}, setup.rng).submission
        for v in voters[:4]
    ]
    board.close()
    start = time.time()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    shares = [submissions[i::PROCESSES] for i in range(PROCESSES)]
    shares[-1] += revotes
    workers = [ctx.Process(target=_caster, args=(board_url, s, start, queue)) for s in shares]
    for w in workers:
        w.start()
    codes = [code for _ in workers for code in queue.get(timeout=300)]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert not [c for c in codes if c.startswith("rejected")]
    board = open_board(board_url)
    try:
        accepted = [e.payload["tracking_code"] for e in board.events(types=(m.BALLOT_ACCEPTED,))]
        assert sorted(accepted) == sorted(codes)  # none lost, none duplicated
        assert len(set(accepted)) == len(submissions) + len(revotes)
        write_record(board.events(), tmp_path / "record")
    finally:
        board.close()
    report = verify_record(tmp_path / "record")
    assert report.ok, [r.to_json() for r in report.failures()]
    assert report.summary["counted"] == len(voters)
