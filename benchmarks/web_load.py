"""Load benchmark of the web application: many concurrent HTTP clients casting ballots on
loopback, on SQLite and on PostgreSQL.

It sets up an open referendum on a fresh board (key ceremony, credentials), prepares the
voters' ballots beforehand (plus some forged ones), starts ``referendum serve`` in its own
process, and casts every ballot from ``--clients`` concurrent HTTP clients.  It reports
ballots/s and latency percentiles, and checks that the board holds exactly the ballots
whose casting succeeded (HTTP 201) and a ``ballot.rejected`` entry for each refused one.

Run: ``.venv/bin/python benchmarks/web_load.py [--backend sqlite|postgres|both]
[--voters 600] [--clients 32]``; PostgreSQL reads ``REFERENDUM_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from referendum.bench.serving import start_server as serve_process
from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.clock import system_clock
from referendum.crypto.random import DeterministicRandom
from referendum.record import messages as m
from referendum.record.manifest import manifest_from_mapping
from referendum.services.credentials import (
    AuthorityKey,
    credential_list_payload,
    issue_credentials,
)
from referendum.services.keys import (
    publish_election_key,
    trustee_check,
    trustee_deal,
    trustee_setup,
)
from referendum.services.receipts import BoardKey
from referendum.services.state import load_state
from referendum.services.voter import prepare_ballot
from referendum.services.voting import create, open_voting, publish_credentials

REGIONS = ("north", "south")
BOARD_KEY = BoardKey.generate(DeterministicRandom(b"web-load/board"))


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def set_up(board: BulletinBoard, voters: int, seed: int) -> list[dict[str, Any]]:
    """An open referendum on ``board``; returns the submissions to cast (some forged)."""
    rng = DeterministicRandom(f"web-load/{seed}".encode())
    authority = AuthorityKey.generate(rng)
    now = system_clock()
    manifest = manifest_from_mapping(
        {
            "id": f"load-{seed}",
            "title": "Load test",
            "questions": [{"id": "q1", "text": "Approve?", "answers": ["yes", "no", "blank"]}],
            "regions": [{"id": r, "name": r.title()} for r in REGIONS],
            "window": [
                {
                    "opens": _stamp(now - dt.timedelta(hours=1)),
                    "closes": _stamp(now + dt.timedelta(hours=3)),
                }
            ],
            "trustees": {"names": ["A", "B", "C"], "threshold": 2},
            "credential_authority": authority.public.hex(),
            "board_key": BOARD_KEY.public.hex(),
        }
    )
    state = create(board, manifest, system_clock)
    secrets = [trustee_setup(board, i, rng, system_clock) for i in (1, 2, 3)]
    secrets = [trustee_deal(board, s, rng, system_clock) for s in secrets]
    for s in secrets:
        trustee_check(board, s, rng, system_clock)
    publish_election_key(board, system_clock)
    issued = []
    for k, region in enumerate(REGIONS):
        size = voters // len(REGIONS) + (k < voters % len(REGIONS))
        creds = issue_credentials(manifest.id, region, size, rng)
        payload = credential_list_payload(
            state.fingerprint, region, [c.public for c in creds], authority, rng
        )
        publish_credentials(board, payload, system_clock)
        issued.extend(creds)
    open_voting(board, system_clock)
    state = load_state(board)
    chooser = random.Random(seed)
    submissions = []
    for cred in issued:
        choice = chooser.choice(["yes", "no", "blank"])
        submissions.append(prepare_ballot(state, cred.private, {"q1": [choice]}, rng).submission)
    forged = []
    for sub in chooser.sample(submissions, k=max(1, len(submissions) // 20)):
        bad = json.loads(json.dumps(sub))
        sel = bad["ballot"]["questions"][0]["selections"]
        sel[0]["beta"], sel[1]["beta"] = sel[1]["beta"], sel[0]["beta"]
        forged.append(bad)
    everything = submissions + forged
    chooser.shuffle(everything)
    return everything


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _board_key_file() -> Path:
    path = Path(tempfile.gettempdir()) / f"board-key-{uuid.uuid4().hex}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(BOARD_KEY.to_json(), handle)
    return path


def start_server(db: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    tokens = Path(tempfile.gettempdir()) / f"no-tokens-{uuid.uuid4().hex}.json"
    return serve_process(db, port, tokens=tokens, board_key=_board_key_file(), workers=workers)


async def cast_all(
    url: str, submissions: list[dict[str, Any]], clients: int
) -> tuple[float, list[tuple[int, float, str | None]]]:
    """Cast every submission from ``clients`` concurrent clients: (seconds, results)."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for sub in submissions:
        queue.put_nowait(json.dumps(sub).encode())
    results: list[tuple[int, float, str | None]] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            while not queue.empty():
                body = queue.get_nowait()
                start = time.perf_counter()
                r = await http.post(
                    "/api/ballots", content=body, headers={"Content-Type": "application/json"}
                )
                code = r.json().get("tracking_code") if r.status_code == 201 else None
                results.append((r.status_code, time.perf_counter() - start, code))

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.perf_counter() - start, results


