"""Web tests: a referendum on a board (SQLite; PostgreSQL when its URL is set) served by the
app through FastAPI's TestClient, with organiser and trustee accounts."""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import pytest

from board_targets import BoardTarget
from core.helpers import BOARD_KEY, Setup, ready_referendum
from referendum.board.protocol import BulletinBoard
from referendum.clock import Clock
from referendum.crypto.random import DeterministicRandom
from referendum.web.auth import Account, Accounts, hash_token
from referendum.web.context import Limits, WebContext

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

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


def context_over(board: BulletinBoard, clock: Clock) -> WebContext:
    """The server's context over ``board`` with the test accounts, exports rebuilt at once."""
    return WebContext(
        board=board,
        accounts=accounts(),
        clock=clock,
        limits=Limits(export_interval=0.0, export_wait=60.0),
        board_key=BOARD_KEY,
    )


@pytest.fixture
def board(shared_target: BoardTarget) -> BulletinBoard:
    """An empty board: SQLite, and PostgreSQL when its URL is set (the shared targets)."""
    return shared_target.open()


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
        limits=Limits(cast_per_second=1.0, cast_burst=burst, export_interval=0.0, export_wait=60.0),
        board_key=BOARD_KEY,
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
