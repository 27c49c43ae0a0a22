"""The conformance records of ``vectors/records/``: regenerating them gives the committed
files; ``referendum verify`` (the command, ``--format json``) and the spec-only verifier of
the tests give every record the verdict, and the failing check, that ``index.json`` names.

Attacks that today's verifier does not catch yet are marked ``xfail(strict=True)`` with the
slice of issue 11 that makes it catch them: the day it lands the test flips (XPASS fails),
and the mark is to be removed from ``PENDING``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import generate_records
import spec_record_verifier

from referendum.cli.main import main

RECORDS = generate_records.RECORDS
INDEX: dict[str, Any] = json.loads((RECORDS / "index.json").read_text())
ENTRIES = {e["name"]: e for e in INDEX["records"]}

# record -> the slice of issue 11 once which the reference verifier catches it
PENDING = {}
# records on which today's verifier runs for minutes: verified in a process with a time limit
HANGS_TODAY: set[str] = set()
# records the spec-only verifier cannot judge from docs/spec as written -> what the spec lacks
SPEC_PENDING = {}


def _marked(names: list[str], pending: dict[str, str], reason: str) -> list[Any]:
    return [
        pytest.param(
            n,
            marks=pytest.mark.xfail(strict=True, reason=reason.format(pending[n]))
            if n in pending
            else (),
            id=n,
        )
        for n in names
    ]


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``referendum ARGS`` in this process: exit status and standard output."""
    old = sys.argv
    sys.argv = ["referendum", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old
    return code, capsys.readouterr().out


def _verify(name: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    args = ["verify", str(RECORDS / name), "--format", fmt, "--workers", "1"]
    if name not in HANGS_TODAY:
        return _cli(args, capsys)
    run = subprocess.run(
        [sys.executable, "-m", "referendum.cli", *args],
        capture_output=True,
        text=True,
        timeout=20,
    )
    return run.returncode, run.stdout


def test_regenerating_gives_the_committed_records(tmp_path: Path) -> None:
    generate_records.generate(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(RECORDS) for p in RECORDS.rglob("*") if p.is_file() and p.name != "README.md"
    )
    assert made == committed
    for path in made:
        assert (tmp_path / path).read_bytes() == (RECORDS / path).read_bytes(), path


def test_the_index_covers_every_kind() -> None:
    verdicts = {e["verdict"] for e in ENTRIES.values()}
    assert verdicts == {"valid", "invalid", "incomplete", "receipt"}
    decisions = {e["decision"] for e in ENTRIES.values() if e["verdict"] == "valid"}
    assert decisions == {"approved", "rejected", "void", "tie"}
    for entry in ENTRIES.values():
        assert (entry["verdict"] == "invalid") == ("check" in entry), entry["name"]
        if entry["verdict"] == "receipt":
            assert "receipt" in entry, entry["name"]
        assert (RECORDS / entry["name"] / "events.jsonl").is_file()
    assert set(PENDING) <= set(ENTRIES)
    assert len(list(RECORDS.glob("*/events.jsonl"))) == len(ENTRIES)
    size = sum(p.stat().st_size for p in RECORDS.rglob("*") if p.is_file())
    assert size < 4 * 2**20


@pytest.mark.parametrize("name", _marked(sorted(ENTRIES), PENDING, "caught once {} lands"))
def test_verify_gives_the_expected_verdict(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    entry = ENTRIES[name]
    code, out = _verify(name, "json", capsys)
    report = json.loads(out)
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    if entry["verdict"] in ("valid", "receipt"):
        assert code == 0 and report["ok"] and not failed, failed
        if "counts" in entry:
            assert report["summary"]["results"] == entry["counts"]
        last = (RECORDS / name / "events.jsonl").read_text().splitlines()[-1]
        assert json.loads(last)["type"] == "results"
    elif entry["verdict"] == "invalid":
        assert code == 1 and not report["ok"]
        assert failed[0]["check"] == entry["check"], failed[0]
    else:  # incomplete: valid so far, but never "The record verifies."
        assert code != 0 and not failed
        text_code, text = _verify(name, "text", capsys)
        assert text_code == code and "The record verifies." not in text


@pytest.mark.parametrize("name", [n for n, e in sorted(ENTRIES.items()) if e["verdict"] == "valid"])
def test_verify_prints_the_verdict_in_text(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify(name, "text", capsys)
    assert code == 0 and "The record verifies." in out


def _receipt(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDS / name / ENTRIES[name]["receipt"]).read_text())
    return data


@pytest.mark.parametrize(
    "name",
    [
        n
        for n, e in sorted(ENTRIES.items())
        if e["verdict"] == "receipt" and _receipt(n)["kind"] == "accepted"
    ],
)
def test_a_dropped_ballot_is_not_found_by_its_tracking_code(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _receipt(name)["tracking_code"]
    status, out = _cli(["track", code, "--record", str(RECORDS / name)], capsys)
    assert status == 1 and "no accepted ballot" in out


RECEIPTS = sorted(n for n, e in ENTRIES.items() if "receipt" in e)


@pytest.mark.parametrize("name", RECEIPTS)
def test_track_receipt_proves_the_drop(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    folder = RECORDS / name
    receipt = str(folder / ENTRIES[name]["receipt"])
    status, out = _cli(["track", "--receipt", receipt, str(folder)], capsys)
    if ENTRIES[name]["verdict"] == "valid":  # an honest record: the receipt holds
        assert status == 0, out
        return
    assert status == 1 and out.startswith("BOARD MISBEHAVIOUR"), out
    status, out = _cli(["track", "--receipt", receipt, str(folder), "--format", "json"], capsys)
    assert status == 1 and json.loads(out)["verdict"] == "misbehaviour"


@pytest.mark.parametrize("name", RECEIPTS)
def test_the_spec_only_receipt_check(name: str) -> None:
    folder = RECORDS / name
    verdict = spec_record_verifier.check_receipt(folder, folder / ENTRIES[name]["receipt"])
    assert verdict == ("holds" if ENTRIES[name]["verdict"] == "valid" else "misbehaviour")


@pytest.mark.parametrize(
    "name", _marked(sorted(ENTRIES), SPEC_PENDING, "docs/spec does not state {}")
)
def test_the_spec_only_verifier_gives_the_expected_verdict(name: str) -> None:
    entry = ENTRIES[name]
    verdict = spec_record_verifier.verify(RECORDS / name)
    if entry["verdict"] in ("valid", "receipt"):
        assert verdict.failed is None and verdict.complete, verdict
        assert verdict.decision == entry.get("decision", verdict.decision)
        assert verdict.counts == entry.get("counts", verdict.counts)
    elif entry["verdict"] == "invalid":
        assert verdict.failed is not None and verdict.failed[0] == entry["check"], verdict
    else:
        assert verdict.failed is None and not verdict.complete, verdict
