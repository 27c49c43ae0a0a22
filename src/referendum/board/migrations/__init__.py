"""Numbered schema migrations, one directory per SQL dialect.

Files are named ``NNNN_name.sql`` (``0001_events.sql``); a backend applies, in one transaction
each and in order, those whose number is not yet in its ``schema_migrations`` table, and records
them there.  A migration is never edited once released: changes go in a new number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from referendum.errors import BoardError

__all__ = ["Dialect", "Migration", "load_migrations"]

Dialect = Literal["sqlite", "postgres"]

_NAME_RE = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration: its number, name and SQL text."""

    version: int
    name: str
    sql: str


def load_migrations(dialect: Dialect) -> list[Migration]:
    """The migrations of ``dialect``, ascending by number (numbers must be 1, 2, 3...)."""
    folder = resources.files(__name__).joinpath(dialect)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME_RE.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise BoardError(f"{dialect} migrations are not numbered 1..n: {found}")
    return found
