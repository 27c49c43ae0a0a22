"""Deniable against visible revoting, per ballot: the tally's and the verifier's CPU cost
(issue 17 part 5; referendum.bench.deniable says what each figure holds).

Run: ``.venv/bin/python benchmarks/deniable_bench.py [--ballots 10000 100000]``.  Each size
runs once; the figures are CPU milliseconds of this process per ballot, printed as JSON
lines with the load average beside them (other jobs on the machine inflate them).
"""

from __future__ import annotations

import argparse
import json
import os

from referendum.bench.deniable import deniable_costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--sample", type=int, default=256, help="real ballots checked per kind")
    args = parser.parse_args()
    for ballots in args.ballots:
        figures = deniable_costs(ballots, sample=args.sample).to_json()
        figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
