"""The writer's turn of the backends that several processes share (``BulletinBoard.writing``).

:class:`Turn` is re-entrant within a thread, queues the threads of one process on a lock of
its own, and at the outermost turn of the holding thread takes the lock that other
processes see (SQLite: a lock file's ``flock``; PostgreSQL: a session advisory lock) and
gives it back at its end.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

__all__ = ["Turn"]


class Turn:
    """A re-entrant writer's turn over ``take`` and ``give``, the other processes' lock."""

    def __init__(self, take: Callable[[], None], give: Callable[[], None]) -> None:
        self._take = take
        self._give = give
        self._threads = threading.RLock()
        self._depth = 0  # of the thread holding the turn: the outer lock is held from 1 on

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the turn (wait for it): re-entered, only the outermost takes and gives."""
        with self._threads:
            outermost = self._depth == 0
            if outermost:
                self._take()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if outermost:
                    self._give()

    def between(self, action: Callable[[], None]) -> None:
        """Run ``action`` while no thread of this process holds the turn (to close what the
        turn's lock lives on)."""
        with self._threads:
            action()
