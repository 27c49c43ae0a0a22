"""Shared fixtures.  Boards: every test taking ``target`` or ``board`` runs on memory, SQLite
and PostgreSQL.

PostgreSQL tests read the server URL from ``REFERENDUM_TEST_POSTGRES_URL`` and are skipped
when it is unset; each test gets a fresh schema (dropped afterwards), so that tests can run in
parallel (pytest-xdist) against one database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from board_targets import BoardTarget, make_target
from referendum.board.protocol import BulletinBoard


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BoardTarget]:
    """A fresh empty board of each backend."""
    yield from make_target(request.param, tmp_path)


@pytest.fixture(params=["sqlite", "postgres"])
def shared_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BoardTarget]:
    """A fresh empty board that other processes can open too (SQLite, PostgreSQL)."""
    yield from make_target(request.param, tmp_path)


@pytest.fixture
def board(target: BoardTarget) -> BulletinBoard:
    """A fresh empty board of each backend."""
    return target.open()


# Property tests run on a shared, often loaded, two-core machine: no per-example deadline.
settings.register_profile("referendum", deadline=None)
settings.load_profile("referendum")
