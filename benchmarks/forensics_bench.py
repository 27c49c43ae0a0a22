"""Benchmark of ``referendum forensics``: 1,000,000 synthetic stations, target < 60 s on 2 cores.

Run: ``.venv/bin/python benchmarks/forensics_bench.py [STATIONS]``.
"""

from __future__ import annotations

import json
import sys

from referendum.forensics.bench import run_benchmark


def main() -> None:
    """Print the benchmark's figures as JSON."""
    stations = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(json.dumps(run_benchmark(stations), indent=2))


if __name__ == "__main__":
    main()
