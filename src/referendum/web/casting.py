"""Casting over HTTP, ``POST /api/ballots``: the busiest route, answered by a lean path.

:class:`CastRoute` is an ASGI middleware, outermost in the application (in front of
everything FastAPI wraps a request in: ``web/app.py``, ``ReferendumApp``), that answers
``POST /api/ballots`` itself and hands every other request on (to the access log, which never
sees a ballot cast: ``web/access_log.py``).  It does what the FastAPI
route and the middleware around it would (the same answers: 415 unless the body is
``application/json``, 429 with ``Retry-After`` over the address's rate, 413 over the body
limit, 408 for a body that does not arrive in time, the security headers, refusals
logged without their reasons), without dependency injection, a threadpool hop per request,
or a middleware stack that wraps the body and the answer at every layer.  The FastAPI
route (``web/api.py``) documents the operation in the OpenAPI schema and runs the same
:func:`cast_answer`.

:class:`CastBatcher` is the group commit: a submission that arrives while a batch is being
cast waits on the event loop, and everything that queued meanwhile is cast together, in an
executor thread, by :func:`~referendum.services.ingest.cast_many` (one batch verification of
the signatures and proofs, one transaction for the events, each receipt signed).  Each
request gets its own outcome; only an error of the board itself (unreachable, too busy)
answers every request of that batch.  ``depth`` batches may be cast at once (the decisions
are made in the board's writer turn, so that batches in flight never decide on the same
head); one is the default, as two measured worse on both backends (docs/performance.md:
smaller batches, and two casting threads and the event loop contending for the GIL).
Several server processes (``serve --workers N``) each
batch their own requests and append to one board: :func:`cast_many` appends at the head it
read and decides again when another process moved it meanwhile.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from referendum.errors import BallotRejected, ReferendumError, UnjudgedSubmission
from referendum.record.manifest import Manifest
from referendum.services.ingest import Outcome, Receipt, cast_many
from referendum.web.context import WebContext
from referendum.web.errors import error_status, log_refusal
from referendum.web.security import manifest_origins, refuse_body, security_headers, send_json

__all__ = ["PATH", "CastBatcher", "CastRoute", "cast_answer"]

PATH = "/api/ballots"
Headers = tuple[tuple[bytes, bytes], ...]
Answer = tuple[int, dict[str, Any], Headers]
"""A status, its JSON body and the headers to send with it (besides the content's)."""


class CastBatcher:
    """Group commit of submissions on the event loop (see the module's docstring): ``cast``
    casts a batch of bodies (in an executor thread, ``depth`` batches at once) and returns
    each body's outcome, with the security headers of the referendum it was cast in."""

    def __init__(
        self,
        cast: Callable[[list[bytes]], tuple[list[Outcome], Headers]],
        *,
        max_batch: int = 256,
        depth: int = 1,
    ) -> None:
        self._cast = cast
        self.max_batch = max_batch
        # batches cast at once, each in a thread of its own (see the module's docstring)
        self.depth = depth
        self.batches = 0
        self.largest = 0
        self._pending: list[tuple[bytes, asyncio.Future[tuple[Outcome, Headers]]]] = []
        self._running = 0
        self._executor: ThreadPoolExecutor | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def cast(self, body: bytes) -> tuple[Outcome, Headers]:
        """The outcome of casting ``body`` (a :class:`Receipt`, or the refusal it was logged
        with, or :class:`UnjudgedSubmission`); raises the board's own error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[Outcome, Headers]] = loop.create_future()
        self._pending.append((body, future))
        if self._running < self.depth:
            self._running += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.depth, thread_name_prefix="cast")
        try:
            while self._pending:
                batch = self._pending[: self.max_batch]
                del self._pending[: len(batch)]
                self.batches += 1
                self.largest = max(self.largest, len(batch))
                try:
                    outcomes, headers = await loop.run_in_executor(
                        self._executor, self._cast, [body for body, _ in batch]
                    )
                except Exception as exc:  # every request of the batch learns why it failed
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():  # its client may have gone (cancelled)
                        future.set_result((outcome, headers))
        finally:
            self._running -= 1

    def close(self) -> None:
        """Stop the executor threads (after the batches they run, if any); a later cast starts
        another."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def context_caster(ctx: WebContext) -> Callable[[list[bytes]], tuple[list[Outcome], Headers]]:
    """Cast a batch on ``ctx``'s board with its state cache and receipt signer; the headers
    are those of the referendum's witnesses (the booth fetches their cosignatures)."""
    origins: dict[int, Headers] = {}

    def cast(bodies: list[bytes]) -> tuple[list[Outcome], Headers]:
        state = ctx.state()
        outcomes = cast_many(ctx.board, bodies, ctx.clock, state=state, signer=ctx.casts.signer)
        return outcomes, _headers_of(origins, state.manifest)

    return cast


def _headers_of(cache: dict[int, Headers], manifest: Manifest) -> Headers:
    found = cache.get(id(manifest))
    if found is None:
        cache.clear()  # one manifest for the life of the server; keep none but the last
        found = cache[id(manifest)] = security_headers(manifest_origins(manifest))
    return found


async def cast_answer(
    ctx: WebContext,
    batcher: CastBatcher,
    *,
    content_type: str,
    client: str,
    body: Callable[[], Awaitable[bytes]],
) -> Answer:
    """The answer to a casting request: ``content_type`` its header, ``client`` its address,
    ``body`` reads its body (and may raise the body's own refusals)."""
    if content_type.split(";")[0].strip().lower() != "application/json":
        return (
            415,
            {
                "error": "unsupported_media_type",
                "field": "content-type",
                "reason": "send the submission as application/json",
            },
            security_headers(),
        )
    wait = ctx.limiter.allow(client)
    if wait:
        return (
            429,
            {
                "error": "rate_limited",
                "field": "client",
                "reason": "too many ballots from this address; try again shortly",
            },
            ((b"retry-after", str(max(1, math.ceil(wait))).encode()), *security_headers()),
        )
    data = await body()
    try:
        outcome, headers = await batcher.cast(data)
    except ReferendumError as exc:
        status, answer = error_status(exc)
        log_refusal("POST", PATH, status, exc)
        return status, answer, security_headers()
    if isinstance(outcome, BallotRejected):
        status, answer = error_status(outcome)
        log_refusal("POST", PATH, status, outcome)
        return status, {**answer, "receipt": outcome.receipt}, headers
    if isinstance(outcome, UnjudgedSubmission):
        status, answer = error_status(outcome)
        log_refusal("POST", PATH, status, outcome)
        return status, answer, headers
    return receipt_answer(outcome, headers)


def receipt_answer(receipt: Receipt, headers: Headers) -> Answer:
    """201 with the receipt of an accepted ballot; 200 with it again for a resend (nothing
    new was appended)."""
    signed = receipt.signed
    answer = {
        "tracking_code": receipt.tracking_code,
        "replaces": receipt.replaces,
        "event": receipt.event_hash,
        "height": receipt.height,
        "receipt": None if signed is None else signed.to_json(),
        "short_code": None if signed is None else signed.short_code,
        "resent": receipt.resent,
    }
    return (200 if receipt.resent else 201), answer, headers


class _Gone(Exception):
    """The client went away before its body was all there."""


class _BodyRefused(Exception):
    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason


class CastRoute:
    """ASGI middleware answering ``POST /api/ballots`` (see the module's docstring) and
    handing every other request to ``app``."""

    def __init__(self, app: ASGIApp, *, ctx: WebContext, batcher: CastBatcher) -> None:
        self.app = app
        self.ctx = ctx
        self.batcher = batcher

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        content_type, declared = "", None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"content-length":
                declared = value
        limit = self.ctx.limits.body
        if declared is not None and not _within(declared, limit):
            await refuse_body(send, 413, "oversize", f"the request body exceeds {limit} bytes")
            return
        client = scope.get("client")
        try:
            status, answer, headers = await cast_answer(
                self.ctx,
                self.batcher,
                content_type=content_type,
                client=client[0] if client else "unknown",
                body=lambda: _read_body(receive, limit, self.ctx.limits.body_seconds),
            )
        except _BodyRefused as refused:
            await refuse_body(send, refused.status, refused.error, refused.reason)
            return
        except _Gone:
            return  # nobody to answer; nothing was cast
        await send_json(send, status, answer, headers)


def _within(declared: bytes, limit: int) -> bool:
    try:
        return int(declared) <= limit
    except ValueError:
        return False


async def _read_body(receive: Receive, limit: int, seconds: float) -> bytes:
    """The request's body: 413 over ``limit`` bytes, 408 when it is not all there within
    ``seconds`` (of the headers)."""
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            while True:
                message: Message = await receive()
                if message["type"] != "http.request":
                    raise _Gone
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise _BodyRefused(413, "oversize", f"the request body exceeds {limit} bytes")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise _BodyRefused(408, "too_slow", "the request body did not arrive in time") from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)
