"""Casting over HTTP under load (issue 13 part 9): ballots/s, latency and CPU per ballot.

:func:`set_up` makes an open referendum on a fresh board (key ceremony, credentials in two
regions) and prepares every voter's ballot submission beforehand, plus forged copies of
some (:data:`FORGED`; two ciphertexts swapped: the proof fails).  :func:`cast_load` starts
``referendum serve`` in processes of its own and casts every submission once, over
loopback, from ``clients`` keep-alive connections of ``wrk`` (a C load generator, so that
the generator's own CPU stays small beside the server's; :data:`WRK_SCRIPT` drives it).  It
reports the ballots accepted per second of wall time, the latency percentiles, the CPU
seconds per accepted ballot of the server processes, of PostgreSQL's backends serving them
and of the generator, the load average, and checks the outcome: the board holds exactly
the ballots answered 201, a ``ballot.rejected`` event for each refused one, and the
exported record is valid so far (``verify``: no check fails; the referendum is still open,
so not complete).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from referendum.bench.memory import tree_cpu
from referendum.bench.serving import free_port, start_server
from referendum.board.open import open_board, split_schema
from referendum.board.protocol import BulletinBoard
from referendum.clock import system_clock
from referendum.crypto.ballot import tracking_code
from referendum.crypto.random import DeterministicRandom
from referendum.errors import ReferendumError
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.io import write_record
from referendum.record.manifest import manifest_from_mapping
from referendum.services.checkpoints import stored_notes
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
from referendum.verify.record_verifier import verify_record

__all__ = ["WRK_SCRIPT", "WrkMissing", "cast_load", "set_up", "web_load"]

WRK_SCRIPT = Path(__file__).with_name("web_load.lua")
REGIONS = ("north", "south")
BOARD_KEY = BoardKey.generate(DeterministicRandom(b"web-load/board"))
Progress = Callable[[str], None]
FORGED = 0.01
"""The share of voters whose ballot is also sent forged, by default: one in a hundred (a
booth makes valid ballots; a forged one costs the server the batch checks that find it)."""


class WrkMissing(ReferendumError):
    """``wrk`` (the load generator) is not installed (Debian: ``apt-get install wrk``)."""


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def set_up(
    board: BulletinBoard, voters: int, seed: int, *, forged: float = FORGED
) -> list[dict[str, Any]]:
    """An open referendum on ``board``; returns the submissions to cast, shuffled: one per
    voter and, for a share ``forged`` of them, a forged copy (two ciphertexts swapped: its
    proof fails)."""
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
    copies = []
    for sub in chooser.sample(submissions, k=round(len(submissions) * forged)):
        bad = json.loads(json.dumps(sub))
        sel = bad["ballot"]["questions"][0]["selections"]
        sel[0]["beta"], sel[1]["beta"] = sel[1]["beta"], sel[0]["beta"]
        copies.append(bad)
    everything = submissions + copies
    chooser.shuffle(everything)
    return everything


def _database_pids(db: str) -> tuple[int, ...]:
    """The PostgreSQL backends serving connections named as ``db``'s ``application_name``
    (none for SQLite, whose work is in the server processes)."""
    query = dict(parse_qsl(urlsplit(db).query))
    name = query.get("application_name")
    if not db.startswith(("postgresql:", "postgres:")) or name is None:
        return ()
    import psycopg

    conninfo, _ = split_schema(db)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND pid <> "
            "pg_backend_pid()",
            (name,),
        ).fetchall()
    return tuple(int(pid) for (pid,) in rows)


def _wrk(url: str, bodies: Sequence[bytes], clients: int, folder: Path) -> dict[str, Any]:
    """Cast ``bodies`` with wrk from ``clients`` connections (body ``i`` by client
    ``i % clients``); returns wrk's figures, with ``statuses`` in the order of ``bodies``,
    ``seconds`` (first request to last answer) and ``cpu_seconds`` (wrk's)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkMissing("wrk is not installed (Debian: apt-get install wrk)")
    for c in range(clients):
        (folder / f"client-{c}.ndjson").write_bytes(b"\n".join(bodies[c::clients]) + b"\n")
    done = folder / "done"
    done.touch()
    command = [wrk, "-t", str(clients), "-c", str(clients), "-d", "3600s", "--timeout", "60s"]
    command += ["-s", str(WRK_SCRIPT), url, "--", str(folder)]
    before = os.times()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # a server that stopped answering leaves its clients waiting: give up at a slow
        # 20 ballots/s (the answers missing then show as statuses None, the board unequal)
        deadline = time.monotonic() + 60 + len(bodies) / 20
        while len(done.read_text().split()) < clients and process.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)  # every thread is done: wrk reports at once
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    after = os.times()
    if process.returncode != 0 or not out.strip():
        raise RuntimeError(f"wrk failed: {err.decode(errors='replace').strip()[-400:]}")
    figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    statuses: list[int | None] = [None] * len(bodies)
    for thread in figures["threads"]:
        for j, status in enumerate(thread["statuses"]):
            if thread["id"] + j * clients < len(bodies):
                statuses[thread["id"] + j * clients] = status
    figures["statuses"] = statuses
    ended = [t["last"] for t in figures["threads"] if t["last"] > 0]
    began = [t["first"] for t in figures["threads"] if t["first"] > 0]
    figures["seconds"] = max(ended) - min(began) if ended and began else float("nan")
    figures["cpu_seconds"] = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return figures


