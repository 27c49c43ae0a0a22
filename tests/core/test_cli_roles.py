"""A whole referendum through the command line, one role at a time, verified at the end.

SQLite board; the commands read the machine's clock, so the steps after the voting window run
under Debian's ``faketime`` (libfaketime), two hours ahead."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .helpers import run_main

CLI = [sys.executable, "-m", "referendum.cli"]


LATER = ["faketime", "-f", "+2h"]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str, ok: bool = True, later: bool = False) -> Ran:
    """Run ``referendum ARGS``: in this process (as ``main()`` with its exit codes), or in a
    subprocess under faketime for the steps after the voting window."""
    if later:
        command = [*LATER, *CLI, *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        result = Ran(done.returncode, done.stdout, done.stderr)
    else:
        result = Ran(*run_main(*args))
    if ok:
        assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


def test_referendum_by_roles(tmp_path: Path) -> None:
    db = str(tmp_path / "board.sqlite")
    authority_key = tmp_path / "authority.key"
    authority_public = run("credentials", "keygen", "--out", str(authority_key)).stdout.strip()
    assert oct(authority_key.stat().st_mode)[-3:] == "600"
    board_key = tmp_path / "board.key"
    board_public = run("board", "keygen", "--out", str(board_key)).stdout.strip()
    assert oct(board_key.stat().st_mode)[-3:] == "600"
    assert board_key.read_text().count(board_public) == 1  # the public half; the secret too
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    closes = now + dt.timedelta(hours=1)
    manifest = {
        "id": "cli-test",
        "title": "CLI test",
        "questions": [{"id": "q1", "text": "Approve?", "answers": ["yes", "no", "blank"]}],
        "regions": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "window": [
            {
                "opens": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "closes": closes.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ],
        "trustees": {"names": ["T1", "T2"], "threshold": 2},
        "credential_authority": authority_public,
        "board_key": board_public,
        "rule": {"majority": "1/2"},
    }
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_text(json.dumps(manifest))
    other = tmp_path / "other.key"
    run("board", "keygen", "--out", str(other))
    mismatch = run("create", str(manifest_path), "--board-key", str(other), "--db", db, ok=False)
    assert mismatch.returncode == 2 and "board_key" in mismatch.stderr
    run("create", str(manifest_path), "--board-key", str(board_key), "--db", db)
    keys = [tmp_path / f"t{i}.key" for i in (1, 2)]
    # Trustee 1 works on the board; trustee 2 offline, from an exported record, uploading
    # each signed step (its key file never goes near the board).
    export = tmp_path / "export"

    def offline(step: str, *args: str, later: bool = False) -> None:
        run("publish", "--out", str(export), "--overwrite", "--db", db, later=later)
        out = tmp_path / f"{step}.json"
        run("trustee", step, *args, "--key-file", str(keys[1]), "--record", str(export),
            "--out", str(out), later=later)  # fmt: skip
        run("trustee", "submit", str(out), "--db", db, later=later)

    run("trustee", "setup", "--trustee", "1", "--key-file", str(keys[0]), "--db", db)
    offline("setup", "--trustee", "2")
    run("trustee", "deal", "--key-file", str(keys[0]), "--db", db)
    offline("deal")
    forged = json.loads((tmp_path / "deal.json").read_text())
    forged["payload"]["trustee"] = 1
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = run("trustee", "submit", str(tmp_path / "forged.json"), "--db", db, ok=False)
    assert refused.returncode != 0 and "trustee" in refused.stderr
    assert "1 shares good" in run("trustee", "check", "--key-file", str(keys[0]), "--db", db).stdout
    offline("check")
    run("election-key", "--db", db)
    privates = {}
    for region in ("a", "b"):
        listing = tmp_path / f"{region}.json"
        private = tmp_path / f"{region}.csv"
        run(
            "credentials", "issue", "--manifest", str(manifest_path),
            "--authority-key", str(authority_key), "--region", region, "--count", "2",
            "--private-out", str(private), "--list-out", str(listing),
        )  # fmt: skip
        run("credentials", "publish", str(listing), "--db", db)
        with private.open() as handle:
            privates[region] = [row["credential"] for row in csv.DictReader(handle)]
    run("open", "--db", db)
    # a voter challenges a ballot, checks it, then votes; another votes twice
    challenge = tmp_path / "challenge.json"
    run(
        "vote",
        "--credential",
        privates["a"][0],
        "--choice",
        "q1=no",
        "--challenge",
        str(challenge),
        "--db",
        db,
    )
    assert "['no']" in run("check-challenge", str(challenge), "--db", db).stdout
    challenged = json.loads(challenge.read_text(encoding="utf-8"))
    assert "signature" not in challenged and "submission" not in challenged  # uncastable
    receipts = [tmp_path / f"receipt-{i}.json" for i in range(3)]
    signing = ("--board-key", str(board_key), "--db", db)
    code = run("vote", "--credential", privates["a"][0], "--choice", "q1=yes",
               "--receipt-out", str(receipts[0]), *signing).stdout  # fmt: skip
    first = code.split("tracking code: ")[1].split()[0]
    assert first != challenged["tracking_code"]  # the cast ballot is a fresh encryption
    short = code.split("receipt short code (write it down): ")[1].split()[0]
    assert json.loads(receipts[0].read_text())["tracking_code"] == first
    run("vote", "--credential", privates["b"][0], "--choice", "q1=no",
        "--receipt-out", str(receipts[1]), *signing)  # fmt: skip
    second = run("vote", "--credential", privates["b"][0], "--choice", "q1=yes", *signing)
    assert "replaces" in second.stdout
    wrong = run("vote", "--credential", privates["b"][1], "--choice", "q1=yes",
                "--board-key", str(other), "--db", db, ok=False)  # fmt: skip
    assert wrong.returncode == 2 and "board_key" in wrong.stderr
    assert json.loads(other.read_text())["secret"] not in (wrong.stderr + wrong.stdout)
    assert "it counts" in run("track", first, "--db", db).stdout
    bad = run("vote", "--credential", "not-a-credential", "--choice", "q1=yes", *signing, ok=False)
    assert bad.returncode == 2 and "credential" in bad.stderr
    early = run("close", "--db", db, ok=False)
    assert early.returncode == 1 and "window" in early.stderr
    run("close", "--db", db, later=True)
    run("tally", "--db", db, later=True)
    for key in keys:
        if key == keys[0]:
            run("trustee", "decrypt", "--key-file", str(key), "--db", db, later=True)
        else:
            offline("decrypt", later=True)
    results = run("results", "--db", db, later=True).stdout
    assert "APPROVED" in results
    record = tmp_path / "record"
    run("publish", "--out", str(record), "--db", db)
    verified = run("verify", str(record), "--format", "json")
    report = json.loads(verified.stdout)
    assert report["ok"] and report["summary"]["counted"] == 2
    assert report["summary"]["results"]["a"]["questions"]["q1"]["yes"] == 1
    assert "it counts" in run("track", first, "--record", str(record)).stdout
    held = run("track", "--receipt", str(receipts[0]), str(record))
    assert held.stdout.startswith("OK:") and "it counts" in held.stdout and short
    replaced = run("track", "--receipt", str(receipts[1]), str(record))
    assert "replaced it: the later one counts" in replaced.stdout
