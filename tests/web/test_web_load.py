"""The HTTP casting benchmark's load path in small (referendum.bench.web_load): ballots cast
by wrk over loopback to `referendum serve` with one and two processes, on SQLite and
PostgreSQL; the board holds exactly the ballots answered 201, a ``ballot.rejected`` event
for each refused one, and the record exported afterwards is valid so far.  Not timed (the
figures are the benchmark's)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from board_targets import BoardTarget
from referendum.bench.web_load import cast_load


@pytest.mark.parametrize("workers", [1, 2])
def test_the_board_holds_exactly_the_ballots_whose_casting_succeeded(
    shared_target: BoardTarget, workers: int, tmp_path: Path
) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("the load path needs wrk (Debian: apt-get install wrk)")
    figures = cast_load(
        shared_target.url,
        backend=shared_target.kind,
        voters=120,
        clients=6,
        workers=workers,
        forged=0.1,
    )
    assert figures["submissions"] == 132
    assert figures["statuses"] == {"201": 120, "422": 12}, figures
    assert figures["board_matches_201s"] and figures["rejections_logged"], figures
    assert figures["record_verifies_so_far"] is True
    assert figures["server_processes"] == workers and figures["ballots_per_second"] > 0
