"""Checking accepted ballots in chunks, in this process or in a pool of worker processes.

A chunk is a list of ``(height, payload)`` pairs; a worker needs only the referendum's
non-ballot events (to rebuild the state: manifest, election key, credential lists).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from referendum.errors import BallotRejected, RecordError
from referendum.protocol.ballots import check_ballot
from referendum.protocol.state import ElectionState, state_from_events
from referendum.record.event import Event

__all__ = ["BallotFailure", "ChunkChecker", "check_chunk"]

Chunk = Sequence[tuple[int, dict[str, Any]]]


@dataclass(frozen=True)
class BallotFailure:
    height: int
    reason: str


_STATE: ElectionState | None = None


def _init_worker(setup_events: list[Event]) -> None:
    global _STATE
    _STATE = state_from_events(setup_events)


def check_chunk(state: ElectionState, chunk: Chunk) -> list[BallotFailure]:
    """Check every ballot of a chunk; return the failures (empty when all pass)."""
    failures = []
    for height, payload in chunk:
        try:
            _, code = check_ballot(
                state,
                payload["credential"],
                payload["region"],
                payload["ballot"],
                payload["signature"],
            )
            if code != payload["tracking_code"]:
                failures.append(BallotFailure(height, "tracking code does not match the ballot"))
        except BallotRejected as exc:
            failures.append(BallotFailure(height, f"{exc.code}: {exc.field}: {exc.reason}"))
        except (KeyError, TypeError, RecordError) as exc:
            failures.append(BallotFailure(height, f"malformed payload: {exc}"))
    return failures


def _worker_check(chunk: Chunk) -> list[BallotFailure]:
    assert _STATE is not None
    return check_chunk(_STATE, chunk)


class ChunkChecker:
    """Checks chunks with ``workers`` processes (1: in this process), keeping a bounded
    number of chunks in flight so that memory stays bounded whatever the record size."""

    def __init__(self, setup_events: list[Event], state: ElectionState, workers: int) -> None:
        self.state = state
        self.workers = max(1, workers if workers > 0 else (os.cpu_count() or 1))
        self._executor: Executor | None = None
        if self.workers > 1:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, initializer=_init_worker, initargs=(setup_events,)
            )

    def run(self, chunks: Iterable[Chunk]) -> Iterator[list[BallotFailure]]:
        if self._executor is None:
            for chunk in chunks:
                yield check_chunk(self.state, chunk)
            return
        in_flight = []
        limit = self.workers * 4
        for chunk in chunks:
            in_flight.append(self._executor.submit(_worker_check, chunk))
            if len(in_flight) >= limit:
                yield in_flight.pop(0).result()
        for future in in_flight:
            yield future.result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
