"""The record's archives and the verifier's report are built in the background (issue 13,
part 9): the first request answers 503 with Retry-After and the build's progress, one build
runs per kind whatever the number of requests, the archive then served holds the record, a
stale value is served while a rebuild runs, and the texts come from the catalogues."""

from __future__ import annotations

import io
import re
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from board_targets import BoardTarget
from core.helpers import BOARD_KEY, ready_referendum
from referendum.board.protocol import BulletinBoard
from referendum.crypto.random import DeterministicRandom
from referendum.record.event import Event
from referendum.verify.record_verifier import verify_record
from referendum.web.app import create_app
from referendum.web.context import Limits, WebContext
from referendum.web.exports import PREPARING, RETRY_FAILED, Exports
from referendum.web.i18n import Translator, catalogue

from .conftest import TRUSTEES, FakeMonotonic, TestClient, accounts, bearer
from .test_web_api import ballot, post

BOUND = 60.0  # seconds a test waits for a condition at most (a loaded two-core machine)


class GatedBoard:
    """The real board, except that in an export's thread its ``events()`` stops after
    ``after`` events until the test opens the gate (then goes on, or fails with ``fail``)."""

    def __init__(self, board: BulletinBoard, after: int = 2) -> None:
        self._board = board
        self.after = after
        self.gate = threading.Event()
        self.reached = threading.Event()
        self.fail = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._board, name)

    def events(
        self, start: int = 0, types: Any = None, *, limit: int | None = None
    ) -> Iterator[Event]:
        inner = self._board.events(start, types, limit=limit)
        if not threading.current_thread().name.startswith("referendum-export"):
            yield from inner
            return
        for n, event in enumerate(inner):
            if n == self.after:
                self.reached.set()
                assert self.gate.wait(BOUND), "the test never opened the gate"
                if self.fail:
                    raise OSError("the disk is full")
            yield event

    def hold(self) -> None:
        self.gate.clear()
        self.reached.clear()

    def release(self) -> None:
        self.gate.set()


class Server:
    def __init__(
        self, board: BulletinBoard, *, interval: float = 0.0, url: str | None = None
    ) -> None:
        self.setup = ready_referendum(board)
        self.gated = GatedBoard(self.setup.board)
        self.gated.release()
        self.monotonic = FakeMonotonic()
        self.ctx = WebContext(
            board=self.gated,  # type: ignore[arg-type]
            board_url=url,
            accounts=accounts(),
            clock=self.setup.clock,
            monotonic=self.monotonic,
            rng=DeterministicRandom(b"background-export"),
            limits=Limits(export_interval=interval, export_wait=0.0, cast_burst=1000),
            board_key=BOARD_KEY,
        )
        self.app = create_app(self.ctx)
        self.client = TestClient(self.app)
        self.exports: Exports = self.app.state.exports

    def held_at_gate(self) -> None:
        """Wait until the running build stops at the gate."""
        assert self.gated.reached.wait(BOUND), "the build never reached the gate"

    def settle(self) -> None:
        assert self.exports.settle(BOUND), "the build did not finish"

    @property
    def head(self) -> str:
        head = self.setup.board.head()
        assert head is not None
        return head.hash


@pytest.fixture
def server(board: BulletinBoard) -> Iterator[Server]:
    made = Server(board)
    yield made
    made.gated.release()
    made.exports.close()


def _not_ready(response: Any, kind: str) -> dict[str, Any]:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    body: dict[str, Any] = response.json()
    assert body["error"] == "not_ready" and body["field"] == "record"
    assert body["progress"]["kind"] == kind
    return body


def _extracted(data: bytes, kind: str, where: Path) -> Path:
    if kind == "tar":
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(where, filter="data")
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(where)
    return where / "record"


@pytest.mark.parametrize(
    ("kind", "path"), [("tar", "/api/record.tar.gz"), ("zip", "/api/record.zip")]
)
def test_the_first_request_answers_503_then_the_archive_is_served(
    server: Server, kind: str, path: str, tmp_path: Path
) -> None:
    server.gated.hold()
    first = _not_ready(server.client.get(path), kind)
    assert first["reason"] == PREPARING
    server.held_at_gate()
    progress = _not_ready(server.client.get(path), kind)["progress"]
    height = server.setup.board.head().height  # type: ignore[union-attr]
    assert progress["phase"] == "exporting"
    assert progress["events_written"] == server.gated.after
    assert progress["events_total"] == height + 1
    assert server.exports.building(kind)  # type: ignore[arg-type]
    server.gated.release()
    server.settle()
    done = server.client.get(path)
    assert done.status_code == 200
    assert done.headers["X-Record-Head"] == server.head
    assert done.headers["X-Record-Events"] == str(height + 1)
    assert done.headers["X-Record-Rebuilding"] == "no"
    record = _extracted(done.content, kind, tmp_path)
    assert sorted(p.name for p in record.iterdir()) == [
        "checkpoints.jsonl",
        "events.jsonl",
        "record.json",
    ]
    assert len((record / "events.jsonl").read_bytes().splitlines()) == height + 1
    assert verify_record(record).verdict.value == "valid_so_far"  # no check fails
    assert server.exports.builds(kind) == 1  # type: ignore[arg-type]


