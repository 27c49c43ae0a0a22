"""Public pages, the tracking lookup and start-up on a board of millions of ballots (issue 13
part 9); :mod:`referendum.bench.board_pages` says how the board is synthesised and what each
figure holds.

Run: ``.venv/bin/python benchmarks/board_pages.py DIR [--ballots 10000000] [--requests 200]``
(also ``referendum bench --pages DIR``).  The board is built once under DIR (ten million
ballots: about 25 GiB and some 20 minutes on a quiet 2-core machine) and reused by later runs;
the figures are printed as JSON, with the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from referendum.bench.board_pages import BoardShape, build_board, page_figures
from referendum.bench.serving import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the board is built and kept")
    parser.add_argument("--ballots", type=int, default=10_000_000)
    parser.add_argument("--regions", type=int, default=24)
    parser.add_argument("--requests", type=int, default=200, help="requests of each page")
    args = parser.parse_args()
    shape = BoardShape(args.ballots, regions=args.regions)

    def progress(step: str) -> None:
        print(f"... {step}", file=sys.stderr, flush=True)

    path, built = build_board(args.folder, shape, progress=progress)
    figures = {
        "board": built,
        **page_figures(path, shape, port=free_port(), requests=args.requests),
    }
    json.dump(figures, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
