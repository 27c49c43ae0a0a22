"""``create_app``: the FastAPI application over one board."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from referendum.errors import (
    BallotRejected,
    HeadMovedError,
    InputError,
    PhaseError,
    RecordError,
    ReferendumError,
)
from referendum.web import api, pages
from referendum.web.context import WebContext
from referendum.web.security import BodyLimit, SecurityHeaders

__all__ = ["ENV_SETTINGS", "STATIC", "app_from_environment", "create_app", "error_status"]

STATIC = Path(__file__).parent / "static"
_log = logging.getLogger("referendum.web")
ENV_SETTINGS = "REFERENDUM_WEB_SETTINGS"
"""The environment variable through which ``referendum serve --workers N`` hands its
settings (JSON: db, tokens, limits, workers, secure_cookies) to each worker process."""


def error_status(exc: ReferendumError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body of an error from the services."""
    if isinstance(exc, BallotRejected):
        return api.REJECTION_STATUS.get(exc.code, 400), {
            "error": exc.code,
            "field": exc.field,
            "reason": exc.reason,
        }
    if isinstance(exc, InputError):
        return 400, {"error": "bad_input", "field": exc.field, "reason": exc.reason}
    if isinstance(exc, PhaseError):
        return 409, {"error": "wrong_phase", "field": "phase", "reason": str(exc)}
    if isinstance(exc, RecordError):
        return 404, {"error": "no_referendum", "field": "board", "reason": str(exc)}
    if isinstance(exc, HeadMovedError):
        return 503, {"error": "busy", "field": "board", "reason": str(exc)}
    return 400, {"error": "refused", "field": "request", "reason": str(exc)}


def create_app(ctx: WebContext) -> FastAPI:
    """The web application: API under ``/api``, pages, the booth's static files."""
    app = FastAPI(
        title="referendum",
        summary="A verifiable referendum's bulletin board, voting booth and organiser pages",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx

    @app.exception_handler(ReferendumError)
    async def _referendum_error(request: Request, exc: ReferendumError) -> Response:
        status, body = error_status(exc)
        # only the error's class and status are logged: reasons may quote user input
        _log.info("%s %s -> %d %s", request.method, request.url.path, status, type(exc).__name__)
        if request.url.path.startswith("/api/"):
            return JSONResponse(body, status_code=status)
        return pages.error_page(request, status, body)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, dict) else {"error": str(exc.detail)}
        if request.url.path.startswith("/api/"):
            return JSONResponse(detail, status_code=exc.status_code, headers=exc.headers)
        return pages.error_page(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        body = {
            "error": "bad_input",
            "field": ".".join(str(p) for p in first.get("loc", ())),
            "reason": str(first.get("msg", "invalid request")),
        }
        if request.url.path.startswith("/api/"):
            return JSONResponse(body, status_code=422)
        return pages.error_page(request, 422, body)

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def limit_for(path: str) -> int:
        if path.startswith(("/api/organiser/", "/organiser/")):
            return ctx.limits.upload
        return ctx.limits.body

    app.add_middleware(BodyLimit, limit_for=limit_for)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``referendum serve --workers N`` (settings from
    :data:`ENV_SETTINGS`)."""
    import json
    import os

    from referendum.board.open import open_board
    from referendum.web.auth import Accounts
    from referendum.web.context import Limits

    settings = json.loads(os.environ[ENV_SETTINGS])
    ctx = WebContext(
        board=open_board(settings["db"]),
        accounts=Accounts.load(Path(settings["tokens"])),
        limits=Limits(**settings["limits"]),
        workers=int(settings["verify_workers"]),
        secure_cookies=bool(settings["secure_cookies"]),
    )
    return create_app(ctx)
