"""Benchmark of ``referendum forensics``: the whole battery on synthetic stations.

Targets (issue 15): 100,000 stations in under 60 s, 1,000,000 in under 10 minutes, on 2
cores; docs/forensics/overview.md has the figures.

Run: ``.venv/bin/python benchmarks/forensics_bench.py [STATIONS]``.
"""

from __future__ import annotations

import json
import sys

from referendum.forensics.bench import run_benchmark


def main() -> None:
    """Print the benchmark's figures as JSON."""
    stations = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(json.dumps(run_benchmark(stations), indent=2))


if __name__ == "__main__":
    main()