def run(
    backend: str, db: str, board: BulletinBoard, voters: int, clients: int, workers: int
) -> dict[str, Any]:
    submissions = set_up(board, voters, seed=7)
    board.close()
    port = _free_port()
    server = start_server(db, port, workers)
    try:
        seconds, results = asyncio.run(cast_all(f"http://127.0.0.1:{port}", submissions, clients))
    finally:
        server.terminate()
        server.wait(timeout=30)
    accepted = {code for status, _, code in results if status == 201}
    refused = sum(1 for status, _, _ in results if status != 201)
    check = open_board(db)
    try:
        on_board = {e.payload["tracking_code"] for e in check.events(types=(m.BALLOT_ACCEPTED,))}
        logged = check.count(m.BALLOT_REJECTED)
    finally:
        check.close()
    latencies = sorted(lat for _, lat, _ in results)
    quantiles = statistics.quantiles(latencies, n=100)
    statuses: dict[str, int] = {}
    for status, _, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "backend": backend,
        "clients": clients,
        "server_processes": workers,
        "submissions": len(submissions),
        "seconds": round(seconds, 2),
        "ballots_per_second": round(len(accepted) / seconds, 1),
        "requests_per_second": round(len(results) / seconds, 1),
        "latency_ms": {
            "p50": round(quantiles[49] * 1000, 1),
            "p90": round(quantiles[89] * 1000, 1),
            "p99": round(quantiles[98] * 1000, 1),
            "max": round(latencies[-1] * 1000, 1),
        },
        "statuses": statuses,
        "board_matches_201s": on_board == accepted,
        "rejections_logged": logged == refused,
    }


def main() -> None:
    """Print the figures as JSON; exit 1 if the board disagrees with the HTTP answers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--voters", type=int, default=600)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    args = parser.parse_args()
    figures = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            db = f"sqlite:///{Path(tmp) / 'board.sqlite'}"
            figures.append(
                run("sqlite", db, open_board(db), args.voters, args.clients, args.workers)
            )
    if args.backend in ("postgres", "both"):
        base = os.environ.get("REFERENDUM_TEST_POSTGRES_URL")
        if not base:
            print("PostgreSQL skipped: set REFERENDUM_TEST_POSTGRES_URL", file=sys.stderr)
        else:
            schema = f"load_{uuid.uuid4().hex[:12]}"
            db = f"{base}{'&' if '?' in base else '?'}schema={schema}"
            try:
                figures.append(
                    run("postgres", db, open_board(db), args.voters, args.clients, args.workers)
                )
            finally:
                import psycopg
                from psycopg import sql

                with psycopg.connect(base, autocommit=True) as conn:
                    conn.execute(
                        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
                    )
    print(json.dumps(figures, indent=2))
    if not all(f["board_matches_201s"] and f["rejections_logged"] for f in figures):
        sys.exit(1)


if __name__ == "__main__":
    main()
