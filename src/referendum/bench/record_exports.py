"""The record's archive on a large board (issue 13, part 9): the time to the first byte of
``/api/record.tar.gz`` when the request waits for the export, and when it is built in the
background (the request answers 503 at once), with the build's wall and CPU seconds, the
server's peak memory and the public pages' latency while the build runs.

The board is :func:`referendum.bench.board_pages.build_board`'s (ballots synthesised at the
storage level: it exports and archives as a real one does, but does not verify, so the
report is not timed here).  Each mode starts its own ``referendum serve`` process:

* ``waiting``: ``--export-wait 3600``, the request waits for the build (as every request did
  before the builds moved to the background);
* ``background``: ``--export-wait 0``, the request answers 503 with ``Retry-After`` and the
  build's progress; the client then asks again until the archive comes;
* ``baseline`` (with ``baseline_src``): the same request to a server run from another
  checkout's ``src`` (the code before the change), which builds in the request.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from referendum.bench.board_pages import BoardShape, memory_kib, serve_command, until_up

__all__ = ["MODES", "export_figures"]

MODES = ("waiting", "background")
_PAGES = 20  # page requests timed in each state


def _cpu(pid: int) -> float:
    """CPU seconds of the process and of its children that ended (an export's process)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _page_ms(client: Any) -> float:
    """The median milliseconds of ``_PAGES`` requests of the first ballots' page."""
    samples = []
    for _ in range(_PAGES):
        begun = time.perf_counter()
        client.get("/ballots").raise_for_status()
        samples.append(time.perf_counter() - begun)
    return round(statistics.median(samples) * 1e3, 2)


def export_figures(
    path: Path,
    shape: BoardShape,
    *,
    port: int,
    mode: str,
    baseline_src: Path | None = None,
    timeout: float = 3600,
) -> dict[str, Any]:
    """Serve the board at ``path`` in ``mode`` (``waiting``, ``background``, ``baseline``)
    and time one download of ``/api/record.tar.gz``."""
    import httpx

    command = serve_command(path, shape, port)
    env = dict(os.environ)
    if mode == "baseline":
        if baseline_src is None:
            raise ValueError("the baseline mode needs the other checkout's src folder")
        env["PYTHONPATH"] = str(baseline_src)
    else:
        command += ["--export-wait", "3600" if mode == "waiting" else "0"]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    figures: dict[str, Any] = {"mode": mode}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=timeout) as client:
            until_up(client, server)
            figures["pages_idle_median_ms"] = _page_ms(client)
            figures["peak_kib_before"] = memory_kib(server.pid)["VmHWM"]
            cpu, begun = _cpu(server.pid), time.perf_counter()
            with client.stream("GET", "/api/record.tar.gz") as first:
                figures["first_byte_s"] = round(time.perf_counter() - begun, 3)
                figures["first_status"] = first.status_code
                figures["first_cpu_s"] = round(_cpu(server.pid) - cpu, 3)
                try:
                    body = first.read()
                except httpx.HTTPError as exc:  # the code before cut a slow answer off
                    figures["error"] = f"{type(exc).__name__}: {exc}"
                    return figures
            if first.status_code == 503:
                figures["retry_after"] = first.headers.get("retry-after")
                figures["progress"] = json.loads(body)["progress"]
                figures["pages_while_building_median_ms"] = _page_ms(client)
                while True:
                    answer = client.get("/api/record.tar.gz")
                    if answer.status_code == 200:
                        body = answer.content
                        break
                    if time.perf_counter() - begun > timeout:
                        raise RuntimeError("the archive did not come")
                    time.sleep(0.1)
            figures["ready_s"] = round(time.perf_counter() - begun, 3)
            figures["build_cpu_s"] = round(_cpu(server.pid) - cpu, 3)
            figures["archive_bytes"] = len(body)
            figures["peak_kib_after"] = memory_kib(server.pid)["VmHWM"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures
