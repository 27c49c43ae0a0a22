"""Levels the Code's own words allow (docs/standards/checks.md, "Levels and the Code's
wording"): a "must" broken fails, a "should" broken warns, a justified exception passes
or warns, and each level's explanation says which."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from referendum.standards import Status, build_report, case_from_mapping, load_case
from referendum.standards.checks import check_by_id
from referendum.standards.finding import Finding


def _fact(value: Any) -> dict[str, Any]:
    return {"value": value, "source": "test document, p. 1"}


def _finding(check_id: str, **sections: dict[str, Any]) -> Finding:
    case = case_from_mapping({"case": {"name": "t", "place": "p"}, **sections})
    return check_by_id(check_id).evaluate(case)


def _admin(**facts: Any) -> dict[str, Any]:
    return {key: _fact(value) for key, value in facts.items()}


@pytest.mark.parametrize(
    ("check_id", "sections", "status", "message", "words"),
    [
        (
            "QUESTION_CLARITY",
            {"question": _admin(clear=True, reviewed_by_impartial_body=False)},
            Status.FAIL,
            "QUESTION_CLARITY.not_reviewed",
            "“must”",
        ),
        (
            "LAW_STABILITY",
            {"legality": _admin(rules_amended_within_year=True, rules_entrenched=False)},
            Status.WARN,
            "LAW_STABILITY.warn",
            "“should not”",
        ),
        (
            "LAW_STABILITY",
            {"legality": _admin(rules_amended_within_year=True, rules_entrenched=True)},
            Status.PASS,
            "LAW_STABILITY.entrenched",
            "entrenched",
        ),
        (
            "IMPARTIAL_BODY",
            {"administration": _admin(independent_commission=False, judge_or_legal_expert=True)},
            Status.FAIL,
            "IMPARTIAL_BODY.fail",
            "“must”",
        ),
        (
            "IMPARTIAL_BODY",
            {"administration": _admin(independent_commission=True, judge_or_legal_expert=False)},
            Status.WARN,
            "IMPARTIAL_BODY.warn",
            "“should”",
        ),
        (
            "IMPARTIAL_BODY",
            {
                "administration": _admin(
                    independent_commission=False,
                    impartial_administration_tradition=True,
                    judge_or_legal_expert=True,
                )
            },
            Status.PASS,
            "IMPARTIAL_BODY.tradition",
            "exception II.4.1.a allows",
        ),
        (
            "IMPARTIAL_BODY",
            {
                "administration": _admin(
                    independent_commission=False,
                    impartial_administration_tradition=False,
                    judge_or_legal_expert=True,
                )
            },
            Status.FAIL,
            "IMPARTIAL_BODY.fail",
            "“must”",
        ),
        (
            "REGISTER_QUALITY",
            {
                "administration": _admin(
                    register_permanent=True,
                    register_public=True,
                    registration_at_polling_station=True,
                )
            },
            Status.WARN,
            "REGISTER_QUALITY.warn",
            "“should not”",
        ),
        (
            "REGISTER_QUALITY",
            {
                "administration": _admin(
                    register_permanent=True,
                    register_public=False,
                    registration_at_polling_station=True,
                )
            },
            Status.FAIL,
            "REGISTER_QUALITY.fail",
            "“must”",
        ),
        (
            "APPEALS",
            {"administration": _admin(appeal_body_independent=False, appeal_body_can_annul=True)},
            Status.WARN,
            "APPEALS.warn",
            "“should”",
        ),
        (
            "APPEALS",
            {"administration": _admin(appeal_body_independent=True, appeal_body_can_annul=False)},
            Status.FAIL,
            "APPEALS.fail",
            "“must”",
        ),
        (
            "POLLING_STATIONS_EVERY_DAY",
            {
                "voting": {
                    "days": _fact(
                        [
                            {"date": "2024-01-01", "polling_stations": True},
                            {"date": "2024-01-02"},
                            {"date": "2024-01-03", "polling_stations": False},
                        ]
                    )
                }
            },
            Status.WARN,
            "POLLING_STATIONS_EVERY_DAY.warn",
            "“should always”",
        ),
        (
            "POLLING_STATIONS_EVERY_DAY",
            {
                "voting": {
                    "days": _fact(
                        [{"date": "2024-01-01", "polling_stations": False, "door_to_door": True}]
                    ),
                    "mobile_on_request_only": _fact(False),
                }
            },
            Status.FAIL,
            "POLLING_STATIONS_EVERY_DAY.fail",
            "strict rule",
        ),
        (
            "POLLING_STATIONS_EVERY_DAY",
            {
                "voting": {
                    "days": _fact(
                        [{"date": "2024-01-01", "polling_stations": False, "mobile_boxes": True}]
                    ),
                    "mobile_on_request_only": _fact(True),
                }
            },
            Status.WARN,
            "POLLING_STATIONS_EVERY_DAY.warn",
            "“should always”",
        ),
    ],
)
def test_levels_follow_the_codes_wording(
    check_id: str, sections: dict[str, Any], status: Status, message: str, words: str
) -> None:
    finding = _finding(check_id, **sections)
    assert (finding.status, finding.message) == (status, message)
    assert words in finding.explanation


def test_a_should_is_not_reported_while_a_must_is_unknown() -> None:
    """An appeal body known not to be independent, whose power to annul is unknown, is
    unknown rather than a warning: the missing "must" could still fail."""
    finding = _finding("APPEALS", administration=_admin(appeal_body_independent=False))
    assert finding.status is Status.UNKNOWN
    assert finding.params["missing"] == "administration.appeal_body_can_annul"


def test_a_station_less_day_with_door_to_door_voting_of_unknown_strictness_fails() -> None:
    days = [{"date": "2024-01-01", "polling_stations": False, "door_to_door": True}]
    assert _finding("POLLING_STATIONS_EVERY_DAY", voting={"days": _fact(days)}).status is (
        Status.FAIL
    )


def test_every_warning_of_the_shipped_cases_states_why_it_is_one() -> None:
    """A warning's explanation names the standard's soft word or says it is a warning."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    seen = 0
    for case_file in sorted(examples.glob("*/case.toml")):
        for finding in build_report(load_case(case_file.parent)).findings:
            if finding.status is Status.WARN:
                seen += 1
                text = finding.explanation
                reasons = ("warning", "should", "not a failure", "soft rule")
                assert any(r in text for r in reasons), (case_file.parent.name, text)
    assert seen >= 20
