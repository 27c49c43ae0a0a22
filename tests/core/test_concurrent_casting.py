"""Many processes casting at once on one board (SQLite file, PostgreSQL schema): no ballot
lost, none duplicated, and the exported record verifies."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import time
from pathlib import Path
from typing import Any

from board_targets import BoardTarget
from referendum.board.open import open_board
from referendum.errors import BallotRejected
from referendum.record import messages as m
from referendum.record.io import write_record
from referendum.services.voter import prepare_ballot
from referendum.services.voting import cast
from referendum.verify.record_verifier import verify_record

from .helpers import OPENS, ready_referendum

PROCESSES = 4


def _wall_clock_in_window(start: float) -> Any:
    """A clock shared by every process: the wall clock, moved into the voting window."""
    return lambda: OPENS + dt.timedelta(minutes=10) + dt.timedelta(seconds=time.time() - start)


def _caster(url: str, submissions: list[dict[str, Any]], start: float, out: Any) -> None:
    board = open_board(url)
    clock = _wall_clock_in_window(start)
    codes = []
    try:
        for submission in submissions:
            try:
                codes.append(cast(board, submission, clock).tracking_code)
            except BallotRejected as exc:
                codes.append(f"rejected:{exc.code}")
    finally:
        board.close()
    out.put(codes)


def test_concurrent_casting(shared_target: BoardTarget, tmp_path: Path) -> None:
    board_url = shared_target.url
    board = open_board(board_url)
    setup = ready_referendum(board, per_region=12)
    voters = [c for region in setup.credentials.values() for c in region]
    prepared = [
        prepare_ballot(setup.state, v.private, {"q1": [("yes", "no", "blank")[i % 3]]}, setup.rng)
        for i, v in enumerate(voters)
    ]
    submissions = [p.submission for p in prepared]
    # a few voters cast first here, then revote (naming that first ballot) from the processes
    for first in submissions[:4]:
        cast(board, first, setup.clock)
    revotes = [
        prepare_ballot(
            setup.state, v.private, {"q1": ["no"]}, setup.rng, replaces=p.tracking_code
        ).submission
        for v, p in zip(voters[:4], prepared, strict=False)
    ]
    firsts = [p.tracking_code for p in prepared[:4]]
    submissions = submissions[4:]
    board.close()
    start = time.time()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    shares = [submissions[i::PROCESSES] for i in range(PROCESSES)]
    shares[-1] += revotes
    workers = [ctx.Process(target=_caster, args=(board_url, s, start, queue)) for s in shares]
    for w in workers:
        w.start()
    codes = [code for _ in workers for code in queue.get(timeout=300)]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert not [c for c in codes if c.startswith("rejected")]
    board = open_board(board_url)
    try:
        accepted = [e.payload["tracking_code"] for e in board.events(types=(m.BALLOT_ACCEPTED,))]
        assert sorted(accepted) == sorted(codes + firsts)  # none lost, none duplicated
        assert len(set(accepted)) == len(voters) + len(revotes)
        write_record(board.events(), tmp_path / "record")
    finally:
        board.close()
    report = verify_record(tmp_path / "record")
    assert report.sound and report.phase == "voting", [r.to_json() for r in report.failures()]
    assert report.summary["counted"] == len(voters)
