"""``referendum serve`` in a process of its own, for the benchmarks and the tests that load
it over loopback or kill it (SIGKILL) while it serves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["free_port", "start_server"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    db: str,
    port: int,
    *,
    tokens: Path,
    board_key: Path,
    workers: int = 1,
    timeout: float = 60.0,
) -> subprocess.Popen[bytes]:
    """Start ``referendum serve`` on ``127.0.0.1:port`` over the board ``db`` (casting not
    rate limited) and return once it answers ``/api/referendum``; ``RuntimeError`` when it
    does not within ``timeout`` seconds."""
    import httpx  # a development dependency (the benchmarks' and tests' HTTP client)

    command = [
        sys.executable,
        "-m",
        "referendum.cli",
        "serve",
        "--db",
        db,
        "--port",
        str(port),
        "--cast-rate",
        "1000000",
        "--cast-burst",
        "1000000",
        "--workers",
        str(workers),
        "--tokens",
        str(tokens),
        "--board-key",
        str(board_key),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/referendum", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.05)
        if server.poll() is not None:
            break
    server.kill()
    server.wait()
    raise RuntimeError("the server did not start")
