"""The witness's rate and the browser's inclusion-proof check (issue 12, part 5).

    python benchmarks/log_bench.py [--events 200000] [--every 1000 --every 100] [--size 10000000]
    python benchmarks/log_bench.py --http http://127.0.0.1:8000 [--requests 2000]

Witness: events per second it keeps up with, when the board publishes a checkpoint every
``--every`` events (:func:`referendum.bench.witness.witness_rate`: parse, board signature,
consistency proof, cosignature, crash-safe state on the disk, per checkpoint).  Browser: the
booth's ``verifyInclusion`` (web/booth/src/log.js) in Debian's Chromium on a proof in a tree of
``--size`` leaves, milliseconds per check; the same proof checked by the Python verifier for
comparison, in the same run.  With ``--http``: milliseconds per inclusion proof served by a
running ``referendum serve`` (random events of its latest checkpoint's tree, one keep-alive
connection on loopback, the whole round trip), instead.  Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BOOTH = ROOT / "web" / "booth"
CHROMIUM = "/usr/bin/chromium"


def browser_inclusion(size: int, rounds: int = 200) -> dict[str, Any]:
    """The booth's inclusion check in Chromium (ms per check), and Python's on the same proof."""
    from playwright.sync_api import sync_playwright

    from referendum.bench.witness import inclusion_case
    from referendum.protocol.merkle import verify_inclusion

    proof = inclusion_case(size)
    with tempfile.TemporaryDirectory() as scratch:
        bundle = Path(scratch) / "bench.js"
        subprocess.run(
            [
                str(BOOTH / "node_modules" / ".bin" / "esbuild"),
                "test/bench-log.js",
                "--bundle",
                "--format=iife",
                "--global-name=LogBench",
                f"--outfile={bundle}",
            ],
            cwd=BOOTH,
            check=True,
            capture_output=True,
            timeout=120,
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page()
                page.set_content("<p>bench</p>")
                page.add_script_tag(path=str(bundle))
                out: dict[str, Any] = page.evaluate(
                    "([proof, rounds]) => LogBench.timeInclusion(proof, rounds)", [proof, rounds]
                )
            finally:
                browser.close()
    leaf, root = bytes.fromhex(proof["leaf"]), bytes.fromhex(proof["root"])
    started = time.perf_counter()
    for _ in range(rounds):
        verify_inclusion(
            proof["index"], size, leaf, [bytes.fromhex(h) for h in proof["hashes"]], root
        )
    python_ms = (time.perf_counter() - started) / rounds * 1e3
    return {"tree_size": size, **out, "python_ms_per_check": python_ms}


def http_inclusion(url: str, requests: int, seed: int = 12) -> dict[str, Any]:
    """Round-trip milliseconds of ``GET /api/log/inclusion`` against a running board."""
    import http.client
    import random
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80)

    def get(path: str) -> bytes:
        connection.request("GET", path)
        answer = connection.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise SystemExit(f"{path}: status {answer.status}")
        return body

    size = int(get("/api/log/checkpoint").decode().splitlines()[1])
    chooser = random.Random(seed)
    times = []
    for _ in range(requests):
        path = f"/api/log/inclusion?index={chooser.randrange(size)}&size={size}"
        started = time.perf_counter()
        get(path)
        times.append((time.perf_counter() - started) * 1e3)
    times.sort()
    return {
        "tree_size": size,
        "requests": requests,
        "median_ms": times[len(times) // 2],
        "p99_ms": times[int(len(times) * 0.99)],
        "max_ms": times[-1],
    }


def main() -> None:
    from referendum.bench.witness import witness_rate

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--every", type=int, action="append")
    parser.add_argument("--size", type=int, default=10_000_000)
    parser.add_argument("--http", metavar="URL", help="time proofs served by this board instead")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    if args.http:
        json.dump(http_inclusion(args.http, args.requests), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    figures = {
        "witness": [witness_rate(events=args.events, every=e) for e in args.every or [1000, 100]],
        "browser_inclusion": browser_inclusion(args.size),
    }
    json.dump(figures, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
