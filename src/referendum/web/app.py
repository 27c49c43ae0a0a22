"""``create_app``: the FastAPI application over one board."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from referendum.errors import ReferendumError
from referendum.web import actions, pages
from referendum.web.access_log import AccessLog
from referendum.web.api import router as api_router
from referendum.web.casting import CastBatcher, CastRoute, context_caster
from referendum.web.context import WebContext
from referendum.web.errors import error_status, log_refusal
from referendum.web.exports import Exports
from referendum.web.openapi import truthful_openapi
from referendum.web.security import BodyDeadline, BodyLimit, SecurityHeaders, manifest_origins

__all__ = [
    "ENV_SETTINGS",
    "STATIC",
    "ReferendumApp",
    "app_from_environment",
    "checkpoint_interval",
    "create_app",
    "witness_origins",
]

_log = logging.getLogger("referendum.web")

STATIC = Path(__file__).parent / "static"
ENV_SETTINGS = "REFERENDUM_WEB_SETTINGS"
"""The environment variable through which ``referendum serve --workers N`` hands its
settings (JSON: db, tokens, limits, workers, secure_cookies, the board key's file) to each
worker process."""


def checkpoint_interval(seconds: float) -> float:
    """How often the server looks whether a checkpoint is due, for a policy of ``seconds``:
    a quarter of it (so a log that has grown is checkpointed at most 1.25 ``seconds`` after
    the last checkpoint, even when nobody appends or asks), within 0.05 s and 5 s."""
    return min(max(seconds / 4, 0.05), 5.0)


async def _checkpoint_ticker(ctx: WebContext) -> None:
    """Publish the checkpoints the policy's time rule makes due, while the server runs."""
    while ctx.publisher is not None:
        await asyncio.sleep(checkpoint_interval(ctx.publisher.policy.seconds))
        try:
            await run_in_threadpool(ctx.checkpoint_if_due)
        except Exception as exc:  # the next tick tries again; the server keeps serving
            _log.warning("checkpoint not published: %s", type(exc).__name__)


SCHEDULE_INTERVAL = 1.0
"""How often a server run with ``--schedule`` looks whether voting is due to open or close."""


async def _schedule_ticker(ctx: WebContext) -> None:
    """Open and close voting at the manifest's times, while the server runs."""
    while ctx.schedule:
        await asyncio.sleep(SCHEDULE_INTERVAL)
        try:
            done = await run_in_threadpool(actions.scheduled_step, ctx)
        except Exception as exc:  # another process did it first, or the board is busy
            _log.warning("scheduled step not taken: %s", type(exc).__name__)
            continue
        if done is not None:
            _log.info("scheduled step: voting %s", "opened" if done == "open" else "closed")


def create_app(ctx: WebContext) -> FastAPI:
    """The web application: API under ``/api``, pages, the booth's static files.

    While it runs (its lifespan), a background task publishes the checkpoints that fall due
    by time (``docs/spec/log.md`` section 3.3); those due by count or by a phase change are
    published at the append itself.  The record's archives and the verifier's report are
    built in background threads (``web/exports.py``), stopped and removed at the end."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        exports.open()
        tickers = []
        if ctx.publisher is not None:
            tickers.append(asyncio.create_task(_checkpoint_ticker(ctx)))
        if ctx.schedule:
            tickers.append(asyncio.create_task(_schedule_ticker(ctx)))
        try:
            yield
        finally:
            batcher.close()
            exports.close()
            for ticker in tickers:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker

    app = ReferendumApp(
        lifespan=lifespan,
        title="referendum",
        summary="A verifiable referendum's bulletin board, voting booth and organiser pages",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    batcher = app.state.batcher = CastBatcher(context_caster(ctx))
    exports = app.state.exports = Exports(ctx)  # the record's archives and report, built apart
    app.openapi = truthful_openapi(app)  # type: ignore[method-assign]

    @app.exception_handler(ReferendumError)
    async def _referendum_error(request: Request, exc: ReferendumError) -> Response:
        status, body = error_status(exc)
        log_refusal(request.method, request.url.path, status, exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse(body, status_code=status)
        return pages.error_page(request, status, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # a route's refusal (FastAPI's HTTPException) or the router's own 404 and 405
        detail = exc.detail if isinstance(exc.detail, dict) else _plain_error(exc.status_code)
        if exc.status_code in (401, 403, 413, 429):
            log_refusal(request.method, request.url.path, exc.status_code, exc)
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

    app.include_router(api_router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    def uploads(path: str) -> bool:
        return path.startswith(("/api/organiser/", "/organiser/"))

    def limit_for(path: str) -> int:
        return ctx.limits.upload if uploads(path) else ctx.limits.body

    def seconds_for(path: str) -> float:
        return ctx.limits.upload_seconds if uploads(path) else ctx.limits.body_seconds

    app.add_middleware(BodyLimit, limit_for=limit_for)
    app.add_middleware(BodyDeadline, seconds_for=seconds_for)
    app.add_middleware(CompressPages)
    app.add_middleware(SecurityHeaders, connect=lambda: witness_origins(ctx))
    app.front = CastRoute(AccessLog(app.fastapi_call), ctx=ctx, batcher=batcher)
    return app


class ReferendumApp(FastAPI):
    """The FastAPI application with the casting route and the access log in front of
    everything FastAPI wraps a request in (its telemetry, its error and exception
    middleware, the middleware added to it): ``POST /api/ballots``, the busiest route, is
    answered before any of them (``web/casting.py``), and the access log sees every other
    request as its client does."""

    front: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front is None:
            await self.fastapi_call(scope, receive, send)
        else:
            await self.front(scope, receive, send)

    async def fastapi_call(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI's own handling of a request."""
        await super().__call__(scope, receive, send)


class CompressPages:
    """ASGI middleware compressing pages and static files (the booth's script above all)
    with gzip for clients that accept it; the JSON API is left as it is (small answers on the
    casting path, and record archives that are compressed already)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/api/"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _plain_error(status: int) -> dict[str, Any]:
    """The body of an error the router raises itself (no route, or not its method)."""
    if status == 404:
        return {"error": "not_found", "field": "path", "reason": "no such page"}
    if status == 405:
        return {"error": "method_not_allowed", "field": "method", "reason": "not allowed here"}
    return {"error": "http", "field": "request", "reason": f"HTTP {status}"}


def witness_origins(ctx: WebContext) -> list[str]:
    """The origins of the witnesses the manifest names (the booth fetches their cosigned
    checkpoints after casting)."""
    if not ctx.has_referendum():
        return []
    return manifest_origins(ctx.state().manifest)


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``referendum serve --workers N`` (settings from
    :data:`ENV_SETTINGS`)."""
    import json
    import os

    from referendum.board.open import open_board
    from referendum.services.checkpoints import CheckpointPolicy
    from referendum.services.receipts import BoardKey
    from referendum.web.auth import Accounts
    from referendum.web.context import Limits

    settings = json.loads(os.environ[ENV_SETTINGS])
    key = BoardKey.from_json(json.loads(Path(settings["board_key"]).read_text(encoding="utf-8")))
    ctx = WebContext(
        board=open_board(settings["db"]),
        board_url=settings["db"],
        accounts=Accounts.load(Path(settings["tokens"])),
        limits=Limits(**settings["limits"]),
        workers=int(settings["verify_workers"]),
        secure_cookies=bool(settings["secure_cookies"]),
        board_key=key,
        checkpoint_policy=CheckpointPolicy(**settings.get("checkpoints", {})),
        schedule=bool(settings.get("schedule", False)),
    )
    return create_app(ctx)
