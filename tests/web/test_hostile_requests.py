"""Bounded work per request (issue 18, part 3): page keys within every backend's integers,
uploads read with limits (JSON by default, YAML only when asked for), and slow clients cut
off, over a real uvicorn server on loopback."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import yaml

from core.helpers import OPENS, manifest
from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock
from referendum.crypto.random import DeterministicRandom
from referendum.record.event import MAX_HEIGHT
from referendum.web.app import create_app
from referendum.web.context import Limits, WebContext
from referendum.web.documents import INLINE_MAX_BYTES
from referendum.web.security import TimedHttpProtocol

from .browser import _free_port
from .conftest import ORGANISER, Served, TestClient, accounts, bearer

PAGED = ("/api/ballots", "/api/rejections", "/api/events", "/ballots", "/rejections")


@pytest.mark.parametrize("path", PAGED)
def test_page_keys_beyond_any_backend_are_refused_and_the_largest_height_is_empty(
    served: Served, path: str
) -> None:
    """SQLite's integers are 64-bit, PostgreSQL's bigint too: a page key past 2**53 - 1 (the
    largest height an event can have) is refused with the parameter named, never a 500."""
    for after in (2**63 - 1, 2**63, 2**64, 10**30):
        r = served.client.get(path, params={"after": str(after)})
        assert r.status_code == 422, (after, r.text[:200])
        if path.startswith("/api/"):
            assert r.json()["field"] == "query.after" and "9007199254740991" in r.json()["reason"]
    r = served.client.get(path, params={"after": str(MAX_HEIGHT)})
    assert r.status_code == 200
    if path in ("/api/ballots", "/api/rejections"):
        assert r.json()["next_after"] is None and not next(iter(r.json().values()))
    assert served.client.get(path, params={"after": "-2"}).status_code == 422


@pytest.fixture
def empty(board: BulletinBoard) -> TestClient:
    """The app over an empty board, the day before voting."""
    clock = SteppingClock(OPENS - dt.timedelta(days=1))
    ctx = WebContext(board=board, accounts=accounts(), clock=clock, rng=DeterministicRandom(b"h"))
    return TestClient(create_app(ctx))


YAML_TYPE = {**bearer(ORGANISER), "Content-Type": "application/yaml"}
JSON_TYPE = {**bearer(ORGANISER), "Content-Type": "application/json"}
XML_TYPE = {**bearer(ORGANISER), "Content-Type": "application/xml"}


MANIFEST, CREDENTIALS = "/api/organiser/manifest", "/api/organiser/credentials"


@pytest.mark.parametrize(
    ("path", "body", "headers", "words"),
    [
        (MANIFEST, b"[" * 100_000 + b"]" * 100_000, JSON_TYPE, "nested deeper than 32"),
        (MANIFEST, b'{"id":' * 50_000 + b"1" + b"}" * 50_000, JSON_TYPE, "nested deeper than 32"),
        (MANIFEST, b'{"id":"a","id":"b"}', JSON_TYPE, "duplicate key"),
        (MANIFEST, b'{"id":NaN}', JSON_TYPE, "NaN"),
        (MANIFEST, b'{"id":"\xff"}', JSON_TYPE, "UTF-8"),
        (MANIFEST, b"id: test\n", JSON_TYPE, "not valid JSON"),  # YAML, sent as JSON
        (MANIFEST, b"[" * 100_000 + b"]" * 100_000, YAML_TYPE, "YAML"),
        (MANIFEST, b"- " * 50_000 + b"1", YAML_TYPE, "nested too deeply"),
        (MANIFEST, b"a: &x [1, 2]\nb: *x\n", YAML_TYPE, "aliases"),
        (MANIFEST, b"title: [", YAML_TYPE, "not valid YAML"),
        (MANIFEST, b"# " * (5 * 1024 * 1024), YAML_TYPE, "larger than 8 MiB"),
        (
            MANIFEST,
            b"<manifest/>",
            {**bearer(ORGANISER), "Content-Type": "application/xml"},
            "yaml",
        ),
        (CREDENTIALS, b"[" * 100_000 + b"]" * 100_000, JSON_TYPE, "nested deeper than 32"),
        (CREDENTIALS, b'{"region":"a","region":"b"}', JSON_TYPE, "duplicate key"),
        (CREDENTIALS, b"region: east\n", {**bearer(ORGANISER)}, "not JSON"),  # YAML unasked
        (CREDENTIALS, b"- " * 50_000 + b"1", YAML_TYPE, "YAML nested deeper than 32"),
        (CREDENTIALS, b"a: &x [1, 2]\nb: *x\n", YAML_TYPE, "aliases"),
        (CREDENTIALS, b"region: [", YAML_TYPE, "not YAML"),
        (CREDENTIALS, b"# " * (3 * 1024 * 1024), YAML_TYPE, "send larger ones as JSON"),
    ],
)
def test_a_crafted_upload_is_refused_with_its_reason(
    empty: TestClient, path: str, body: bytes, headers: dict[str, str], words: str
) -> None:
    r = empty.post(path, content=body, headers=headers)
    assert r.status_code in (400, 404, 409), r.text[:300]
    assert words in r.json()["reason"], r.json()
    assert empty.get("/api/referendum").json() == {"phase": "empty"}


def test_yaml_is_read_where_asked_for(empty: TestClient) -> None:
    payload = manifest().to_payload()
    text = yaml.safe_dump(payload).encode()
    assert empty.post("/api/organiser/manifest", content=text, headers=JSON_TYPE).status_code == 400
    r = empty.post("/api/organiser/manifest", content=text, headers=YAML_TYPE)
    assert r.status_code == 201, r.text
    assert empty.get("/api/referendum").json()["manifest"] == payload


def test_a_large_hostile_upload_is_read_in_another_process(empty: TestClient) -> None:
    """Over INLINE_MAX_BYTES, the document is read and checked in the parsing process: a
    credential list of 40,000 unexpected members is refused there, with the member named."""
    members = b",".join(b'"k%06d":1' % i for i in range(40_000))
    body = b"{" + members + b"}"
    assert len(body) > INLINE_MAX_BYTES
    r = empty.post("/api/organiser/manifest", content=body, headers=JSON_TYPE)
    assert r.status_code == 400 and r.json()["field"] in ("id", "k000000"), r.json()
    r = empty.post("/api/organiser/credentials", content=body, headers=JSON_TYPE)
    assert r.status_code == 400, r.json()
    nested = b"[" * 200_000 + b"]" * 200_000
    r = empty.post("/api/organiser/credentials", content=nested, headers=JSON_TYPE)
    assert r.status_code == 400 and "nested deeper than 32" in r.json()["reason"]


class _QuickHeaders(TimedHttpProtocol):
    header_seconds = 1.0


@contextmanager
def _serving(served: Served) -> Iterator[int]:
    """The app on loopback with 1 s for headers and 1 s for a body."""
    import uvicorn

    served.ctx.limits = Limits(body_seconds=1.0, cast_burst=1000)
    port = _free_port()
    config = uvicorn.Config(
        create_app(served.ctx),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        http=_QuickHeaders,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _drip(port: int, parts: list[bytes], pause: float, out: dict[int, Any], key: int) -> None:
    """Send ``parts`` with ``pause`` seconds between them; note the answer and how long the
    server kept the connection."""
    start = time.monotonic()
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            for part in parts:
                sock.sendall(part)
                time.sleep(pause)
        except OSError:
            pass  # closed by the server: what we expect
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
    out[key] = (answer, time.monotonic() - start)


def test_slow_headers_and_slow_bodies_are_cut_off(served: Served) -> None:
    """Forty clients over loopback, half sending their headers a byte every 0.1 s, half a
    body a byte every 0.1 s: each gets 408 and its connection closed within seconds, and
    the server answers a normal request meanwhile."""
    body = b'{"election":"' + b"0" * 200 + b'"}'
    head = (
        b"POST /api/ballots HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n" % len(body)
    )
    slow_headers = [head[i : i + 1] for i in range(len(head))]
    slow_body = [head] + [body[i : i + 1] for i in range(len(body))]
    out: dict[int, Any] = {}
    with _serving(served) as port:
        threads = [
            threading.Thread(
                target=_drip, args=(port, slow_headers if k % 2 else slow_body, 0.1, out, k)
            )
            for k in range(40)
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /api/referendum HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        for thread in threads:
            thread.join(30)
    assert len(out) == 40
    for k, (answer, held) in out.items():
        assert answer.startswith(b"HTTP/1.1 408"), (k, answer[:200])
        assert b"too_slow" in answer
        assert held < 5, (k, held)  # the whole drip would take 15 to 25 s
    assert served.setup.board.count("ballot.rejected") == 0  # never judged: nothing logged
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["field"] in ("headers", "body")
