"""One law, one outcome: an electronic referendum's manifest, a case file and an audit's
results file written with the same rule give the same outcome on the same counts.

The law counts blank ballots as votes for the majority (so a yes ahead of no can still
fail) and sets a turnout quorum of at least 7/8 of the register (met exactly here), which the
old strict form could not say.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from referendum.audit.outcome import reported_outcome
from referendum.audit.results import load_results
from referendum.board.protocol import BulletinBoard
from referendum.errors import AuditInputError, ManifestError, PayloadError
from referendum.protocol.payloads import check_payload
from referendum.record import messages as m
from referendum.record.io import write_record
from referendum.record.manifest import manifest_from_payload
from referendum.rules import rule_from_mapping
from referendum.standards import case_from_mapping
from referendum.standards.checks.outcome import CHECKS
from referendum.verify.record_verifier import verify_record

from .helpers import manifest, ready_referendum, vote_and_count

sys.path.insert(0, str(Path(__file__).parents[1] / "conformance"))
import spec_record_verifier  # the verifier written from docs/spec alone

BLANK_COUNTS = {"majority": {"more_than": "1/2", "counts": ["yes", "no", "blank"]}}
AT_LEAST_TURNOUT = {"turnout_quorum": {"at_least": "7/8"}}
OUTCOME = next(c for c in CHECKS if c.id == "OUTCOME")


def _run(board: BulletinBoard, rule: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """East votes yes, yes, no, blank; west no, yes, blank (one voter of 8 abstains)."""
    setup = ready_referendum(board, per_region=4, m=manifest(rule=rule))
    choices = {"east": ["yes", "yes", "no", "blank"], "west": ["no", "yes", "blank"]}
    results = vote_and_count(setup, choices)
    write_record(board.events(), tmp_path / "record")
    report = verify_record(tmp_path / "record", workers=1)
    assert report.ok, [r.to_json() for r in report.failures()]
    verdict = spec_record_verifier.verify(tmp_path / "record")
    assert verdict.failed is None and verdict.complete, verdict
    assert verdict.decision == results["outcome"]["decision"]
    return results


def _case(rule: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    case = case_from_mapping(
        {
            "case": {"name": "The same law on paper", "place": "Testland"},
            "outcome": {
                "rule": {"value": rule, "source": "the law"},
                "results": {"value": counts, "source": "the count"},
            },
        }
    )
    finding = OUTCOME.evaluate(case)
    return dict(finding.details)


@pytest.mark.parametrize(
    "rule", [BLANK_COUNTS, AT_LEAST_TURNOUT, {**AT_LEAST_TURNOUT, "majority": "3/5"}]
)
def test_record_and_case_file_agree(
    board: BulletinBoard, tmp_path: Path, rule: dict[str, Any]
) -> None:
    results = _run(board, rule, tmp_path)
    regions = results["regions"]
    totals = {
        "yes": sum(r["questions"]["q1"]["yes"] for r in regions.values()),
        "no": sum(r["questions"]["q1"]["no"] for r in regions.values()),
        "blank": sum(r["questions"]["q1"]["blank"] for r in regions.values()),
        "electorate": sum(r["electorate"] for r in regions.values()),
    }
    assert totals == {"yes": 3, "no": 2, "blank": 2, "electorate": 8}
    record = results["outcome"]
    paper = _case(rule, totals)
    assert paper["decision"] == record["decision"]
    assert [
        (c["condition"], c["passed"], c["value"], c["threshold"]) for c in paper["conditions"]
    ] == [
        (c["name"], c["passed"], float(Fraction(c["value"])), float(Fraction(c["threshold"])))
        for c in record["checks"]
    ]
    # the audit's results file, with the blank ballots read as "invalid"
    audit_rule = dict(rule)
    if rule is BLANK_COUNTS:
        audit_rule = {"majority": {"more_than": "1/2", "counts": ["yes", "no", "blank", "invalid"]}}
    text = yaml.safe_dump(
        {
            "rule": audit_rule,
            "regions": [
                {"name": "all", "yes": 3, "no": 2, "blank": 2, "electorate": 8},
            ],
        }
    )
    assert reported_outcome(load_results(text)) == record["decision"]


def test_blank_ballots_counted_as_votes_defeat_a_yes_ahead_of_no(
    board: BulletinBoard, tmp_path: Path
) -> None:
    outcome = _run(board, BLANK_COUNTS, tmp_path)["outcome"]
    assert outcome["checks"][0]["value"] == "3/7"  # yes / (yes + no + blank)
    assert outcome["decision"] == "rejected"  # while yes 3 > no 2


def test_turnout_at_least_meets_the_threshold_exactly(board: BulletinBoard, tmp_path: Path) -> None:
    outcome = _run(board, AT_LEAST_TURNOUT, tmp_path)["outcome"]
    assert outcome["checks"][0] == {
        "name": "turnout_quorum",
        "passed": True,
        "value": "7/8",
        "threshold": "7/8",
    }
    assert outcome["decision"] == "approved"


def test_manifest_rule_tables_are_canonical() -> None:
    rule = {
        "majority": {"counts": ["blank", "yes", "no"], "more_than": "1/2"},
        "turnout_quorum": {"at_least": "3/5"},
    }
    payload = manifest(rule=rule).to_payload()
    assert payload["rule"] == {
        "majority": {"more_than": "1/2", "counts": ["yes", "no", "blank"]},
        "turnout_quorum": {"at_least": "3/5"},
    }
    check_payload(m.MANIFEST, payload)
    assert manifest_from_payload(payload).outcome_rule() == rule_from_mapping(rule)
    # the same rule written another way is not the record's canonical form
    other = {**payload, "rule": {**payload["rule"], "valid_quorum": {"more_than": "1/3"}}}
    with pytest.raises(ManifestError, match="canonical") as caught:
        manifest_from_payload(other)
    assert caught.value.field == "rule"
    with pytest.raises(PayloadError) as form:
        check_payload(m.MANIFEST, {**payload, "rule": {"turnout_quorum": {"at_least": 0.6}}})
    assert form.value.field == "rule.turnout_quorum.at_least"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"turnout_quorum": {"at_least": "0.6"}}, "rule.turnout_quorum.at_least"),
        ({"turnout_quorum": {"at_least": "6/5"}}, "rule.turnout_quorum"),
        ({"majority": {"more_than": "2/5"}}, "rule.majority"),
        ({"double_majority": "1/2"}, "rule.double_majority"),
        ({"veto_quorum": {"beyond": "1/3"}}, "rule.veto_quorum.beyond"),
    ],
)
def test_manifest_rule_errors_name_the_field(rule: dict[str, Any], field: str) -> None:
    with pytest.raises(ManifestError) as caught:
        manifest(rule=rule)
    assert caught.value.field == field


def test_the_audit_refuses_a_rule_it_cannot_read() -> None:
    text = yaml.safe_dump({"rule": BLANK_COUNTS, "regions": [{"name": "all", "yes": 3, "no": 2}]})
    with pytest.raises(AuditInputError) as caught:
        load_results(text)
    assert caught.value.field == "rule.majority.counts"
