"""A child process for the concurrency and crash tests (run as a script, not collected).

python board_worker.py append URL WORKER COUNT   append COUNT events, retrying on a moved head
python board_worker.py forever URL WORKER        append until killed, one line per event
python board_worker.py hold URL                  stop inside an append's open transaction
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

from referendum.board.open import open_board, split_schema
from referendum.board.protocol import BulletinBoard
from referendum.errors import HeadMovedError
from referendum.record.event import Event, format_timestamp, make_event


def now() -> str:
    return format_timestamp(datetime.now(UTC))


def append_retrying(board: BulletinBoard, worker: int, seq: int, pad: int = 0) -> tuple[Event, int]:
    """Append (worker, seq), re-reading the head after each HeadMovedError; (event, retries)."""
    retries = 0
    while True:
        head = board.head()
        try:
            event = board.append(
                "ballot",
                {"worker": worker, "seq": seq, "pad": "p" * pad},
                expected_head=None if head is None else head.hash,
                keys=[f"worker-{worker}"],
                timestamp=now(),  # read after the head: timestamps then never decrease
            )
        except HeadMovedError:
            retries += 1
            continue
        return event, retries


def append(url: str, worker: int, count: int) -> None:
    board = open_board(url)
    retries = 0
    for seq in range(count):
        retries += append_retrying(board, worker, seq)[1]
    board.close()
    print(json.dumps({"worker": worker, "retries": retries}), flush=True)


def forever(url: str, worker: int) -> None:
    board = open_board(url)
    seq = 0
    while True:
        event, _ = append_retrying(board, worker, seq, pad=4_000)
        print(event.height, flush=True)
        seq += 1


def hold(url: str) -> None:
    """Insert the next event inside a transaction, say so, and wait to be killed."""
    board = open_board(url)
    head = board.head()
    assert head is not None
    event = make_event(head.height + 1, head.hash, "ballot", now(), {"held": True})
    row = (event.height, event.parent, event.type, event.timestamp, '{"held":true}', event.hash)
    if url.startswith("postgres"):
        import psycopg

        conninfo, schema = split_schema(url)
        conn = psycopg.connect(conninfo)
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute("INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s)", row)
    else:
        import sqlite3

        lite = sqlite3.connect(url, isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        lite.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)", row)
    print("holding", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    command, url, *rest = sys.argv[1:]
    if command == "append":
        append(url, int(rest[0]), int(rest[1]))
    elif command == "forever":
        forever(url, int(rest[0]))
    else:
        hold(url)
