"""Deniable against visible revoting, per ballot: the tally's and the verifier's cost (issue 17
part 5; referendum.bench.deniable says what each figure holds).

Run: ``.venv/bin/python benchmarks/deniable_bench.py [--ballots 10000 100000 1000000]
[--workers 2] [--max-minutes 30]``.  The sizes run one after the other in one process; each
prints one JSON line: CPU milliseconds per ballot (this process and its workers), the wall
seconds of the tally and of the steps' verification, the peak resident memory of this process
and of its workers, and the load average beside them (other jobs on the machine inflate the
wall times).  Before each size after the first, the projection of its wall time and memory
from the sizes already run is printed; with ``--max-minutes`` a size projected to take longer
is skipped, saying so.
"""

from __future__ import annotations

import argparse
import json
import os

from referendum.bench.deniable import deniable_costs, projection


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--sample", type=int, default=256, help="real ballots checked per kind")
    parser.add_argument("--workers", type=int, default=1, help="processes verifying the steps")
    parser.add_argument(
        "--max-minutes", type=float, default=None, help="skip sizes projected to take longer"
    )
    args = parser.parse_args()
    done: list[dict[str, float]] = []
    for ballots in args.ballots:
        if done:
            guess = projection(done, ballots)
            print(json.dumps({"projected": guess}), flush=True)
            if args.max_minutes is not None and guess["wall_s"] > 60 * args.max_minutes:
                print(json.dumps({"skipped": ballots, "reason": "projected beyond --max-minutes"}))
                continue
        figures = deniable_costs(ballots, sample=args.sample, workers=args.workers).to_json()
        figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
        done.append(figures)
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
