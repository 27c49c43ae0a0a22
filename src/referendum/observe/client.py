"""GET requests to a board's (or a witness's) public HTTP API, with bounded answers.

Errors are :class:`~referendum.errors.RecordError` naming the URL and what went wrong (no
answer, an HTTP status, a body too large, a body that is not the JSON asked for); a URL
never carries a secret, so it may be named.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Final, Protocol

from referendum.errors import RecordError

__all__ = ["MAX_BODY", "Fetch", "fetch", "get_json", "url_of"]

MAX_BODY: Final = 64 * 1024 * 1024
"""The largest answer read (a page of events, a proof, a checkpoint)."""

_TIMEOUT: Final = 30.0


class Fetch(Protocol):
    """How a GET is made: ``(url) -> (status, body)`` (injected in tests)."""

    def __call__(self, url: str) -> tuple[int, bytes]: ...


def fetch(url: str) -> tuple[int, bytes]:
    """GET ``url``: its status and body (at most :data:`MAX_BODY` bytes)."""
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
            body: bytes = response.read(MAX_BODY + 1)
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        body = exc.read(64 * 1024) if exc.fp is not None else b""
        return exc.code, body
    except urllib.error.URLError as exc:
        raise RecordError(f"{url}: cannot be reached ({exc.reason})") from None
    except (TimeoutError, OSError) as exc:
        raise RecordError(f"{url}: no answer ({exc})") from None
    if len(body) > MAX_BODY:
        raise RecordError(f"{url}: the answer is larger than {MAX_BODY} bytes")
    return status, body


def url_of(base: str, path: str, **query: object) -> str:
    """``base`` (a board's address) joined with ``path`` and the query ``query``."""
    url = base.rstrip("/") + path
    if query:
        url += "?" + urllib.parse.urlencode({k: str(v) for k, v in query.items()})
    return url


def get_json(url: str, *, get: Fetch = fetch) -> Any:
    """The JSON answer of a GET (status 200), or :class:`RecordError` saying why not."""
    status, body = get(url)
    if status != 200:
        raise RecordError(f"{url}: HTTP {status} {_reason(body)}".rstrip())
    try:
        return json.loads(body)
    except ValueError:
        raise RecordError(f"{url}: the answer is not JSON") from None


def _reason(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict) and isinstance(data.get("reason"), str):
        return f"({data.get('field')}: {data['reason'][:200]})"
    return ""
