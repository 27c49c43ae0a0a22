"""Ballots made by the booth's JavaScript (run with Node) are accepted by the board, count
correctly, pass ``referendum verify``; its Benaloh challenges check in Python and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.errors import ProofError
from referendum.services.challenge import check_challenge_data
from referendum.web.builds import export_record

from .booth_tools import BOOTH, needs_node, run_tool
from .conftest import ORGANISER, TRUSTEES, Served, after_window, bearer

pytestmark = needs_node


@pytest.fixture
def board(tmp_path: Path) -> Iterator[BulletinBoard]:
    """Casting on PostgreSQL is covered by test_api: SQLite only here."""
    b = open_board(tmp_path / "board.sqlite")
    yield b
    b.close()


def js_ballot(served: Served, region: str, index: int, choice: str) -> dict[str, Any]:
    info = served.client.get("/api/referendum").json()
    credential = served.setup.credentials[region][index]
    found = served.client.get(f"/api/credentials/{credential.public}").json()
    request = {
        "info": info,
        "region": region,
        "credential": credential.private,
        "choices": {"q1": [choice]},
        "replaces": found["last_tracking_code"],  # as the booth does
    }
    return run_tool("make-ballot", request)


def cast(served: Served, made: dict[str, Any]) -> Any:
    return served.client.post(
        "/api/ballots",
        content=json.dumps(made["submission"]),
        headers={"Content-Type": "application/json"},
    )


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "referendum.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_js_ballots_are_cast_counted_and_verified(served: Served, tmp_path: Path) -> None:
    votes = [("east", 0, "yes"), ("east", 1, "no"), ("west", 0, "blank"), ("east", 0, "no")]
    codes = []
    for region, index, choice in votes:
        made = js_ballot(served, region, index, choice)
        r = cast(served, made)
        assert r.status_code == 201, r.text
        assert r.json()["tracking_code"] == made["tracking_code"]
        codes.append(made["tracking_code"])
    assert served.client.get(f"/api/ballots/{codes[0]}").json()["replaced_by"] == codes[3]

    # a challenged ballot: checks in Python; the same data with another choice does not
    made = js_ballot(served, "west", 1, "yes")
    challenged = made["challenge"]
    state = served.ctx.state()
    assert "yes" in check_challenge_data(state, challenged)
    lying = {**challenged, "choices": {"q1": ["no"]}, "selections": [[0, 1, 0]]}
    with pytest.raises(ProofError):
        check_challenge_data(state, lying)
    # it holds no signature, and its content cast as it is or as a submission is refused;
    # the ballot made to cast is another encryption
    assert "signature" not in json.dumps(challenged)
    shaped = {k: challenged[k] for k in ("election", "region", "credential", "ballot")}
    for content in (challenged, shaped):
        r = cast(served, {"submission": content})
        assert r.status_code == 400 and r.json()["error"] == "malformed", r.text
    borrowed = {
        **shaped,
        "signature": made["submission"]["signature"],
        "replaces": made["submission"]["replaces"],
    }
    r = cast(served, {"submission": borrowed})
    assert r.json()["error"] == "bad_signature", r.text
    cast_alphas = {s["alpha"] for s in made["submission"]["ballot"]["questions"][0]["selections"]}
    assert not cast_alphas & {
        s["alpha"] for s in challenged["ballot"]["questions"][0]["selections"]
    }

    after_window(served.setup)
    org = bearer(ORGANISER)
    for step in ("close", "tally"):
        assert served.client.post(f"/api/organiser/step/{step}", headers=org).status_code == 200
    for secrets in served.setup.secrets[1:]:
        r = served.client.post(
            f"/api/trustee/{secrets.trustee}/share",
            content=json.dumps(secrets.to_json()),
            headers=bearer(TRUSTEES[secrets.trustee]),
        )
        assert r.status_code == 200, r.text
    assert served.client.post("/api/organiser/step/results", headers=org).status_code == 200
    results = served.client.get("/api/results").json()["regions"]
    assert results["east"]["questions"]["q1"] == {"yes": 0, "no": 2, "blank": 0}
    assert results["west"]["questions"]["q1"] == {"yes": 0, "no": 0, "blank": 1}

    record = export_record(served.ctx, tmp_path)
    done = cli("verify", str(record))
    assert done.returncode == 0, done.stdout + done.stderr
    database = tmp_path / "board.sqlite"
    if database.exists():  # the voter's CLI checks the booth's challenge file too
        challenge_file = tmp_path / "challenge.json"
        challenge_file.write_text(json.dumps(challenged))
        done = cli("check-challenge", str(challenge_file), "--db", str(database))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "['yes']" in done.stdout
        challenge_file.write_text(json.dumps({**challenged, "selections": [[0, 1, 0]]}))
        assert cli("check-challenge", str(challenge_file), "--db", str(database)).returncode == 1


def test_committed_bundle_is_the_build_of_the_sources(tmp_path: Path) -> None:
    """``src/referendum/web/static/booth.js`` is what ``make booth`` builds (esbuild is
    deterministic), so the server needs no Node and the bundle cannot drift."""
    esbuild = BOOTH / "node_modules" / ".bin" / "esbuild"
    script = json.loads((BOOTH / "package.json").read_text(encoding="utf-8"))["scripts"]["build"]
    committed = Path(__file__).resolve().parents[2] / "src" / "referendum" / "web" / "static"
    args = [a for a in script.split()[1:] if not a.startswith("--outfile=")]
    subprocess.run(
        [str(esbuild), *args, f"--outfile={tmp_path / 'booth.js'}"],
        cwd=BOOTH,
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert (tmp_path / "booth.js").read_bytes() == (committed / "booth.js").read_bytes()