def test_concurrent_requests_start_one_build(server: Server) -> None:
    server.gated.hold()
    answers: list[int] = []

    def ask() -> None:
        answers.append(server.client.get("/api/record.zip").status_code)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    assert answers == [503] * 8
    server.held_at_gate()
    assert server.exports.builds("zip") == 1
    assert server.exports.builds("tar") == 0  # each kind has its own job
    server.gated.release()
    server.settle()
    assert all(server.client.get("/api/record.zip").status_code == 200 for _ in range(3))
    assert server.exports.builds("zip") == 1  # the head did not move: nothing to rebuild


def test_a_stale_archive_is_served_while_a_rebuild_runs(board: BulletinBoard) -> None:
    server = Server(board, interval=60.0)
    try:
        server.client.get("/api/record.tar.gz")
        server.settle()
        old_head = server.head
        first = server.client.get("/api/record.tar.gz")
        assert first.status_code == 200 and first.headers["X-Record-Head"] == old_head
        first_path = server.exports.get("tar").value  # type: ignore[union-attr]
        assert post(server, ballot(server).submission).status_code == 201  # type: ignore[arg-type]
        assert server.head != old_head
        # within the interval: the same archive, no rebuild
        assert server.client.get("/api/record.tar.gz").content == first.content
        assert server.exports.builds("tar") == 1
        server.monotonic.now += 61
        server.gated.hold()
        stale = server.client.get("/api/record.tar.gz")
        assert stale.status_code == 200 and stale.content == first.content
        assert stale.headers["X-Record-Head"] == old_head
        assert stale.headers["X-Record-Rebuilding"] == "yes"
        server.held_at_gate()
        assert server.exports.builds("tar") == 2
        server.gated.release()
        server.settle()
        fresh = server.client.get("/api/record.tar.gz")
        assert fresh.headers["X-Record-Head"] == server.head
        assert fresh.content != first.content
        assert first_path.exists()  # the previous archive is kept a while
        assert post(server, ballot(server, index=1).submission).status_code == 201  # type: ignore[arg-type]
        server.monotonic.now += 61
        server.client.get("/api/record.tar.gz")
        server.settle()
        assert not first_path.exists()  # the one before the previous is removed
        assert server.exports.builds("tar") == 3
    finally:
        server.exports.close()
    assert not first_path.parent.parent.exists()  # closing removes every file


def test_the_report_and_the_page_are_prepared_in_the_background(server: Server) -> None:
    server.gated.hold()
    body = _not_ready(server.client.get("/api/verify"), "verify")
    server.held_at_gate()
    for lang in ("uk", "ru"):
        page = server.client.get(f"/verify?lang={lang}")
        assert page.status_code == 503 and int(page.headers["Retry-After"]) >= 1
        html = page.text
        texts = catalogue(lang)
        assert re.search(r"<h1>[^<]+</h1>", html)
        assert texts["verify.preparing"] in html and texts["problem.not_ready"] in html
        assert texts["export.phase.exporting"] in html
        assert f'href="/verify?lang={lang}"' in html  # reload by hand: no script, no refresh
        assert "http-equiv" not in html
        # the API's English reason is catalogued: an error page shows it in the language
        shown = Translator(lang).reason(body["reason"])
        assert shown.lang == lang and shown.text == texts["why.record_preparing"]
    assert server.exports.builds("verify") == 1
    server.gated.release()
    server.settle()
    report = server.client.get("/api/verify")
    assert report.status_code == 200 and report.json()["head"] == server.head
    assert report.json()["verdict"] == "valid_so_far"
    page = server.client.get("/verify")
    assert page.status_code == 200 and 'data-verdict="valid_so_far"' in page.text


