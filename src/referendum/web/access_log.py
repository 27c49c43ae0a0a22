"""The server's access log: one line per request, with nothing of a ballot's casting in it.

:class:`AccessLog` (ASGI middleware, inside the casting route) writes each request it
answers to the ``referendum.access`` logger, as uvicorn's own access log would (client
address, request line, status), and is the only access log of ``referendum serve``
(uvicorn's is off).  ``POST /api/ballots`` never reaches it: the casting route answers it
first, and logs only its refusals (``referendum.web``, without their reasons).  So the
server keeps no line that links a client's address and a moment to an accepted ballot,
whose timestamp the public board shows; paths and statuses only, never bodies, cookies or
tokens (no secret is ever in a URL).
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["LOGGER", "AccessLog", "log_config"]

LOGGER = "referendum.access"
_log = logging.getLogger(LOGGER)


class AccessLog:
    """ASGI middleware logging each HTTP request's line and status to :data:`LOGGER`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets when the app fails before it answers

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _log.info(*_line(scope, status))


def _line(scope: Scope, status: int) -> tuple[Any, ...]:
    """uvicorn's access line and its arguments (its access formatter colours them)."""
    client = scope.get("client")
    address = f"{client[0]}:{client[1]}" if client else "-"
    path = scope.get("root_path", "") + scope["path"]
    query = scope.get("query_string", b"")
    if query:
        path += "?" + query.decode("ascii", "replace")
    version = scope.get("http_version", "1.1")
    return '%s - "%s %s HTTP/%s" %d', address, scope["method"], path, version, status


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the project's loggers added: the access lines
    through uvicorn's access handler, and ``referendum.*`` (refusals, the checkpoint and
    schedule tasks) through its default handler."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"][LOGGER] = {"handlers": ["access"], "level": "INFO", "propagate": False}
    config["loggers"]["referendum"] = {"handlers": ["default"], "level": "INFO"}
    return config
