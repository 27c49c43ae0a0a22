"""Where the ranges of a record are checked: here, in worker processes, or on a Dask cluster.

Each runner maps :func:`~referendum.verify.ballots.check_range` over a stream of
:class:`~referendum.verify.ballots.RangeTask` (or, with :meth:`Runner.map`, any picklable
function over picklable tasks: the deniable checks of
:mod:`referendum.protocol.deniable_tasks`) and yields the results in the tasks' order,
keeping a bounded number of tasks in flight so that memory stays bounded whatever the record's
size.  Workers read their ranges from the record's path themselves (on a cluster the path must
be one every worker can read).  A worker that dies is not a silent pass: its ranges are run
again (a new process pool here; Dask reschedules the tasks of a lost worker).
"""

from __future__ import annotations

import importlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

from referendum.verify.ballots import RangeResult, RangeTask, check_range

__all__ = ["DaskRunner", "LocalRunner", "ProcessRunner", "Runner", "open_runner"]

T = TypeVar("T")
A = TypeVar("A")
R = TypeVar("R")

RETRIES = 2
"""How many times the ranges of a lost worker are run again before giving up."""


class Runner(Protocol):
    """Checks ranges somewhere; results come back in the order of the tasks."""

    workers: int

    def run(self, tasks: Iterable[RangeTask]) -> Iterator[RangeResult]: ...

    def map(self, fn: Callable[[A], R], tasks: Iterable[A]) -> Iterator[R]: ...

    def close(self) -> None: ...


class LocalRunner:
    """Checks every range in this process."""

    workers = 1

    def run(self, tasks: Iterable[RangeTask]) -> Iterator[RangeResult]:
        return self.map(check_range, tasks)

    def map(self, fn: Callable[[A], R], tasks: Iterable[A]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        return None


def _fill(in_flight: deque[T], pending: Iterator[A], limit: int, submit: Callable[[A], T]) -> None:
    """Submit tasks until ``limit`` are in flight or none is left."""
    while len(in_flight) < limit:
        task = next(pending, None)
        if task is None:
            return
        in_flight.append(submit(task))


def _ready() -> int:
    return os.getpid()


class ProcessRunner:
    """Checks ranges in ``workers`` local processes (forked now, so they start with this
    process's setup state)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(max_workers=self.workers)
        for future in [pool.submit(_ready) for _ in range(self.workers)]:
            future.result()
        return pool

    def run(self, tasks: Iterable[RangeTask]) -> Iterator[RangeResult]:
        return self.map(check_range, tasks)

    def map(self, fn: Callable[[A], R], tasks: Iterable[A]) -> Iterator[R]:
        in_flight: deque[tuple[A, Future[R]]] = deque()
        again: deque[A] = deque()  # ranges of a broken pool, to submit first, in order
        limit = self.workers * 3
        retries = RETRIES
        pending = iter(tasks)
        while True:
            try:
                while len(in_flight) < limit:
                    task = again.popleft() if again else next(pending, None)
                    if task is None:
                        break
                    try:
                        in_flight.append((task, self._pool.submit(fn, task)))
                    except BrokenProcessPool:  # a worker died before this submit
                        again.appendleft(task)
                        raise
                if not in_flight:
                    return
                result = in_flight[0][1].result()
            except BrokenProcessPool:
                if retries == 0:
                    raise
                retries -= 1
                self._pool.shutdown(cancel_futures=True)
                self._pool = self._start()
                again.extendleft(reversed([t for t, _ in in_flight]))
                in_flight.clear()
                continue
            in_flight.popleft()
            yield result

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


class DaskRunner:
    """Checks ranges on a ``dask.distributed`` cluster (``address`` of its scheduler, or a
    ``Client``).  The record's path must be readable by every worker."""

    def __init__(self, address: Any) -> None:
        self._client: Any
        client_type: Any = importlib.import_module("dask.distributed").Client
        if isinstance(address, client_type):
            self._client, self._owned = address, False
        else:
            self._client, self._owned = client_type(address), True
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    def run(self, tasks: Iterable[RangeTask]) -> Iterator[RangeResult]:
        return self.map(check_range, tasks)

    def map(self, fn: Callable[[A], R], tasks: Iterable[A]) -> Iterator[R]:
        in_flight: deque[Any] = deque()
        limit = self.workers * 3
        pending = iter(tasks)
        submit = self._client.submit
        while True:
            _fill(in_flight, pending, limit, lambda t: submit(fn, t, retries=RETRIES))
            if not in_flight:
                return
            future = in_flight.popleft()
            result: R = future.result()
            future.release()
            yield result

    def close(self) -> None:
        if self._owned:
            self._client.close()


def open_runner(*, workers: int = 1, dask: Any = None) -> Runner:
    """The runner for ``workers`` local processes, or for the Dask cluster at ``dask`` (a
    scheduler address or a ``dask.distributed.Client``)."""
    if dask is not None:
        return DaskRunner(dask)
    if workers > 1:
        return ProcessRunner(workers)
    return LocalRunner()
