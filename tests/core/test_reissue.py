"""Reissuing a lost credential before voting opens: the authority's CLI gives the voter a new
private credential (rewritten in its CSV) and signs a reissue that takes the old public
credential off the region's list; the board refuses the old credential's ballots and accepts
the new one's; both verifiers accept the record and count the electorate after the reissue;
after opening, or for a credential not on the list, the reissue is refused clearly."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from core.helpers import AUTHORITY, OPENS, ready_referendum, run_main, vote_and_count
from referendum.board.open import open_board
from referendum.crypto.credentials import derive_credential
from referendum.errors import BallotRejected, InputError, PhaseError
from referendum.record.io import write_record
from referendum.services.credentials import reissue_payload
from referendum.services.ingest import cast
from referendum.services.state import load_state
from referendum.services.voter import prepare_ballot
from referendum.services.voting import open_voting, publish_credentials
from referendum.verify.record_verifier import verify_record

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))
import spec_record_verifier


def test_a_reissued_credential_replaces_the_lost_one(tmp_path: Path) -> None:
    db = tmp_path / "board.sqlite"
    board = open_board(str(db))
    setup = ready_referendum(board, per_region=3, open_now=False)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(setup.state.manifest_payload), encoding="utf-8")
    key = tmp_path / "authority.key"
    key.write_text(json.dumps(AUTHORITY.to_json()), encoding="utf-8")
    east = setup.credentials["east"]
    private = tmp_path / "east.csv"
    private.write_text(
        "voter,region,credential,email\n"
        + "".join(f"e{i},east,{c.private},e{i}@example.org\n" for i, c in enumerate(east)),
        encoding="utf-8",
    )
    out = tmp_path / "reissue.json"
    code, stdout, stderr = run_main(
        "credentials", "reissue", "--manifest", str(manifest), "--authority-key", str(key),
        "--private", str(private), "--voter", "e1", "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "1 credentials of region east reissued" in stdout
    with private.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["voter"] for r in rows] == ["e0", "e1", "e2"]
    assert rows[0]["credential"] == east[0].private and rows[2]["credential"] == east[2].private
    assert rows[1]["credential"] != east[1].private and rows[1]["email"] == "e1@example.org"
    new_private = rows[1]["credential"]
    new_public = derive_credential(setup.state.manifest.id, new_private)[1].hex()
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["revoked"] == [east[1].public] and payload["public_credentials"] == [new_public]
    assert new_private not in out.read_text()

    publish_credentials(board, payload, setup.clock)  # as `credentials publish` (test clock)
    state = load_state(board)
    assert state.region_of(east[1].public) is None and state.region_of(new_public) == "east"
    assert state.electorate("east") == 3
    # the same reissue again: the old credential is no longer on the list
    code, _, stderr = run_main("credentials", "publish", str(out), "--db", str(db))
    assert code == 2 and "revoked[0]: not on the list of region 'east'" in stderr

    setup.clock.jump(OPENS - dt.timedelta(minutes=5))
    open_voting(board, setup.clock)
    setup.clock.jump(OPENS + dt.timedelta(minutes=1))
    state = load_state(board)
    with pytest.raises(InputError, match="not on any region's list"):
        prepare_ballot(state, east[1].private, {"q1": ["yes"]}, setup.rng)  # the voter's side
    # a ballot made before the reissue (the list as it was), sent now: the board refuses it
    lost = prepare_ballot(setup.state, east[1].private, {"q1": ["yes"]}, setup.rng)
    with pytest.raises(BallotRejected) as refused:
        cast(board, lost.submission, setup.clock)
    assert refused.value.code == "unknown_credential"
    found = prepare_ballot(state, new_private, {"q1": ["no"]}, setup.rng)
    cast(board, found.submission, setup.clock)

    # after opening: refused, saying why
    again = tmp_path / "again.json"
    assert run_main(
        "credentials", "reissue", "--manifest", str(manifest), "--authority-key", str(key),
        "--private", str(private), "--voter", "e2", "--out", str(again),
    )[0] == 0  # fmt: skip
    code, _, stderr = run_main("credentials", "publish", str(again), "--db", str(db))
    assert code == 1 and "voting has opened" in stderr and "can no longer be revoked" in stderr

    ready = dataclasses.replace(setup, board=board, state=state)
    ready.credentials = {"east": [east[0]], "west": setup.credentials["west"][:1]}
    results = vote_and_count(ready, {"east": ["yes"], "west": ["yes"]})
    assert results["regions"]["east"]["electorate"] == 3
    assert results["regions"]["east"]["ballots"] == 2  # the new credential's and e0's
    record = tmp_path / "record"
    write_record(board.events(), record)
    report = verify_record(record)
    assert report.ok, [r for r in report.to_json()["checks"] if r["status"] != "pass"]
    verdict = spec_record_verifier.verify(record)
    assert verdict.failed is None and verdict.complete, verdict
    board.close()


def test_a_reissue_that_breaks_a_rule_is_refused(tmp_path: Path) -> None:
    board = open_board(str(tmp_path / "board.sqlite"))
    setup = ready_referendum(board, per_region=2, open_now=False)
    fp = setup.state.fingerprint
    east, west = setup.credentials["east"], setup.credentials["west"]
    rng = setup.rng
    cases = [
        (reissue_payload(fp, "east", [west[0].public], [], AUTHORITY, rng), "revoked[0]"),
        (
            reissue_payload(fp, "east", [east[0].public], [west[1].public], AUTHORITY, rng),
            "public_credentials[0]: already on the list of region 'west'",
        ),
        (
            reissue_payload(
                fp, "east", [east[0].public], [west[0].public, west[1].public], AUTHORITY, rng
            ),
            "no more credentials than it revokes",
        ),
        (
            reissue_payload(fp, "east", [east[0].public], [east[0].public], AUTHORITY, rng),
            "a revoked credential is never listed again",
        ),
    ]
    for payload, message in cases:
        with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
            publish_credentials(board, payload, setup.clock)
    forged = reissue_payload(fp, "east", [east[0].public], [], AUTHORITY, rng)
    forged["revoked"] = [east[1].public]
    with pytest.raises(Exception, match="signature"):
        publish_credentials(board, forged, setup.clock)
    # a revoked credential stays revoked
    publish_credentials(
        board, reissue_payload(fp, "east", [east[0].public], [], AUTHORITY, rng), setup.clock
    )
    back = reissue_payload(fp, "east", [east[1].public], [east[0].public], AUTHORITY, rng)
    with pytest.raises(InputError, match="never listed again"):
        publish_credentials(board, back, setup.clock)
    assert load_state(board).electorate("east") == 1
    setup.clock.jump(OPENS - dt.timedelta(minutes=5))
    open_voting(board, setup.clock)
    late = reissue_payload(fp, "east", [east[1].public], [], AUTHORITY, rng)
    with pytest.raises(PhaseError, match="voting has opened"):
        publish_credentials(board, late, setup.clock)
    board.close()
