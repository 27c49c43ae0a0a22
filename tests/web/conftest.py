"""Web tests: a referendum on a board (SQLite; PostgreSQL when its URL is set) served by the
app through FastAPI's TestClient, with organiser and trustee accounts."""

from __future__ import annotations

import datetime as dt
import os
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.helpers import Setup, ready_referendum
from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.crypto.random import DeterministicRandom
from referendum.web.auth import Account, Accounts, hash_token
from referendum.web.context import Limits, WebContext

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

POSTGRES_ENV = "REFERENDUM_TEST_POSTGRES_URL"
ORGANISER = "organiser-token-0123456789abcdef"
TRUSTEES = {i: f"trustee-{i}-token-0123456789abcdef" for i in (1, 2, 3)}


def accounts() -> Accounts:
    """One organiser and three trustees, with the tokens above."""
    out = Accounts((Account("organiser", "organiser", hash_token(ORGANISER)),))
    for i, token in TRUSTEES.items():
        out = out.add(Account(f"trustee {i}", "trustee", hash_token(token), trustee=i))
    return out


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(params=["sqlite", "postgres"])
def board(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BulletinBoard]:
    """An empty board: SQLite, and PostgreSQL when its URL is set."""
    if request.param == "sqlite":
        b = open_board(tmp_path / "board.sqlite")
        yield b
        b.close()
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (postgresql://user@host:port/db)")
    import psycopg
    from psycopg import sql

    schema = f"web_{uuid.uuid4().hex}"
    b = open_board(f"{base}{'&' if '?' in base else '?'}schema={schema}")
    try:
        yield b
    finally:
        b.close()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


class FakeMonotonic:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Served:
    setup: Setup
    ctx: WebContext
    client: TestClient
    monotonic: FakeMonotonic


def serve(setup: Setup, *, burst: int = 1000) -> Served:
    mono = FakeMonotonic()
    ctx = WebContext(
        board=setup.board,
        accounts=accounts(),
        clock=setup.clock,
        monotonic=mono,
        rng=DeterministicRandom(b"web-tests"),
        limits=Limits(cast_per_second=1.0, cast_burst=burst, export_interval=0.0),
    )
    from referendum.web.app import create_app

    return Served(setup, ctx, TestClient(create_app(ctx)), mono)


@pytest.fixture
def served(board: BulletinBoard) -> Served:
    """An open referendum (3 voters per region) served by the app."""
    return serve(ready_referendum(board))


def after_window(setup: Setup) -> None:
    """Move the clock past the last voting period."""
    setup.clock.jump(dt.datetime(2026, 5, 5, 20, 1, tzinfo=dt.UTC))
