"""The witness as a process over loopback: killed with SIGKILL at random moments it never
loses what it cosigned nor starts afresh, and once restarted it refuses a fork; it serves
its cosignatures over HTTP; ``witness evidence`` prints the statement."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from core.helpers import run_main
from referendum.crypto.group import base_mul
from referendum.observe.witness_state import WitnessState
from referendum.protocol.checkpoints import cosignatures, parse_note
from referendum.services.signing_key import WitnessKey

from .fake_log import FakeLog, serving
from .test_witness import NAME, SECRET

pytestmark = pytest.mark.slow


def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "witness.key"
    path.write_text(json.dumps(WitnessKey(SECRET).to_json()))
    return path


def start(url: str, key: Path, state: Path, *extra: str) -> tuple[subprocess.Popen[str], list[str]]:
    command = [sys.executable, "-m", "referendum.cli", "witness", url, "--key", str(key)]
    command += ["--state", str(state), "--name", NAME, "--interval", "0", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def wait_for(lines: list[str], text: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not any(text in line for line in lines):
        assert process.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.01)


def printed_sizes(lines: list[str]) -> list[int]:
    prefix = "cosigned: cosigned the checkpoint of size "
    return [int(line[len(prefix) :]) for line in lines if line.startswith(prefix)]


def test_sigkill_at_random_moments_then_a_fork_is_refused(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(3)
    key, state = key_file(tmp_path), tmp_path / "state"
    fingerprint = log.fingerprint.hex()
    stop = threading.Event()
    chance = random.Random(20261203)

    def grow() -> None:
        while not stop.is_set():
            with log.lock:
                log.grow(chance.randint(1, 7))
            time.sleep(0.002)

    with serving(log) as url:
        grower = threading.Thread(target=grow, daemon=True)
        grower.start()
        last = 0
        try:
            for _ in range(6):
                process, lines = start(url, key, state)
                wait_for(lines, "cosigned: ", process)
                time.sleep(chance.uniform(0.0, 0.4))
                process.kill()  # SIGKILL: no handler runs
                process.wait()
                kept = WitnessState(state).logs[fingerprint]  # never corrupt
                with log.lock:
                    assert kept.root == log.view.tree.root_at(kept.size)
                assert max(printed_sizes(lines)) <= kept.size  # nothing served was lost
                assert kept.size >= last  # and it never went back
                last = kept.size
        finally:
            stop.set()
            grower.join()
        with log.lock:
            log.fork(last - 2)
            log.grow(40)  # the fork is larger than anything cosigned
        code, out, err = run_main(
            "witness", url, "--key", str(key), "--state", str(state), "--name", NAME, "--once"
        )
    assert code == 1, out + err
    assert "split_view" in err and "does not extend" in err
    assert WitnessState(state).logs[fingerprint].size == last
    code, out, err = run_main("witness", "evidence", str(state))
    assert code == 1 and "could not prove that the second extends the first" in err
    statement = json.loads(out)
    assert statement["format"] == "referendum-misbehaviour/1"
    assert statement["conflict"] == "inconsistent" and statement["seen_by"] == NAME


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_witness_serves_its_cosigned_checkpoint(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(21)
    key, state = key_file(tmp_path), tmp_path / "state"
    port = _free_port()
    with serving(log) as url:
        process, lines = start(url, key, state, "--listen", f"127.0.0.1:{port}")
        try:
            wait_for(lines, "serving cosigned checkpoints", process)
            wait_for(lines, "cosigned: ", process)
            base = f"http://127.0.0.1:{port}"
            with urllib.request.urlopen(f"{base}/checkpoint/{log.fingerprint.hex()}") as r:
                note = parse_note(r.read())
            with urllib.request.urlopen(base + "/") as r:
                status = json.loads(r.read())
        finally:
            process.kill()
            process.wait()
    assert note.checkpoint.size == 21
    assert [c.name for c in cosignatures(note, {NAME: base_mul(SECRET)})] == [NAME]
    assert status["name"] == NAME and status["logs"][log.fingerprint.hex()]["size"] == 21


def test_a_corrupt_state_stops_the_witness_before_it_cosigns(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(2)
    key, state = key_file(tmp_path), tmp_path / "state"
    state.mkdir()
    (state / "state.json").write_text('{"format": "referendum-witness-state/1", "logs": {')
    with serving(log) as url:
        code, _, err = run_main(
            "witness", url, "--key", str(key), "--state", str(state), "--name", NAME, "--once"
        )
    assert code == 2 and "state.json" in err and "corrupt" in err
