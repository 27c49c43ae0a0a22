"""Load benchmark of the web application: ballots cast over HTTP on loopback by ``wrk``
(pre-generated submissions, one connection per client), on SQLite and on PostgreSQL
(:mod:`referendum.bench.web_load`; the same as ``referendum bench --web-load``).

It reports ballots/s, latency percentiles, CPU ms per accepted ballot of the server
processes and of the generator, and checks that the board holds exactly the ballots
whose casting succeeded (HTTP 201), a ``ballot.rejected`` entry for each refused one, and
that the exported record verifies so far.

Run: ``.venv/bin/python benchmarks/web_load.py [--backend sqlite|postgres|both]
[--voters 20000] [--clients 64] [--workers 1 --workers 2]``; PostgreSQL reads
``REFERENDUM_TEST_POSTGRES_URL``; needs ``wrk`` (Debian: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from referendum.bench.web_load import web_load


def main() -> None:
    """Print the figures as JSON; exit 1 if the board disagrees with the HTTP answers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, action="append", help="server processes")
    parser.add_argument("--forged", type=float, default=0.01, help="share of forged copies")
    parser.add_argument("--no-verify", action="store_true", help="skip verifying the record")
    args = parser.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    postgres = os.environ.get("REFERENDUM_TEST_POSTGRES_URL")
    if "postgres" in backends and not postgres:
        print("PostgreSQL skipped: set REFERENDUM_TEST_POSTGRES_URL", file=sys.stderr)
        backends.remove("postgres")
    figures = web_load(
        backends,
        voters=args.voters,
        clients=args.clients,
        workers=args.workers or [1],
        postgres=postgres,
        forged=args.forged,
        verify=not args.no_verify,
        progress=lambda step: print(f"... {step}", file=sys.stderr),
    )
    print(json.dumps(figures, indent=2))
    checks = ("board_matches_201s", "rejections_logged", "record_verifies_so_far")
    if not all(f[check] is not False for f in figures for check in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
