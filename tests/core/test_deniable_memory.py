"""The deniable tally's memory is not the whole record's steps held at once (issue 17 part 5,
docs/performance.md "Deniable revoting"): the steps are spooled to disk part by part and the
checks read them back part by part, holding only the encodings that join the steps.

The parts, proving tasks and checking tasks are made small here (tens of rows) so that what
one part or task holds is a fixed base well below the sizes compared; the peak resident memory
of the benchmark's whole deniable side (the tallying authority's steps, then their checks) is
then measured, each size in a fresh process, for ``N`` and ``4N`` ballots, and its growth per
ballot bounded.  Resident memory, not ``tracemalloc``: a decoded point's storage (about 530
bytes of it) is allocated outside Python's allocator and ``tracemalloc`` sees 56.  Before the
steps were streamed it grew by about 49 KB per ballot (every step's JSON held, then the
checks' copies); then by about 20 KB, 13 after the tally's proofs were reworked; now, with the
benchmark's ballots kept as encodings and the checks keeping each ballot as its row's
encodings, by about 7 KB (what remains is mostly the tally's decoded rows)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from referendum.errors import UsageError
from referendum.record import messages as m
from referendum.services.step_spool import RowStream, StepSpool

SMALL, LARGE = 300, 1200
KB_PER_BALLOT = 12.0
"""The bound on the peak's growth per ballot (measured: 6.6 KB; 13.2 before the ballots were
kept as encodings, 49 before the steps were streamed)."""

_CHILD = """
import sys
from pathlib import Path
from referendum.bench.deniable import deniable_costs
from referendum.protocol import deniable_tasks
from referendum.services import deniable as services_deniable
services_deniable.PROOFS_PER_TASK = 32
for name in ("BALLOTS_PER_TASK", "ROWS_PER_TASK", "ITEMS_PER_TASK"):
    setattr(deniable_tasks, name, 32)
deniable_tasks.FILTER_GROUPS_PER_TASK = 16
deniable_costs(int(sys.argv[1]), sample=4, rows_per_part=32)
status = Path("/proc/self/status").read_text().splitlines()
print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def _peak_kb(ballots: int) -> int:
    """The peak resident memory (KiB: ``VmHWM``, the process's own since its ``exec``, where
    ``ru_maxrss`` would keep the forking parent's) of a fresh process that runs the deniable
    side for ``ballots`` ballots."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(ballots)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_the_tally_and_its_checks_hold_far_less_than_the_steps_per_ballot() -> None:
    small, large = _peak_kb(SMALL), _peak_kb(LARGE)
    per_ballot = (large - small) / (LARGE - SMALL)
    print(f"peak {small / 1024:.1f} MiB for {SMALL}, {large / 1024:.1f} MiB for {LARGE}")
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
