"""Benchmark of ``referendum forensics``: the whole battery on synthetic stations.

Targets (issue 15): 100,000 stations in under 60 s, 1,000,000 in under 10 minutes, on 2
cores; docs/performance.md has the figures.  ``referendum bench --forensics 100000
1000000`` prints the same figures as tables.

Run: ``.venv/bin/python benchmarks/forensics_bench.py [STATIONS ...]`` (default 100,000
and 1,000,000): one JSON object per size, each from a fresh process so that the peak
memory is that size's, with the load average before and after and each method's wall
and CPU seconds.
"""

from __future__ import annotations

import json
import sys

from referendum.forensics.bench import run_in_fresh_process


def main() -> None:
    """Print the benchmark's figures as JSON, one size per fresh process."""
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    for size in sizes:
        print(json.dumps(run_in_fresh_process(size), indent=2), flush=True)


if __name__ == "__main__":
    main()
