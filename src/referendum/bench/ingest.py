"""Board ingest with verification: casting prepared ballots on SQLite or PostgreSQL, from one
or several writer processes, then exporting the record by streaming the board."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from referendum.bench.generate import OPENS, ceremony
from referendum.board.open import open_board
from referendum.crypto.random import DeterministicRandom
from referendum.record.canonical import canonical_json
from referendum.record.io import write_record
from referendum.services.credentials import credential_list_payload, issue_credentials
from referendum.services.ingest import cast_many
from referendum.services.state import load_state
from referendum.services.voter import prepare_ballot
from referendum.services.voting import cast, open_voting, publish_credentials

__all__ = ["IngestFigures", "ingest"]

_MOMENT = OPENS + dt.timedelta(hours=2)


@dataclass(frozen=True)
class IngestFigures:
    """Ballots cast per second (each fully checked before it is appended), events exported
    per second."""

    backend: str
    writers: int
    ballots: int
    batch: int  # ballots per cast_many call (1: one cast per ballot)
    ballots_per_second: float
    export_events_per_second: float


def _fixed_clock() -> dt.datetime:
    return _MOMENT


def _prepare(job: tuple[str, list[str], int]) -> list[bytes]:
    url, privates, seed = job
    rng = DeterministicRandom(b"bench-ingest-%d" % seed)
    answers = ("yes", "no", "blank")
    # the state looks credentials up in the board's index: the board stays open while it is used
    board = open_board(url)
    try:
        state = load_state(board)
        return [
            canonical_json(prepare_ballot(state, private, {"q1": [answers[k % 3]]}, rng).submission)
            for k, private in enumerate(privates)
        ]
    finally:
        board.close()


def _cast(job: tuple[str, list[bytes], int]) -> int:
    url, submissions, batch = job
    board = open_board(url)
    try:
        state = load_state(board)
        if batch <= 1:
            for submission in submissions:
                cast(board, submission, _fixed_clock, state=state)
        else:
            for k in range(0, len(submissions), batch):
                cast_many(board, submissions[k : k + batch], _fixed_clock, state=state)
    finally:
        board.close()
    return len(submissions)


def ingest(
    url: str,
    *,
    ballots: int,
    writers: int = 1,
    workers: int = 2,
    batch: int = 1,
    export_to: Path,
) -> IngestFigures:
    """Set up a referendum on the (empty) board at ``url``, prepare ``ballots`` ballots in
    ``workers`` processes, time casting them from ``writers`` processes (one ``cast`` per
    ballot, or ``cast_many`` of ``batch`` ballots), then time exporting the record."""
    board = open_board(url)
    try:
        done = ceremony(board, regions=2, seed=7)
        state = load_state(board)
        privates: list[str] = []
        for k, region in enumerate(done.manifest.regions):
            count = ballots // 2 + (ballots % 2 if k == 0 else 0)
            issued = issue_credentials(done.manifest.id, region.id, count, done.rng)
            privates += [c.private for c in issued]
            payload = credential_list_payload(
                state.fingerprint, region.id, [c.public for c in issued], done.authority, done.rng
            )
            publish_credentials(board, payload, done.clock)
        done.clock.jump(OPENS - dt.timedelta(minutes=5))
        open_voting(board, done.clock)
    finally:
        board.close()
    size = -(-len(privates) // max(1, workers * 2))
    jobs = [(url, privates[a : a + size], a) for a in range(0, len(privates), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        submissions = [s for part in pool.map(_prepare, jobs) for s in part]
    start = time.perf_counter()
    if writers == 1:
        _cast((url, submissions, batch))
    else:
        slices = [(url, submissions[w::writers], batch) for w in range(writers)]
        with ProcessPoolExecutor(max_workers=writers) as pool:
            list(pool.map(_cast, slices))
    cast_seconds = time.perf_counter() - start
    board = open_board(url)
    try:
        start = time.perf_counter()
        info = write_record(board.events(), export_to)
        export_seconds = time.perf_counter() - start
    finally:
        board.close()
    backend = "postgresql" if url.startswith("postgres") else "sqlite"
    return IngestFigures(
        backend,
        writers,
        len(submissions),
        batch,
        len(submissions) / cast_seconds,
        info.event_count / export_seconds,
    )