def _verified(db: str, folder: Path) -> bool:
    """Whether the board's record, exported now, is valid so far (no check fails)."""
    board = open_board(db)
    try:
        write_record(board.events(), folder / "record", checkpoints=stored_notes(board))
    finally:
        board.close()
    return verify_record(folder / "record").sound


def cast_load(
    db: str,
    *,
    backend: str,
    voters: int,
    clients: int,
    workers: int,
    seed: int = 7,
    forged: float = FORGED,
    verify: bool = True,
    progress: Progress = lambda _: None,
) -> dict[str, Any]:
    """Set up a referendum on the fresh board ``db``, cast its submissions over HTTP with
    ``clients`` connections to ``workers`` server processes, and check the board."""
    board = open_board(db)
    try:
        progress(f"{backend}: an open referendum of {voters:,} voters, their ballots prepared")
        submissions = set_up(board, voters, seed, forged=forged)
    finally:
        board.close()
    bodies = [canonical_json(s) for s in submissions]  # as the booth sends
    codes = [tracking_code(canonical_json(s["ballot"])) for s in submissions]
    with tempfile.TemporaryDirectory(prefix="referendum-web-load-") as scratch:
        folder = Path(scratch)
        key = folder / "board-key.json"
        key.write_text(json.dumps(BOARD_KEY.to_json()), encoding="utf-8")
        key.chmod(0o600)
        port = free_port()
        progress(
            f"{backend}: casting {len(bodies):,} submissions, {clients} clients, "
            f"{workers} server process(es)"
        )
        load_before = os.getloadavg()
        server = start_server(
            db, port, tokens=folder / "no-tokens.json", board_key=key, workers=workers
        )
        try:
            database = _database_pids(db)
            server_before = tree_cpu([server.pid])
            database_before = sum(tree_cpu([pid]) for pid in database)
            wrk = _wrk(f"http://127.0.0.1:{port}", bodies, clients, folder)
            server_cpu = tree_cpu([server.pid]) - server_before
            database_cpu = sum(tree_cpu([pid]) for pid in database) - database_before
        finally:
            server.terminate()
            server.wait(timeout=30)
        load_after = os.getloadavg()
        check = open_board(db)
        try:
            on_board = {
                e.payload["tracking_code"] for e in check.events(types=(m.BALLOT_ACCEPTED,))
            }
            logged = check.count(m.BALLOT_REJECTED)
        finally:
            check.close()
        verified = _verified(db, folder) if verify else None
    statuses = wrk["statuses"]
    accepted = {codes[i] for i, status in enumerate(statuses) if status == 201}
    refused = sum(1 for status in statuses if status is not None and 400 <= status < 500)
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status)] = counts.get(str(status), 0) + 1
    n_accepted = sum(1 for status in statuses if status == 201)
    seconds = wrk["seconds"]
    return {
        "backend": backend,
        "clients": clients,
        "server_processes": workers,
        "submissions": len(bodies),
        "seconds": round(seconds, 2),
        "ballots_per_second": round(n_accepted / seconds, 1) if seconds > 0 else 0.0,
        "requests_per_second": round(len(bodies) / seconds, 1) if seconds > 0 else 0.0,
        "latency_ms": {k: round(v / 1000, 1) for k, v in wrk["latency_us"].items()},
        "server_cpu_ms_per_ballot": round(server_cpu / max(n_accepted, 1) * 1000, 3),
        "database_cpu_ms_per_ballot": round(database_cpu / max(n_accepted, 1) * 1000, 3),
        "client_cpu_ms_per_ballot": round(wrk["cpu_seconds"] / max(n_accepted, 1) * 1000, 3),
        "load_average": {"before": load_before[0], "after": load_after[0]},
        "statuses": counts,
        "socket_errors": wrk["errors"],
        "board_matches_201s": on_board == accepted,
        "rejections_logged": logged == refused,
        "record_verifies_so_far": verified,
    }


@contextmanager
def _fresh_board(backend: str, postgres: str | None) -> Iterator[str]:
    """The URL of a fresh, empty board of ``backend``, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="referendum-web-load-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'board.sqlite'}"
        return
    if postgres is None:
        raise ValueError("a PostgreSQL URL is needed")
    import psycopg
    from psycopg import sql

    schema = f"web_load_{uuid.uuid4().hex[:12]}"
    try:
        # the application name finds the database's own processes serving the board
        joiner = "&" if "?" in postgres else "?"
        yield f"{postgres}{joiner}schema={schema}&application_name={schema}"
    finally:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def web_load(
    backends: Sequence[str],
    *,
    voters: int,
    clients: int,
    workers: Sequence[int],
    postgres: str | None = None,
    forged: float = FORGED,
    verify: bool = True,
    progress: Progress = lambda _: None,
) -> list[dict[str, Any]]:
    """:func:`cast_load` on a fresh board of each backend (``sqlite``, ``postgres`` at the
    URL ``postgres``) for each number of server processes in ``workers``."""
    figures = []
    for backend in backends:
        for processes in workers:
            with _fresh_board(backend, postgres) as db:
                figures.append(
                    cast_load(
                        db,
                        backend=backend,
                        voters=voters,
                        clients=clients,
                        workers=processes,
                        forged=forged,
                        verify=verify,
                        progress=progress,
                    )
                )
    return figures
