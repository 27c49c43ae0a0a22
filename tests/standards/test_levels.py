"""Levels the standards allow: "as a rule" and a justified exception warn, they do not fail.

The residence rule (revised Code I.1.1.c.ii-iii): a length of residence only for local or
regional votes, "as a rule" at most six months; a longer one with a justified exception
stated in the case (with its source) is a warning to explain.
"""

from __future__ import annotations

from typing import Any

import pytest

from referendum.errors import CaseFileError
from referendum.standards import Status, case_from_mapping
from referendum.standards.checks import check_by_id
from referendum.standards.i18n import catalogue


def _fact(value: Any) -> dict[str, Any]:
    return {"value": value, "source": "test"}


def _residence(**facts: Any) -> Any:
    case = case_from_mapping(
        {
            "case": {"name": "t", "place": "p"},
            "administration": {k: _fact(v) for k, v in facts.items()},
        }
    )
    return check_by_id("RESIDENCE_RULE").evaluate(case)


@pytest.mark.parametrize(
    ("facts", "status", "message"),
    [
        ({"residence_requirement_months": 0}, Status.PASS, "none"),
        ({"residence_requirement_months": 6, "vote_level": "local"}, Status.PASS, "pass"),
        ({"residence_requirement_months": 3, "vote_level": "national"}, Status.FAIL, "national"),
        ({"residence_requirement_months": 7, "vote_level": "local"}, Status.FAIL, "fail"),
        ({"residence_requirement_months": 7}, Status.FAIL, "fail"),
        (
            {
                "residence_requirement_months": 120,
                "vote_level": "regional",
                "residence_exception": "decolonisation_settlement",
            },
            Status.WARN,
            "exception",
        ),
        (
            {
                "residence_requirement_months": 120,
                "vote_level": "national",
                "residence_exception": "peace_settlement",
            },
            Status.FAIL,
            "national",
        ),
        (
            {"residence_requirement_months": 120, "residence_exception": "national_minority"},
            Status.UNKNOWN,
            "unknown",
        ),
    ],
)
def test_residence_levels(facts: dict[str, Any], status: Status, message: str) -> None:
    finding = _residence(**facts)
    assert finding.status is status
    assert finding.message in (f"RESIDENCE_RULE.{message}", message)


def test_the_exception_and_its_source_are_in_the_report() -> None:
    finding = _residence(
        residence_requirement_months=120,
        vote_level="regional",
        residence_exception="decolonisation_settlement",
    )
    assert [f.path for f in finding.facts] == [
        "administration.residence_requirement_months",
        "administration.residence_exception",
        "administration.vote_level",
    ]
    assert all(f.source == "test" for f in finding.facts)
    text = catalogue("en").explain(finding)
    assert "120 months" in text and "decolonisation settlement" in text
    assert "not a failure" in text


def test_an_exception_the_schema_does_not_know_is_refused() -> None:
    with pytest.raises(CaseFileError, match=r"administration\.residence_exception\.value"):
        _residence(residence_requirement_months=12, residence_exception="convenience")


def test_an_election_on_the_same_day_is_advised_against_not_forbidden() -> None:
    """III.9.c: "it is suitable not to hold elections and referendums on the same day if the
    referendum is about the institution facing election"."""
    combined = {
        "combined_with_election": _fact(True),
        "combined_election_affected": _fact(True),
    }
    case = case_from_mapping({"case": {"name": "t", "place": "p"}, "timing": combined})
    finding = check_by_id("NOT_COMBINED_WITH_AFFECTED_ELECTION").evaluate(case)
    assert (finding.status, finding.message) == (
        Status.WARN,
        "NOT_COMBINED_WITH_AFFECTED_ELECTION.warn",
    )
    assert "advises against" in catalogue("en").explain(finding)
