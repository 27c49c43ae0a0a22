"""The deniable tally's memory is not the whole record's steps held at once (issue 17 part 5,
docs/performance.md "Deniable revoting"): the steps are spooled to disk part by part and the
checks read them back part by part, holding only the encodings that join the steps.

The parts, proving tasks and checking tasks are made small here (tens of rows) so that what
one part or task holds is a fixed base well below the sizes compared; the peak of the
benchmark's whole deniable side (the tallying authority's steps, then their checks) is then
measured with ``tracemalloc`` for ``N`` and ``4N`` ballots, and its growth per ballot bounded.
Before the steps were streamed, it grew by about 40 KB per ballot (every step's JSON held,
then the checks' copies); the bound is about half of that."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from referendum.bench.deniable import deniable_costs
from referendum.errors import UsageError
from referendum.protocol import deniable_tasks
from referendum.record import messages as m
from referendum.services import deniable as services_deniable
from referendum.services.step_spool import RowStream, StepSpool

SMALL, LARGE = 300, 1200
KB_PER_BALLOT = 20.0
"""The bound on the peak's growth per ballot (measured: about 10 KB)."""


def _peak(ballots: int) -> int:
    tracemalloc.start()
    try:
        deniable_costs(ballots, sample=4, rows_per_part=32)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_tally_and_its_checks_hold_far_less_than_the_steps_per_ballot() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services_deniable, "PROOFS_PER_TASK", 32)
        for name in ("BALLOTS_PER_TASK", "ROWS_PER_TASK", "ITEMS_PER_TASK"):
            patch.setattr(deniable_tasks, name, 32)
        patch.setattr(deniable_tasks, "FILTER_GROUPS_PER_TASK", 16)
        small, large = _peak(SMALL), _peak(LARGE)
    per_ballot = (large - small) / (LARGE - SMALL) / 1024
    print(f"peak {small / 2**20:.1f} MiB for {SMALL}, {large / 2**20:.1f} MiB for {LARGE}")
    print(f"growth {per_ballot:.1f} KB per ballot")
    assert large > small  # the measure sees the ballots at all
    assert per_ballot < KB_PER_BALLOT, f"{per_ballot:.1f} KB per ballot"


@pytest.mark.parametrize("count", [0, 1, 5, 6, 7, 13])
def test_a_streamed_step_is_cut_as_a_whole_one(count: int) -> None:
    rows = [{"pseudonym": f"{i:064x}", "counter": i} for i in range(count)]
    key = {"S": "aa", "U": "bb", "proof": {}}

    def spooled(value: Any) -> list[tuple[str, dict[str, Any]]]:
        with StepSpool(max_bytes=1 << 20, rows=3) as spool:
            spool.add(m.TALLY_GROUPS, {"region": "r", "key": key, "rows": value})
            return list(spool.parts())

    whole = spooled(rows)
    assert whole == spooled(RowStream(count, iter(rows)))
    assert [p["part"] for _, p in whole] == list(range(max(1, -(-count // 3))))
    assert ["key" in p for _, p in whole] == [False] * (len(whole) - 1) + [True]


def test_a_stream_of_another_length_is_refused() -> None:
    with StepSpool(max_bytes=1 << 20) as spool, pytest.raises(UsageError, match="2 rows made"):
        spool.add(m.TALLY_FILTER, {"region": "r", "selected": RowStream(3, iter([{}, {}]))})
