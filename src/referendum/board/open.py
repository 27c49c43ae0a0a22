"""``open_board``: a bulletin board from a URL or a path.

* ``memory:`` a fresh :class:`~referendum.board.memory.MemoryBoard`;
* ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (the part after
  ``sqlite:///`` is the path), or a plain path: :class:`~referendum.board.sqlite.SqliteBoard`;
* ``postgresql://user@host:port/db`` (or ``postgres://``), optionally with ``?schema=name``
  to keep the board's tables in that schema (default ``public``):
  :class:`~referendum.board.postgres.PostgresBoard`.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from referendum.board.protocol import BulletinBoard
from referendum.errors import InputError

__all__ = ["open_board", "split_schema"]


def open_board(url_or_path: str | os.PathLike[str]) -> BulletinBoard:
    """Open (creating if needed) the board that ``url_or_path`` names."""
    target = os.fspath(url_or_path)
    if target == "memory:":
        from referendum.board.memory import MemoryBoard

        return MemoryBoard()
    if target.startswith(("postgresql://", "postgres://")):
        from referendum.board.postgres import PostgresBoard

        conninfo, schema = split_schema(target)
        return PostgresBoard(conninfo, schema=schema)
    if target.startswith("sqlite:"):
        if not target.startswith("sqlite:///") or len(target) == len("sqlite:///"):
            raise InputError(
                "board", f"{target!r}: write sqlite:///relative.db or sqlite:////abs.db"
            )
        target = target[len("sqlite:///") :]
    elif "://" in target:
        raise InputError("board", f"{target!r}: unknown scheme (sqlite, postgresql or memory:)")
    from referendum.board.sqlite import SqliteBoard

    return SqliteBoard(target)


def split_schema(url: str) -> tuple[str, str]:
    """Split ``?schema=name`` off a PostgreSQL URL: (URL for libpq, schema or ``public``)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    if len(schemas) > 1:
        raise InputError("board", "give ?schema= at most once")
    rest = [(key, value) for key, value in query if key != "schema"]
    return urlunsplit(parts._replace(query=urlencode(rest))), (schemas[0] if schemas else "public")
