"""The checks' logic on small cases: thresholds, and a missing fact never passes."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from referendum.errors import InputError
from referendum.standards import (
    ALL_CHECKS,
    Status,
    build_report,
    case_from_mapping,
    load_case,
    run_checks,
)
from referendum.standards.finding import AREAS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
STANDARDS_IDS = [
    "LEGAL_BASIS",
    "ORGANISER_AUTHORITY",
    "TERRITORIAL_STATUS",
    "NO_WAR_OR_EMERGENCY",
    "NO_ARMED_PRESENCE",
    "LAW_STABILITY",
    "NO_RULE_CHANGE_AFTER_CALL",
    "CONSTITUTIONAL_REVISION_RULES",
    "MIN_LEAD_TIME",
    "CAMPAIGN_LENGTH",
    "NOT_COMBINED_WITH_AFFECTED_ELECTION",
    "INFO_IN_TIME",
    "QUESTION_CLARITY",
    "ANSWER_FORMAT",
    "STATUS_QUO_AVAILABLE",
    "UNITY",
    "EFFECTS_DECLARED",
    "IMPARTIAL_BODY",
    "REGISTER_QUALITY",
    "RESIDENCE_RULE",
    "ELECTORATE_COVERAGE",
    "ELECTORATE_FROZEN",
    "OUT_OF_TERRITORY_VOTES",
    "MEDIA_EQUALITY",
    "STATE_NEUTRALITY",
    "FINANCE_TRANSPARENCY",
    "FUNDAMENTAL_FREEDOMS",
    "FUNDING_DISCLOSED_BEFORE_VOTE",
    "MESSAGE_ORIGIN",
    "PAID_ADVERTISING_DATA",
    "NO_PUBLIC_FUNDS_FOR_AUTHORITIES",
    "POLLING_STATIONS_EVERY_DAY",
    "MOBILE_BOX_STRICT",
    "MULTI_DAY_CUSTODY",
    "SECRECY",
    "RECONCILIATION",
    "OBSERVERS",
    "NO_RESULT_BEFORE_CLOSE",
    "APPEALS",
    "QUORUM_DESIGN",
    "OUTCOME",
    "RESULT_PLAUSIBILITY",
]


def fact(value: Any, source: str = "test") -> dict[str, Any]:
    return {"value": value, "source": source}


def case(**sections: dict[str, Any]) -> Any:
    return case_from_mapping({"case": {"name": "t", "place": "p"}, **sections})


def test_every_check_of_standards_md_is_implemented_once_in_order() -> None:
    assert [c.id for c in ALL_CHECKS] == STANDARDS_IDS
    assert all(c.area in AREAS for c in ALL_CHECKS)
    assert all(c.source for c in ALL_CHECKS)


def test_empty_case_is_all_unknown() -> None:
    findings = run_checks(case())
    assert {f.status for f in findings} == {Status.UNKNOWN}
    assert all(f.message == "unknown" and f.params["missing"] for f in findings)


def _fact_paths(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for section, body in data.items():
        if section in ("case", "sources"):
            continue
        for key in body:
            yield section, key


@pytest.mark.parametrize("name", sorted(p.parent.name for p in EXAMPLES.glob("*/case.toml")))
def test_removing_a_fact_never_makes_a_check_pass(name: str) -> None:
    """A missing fact is unknown, never a pass: dropping any one fact of a shipped case
    turns no finding into a pass that was not one already."""
    data = dict(load_case(EXAMPLES / name).to_mapping())
    before = {f.id: f.status for f in run_checks(case_from_mapping(data))}
    for section, key in _fact_paths(data):
        smaller = copy.deepcopy(data)
        del smaller[section][key]
        after = run_checks(case_from_mapping(smaller))
        for finding in after:
            if finding.status is Status.PASS:
                assert before[finding.id] is Status.PASS, (section, key, finding.id)


def _lead(days: int) -> Status:
    start = dt.date(2024, 1, 1)
    found = build_report(
        case(
            timing={"called": fact(start.isoformat())},
            voting={"days": fact([{"date": (start + dt.timedelta(days=days)).isoformat()}])},
        )
    ).finding("MIN_LEAD_TIME")
    assert found.params["lead"] == days
    return found.status


def test_lead_time_boundaries() -> None:
    # At least 28 days (III.9.a); under 90 a warning (memorandum §70, "several months").
    assert _lead(27) is Status.FAIL
    assert _lead(28) is Status.WARN
    assert _lead(89) is Status.WARN
    assert _lead(90) is Status.PASS


def test_known_violation_fails_even_with_other_facts_missing() -> None:
    found = build_report(case(context={"martial_law": fact(True)})).finding("NO_WAR_OR_EMERGENCY")
    assert found.status is Status.FAIL
    assert "context.martial_law = true" in found.params["violations"]
    partial = build_report(case(context={"martial_law": fact(False)})).finding(
        "NO_WAR_OR_EMERGENCY"
    )
    assert partial.status is Status.UNKNOWN


def test_register_growth_fails_unless_a_legal_supplementary_list() -> None:
    grown = {"register_at_opening": fact(1000), "register_at_close": fact(1150)}
    assert build_report(case(administration=grown)).finding("ELECTORATE_FROZEN").status is (
        Status.FAIL
    )
    legal = {**grown, "supplementary_list_legal": fact(True)}
    assert build_report(case(administration=legal)).finding("ELECTORATE_FROZEN").status is (
        Status.PASS
    )


def test_multi_day_voting_needs_custody_safeguards() -> None:
    days = fact([{"date": "2024-05-01"}, {"date": "2024-05-02"}])
    assert build_report(case(voting={"days": days})).finding("MULTI_DAY_CUSTODY").status is (
        Status.UNKNOWN
    )
    safe = {
        "days": days,
        "sealed_overnight_custody": fact(True),
        "daily_count_in_protocol": fact(True),
        "observer_access_overnight": fact(False),
    }
    assert build_report(case(voting=safe)).finding("MULTI_DAY_CUSTODY").status is Status.FAIL


def test_outcome_fails_when_declared_result_contradicts_own_rule() -> None:
    # Organiser claims approval, but the 50% turnout quorum was not met.
    report = build_report(
        case(
            outcome={
                "rule": fact({"turnout_quorum": "50%"}),
                "declared": fact("approved"),
                "results": fact({"yes": 300, "no": 100, "electorate": 1000}),
            }
        )
    )
    found = report.finding("OUTCOME")
    assert found.status is Status.FAIL
    assert found.details["decision"] == "void" and found.params["declared"] == "approved"
    assert report.failed


def test_outcome_with_region_counts_and_half_cantons() -> None:
    regions = [
        {"name": "A", "yes": 60, "no": 40},
        {"name": "B", "yes": 10, "no": 90, "weight": "1/2"},
        {"name": "C", "yes": 10, "no": 90, "weight": 0.5},
    ]
    found = build_report(
        case(outcome={"rule": fact({"double_majority": True}), "regions": fact(regions)})
    ).finding("OUTCOME")
    assert found.details["decision"] == "rejected"
    assert [r["decision"] for r in found.details["regions"]] == [
        "approved",
        "rejected",
        "rejected",
    ]
    assert found.details["regional_votes"] == {"yes": 1.0, "total": 2.0}


def test_plausibility_fails_when_percentages_and_counts_disagree() -> None:
    """Two documents (the protocols' counts, the announced percentages) that disagree: a
    finding; one document read two ways is bad input (next test)."""
    outcome = {
        "results": fact({"yes": 600, "no": 400, "electorate": 2000}, "protocols"),
        "shares": fact({"turnout": 50.0, "yes_of_valid": 66.0}, "announcement"),
    }
    found = build_report(case(outcome=outcome)).finding("RESULT_PLAUSIBILITY")
    assert found.status is Status.FAIL
    assert (found.params["figure"], found.params["reported"], found.params["counted"]) == (
        "yes",
        66.0,
        60.0,
    )


@pytest.mark.parametrize(
    ("shares", "field"),
    [
        ({"turnout": 50.0, "yes_of_valid": 66.0}, "outcome.shares.yes_of_valid"),
        ({"turnout": 50.0, "no_of_valid": 34.0}, "outcome.shares.no_of_valid"),
        ({"turnout": 45.0, "yes_of_valid": 60.0}, "outcome.shares.turnout"),
    ],
)
def test_a_percentage_that_disagrees_with_its_counts_is_bad_input(
    shares: dict[str, float], field: str
) -> None:
    outcome = {
        "results": fact({"yes": 600, "no": 400, "electorate": 2000}, "protocol"),
        "shares": fact(shares, "protocol"),
    }
    with pytest.raises(InputError) as caught:
        build_report(case(outcome=outcome))
    assert caught.value.field == field
    assert "same source" in caught.value.reason


def test_plausibility_warns_on_turnout_over_90() -> None:
    high = {"shares": fact({"turnout": 90.5, "yes_of_valid": 60})}
    assert build_report(case(outcome=high)).finding("RESULT_PLAUSIBILITY").message.endswith(".warn")
    both = {"shares": fact({"turnout": 97.51, "yes_of_valid": 99.23})}
    assert (
        build_report(case(outcome=both))
        .finding("RESULT_PLAUSIBILITY")
        .message.endswith(".warn_both")
    )


def test_contradictory_percentages_are_bad_input() -> None:
    bad = {
        "rule": fact({"valid_quorum": "50%"}),
        "shares": fact({"turnout": 40, "valid_of_electorate": 45, "yes_of_valid": 50}),
    }
    with pytest.raises(InputError, match=r"outcome\.shares"):
        build_report(case(outcome=bad))


def test_yaml_case_gives_the_same_findings_as_toml(tmp_path: Path) -> None:
    toml_case = load_case(EXAMPLES / "donetsk-2022")
    (tmp_path / "case.yaml").write_text(yaml.safe_dump(dict(toml_case.to_mapping())), "utf-8")
    yaml_case = load_case(tmp_path)
    assert [(f.id, f.status, f.params) for f in run_checks(yaml_case)] == [
        (f.id, f.status, f.params) for f in run_checks(toml_case)
    ]
    lead = build_report(yaml_case).finding("MIN_LEAD_TIME")
    assert (
        lead.explanation
        == "Only 3 days from the call to the first voting day; at least 28 are required."
    )


def test_impossible_regional_votes_are_bad_input() -> None:
    bad = {
        "rule": fact({"double_majority": True}),
        "results": fact({"yes": 10, "no": 5}),
        "regional_votes": fact({"yes": 0, "no": 0}),
    }
    with pytest.raises(InputError, match=r"outcome\.regional_votes"):
        build_report(case(outcome=bad))
