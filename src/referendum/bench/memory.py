"""Peak resident memory of a tree of processes, sampled from ``/proc`` (Linux)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["PeakMemory", "tree_rss"]

_PROC = Path("/proc")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in (_PROC / str(pid) / "task").iterdir():
            text = (task / "children").read_text()
            out += [int(p) for p in text.split()]
    except OSError:
        return []
    return out


def _rss(pid: int) -> int:
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    return 0


def tree_rss(roots: list[int]) -> int:
    """Bytes resident in the processes ``roots`` and all their descendants (each counted once)."""
    seen: set[int] = set()
    stack = list(roots)
    total = 0
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss(pid)
        stack += _children(pid)
    return total


class PeakMemory:
    """Samples :func:`tree_rss` of ``roots()`` every ``interval`` seconds while in a ``with``
    block; ``peak`` is the largest sum seen, in bytes."""

    def __init__(self, roots: Callable[[], list[int]], *, interval: float = 0.1) -> None:
        self.roots = roots
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.roots()))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
