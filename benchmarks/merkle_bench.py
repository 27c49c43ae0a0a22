"""The transparency log's figures (issue 12, part 5): the Merkle tree's share of ingest per
ballot, measured in one run against the board without it, and inclusion proofs served from a
board's tree of ten million events and checked in Python.

    python benchmarks/merkle_bench.py --events 10000000 --out bench-out

The ten-million-event tree is built by a bulk path from synthetic event hashes (a real board of
ten million ballots takes hours to generate on a small machine); proofs are then served from its
stored nodes by the server's own code.  ``referendum bench --log-events N`` runs the same.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from referendum.bench.merkle import proof_figures, tree_overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="events in the tree")
    parser.add_argument("--ballots", type=int, default=600, help="ballots per ingest run")
    parser.add_argument("--rounds", type=int, default=3, help="runs with and without the tree")
    parser.add_argument("--workers", type=int, default=2, help="processes preparing ballots")
    parser.add_argument("--out", type=Path, default=Path("bench-out"), help="working folder")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    figures = {
        "tree_overhead": tree_overhead(
            args.out / "tree-overhead",
            ballots=args.ballots,
            rounds=args.rounds,
            workers=args.workers,
        ),
        "proofs": proof_figures(args.out / f"log-tree-{args.events}.sqlite", events=args.events),
    }
    text = json.dumps(figures, indent=1)
    (args.out / "merkle.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
