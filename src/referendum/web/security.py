"""HTTP hardening: security headers, request body limits, per-client rate limits, CSRF.

* Every response carries a strict Content-Security-Policy (scripts and styles from this
  origin only, no inline script, no third-party origin, ``frame-ancestors 'none'``),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and
  ``X-Frame-Options: DENY``.
* Request bodies are limited per path (``Content-Length`` checked first, then the stream
  counted): a larger body gets 413 without being read.
* Slow clients are cut off: the request line and headers must arrive within
  :data:`HEADER_SECONDS` of the connection (or of the previous response) or the connection is
  closed with 408 (:class:`TimedHttpProtocol`, the HTTP protocol ``referendum serve`` runs);
  a body must arrive within its time (:class:`BodyDeadline`) or the request gets 408.
* Casting is rate limited per client address with a token bucket on an injected clock.
* Forms that change state carry a CSRF token (double submit: a random cookie and the same
  value in the form), compared in constant time.  The JSON API takes no cookies for
  authority: it authenticates by bearer token or by the ballot's own signature, and insists
  on ``application/json``, which a cross-site form cannot send.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import re
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from referendum.record.manifest import Manifest

__all__ = [
    "CSP",
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "HEADER_SECONDS",
    "BodyDeadline",
    "BodyLimit",
    "RateLimiter",
    "SecurityHeaders",
    "TimedHttpProtocol",
    "csrf_ok",
    "manifest_origins",
    "refuse_body",
    "security_headers",
    "send_json",
]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")
CSRF_COOKIE = "referendum_csrf"
CSRF_FIELD = "csrf_token"

_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response; ``connect``
    gives the origins the pages may fetch from besides their own (the witnesses the
    manifest names: the booth fetches their cosigned checkpoints)."""

    def __init__(self, app: ASGIApp, *, connect: Callable[[], Sequence[str]] = tuple) -> None:
        self.app = app
        self.connect = connect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        extra = security_headers(self.connect())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] not in dict(_HEADERS)]
                message = {**message, "headers": [*headers, *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def manifest_origins(manifest: Manifest) -> list[str]:
    """The origins of the witnesses ``manifest`` names (the booth fetches their cosigned
    checkpoints after casting), sorted."""
    if manifest.witnesses is None:
        return []
    out = set()
    for member in manifest.witnesses.members:
        parts = urlsplit(member.url)
        out.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(out)


def security_headers(connect: Sequence[str] = ()) -> tuple[tuple[bytes, bytes], ...]:
    """The security headers of every response, the pages allowed to fetch from the origins
    ``connect`` besides their own (those that are not plain origins are left out)."""
    origins = [o for o in connect if _ORIGIN.fullmatch(o)]
    if not origins:
        return _HEADERS
    csp = CSP.replace("connect-src 'self'", "connect-src 'self' " + " ".join(origins))
    return ((b"content-security-policy", csp.encode()), *_HEADERS[1:])


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit_for(path)`` bytes with 413."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await _too_large(send, limit)
                    return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        await _refusing(
            self.app, scope, counted_receive, send, _TooLarge, lambda: _too_large(send, limit)
        )


async def _refusing(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    error: type[Exception],
    refuse: Callable[[], Awaitable[None]],
) -> None:
    """Run ``app``; when it raises ``error`` (from ``receive``) before its answer started,
    send ``refuse()``'s answer instead."""
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, receive, tracking_send)
    except error:
        if not started:
            await refuse()


async def _too_large(send: Send, limit: int) -> None:
    await refuse_body(send, 413, "oversize", f"the request body exceeds {limit} bytes")


async def refuse_body(send: Send, status: int, error: str, reason: str) -> None:
    """Answer ``status`` with a JSON error about the body and close the connection (the rest
    of the body is not read)."""
    answer = {"error": error, "field": "body", "reason": reason}
    await send_json(send, status, answer, ((b"connection", b"close"), *_HEADERS))


async def send_json(
    send: Send, status: int, answer: Any, headers: Sequence[tuple[bytes, bytes]]
) -> None:
    """Send ``answer`` as the JSON body of a ``status`` response with ``headers`` (raw ASGI,
    for the middleware and the lean casting path)."""
    body = json.dumps(answer, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _TooSlow(Exception):
    pass


class BodyDeadline:
    """ASGI middleware giving a request ``seconds_for(path)`` seconds, from its headers, to
    send the whole of its body; a slower one gets 408 and its connection closes."""

    def __init__(self, app: ASGIApp, *, seconds_for: Callable[[str], float]) -> None:
        self.app = app
        self.seconds_for = seconds_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            # no body to wait for: a slow answer (a record's archive waited for) is not timed
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds_for(scope["path"])
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:  # after the body: waiting for a disconnect is not bounded here
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise _TooSlow from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        await _refusing(
            self.app,
            scope,
            timed_receive,
            send,
            _TooSlow,
            lambda: refuse_body(send, 408, "too_slow", "the request body did not arrive in time"),
        )


def _has_body(scope: Scope) -> bool:
    """Whether the request's headers announce a body (a length above 0, or chunks)."""
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


HEADER_SECONDS = 10.0
"""Seconds a client has to send a request's line and headers (from the connection, or from
the previous response on a kept-alive connection)."""

_SLOW_HEADERS = json.dumps(
    {"error": "too_slow", "field": "headers", "reason": "the request headers were too slow"}
).encode()
_TIMEOUT_408 = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
    + f"content-length: {len(_SLOW_HEADERS)}\r\n\r\n".encode()
    + _SLOW_HEADERS
)


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol (httptools) with a time limit on the request line and
    headers (:attr:`header_seconds`), which uvicorn does not have: a client that opens
    connections and sends its headers a byte at a time (slowloris) is answered 408 and cut
    off instead of holding a connection for ever."""

    header_seconds: float = HEADER_SECONDS

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_seconds, self._headers_too_slow)

    def _cancel_header_timer(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.write(_TIMEOUT_408)
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)


@dataclass
class RateLimiter:
    """A token bucket per client: ``burst`` requests at once, refilled at ``rate`` per second.

    ``clock`` returns seconds (monotonic); injected so that tests are deterministic.
    """

    rate: float
    burst: int
    clock: Callable[[], float]
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, client: str) -> float:
        """Take one token for ``client``: 0 if allowed, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                if len(self._buckets) > 100_000:
                    self._forget_full(now)
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1 - tokens) / self.rate if self.rate > 0 else float("inf")

    def _forget_full(self, now: float) -> None:
        full = [
            c
            for c, (t, last) in self._buckets.items()
            if t + (now - last) * self.rate >= self.burst
        ]
        for client in full:
            del self._buckets[client]


def csrf_ok(cookie: str | None, submitted: str | None) -> bool:
    """Whether a form's CSRF token matches its cookie (both present, equal)."""
    if not cookie or not submitted or len(cookie) < 16:
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())
