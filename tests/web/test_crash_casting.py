"""Crash safety of casting (issue 18, part 6): ``referendum serve`` killed with SIGKILL at
random moments while 16 clients cast, on SQLite and on PostgreSQL.

Each client casts its voters' ballots one after the other; when the server is gone it waits
and sends the same ballot again (a resend is answered with the stored ballot's receipt).
After three kills: every ballot answered 201 (or 200, a resend) is on the board, no
credential has two ballots and no tracking code is there twice, and the record verifies.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from board_targets import BoardTarget
from core.helpers import BOARD_KEY, manifest, ready_referendum
from referendum.bench.serving import start_server
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.io import write_record
from referendum.services.voter import prepare_ballot
from referendum.verify.record_verifier import verify_record

from .browser import _free_port

CLIENTS = 16
PER_CLIENT = 5
KILLS = 3


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _start(db: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    key = folder / "board.key"
    if not key.exists():
        key.write_text(json.dumps(BOARD_KEY.to_json()), encoding="utf-8")
        os.chmod(key, 0o600)
    return start_server(db, port, tokens=folder / "no-tokens.json", board_key=key)


def test_sigkill_while_16_clients_cast(shared_target: BoardTarget, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    window = [
        {
            "opens": _stamp(now - dt.timedelta(hours=1)),
            "closes": _stamp(now + dt.timedelta(hours=2)),
        }
    ]
    board = shared_target.open()
    setup = ready_referendum(board, per_region=CLIENTS * PER_CLIENT // 2, m=manifest(window=window))
    voters = setup.credentials["east"] + setup.credentials["west"]
    bodies = [
        canonical_json(
            prepare_ballot(setup.state, v.private, {"q1": ["yes"]}, setup.rng).submission
        )
        for v in voters
    ]
    board.close()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    answered: list[tuple[int, str]] = []  # (status, tracking code) of each 201/200
    lock = threading.Lock()

    def client(k: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            for body in bodies[k::CLIENTS]:
                while True:
                    try:
                        r = http.post(
                            "/api/ballots",
                            content=body,
                            headers={"Content-Type": "application/json"},
                        )
                    except httpx.HTTPError:
                        time.sleep(0.05)  # the server is down: send the same ballot again
                        continue
                    assert r.status_code in (200, 201), r.text
                    with lock:
                        answered.append((r.status_code, r.json()["tracking_code"]))
                    break

    server = _start(shared_target.url, port, tmp_path)
    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    chance = random.Random(18)
    # kill at random moments while casting: after a random number of answers, plus up to
    # 0.2 s (a moment inside a batch, its transaction or its answer)
    moments = sorted(chance.sample(range(4, len(bodies) - 8), KILLS))
    kills = 0
    try:
        for moment in moments:
            while len(answered) < moment and any(t.is_alive() for t in threads):
                time.sleep(0.005)
            time.sleep(chance.uniform(0.0, 0.2))
            os.kill(server.pid, signal.SIGKILL)  # no handler runs, nothing is flushed
            server.wait(timeout=30)
            kills += 1
            server = _start(shared_target.url, port, tmp_path)
        for thread in threads:
            thread.join(240)
    finally:
        server.kill()
        server.wait(timeout=30)
    assert kills == KILLS and not any(t.is_alive() for t in threads)
    assert len(answered) == len(bodies)  # each ballot answered once, in the end
    check = shared_target.open()
    accepted = list(check.events(types=(m.BALLOT_ACCEPTED,)))
    codes = Counter(e.payload["tracking_code"] for e in accepted)
    credentials = Counter(e.payload["credential"] for e in accepted)
    assert {code for _, code in answered} <= set(codes)  # every 201 and 200 is on the board
    assert max(codes.values()) == 1 and max(credentials.values()) == 1  # no duplicate
    assert len(accepted) == len(bodies)
    write_record(check.events(), tmp_path / "record")
    report = verify_record(tmp_path / "record")
    assert report.sound, [r.to_json() for r in report.failures()]
    assert report.summary["accepted"] == len(bodies)
    statuses: Any = Counter(status for status, _ in answered)
    assert statuses[201] + statuses[200] == len(bodies)
