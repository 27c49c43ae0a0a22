"""Boards of every backend for the core tests (PostgreSQL: skipped without its URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard

POSTGRES_ENV = "REFERENDUM_TEST_POSTGRES_URL"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def any_board(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BulletinBoard]:
    """A fresh, empty board of each backend."""
    if request.param == "memory":
        yield open_board("memory:")
        return
    if request.param == "sqlite":
        board = open_board(tmp_path / "board.sqlite")
        yield board
        board.close()
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (postgresql://user@host:port/db)")
    import psycopg
    from psycopg import sql

    schema = f"core_{uuid.uuid4().hex}"
    board = open_board(f"{base}{'&' if '?' in base else '?'}schema={schema}")
    try:
        yield board
    finally:
        board.close()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
