"""`referendum check --record DIR`: facts taken from a verified election record."""

from __future__ import annotations

import shutil
from pathlib import Path

from referendum.services.demo import run_demo
from referendum.standards import build_report, case_from_record_facts, load_case
from referendum.standards.record_facts import facts_from_record

ROOT = Path(__file__).resolve().parents[2]


def _finding(report: object, check_id: str) -> object:
    return next(f for f in report.findings if f.id == check_id)  # type: ignore[attr-defined]


def test_facts_from_a_verified_record(tmp_path: Path) -> None:
    run_demo(tmp_path / "rec", voters=12, seed=2)
    facts = facts_from_record(tmp_path / "rec")
    assert facts["verified"] is True
    assert facts["options"] == ["yes", "no", "blank"]
    assert {r["name"] for r in facts["regions"]} == {"north", "centre", "south"}
    assert facts["results"]["ballots"] == sum(r["ballots"] for r in facts["regions"])
    base = load_case(ROOT / "examples" / "scotland-2014-independence")
    report = build_report(case_from_record_facts(facts, base=base.to_mapping()))
    assert _finding(report, "RECONCILIATION").status == "pass"  # type: ignore[attr-defined]

    # the same record with one ballot altered: the verdict is false and the check fails
    broken = tmp_path / "broken"
    shutil.copytree(tmp_path / "rec", broken)
    lines = (broken / "events.jsonl").read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if '"ballot.accepted"' in line)
    lines[index] = lines[index].replace('"region":"', '"region":"x', 1)
    (broken / "events.jsonl").write_text("\n".join(lines) + "\n")
    assert facts_from_record(broken)["verified"] is False
