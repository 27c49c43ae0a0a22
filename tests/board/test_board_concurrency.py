"""Many processes appending at once, and processes killed with SIGKILL while appending.

Run on SQLite and PostgreSQL (the backends that several processes can share).  The children
are ``board_worker.py`` run as scripts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from board_targets import BoardTarget
from referendum.board.migrations import load_migrations
from referendum.board.protocol import BulletinBoard
from referendum.errors import BoardError
from referendum.protocol import merkle
from referendum.record.chain import verify_chain
from referendum.record.event import format_timestamp
from referendum.record.io import read_record, write_record

WORKER = str(Path(__file__).with_name("board_worker.py"))
PROCESSES = 6
APPENDS = 50


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, WORKER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def genesis(board: BulletinBoard) -> None:
    board.append("manifest", {"title": "test"}, expected_head=None, timestamp=_now())


def _now() -> str:
    from datetime import UTC, datetime

    return format_timestamp(datetime.now(UTC))


def test_concurrent_appenders_lose_and_duplicate_nothing(shared_target: BoardTarget) -> None:
    board = shared_target.open()
    genesis(board)
    children = [spawn("append", shared_target.url, str(w), str(APPENDS)) for w in range(PROCESSES)]
    reports = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        reports.append(json.loads(out))
    events = list(board.events())
    assert verify_chain(events) == events[-1].head
    assert len(events) == 1 + PROCESSES * APPENDS
    seen = Counter((e.payload["worker"], e.payload["seq"]) for e in events[1:])
    assert set(seen) == {(w, s) for w in range(PROCESSES) for s in range(APPENDS)}
    assert max(seen.values()) == 1
    assert board.count("ballot") == PROCESSES * APPENDS
    for worker in range(PROCESSES):
        mine = board.lookup(f"worker-{worker}")
        assert [e.payload["seq"] for e in mine] == list(range(APPENDS))
    retries = sum(r["retries"] for r in reports)
    print(f"{shared_target.kind}: {retries} HeadMovedError retries over {PROCESSES} processes")


def check_survives(board: BulletinBoard, tmp_path: Path) -> int:
    """The board verifies, exports, reads back, and takes a new append; returns its height."""
    head = board.head()
    assert head is not None
    assert verify_chain(board.events()) == head
    # the tree committed with the chain, never apart from it
    leaves = [merkle.event_leaf(e.hash) for e in board.events()]
    assert merkle.root_at(head.height + 1, board) == merkle.root_of(leaves)
    with pytest.raises(BoardError):
        board.read_nodes([(0, head.height + 1)])
    info = write_record(board.events(), tmp_path / "record", overwrite=True)
    assert info.head == head
    assert sum(1 for _ in read_record(tmp_path / "record")) == head.height + 1
    event = board.append("after", {}, expected_head=head.hash, timestamp=_now())
    assert event.height == head.height + 1
    return event.height


def test_sigkill_while_appending_leaves_a_verifiable_board(
    shared_target: BoardTarget, tmp_path: Path
) -> None:
    board = shared_target.open()
    genesis(board)
    for round_ in range(3):
        children = [spawn("forever", shared_target.url, str(w)) for w in range(2)]
        assert children[0].stdout is not None
        target_height = (round_ + 1) * 10
        for line in children[0].stdout:  # wait for progress, then kill at an arbitrary moment
            if int(line) >= target_height:
                break
        time.sleep(0.003 * (round_ + 1))
        for child in children:
            os.kill(child.pid, signal.SIGKILL)
        for child in children:
            child.wait(timeout=30)
            assert child.returncode == -signal.SIGKILL
        check_survives(board, tmp_path)


def test_sigkill_inside_an_open_transaction(shared_target: BoardTarget, tmp_path: Path) -> None:
    board = shared_target.open()
    genesis(board)
    before = board.head()
    child = spawn("hold", shared_target.url)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "holding", child.stderr
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert board.head() == before  # the uncommitted event is gone
    assert check_survives(board, tmp_path) == 1
    assert board.count("ballot") == 0


@pytest.mark.parametrize("kind", ["sqlite"])
def test_sqlite_waits_for_a_busy_writer(kind: str, tmp_path: Path) -> None:
    """An append waits for another process's open write transaction instead of failing."""
    from referendum.board.sqlite import SqliteBoard

    path = str(tmp_path / "b.db")
    board = SqliteBoard(path)
    genesis(board)
    child = spawn("hold", path)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "holding"
    head = board.head()
    assert head is not None

    import threading

    def kill_soon() -> None:
        time.sleep(0.3)
        os.kill(child.pid, signal.SIGKILL)

    threading.Thread(target=kill_soon).start()
    started = time.monotonic()
    event = board.append("waited", {}, expected_head=head.hash, timestamp=_now())
    assert time.monotonic() - started >= 0.2
    assert event.height == 1
    child.wait(timeout=30)


def test_processes_creating_the_board_at_once(shared_target: BoardTarget) -> None:
    """Four processes open a board that does not exist yet (concurrent migrations) and append."""
    children = [spawn("append", shared_target.url, str(w), "5") for w in range(4)]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    board = shared_target.open()
    events = list(board.events())
    assert len(events) == 20
    assert verify_chain(events) == events[-1].head
    dialect = "sqlite" if shared_target.kind == "sqlite" else "postgres"
    assert board.schema_version() == len(load_migrations(dialect))  # type: ignore[attr-defined]


def test_a_writer_turn_keeps_other_writers_out_until_it_ends(shared_target: BoardTarget) -> None:
    """Two openings of one board (two processes, as far as the board knows): while one holds
    the writer's turn (re-entered, as the ingest path does around its appends), the other's
    turn waits, and its reads do not; once the turn ends, the other goes on."""
    first, second = shared_target.open(), shared_target.open()
    turn_taken = threading.Event()
    with first.writing():
        with first.writing():  # re-entrant
            first.append("note", {"n": 0}, expected_head=None, timestamp=_now())

        def other() -> None:
            with second.writing():
                turn_taken.set()

        waiting = threading.Thread(target=other)
        waiting.start()
        assert not turn_taken.wait(0.5), "the other writer did not wait for the turn"
        head = second.head()  # reads go on meanwhile
        assert head is not None and head.height == 0
        first.append("note", {"n": 1}, expected_head=head.hash, timestamp=_now())
    assert turn_taken.wait(10), "the other writer did not get the turn once it was free"
    waiting.join()
    with second.writing():
        last = second.head()
        assert last is not None
        second.append("note", {"n": 2}, expected_head=last.hash, timestamp=_now())
    assert [e.payload["n"] for e in first.events()] == [0, 1, 2]