def test_a_failed_build_is_tried_again_after_the_interval(board: BulletinBoard) -> None:
    server = Server(board, interval=30.0)
    try:
        server.gated.hold()
        server.gated.fail = True
        _not_ready(server.client.get("/api/record.zip"), "zip")
        server.held_at_gate()
        server.gated.release()
        server.settle()
        server.monotonic.now += 10
        failed = server.client.get("/api/record.zip")
        body = _not_ready(failed, "zip")
        assert body["reason"] == RETRY_FAILED and body["progress"]["phase"] == "failed"
        assert failed.headers["Retry-After"] == "20"
        assert server.exports.builds("zip") == 1  # not before the interval
        for lang in ("uk", "ru"):
            assert (
                Translator(lang).reason(RETRY_FAILED).text == catalogue(lang)["why.record_failed"]
            )
        server.gated.fail = False
        server.monotonic.now += 21
        _not_ready(server.client.get("/api/record.zip"), "zip")
        server.settle()
        assert server.client.get("/api/record.zip").status_code == 200
        assert server.exports.builds("zip") == 2
    finally:
        server.exports.close()


def test_a_request_waits_a_little_for_a_small_board(board: BulletinBoard) -> None:
    """With ``export_wait`` (1 s by default), a build that is done in that time is served
    at once: the demo's board never shows a 503."""
    server = Server(board)
    server.ctx.limits = Limits(export_interval=0.0, export_wait=BOUND)
    started = time.monotonic()
    try:
        assert server.client.get("/api/record.tar.gz").status_code == 200
        assert time.monotonic() - started < BOUND
    finally:
        server.exports.close()


def test_the_lifespan_removes_the_files_and_a_restart_builds_again(board: BulletinBoard) -> None:
    server = Server(board)
    for _ in range(2):
        with TestClient(server.app) as client:
            client.get("/api/record.zip")
            server.settle()
            assert client.get("/api/record.zip").status_code == 200
            path = server.exports.get("zip").value  # type: ignore[union-attr]
            assert path.exists()
        assert not path.exists() and not path.parent.parent.exists()
    assert server.exports.builds("zip") == 2


def test_with_the_board_url_the_builds_run_in_a_process_of_their_own(
    shared_target: BoardTarget, tmp_path: Path
) -> None:
    """As ``referendum serve`` runs them on a board of more than ``export_in_thread`` events:
    a process opens the board again by its URL (the server's threads keep the interpreter),
    and stopping the server ends it; a small board is exported in a thread."""
    server = Server(shared_target.open(), url=shared_target.url)
    server.ctx.limits = replace(server.ctx.limits, export_in_thread=0)  # a small board
    try:
        _not_ready(server.client.get("/api/record.tar.gz"), "tar")
        _not_ready(server.client.get("/api/verify"), "verify")
        _until(lambda: _export_processes() == {"referendum-export-tar", "referendum-export-verify"})
        server.settle()
        done = server.client.get("/api/record.tar.gz")
        assert done.status_code == 200 and done.headers["X-Record-Head"] == server.head
        record = _extracted(done.content, "tar", tmp_path)
        assert verify_record(record).verdict.value == "valid_so_far"
        report = server.client.get("/api/verify").json()
        assert report["verdict"] == "valid_so_far" and report["head"] == server.head
        assert not server.gated.reached.is_set()  # the server's board read no events
        assert post(server, ballot(server).submission).status_code == 201  # type: ignore[arg-type]
        server.client.get("/api/record.zip")
        _until(lambda: _export_processes() == {"referendum-export-zip"})
    finally:
        server.exports.close()
    assert _export_processes() == set()  # stopped with the server
    assert server.exports.builds("tar") == server.exports.builds("zip") == 1
    assert not server.exports.building("zip")
    server.exports.open()
    server.ctx.limits = replace(server.ctx.limits, export_in_thread=5000)  # the default
    try:
        server.client.get("/api/record.zip")
        assert _export_processes() == set()  # a small board: in a thread
        server.settle()
        assert server.client.get("/api/record.zip").status_code == 200
    finally:
        server.exports.close()


def _until(condition: Any) -> None:
    """Poll ``condition`` until it holds (at most BOUND seconds)."""
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.01)


def _export_processes() -> set[str]:
    import multiprocessing

    return {p.name for p in multiprocessing.active_children() if p.name.startswith("referendum")}


def test_an_archive_answered_after_the_body_deadline_is_whole(server: Server) -> None:
    """A request without a body has no body deadline: an archive the request waited for,
    served later than ``body_seconds`` after the headers, arrives whole (it was cut off after
    its headers when the deadline timed the response's wait for a disconnect)."""
    server.ctx.limits = replace(server.ctx.limits, body_seconds=0.0, export_wait=BOUND)
    answer = server.client.get("/api/record.tar.gz")
    assert answer.status_code == 200
    assert int(answer.headers["content-length"]) == len(answer.content) > 0
    with tarfile.open(fileobj=io.BytesIO(answer.content)) as tar:
        assert "record/events.jsonl" in tar.getnames()
    slow = server.client.post("/api/trustee/1/submit", content=b"{}", headers=bearer(TRUSTEES[1]))
    assert slow.status_code == 408  # a body is still timed
