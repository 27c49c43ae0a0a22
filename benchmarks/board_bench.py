"""Bulletin board throughput: appends per second, single writer and 4 concurrent processes.

    python benchmarks/board_bench.py --events 2000 --url sqlite --url postgresql://postgres@127.0.0.1:5432/test

``run(events, url)`` is what ``referendum bench`` calls.  ``url`` is ``sqlite`` (a fresh file in
a temporary directory), ``memory:``, an SQLite path or ``sqlite:///`` URL, or a PostgreSQL URL
(a fresh schema ``bench_<random>`` is created and dropped, unless the URL names one with
``?schema=``).  Payloads are shaped like an encrypted yes/no/blank ballot (about 1.3 kB of
canonical JSON, two index keys).  Timestamps come from the system clock, read after the head as
the board requires.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from referendum.bench.payloads import ballot_payload
from referendum.board.open import open_board, split_schema
from referendum.board.protocol import BulletinBoard, Draft
from referendum.errors import HeadMovedError
from referendum.record.chain import verify_chain
from referendum.record.event import format_timestamp
from referendum.record.io import read_record, write_record

__all__ = ["ballot_payload", "run"]

CONCURRENT_PROCESSES = 4
BATCH = 100


def _now() -> str:
    return format_timestamp(datetime.now(UTC))


def _append_retrying(board: BulletinBoard, index: int) -> int:
    """Append ballot ``index``, re-reading the head on HeadMovedError; returns the retries."""
    retries = 0
    while True:
        head = board.head()
        try:
            board.append(
                "ballot",
                ballot_payload(index),
                expected_head=None if head is None else head.hash,
                keys=[f"credential-{index}", f"tracking-{index}"],
                timestamp=_now(),
            )
            return retries
        except HeadMovedError:
            retries += 1


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _fresh_target(url: str, scratch: Path) -> tuple[str, Callable[[], None]]:
    """(URL of an empty board, clean-up)."""
    if url in ("sqlite", "sqlite:"):
        return str(scratch / "board.db"), lambda: None
    if url.startswith(("postgresql://", "postgres://")):
        conninfo, schema = split_schema(url)
        if "schema=" in url:
            return url, lambda: None
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        sep = "&" if "?" in conninfo else "?"

        def drop() -> None:
            import psycopg

            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

        return f"{conninfo}{sep}schema={schema}", drop
    return url, lambda: None


def _concurrent(url: str, total: int, start_index: int) -> tuple[float, int]:
    """Appends/s and retries of CONCURRENT_PROCESSES child processes sharing ``total``."""
    share = total // CONCURRENT_PROCESSES
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(share), str(start_index + w * share)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(CONCURRENT_PROCESSES)
    ]
    for child in children:  # every child has opened the board
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    retries = 0
    for child in children:
        out, _ = child.communicate(timeout=600)
        if child.returncode != 0:
            raise RuntimeError(f"benchmark worker failed with exit code {child.returncode}")
        retries += json.loads(out)["retries"]
    elapsed = time.perf_counter() - started
    return share * CONCURRENT_PROCESSES / elapsed, retries


def run(events: int, url: str) -> dict[str, Any]:
    """Measure a board at ``url`` with ``events`` appends per phase; returns the figures."""
    scratch = Path(tempfile.mkdtemp(prefix="board-bench-"))
    target, clean_up = _fresh_target(url, scratch)
    try:
        board = open_board(target)
        board.append("manifest", {"bench": True}, expected_head=None, timestamp=_now())
        single = _timed(lambda: [_append_retrying(board, i) for i in range(events)])

        def batched() -> None:
            for start in range(events, 2 * events, BATCH):
                head = board.head()
                drafts = [
                    Draft("ballot", ballot_payload(i), (f"credential-{i}", f"tracking-{i}"))
                    for i in range(start, min(start + BATCH, 2 * events))
                ]
                board.append_many(
                    drafts, expected_head=None if head is None else head.hash, timestamp=_now()
                )

        batch = _timed(batched)
        figures: dict[str, Any] = {
            "backend": type(board).__name__,
            "events": events,
            "single_writer_appends_per_s": round(events / single),
            "single_writer_us_per_append": round(single / events * 1e6),
            f"append_many_{BATCH}_events_per_s": round(events / batch),
        }
        if figures["backend"] != "MemoryBoard":
            rate, retries = _concurrent(target, events, 2 * events)
            figures[f"concurrent_{CONCURRENT_PROCESSES}_appends_per_s"] = round(rate)
            figures[f"concurrent_{CONCURRENT_PROCESSES}_head_moved_retries"] = retries
        head = board.head()
        assert head is not None
        total = head.height + 1
        figures["stream_events_per_s"] = round(
            total / _timed(lambda: sum(1 for _ in board.events()))
        )
        figures["verify_chain_events_per_s"] = round(
            total / _timed(lambda: verify_chain(board.events()))
        )
        record = scratch / "record"
        figures["export_events_per_s"] = round(
            total / _timed(lambda: write_record(board.events(), record))
        )
        figures["read_record_events_per_s"] = round(
            total / _timed(lambda: sum(1 for _ in read_record(record)))
        )
        figures["record_bytes_per_event"] = round((record / "events.jsonl").stat().st_size / total)
        board.close()
        return figures
    finally:
        clean_up()
        shutil.rmtree(scratch, ignore_errors=True)


def _worker(url: str, count: int, first: int) -> None:
    board = open_board(url)
    print("ready", flush=True)
    sys.stdin.readline()
    retries = sum(_append_retrying(board, first + i) for i in range(count))
    board.close()
    print(json.dumps({"retries": retries}), flush=True)


def main() -> None:
    """Command line: print the figures of each ``--url`` as JSON lines."""
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--url", action="append", default=None)
    args = parser.parse_args()
    for url in args.url or ["sqlite"]:
        print(json.dumps(run(args.events, url)), flush=True)


if __name__ == "__main__":
    main()
