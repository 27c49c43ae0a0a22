"""The record's archive on a large board, before and after the builds moved to the background
(issue 13 part 9); :mod:`referendum.bench.record_exports` says what each figure holds.

Run: ``.venv/bin/python benchmarks/export_bench.py DIR [--ballots 20000] [--baseline SRC]``.
The board is built once under DIR (``referendum.bench.board_pages``) and reused; each mode
runs its own server; ``--baseline SRC`` adds a server run from another checkout's ``src``
(the code before the change).  The figures are printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from referendum.bench.board_pages import BoardShape, build_board
from referendum.bench.record_exports import MODES, export_figures
from referendum.bench.serving import free_port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the board is built and kept")
    parser.add_argument("--ballots", type=int, default=20_000)
    parser.add_argument("--baseline", type=Path, help="another checkout's src folder")
    args = parser.parse_args()
    shape = BoardShape(args.ballots)
    path, built = build_board(args.folder, shape)
    modes = (*MODES, "baseline") if args.baseline else MODES
    figures = {
        "board": built,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "runs": [
            export_figures(path, shape, port=free_port(), mode=mode, baseline_src=args.baseline)
            for mode in modes
        ],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    json.dump(figures, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
