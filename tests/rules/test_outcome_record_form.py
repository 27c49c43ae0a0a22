"""The outcome's canonical form in a record (docs/rules.md, "The outcome in a record"): exact
fractions and fixed codes, nothing formatted, and every edge case the spec states."""

import re
from fractions import Fraction
from typing import Any

import pytest

from referendum.record.canonical import canonical_json
from referendum.rules import (
    Counts,
    Decision,
    RegionCounts,
    Rule,
    evaluate,
    evaluate_options,
    fraction_text,
    percent_text,
)

_FRACTION = re.compile(r"^(0|-?[1-9][0-9]*)/[1-9][0-9]*$")


def _fractions_and_codes(value: Any, path: str = "outcome") -> None:
    """Every string of the form is a fixed code or a canonical "p/q" in lowest terms."""
    if isinstance(value, dict):
        for key, item in value.items():
            _fractions_and_codes(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _fractions_and_codes(item, f"{path}[{i}]")
    elif isinstance(value, str) and "/" in value:
        assert _FRACTION.match(value), path
        p, q = value.split("/")
        assert Fraction(int(p), int(q)).denominator == int(q), f"{path}: not in lowest terms"
    else:
        assert isinstance(value, bool | str), f"{path}: {value!r}"


def _regions(*triples: tuple[str, int, int, str]) -> list[RegionCounts]:
    return [
        RegionCounts(name, Counts(yes=y, no=n, electorate=4 * (y + n) or 1), Fraction(w))
        for name, y, n, w in triples
    ]


RULES = [
    Rule(),
    Rule(majority=Fraction(3, 5)),
    Rule(turnout_quorum=Fraction(1, 2)),
    Rule(valid_quorum=Fraction(1, 3), approval_quorum=Fraction(1, 4)),
    Rule(veto_quorum=Fraction(1, 3)),
    Rule(double_majority=True),
    Rule(double_majority=True, turnout_quorum=Fraction(1, 5)),
    Rule(per_region=True, majority=Fraction(2, 3)),
]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.describe())
def test_record_form_has_only_fractions_and_codes(rule: Rule) -> None:
    regions = _regions(("a", 30, 20, "1"), ("b", 5, 9, "1/2"), ("c", 0, 0, "1"))
    form = evaluate(rule, regions).to_mapping()
    _fractions_and_codes(form)
    text = canonical_json(form).decode()
    assert "detail" not in text and "%" not in text and "." not in text
    for check in form["checks"]:
        assert set(check) == {"name", "passed", "value", "threshold"}


def test_check_names_and_order() -> None:
    rule = Rule(
        turnout_quorum=Fraction(1, 10),
        valid_quorum=Fraction(1, 10),
        majority=Fraction(3, 5),
        approval_quorum=Fraction(1, 10),
        double_majority=True,
    )
    form = evaluate(rule, _regions(("a", 30, 20, "1"), ("b", 5, 9, "1"))).to_mapping()
    names = [c["name"] for c in form["checks"]]
    assert names == [
        "turnout_quorum",
        "valid_quorum",
        "supermajority",
        "approval_quorum",
        "regional_majority",
    ]
    assert form["regional_weight_yes"] == "1/1" and form["regional_weight_total"] == "2/1"
    veto = evaluate(Rule(veto_quorum=Fraction(1, 3)), _regions(("a", 1, 9, "1")))
    assert [c.name for c in veto.checks] == ["veto_quorum"]
    assert veto.to_mapping()["checks"][0]["value"] == "9/40"  # no / electorate


def test_a_region_void_under_its_own_quorum_still_counts_for_yes_in_a_double_majority() -> None:
    # region b: yes > no but only 2 of 100 voted (void under its own turnout quorum); its
    # regional vote is its popular majority, so it counts for yes
    rule = Rule(double_majority=True, turnout_quorum=Fraction(1, 10))
    regions = [
        RegionCounts("a", Counts(yes=40, no=50, electorate=100), Fraction(1)),
        RegionCounts("b", Counts(yes=2, no=0, electorate=100), Fraction(1)),
        RegionCounts("c", Counts(yes=30, no=10, electorate=100), Fraction(1)),
    ]
    outcome = evaluate(rule, regions)
    assert dict(outcome.regions)["b"].decision is Decision.VOID
    assert outcome.regional_weight_yes == 2
    assert outcome.decision is Decision.APPROVED


