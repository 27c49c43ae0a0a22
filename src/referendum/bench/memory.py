"""Peak memory and CPU time of a tree of processes, read from ``/proc`` (Linux).

Two sums: RSS counts every page each process maps, so pages that forked workers still share
with their parent (copy-on-write) are counted once per process; PSS (proportional set size,
``/proc/PID/smaps_rollup``) divides each shared page among the processes sharing it, so the
sum is the memory the tree really occupies.  Both are reported."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["PeakMemory", "process_cpu", "tree_cpu", "tree_memory", "tree_rss"]

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


def _pss(pid: int) -> int:
    try:
        for line in (_PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    return 0


def _tree(roots: list[int]) -> list[int]:
    seen: list[int] = []
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.append(pid)
        stack += _children(pid)
    return seen


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``; 0 once it is gone."""
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds used so far by the processes ``roots`` and their live descendants."""
    return sum(process_cpu(pid) for pid in _tree(roots))


def tree_rss(roots: list[int]) -> int:
    """Bytes resident in the processes ``roots`` and all their descendants (each process
    counted once; pages shared between processes counted in each)."""
    return sum(_rss(pid) for pid in _tree(roots))


def tree_memory(roots: list[int]) -> tuple[int, int]:
    """``(RSS sum, PSS sum)`` in bytes of ``roots`` and all their descendants."""
    pids = _tree(roots)
    return sum(_rss(pid) for pid in pids), sum(_pss(pid) for pid in pids)


class PeakMemory:
    """Samples :func:`tree_memory` of ``roots()`` every ``interval`` seconds while in a
    ``with`` block; ``peak`` and ``peak_pss`` are the largest RSS and PSS sums seen, in
    bytes."""

    def __init__(self, roots: Callable[[], list[int]], *, interval: float = 0.1) -> None:
        self.roots = roots
        self.interval = interval
        self.peak = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            rss, pss = tree_memory(self.roots())
            self.peak = max(self.peak, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
