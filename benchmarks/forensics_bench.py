"""Benchmark of ``referendum forensics``: the whole battery on synthetic stations.

Targets (issue 15): 100,000 stations in under 60 s, 1,000,000 in under 10 minutes, on 2
cores; docs/forensics/overview.md has the figures.

Run: ``.venv/bin/python benchmarks/forensics_bench.py [STATIONS ...]`` (default 100,000
and 1,000,000): one JSON object per size, each in a fresh process so that the peak
memory is that size's; the load average is printed beside each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from referendum.forensics.bench import run_benchmark


def main() -> None:
    """Print the benchmark's figures as JSON, one size per fresh process."""
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    if len(sizes) == 1:
        figures: dict[str, object] = dict(run_benchmark(sizes[0]))
        figures["load_average_1min"] = os.getloadavg()[0]
        print(json.dumps(figures, indent=2), flush=True)
        return
    for size in sizes:
        subprocess.run([sys.executable, __file__, str(size)], check=True)


if __name__ == "__main__":
    main()
