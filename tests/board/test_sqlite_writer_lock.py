"""The SQLite board's writer lock (a lock file beside the board): a writer waits while
another holds it, and starts as soon as it is released; the kernel releases it when its
holder is gone."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest

from referendum.board.sqlite import SqliteBoard
from referendum.errors import HeadMovedError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="flock is POSIX")


def test_a_writer_waits_for_the_lock_and_goes_on_once_it_is_free(tmp_path: Path) -> None:
    path = tmp_path / "board.sqlite"
    board = SqliteBoard(path)
    lock = tmp_path / "board.sqlite-writer"
    assert lock.exists()
    fd = os.open(lock, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process's writer, as far as the board knows
    done = threading.Event()

    def append() -> None:
        board.append("note", {"n": 1}, expected_head=None, timestamp="2026-01-01T00:00:00.000000Z")
        done.set()

    writer = threading.Thread(target=append)
    writer.start()
    assert not done.wait(0.5), "the append did not wait for the writer lock"
    assert board.head() is None
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    assert done.wait(10), "the append did not go on once the lock was free"
    writer.join()
    head = board.head()
    assert head is not None and head.height == 0
    board.close()


def test_the_lock_is_free_again_after_a_failed_append(tmp_path: Path) -> None:
    board = SqliteBoard(tmp_path / "board.sqlite")
    with pytest.raises(HeadMovedError):
        board.append(
            "note", {"n": 1}, expected_head="0" * 64, timestamp="2026-01-01T00:00:00.000000Z"
        )
    fd = os.open(tmp_path / "board.sqlite-writer", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if the board still held it
    finally:
        os.close(fd)
    board.close()