def test_a_tied_region_does_not_count_for_yes() -> None:
    outcome = evaluate(Rule(double_majority=True), _regions(("a", 5, 5, "1"), ("b", 9, 1, "1")))
    assert outcome.regional_weight_yes == 1
    assert dict(outcome.regions)["a"].decision is Decision.TIE
    assert outcome.decision is Decision.REJECTED  # 1 of 2 is not more than half


def test_ties() -> None:
    assert evaluate(Rule(), _regions(("a", 7, 7, "1"))).decision is Decision.TIE
    assert evaluate(Rule(), _regions(("a", 0, 0, "1"))).decision is Decision.TIE
    # any other condition turns a popular tie into a rejection
    for rule in (Rule(double_majority=True), Rule(approval_quorum=Fraction(0))):
        assert evaluate(rule, _regions(("a", 7, 7, "1"))).decision is Decision.REJECTED, rule
    # a supermajority threshold is inclusive: a `majority` of exactly 1/2 approves a tie
    assert evaluate(Rule(majority=Fraction(1, 2)), _regions(("a", 7, 7, "1"))).decision is (
        Decision.APPROVED
    )
    # a tie under a turnout quorum that holds stays a tie; one that fails is void
    assert evaluate(Rule(turnout_quorum=Fraction(1, 5)), _regions(("a", 7, 7, "1"))).decision is (
        Decision.TIE
    )
    assert evaluate(Rule(turnout_quorum=Fraction(1, 2)), _regions(("a", 7, 7, "1"))).decision is (
        Decision.VOID
    )


def test_thresholds_strict_and_inclusive() -> None:
    exactly_half = Counts(yes=50, no=50, blank=0, electorate=200)
    at = [RegionCounts("a", exactly_half)]
    assert not evaluate(Rule(turnout_quorum=Fraction(1, 2)), at).checks[0].passed  # strict
    assert not evaluate(Rule(valid_quorum=Fraction(1, 2)), at).checks[0].passed  # strict
    approval = evaluate(Rule(approval_quorum=Fraction(1, 4)), at).checks[-1]
    assert approval.name == "approval_quorum" and approval.passed  # inclusive
    assert evaluate(Rule(majority=Fraction(1, 2)), at).checks[0].passed  # inclusive
    assert not evaluate(Rule(), at).checks[0].passed  # simple majority: strict


def test_an_empty_register_is_decided_not_an_error() -> None:
    rule = Rule(turnout_quorum=Fraction(1, 2))
    regions = [
        RegionCounts("a", Counts(yes=3, no=1, electorate=6)),
        RegionCounts("empty", Counts(yes=0, no=0, electorate=0)),
    ]
    outcome = evaluate(rule, regions)
    empty = dict(outcome.regions)["empty"]
    assert empty.decision is Decision.VOID and empty.to_mapping()["checks"][0]["value"] == "0/1"


def test_multi_option_first_question_form() -> None:
    adopted = evaluate_options({"a": 6, "b": 3, "keep": 1}, status_quo="keep").to_mapping()
    assert adopted == {
        "decision": "approved",
        "checks": [
            {"name": "absolute_majority", "passed": True, "value": "3/5", "threshold": "1/2"}
        ],
        "adopted": "a",
    }
    # a tie for the lead goes to the first answer in code-point order; no majority keeps
    # the status quo
    tied = evaluate_options({"b": 2, "a": 2, "keep": 1}, status_quo="keep").to_mapping()
    assert tied["decision"] == "rejected" and "adopted" not in tied
    assert tied["checks"][0]["value"] == "2/5"


def test_fraction_and_percent_text() -> None:
    assert fraction_text(Fraction(23)) == "23/1"
    assert fraction_text(Fraction(0)) == "0/1"
    assert fraction_text(Fraction(34, 4)) == "17/2"
    assert percent_text("3119/10000") == "31.19%"
    assert percent_text("not a fraction") == "not a fraction"
