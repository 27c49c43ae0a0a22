"""The verifier's per-ballot time on each group backend, side by side in one run (issue 16).

Run: ``.venv/bin/python benchmarks/backends_side_by_side.py [--voters N] [--sample M]``.
Generates a record of N voters (``referendum.bench.generate``), then measures, in one process
per backend (``REFERENDUM_GROUP_BACKEND``), CPU milliseconds per ballot over M ballots of it:
the verifier's path (``check_range``), the one-by-one reference check, and encryption with
every proof and the signature; prints them and their ratios.  ``referendum bench`` runs the
same step (``per_ballot_by_backend``) on its large record.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from rich.console import Console

from referendum.bench.generate import generate_record
from referendum.bench.run import machine, per_ballot_by_backend
from referendum.cli.bench import print_backends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=400)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        record = Path(scratch) / "record"
        generate_record(record, voters=options.voters, workers=options.workers)
        found = per_ballot_by_backend(record, sample=options.sample)
    print_backends(found, Console())
    print(json.dumps({"machine": machine(), **found}, indent=2))


if __name__ == "__main__":
    main()
