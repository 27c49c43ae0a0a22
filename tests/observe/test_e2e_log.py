"""Done-when of issue 12: a board (``referendum serve`` on loopback), two witnesses
(``referendum witness ... --listen``) and the booth (Chromium) run together: the booth shows
that the ballot is in the log both witnesses cosigned, ``track --receipt`` against the board
agrees; a board that shows the voter another view is caught by ``track --receipt``, and one
that shows a witness another view is refused by the witness, which keeps the evidence."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from core.helpers import BOARD_KEY, manifest, ready_referendum, run_main
from referendum.board.open import open_board
from referendum.crypto.group import base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.protocol.checkpoints import Checkpoint, parse_note, sign_checkpoint
from referendum.services.signing_key import WitnessKey
from referendum.verify.split_view import check_statement
from web.browser import chromium, need_chromium
from web.test_browser import encrypt, new_page

from .test_light import KEYS

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(*args: str) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "referendum.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def wait_until(done: Callable[[], bool], what: str, lines: list[str] | None = None) -> None:
    deadline = time.monotonic() + 90
    while not done():
        assert time.monotonic() < deadline, f"{what}: {''.join(lines or [])}"
        time.sleep(0.05)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except OSError:
        return False


@contextmanager
def proxy(board: str, answer: Callable[[str], tuple[int, bytes] | None]) -> Iterator[str]:
    """A board in front of the real one: ``answer(path)`` may answer a GET itself (a
    cheating board's other view); every other GET goes to ``board``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            own = answer(self.path)
            if own is None:
                try:
                    with urllib.request.urlopen(board + self.path, timeout=30) as response:
                        own = response.status, response.read()
                except urllib.error.HTTPError as exc:
                    own = exc.code, exc.read()
            self.send_response(own[0])
            self.send_header("Content-Length", str(len(own[1])))
            self.end_headers()
            self.wfile.write(own[1])

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def other_view(note_text: str) -> bytes:
    """The board's checkpoint of the same size with another root, signed with the board key
    (what a board showing two views signs)."""
    checkpoint = parse_note(note_text).checkpoint
    fork = Checkpoint(checkpoint.origin, checkpoint.size, bytes(32), checkpoint.time)
    note = sign_checkpoint(fork, BOARD_KEY.secret, BOARD_KEY.public, DeterministicRandom(b"x"))
    return note.text().encode()


@pytest.fixture
def running_log(tmp_path: Path) -> Iterator[dict[str, Any]]:
    need_chromium()
    board_port = free_port()
    ports = {name: free_port() for name in KEYS}
    witnesses = {
        "threshold": 2,
        "members": [
            {
                "name": name,
                "public_key": base_mul(secret).hex(),
                "url": f"http://127.0.0.1:{ports[name]}",
            }
            for name, secret in KEYS.items()
        ],
    }
    db = tmp_path / "board.sqlite"
    board = open_board(db)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the server's clock is the system's
    window = [
        {
            "opens": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "closes": (now + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ]
    setup = ready_referendum(board, m=manifest(witnesses=witnesses, window=window))
    board.close()
    (tmp_path / "board.key").write_text(json.dumps(BOARD_KEY.to_json()))
    url = f"http://127.0.0.1:{board_port}"
    processes = []
    try:
        serve = start(
            "serve",
            f"--db=sqlite:///{db}",
            f"--port={board_port}",
            f"--board-key={tmp_path / 'board.key'}",
            f"--tokens={tmp_path / 'tokens.json'}",
            "--checkpoint-every=1",
            "--checkpoint-seconds=0.05",
        )
        processes.append(serve[0])
        wait_until(lambda: answers(url + "/api/log/checkpoint"), "the board", serve[1])
        for name, secret in KEYS.items():
            key = tmp_path / f"{name}.key"
            key.write_text(json.dumps(WitnessKey(secret).to_json()))
            witness = start(
                "witness",
                url,
                f"--key={key}",
                f"--state={tmp_path / name}",
                f"--listen=127.0.0.1:{ports[name]}",
                "--interval=0.1",
            )
            processes.append(witness[0])
            wait_until(lambda w=witness: any("cosigned" in x for x in w[1]), name, witness[1])
        with chromium() as browser:
            yield {"url": url, "setup": setup, "browser": browser, "tmp": tmp_path, "db": db}
    finally:
        for process in processes:
            process.kill()
            process.wait()


def test_board_two_witnesses_and_the_booth(running_log: dict[str, Any]) -> None:
    url, setup, tmp = running_log["url"], running_log["setup"], running_log["tmp"]
    page = new_page(running_log["browser"], locale="en-GB")
    page.goto(f"{url}/booth#credential={setup.credentials['east'][0].private}")
    page.wait_for_function("() => window.location.hash === ''")
    encrypt(page, "Yes")
    page.click("#cast")
    page.wait_for_selector("#step-receipt:not([hidden]), #booth-status.error")
    assert page.is_visible("#step-receipt"), page.inner_text("#booth-status")
    page.wait_for_selector("#log-check.ok, #log-check.error", timeout=60_000)
    text = page.inner_text("#log-check")
    assert "Your ballot is in the log that witnesses witness-a and witness-b have cosigned" in text
    with page.expect_download() as download:
        page.click("#save-receipt")
    path = tmp / "receipt.json"
    download.value.save_as(path)

    code, out, err = run_main("track", "--receipt", str(path), url)
    assert code == 0, out + err
    assert "OK: your ballot" in out and "witnesses witness-a and witness-b" in out

    # the board shows this voter a checkpoint of another view (same size, another root)
    def split(path_: str) -> tuple[int, bytes] | None:
        if path_.startswith("/api/log/checkpoint") and "checkpoints" not in path_:
            with urllib.request.urlopen(url + path_) as response:
                return 200, other_view(response.read().decode())
        return None

    with proxy(url, split) as shown:
        code, out, err = run_main("track", "--receipt", str(path), shown, "--format", "json")
    assert code == 1, out + err
    statement = json.loads(out)
    assert statement["verdict"] == "misbehaviour" and "split view" in statement["reason"]
    assert check_statement(statement["evidence"])  # it stands alone


def test_a_witness_shown_another_view_refuses_it(running_log: dict[str, Any]) -> None:
    url, tmp = running_log["url"], running_log["tmp"]
    forked = {"on": False}

    def fork(path_: str) -> tuple[int, bytes] | None:
        if not forked["on"] or not path_.startswith("/api/log/checkpoint"):
            return None
        with urllib.request.urlopen(url + "/api/log/checkpoint") as response:
            note = other_view(response.read().decode())
        if path_.startswith("/api/log/checkpoints"):
            return 200, json.dumps({"checkpoints": [note.decode()], "more": False}).encode()
        return 200, note

    key = tmp / "witness-c.key"
    key.write_text(json.dumps(WitnessKey.generate(DeterministicRandom(b"c")).to_json()))
    state = tmp / "witness-c"
    with proxy(url, fork) as shown:
        process, lines = start(
            "witness",
            shown,
            f"--key={key}",
            f"--state={state}",
            "--name=witness-c",
            "--interval=0.1",
        )
        try:
            wait_until(lambda: any("cosigned" in x for x in lines), "witness-c", lines)
            forked["on"] = True
            wait_until(lambda: any("split_view" in x for x in lines), "the refusal", lines)
        finally:
            process.kill()
            process.wait()
    code, out, err = run_main("witness", "evidence", str(state))
    assert code == 1, out + err
    statement = json.loads(out)
    assert statement["conflict"] in ("same_size", "inconsistent")
    assert statement["seen_by"] == "witness-c" and check_statement(statement)
