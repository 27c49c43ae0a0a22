"""Options and helpers shared by the role commands."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.errors import InputError

__all__ = ["DbOption", "board_at", "read_json", "write_secret_json"]

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="REFERENDUM_DB",
        help="The board: a SQLite path (default), sqlite:///path or postgresql://... URL.",
    ),
]
DEFAULT_DB = "referendum.sqlite"


@contextmanager
def board_at(db: str) -> Iterator[BulletinBoard]:
    """Open the board named by ``--db`` and close it afterwards."""
    board = open_board(db)
    try:
        yield board
    finally:
        board.close()


def read_json(path: Path, *, what: str) -> Any:
    """Read a JSON file, naming it on error."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read the {what}: {exc.strerror}") from None
    except ValueError as exc:
        raise InputError(str(path), f"the {what} is not valid JSON: {exc}") from None


def write_secret_json(path: Path, data: Any) -> None:
    """Write a file only its owner can read (keys and private credentials)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
