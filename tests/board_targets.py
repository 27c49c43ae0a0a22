"""Boards under test: memory, SQLite and PostgreSQL targets (used by conftest.py's fixtures).

PostgreSQL tests read the server URL from ``REFERENDUM_TEST_POSTGRES_URL`` and are skipped
when it is unset; each test gets a fresh schema (dropped afterwards), so that tests can run in
parallel (pytest-xdist) against one database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from referendum.board.memory import MemoryBoard
from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard

POSTGRES_ENV = "REFERENDUM_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """The test server's URL, or None when the environment variable is unset."""
    return os.environ.get(POSTGRES_ENV) or None


def skip_without_postgres() -> str:
    url = postgres_url()
    if url is None:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    return url


@dataclass
class BoardTarget:
    """One backend under test: ``url`` opens it with ``open_board`` (memory: one shared board)."""

    kind: str
    url: str
    opened: list[BulletinBoard] = field(default_factory=list)
    _memory: MemoryBoard | None = None

    def open(self) -> BulletinBoard:
        if self.kind == "memory":
            if self._memory is None:
                self._memory = MemoryBoard()
            return self._memory
        board = open_board(self.url)
        self.opened.append(board)
        return board

    @property
    def shareable(self) -> bool:
        """Whether other processes can open the same board."""
        return self.kind != "memory"


def _drop_schema(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def make_target(kind: str, tmp_path: Path) -> Iterator[BoardTarget]:
    if kind == "memory":
        yield BoardTarget("memory", "memory:")
        return
    if kind == "sqlite":
        target = BoardTarget("sqlite", str(tmp_path / "board.db"))
        yield target
    else:
        base = skip_without_postgres()
        schema = f"t_{uuid.uuid4().hex}"
        sep = "&" if "?" in base else "?"
        target = BoardTarget("postgres", f"{base}{sep}schema={schema}")
        try:
            yield target
        finally:
            for board in target.opened:
                board.close()
            _drop_schema(base, schema)
        return
    for board in target.opened:
        board.close()
