"""Observer tests run against the web tests' served referendum (SQLite; PostgreSQL too when
its URL is set)."""

from web.conftest import board, served

__all__ = ["board", "served"]
