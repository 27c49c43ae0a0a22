"""Thresholds as the law words them: "at least" or "more than", and the ballots each counts."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from referendum.errors import InputError
from referendum.rules import (
    Comparison,
    Counts,
    Decision,
    RegionCounts,
    Rule,
    Threshold,
    evaluate,
    evaluate_region,
    rule_from_mapping,
)

HALF = Fraction(1, 2)


def _rule(**data: Any) -> Rule:
    return rule_from_mapping(data)


@pytest.mark.parametrize(
    ("key", "counts"),
    [
        # 50 of 100 registered: exactly at the threshold
        ("turnout_quorum", Counts(yes=30, no=20, electorate=100)),
        ("valid_quorum", Counts(yes=30, no=20, invalid=10, electorate=100)),
    ],
)
def test_participation_quorum_at_the_threshold(key: str, counts: Counts) -> None:
    strict = evaluate_region(_rule(**{key: {"more_than": "1/2"}}), counts)
    inclusive = evaluate_region(_rule(**{key: {"at_least": "1/2"}}), counts)
    assert strict.decision is Decision.VOID
    assert inclusive.decision is Decision.APPROVED
    assert strict.checks[0].value == inclusive.checks[0].value == HALF
    assert inclusive.checks[0].comparison is Comparison.AT_LEAST


def test_approval_and_veto_quorums_can_be_strict() -> None:
    at = Counts(yes=40, no=10, electorate=100)  # yes = 40% of the register
    assert evaluate_region(_rule(approval_quorum="2/5"), at).decision is Decision.APPROVED
    strict = _rule(approval_quorum={"more_than": "2/5"})
    assert evaluate_region(strict, at).decision is Decision.REJECTED
    veto_at = Counts(yes=10, no=40, electorate=120)  # no = 1/3 of the register
    assert evaluate_region(_rule(veto_quorum="1/3"), veto_at).decision is Decision.REJECTED
    veto_strict = _rule(veto_quorum={"more_than": "1/3"})
    assert evaluate_region(veto_strict, veto_at).decision is Decision.APPROVED


def test_supermajority_at_the_threshold() -> None:
    at = Counts(yes=60, no=40)
    assert evaluate_region(_rule(majority="3/5"), at).decision is Decision.APPROVED
    assert evaluate_region(_rule(majority={"at_least": "3/5"}), at).decision is Decision.APPROVED
    strict = evaluate_region(_rule(majority={"more_than": "3/5"}), at)
    assert strict.decision is Decision.REJECTED
    assert strict.checks[0].name == "supermajority"


def test_blank_ballots_counted_in_the_majority() -> None:
    counts = Counts(yes=45, no=40, blank=15)
    assert evaluate_region(Rule(), counts).decision is Decision.APPROVED  # 45/85
    with_blank = _rule(majority={"more_than": "1/2", "counts": ["yes", "no", "blank"]})
    outcome = evaluate_region(with_blank, counts)
    assert outcome.decision is Decision.REJECTED  # 45/100
    assert outcome.checks[0].name == "majority"
    assert outcome.checks[0].value == Fraction(45, 100)
    assert outcome.checks[0].share == "yes / (yes+no+blank)"
    # invalid ballots are still left out unless counted too
    spoiled = Counts(yes=45, no=40, invalid=15)
    assert evaluate_region(with_blank, spoiled).decision is Decision.APPROVED
    every = _rule(majority={"more_than": "1/2", "counts": ["yes", "no", "blank", "invalid"]})
    assert evaluate_region(every, spoiled).decision is Decision.REJECTED


def test_blank_counted_for_turnout_but_not_invalid() -> None:
    counts = Counts(yes=20, no=20, blank=10, invalid=5, electorate=100)
    all_ballots = evaluate_region(_rule(turnout_quorum={"at_least": "11/20"}), counts)
    assert all_ballots.checks[0].value == Fraction(55, 100)
    assert all_ballots.checks[0].passed
    no_invalid = _rule(turnout_quorum={"at_least": "11/20", "counts": ["yes", "no", "blank"]})
    outcome = evaluate_region(no_invalid, counts)
    assert outcome.checks[0].value == Fraction(50, 100)
    assert outcome.decision is Decision.VOID


def test_valid_quorum_counting_blank_ballots() -> None:
    counts = Counts(yes=30, no=15, blank=10, electorate=100)
    assert evaluate_region(_rule(valid_quorum="1/2"), counts).decision is Decision.VOID
    with_blank = _rule(valid_quorum={"more_than": "1/2", "counts": ["yes", "no", "blank"]})
    assert evaluate_region(with_blank, counts).decision is Decision.APPROVED


def _regions(*votes: tuple[int, int]) -> list[RegionCounts]:
    return [RegionCounts(f"r{i}", Counts(yes=y, no=n)) for i, (y, n) in enumerate(votes)]


def test_regional_majority_at_least_or_more_than_half() -> None:
    # three of six regions say yes, and the people say yes
    regions = _regions((60, 40), (60, 40), (60, 40), (45, 55), (45, 55), (49, 51))
    assert evaluate(Rule(double_majority=True), regions).decision is Decision.REJECTED
    half = _rule(double_majority={"at_least": "1/2"})
    outcome = evaluate(half, regions)
    assert outcome.decision is Decision.APPROVED
    assert outcome.checks[-1].threshold == 3  # half of the weight 6
    two_thirds = _rule(double_majority={"at_least": "2/3"})
    assert evaluate(two_thirds, regions).decision is Decision.REJECTED


def test_regional_vote_follows_the_majoritys_ballots() -> None:
    # a region where yes beats no but not no + blank
    regions = [
        RegionCounts("a", Counts(yes=40, no=30, blank=30)),
        RegionCounts("b", Counts(yes=90, no=10)),
    ]
    plain = evaluate(Rule(double_majority=True), regions)
    assert plain.regional_weight_yes == 2
    blank = _rule(
        double_majority=True, majority={"more_than": "1/2", "counts": ["yes", "no", "blank"]}
    )
    assert evaluate(blank, regions).regional_weight_yes == 1


def test_bare_fractions_keep_their_old_meaning_and_canonical_form() -> None:
    legacy = {
        "majority": "3/5",
        "turnout_quorum": "1/2",
        "valid_quorum": "1/3",
        "approval_quorum": "1/4",
        "double_majority": True,
    }
    rule = rule_from_mapping(legacy)
    assert rule.to_mapping() == legacy
    assert rule.majority == Threshold(Fraction(3, 5), Comparison.AT_LEAST, ("yes", "no"))
    assert rule.turnout_quorum is not None
    assert rule.turnout_quorum.comparison is Comparison.MORE_THAN
    # a table that says what the default says is written as the bare fraction
    same = rule_from_mapping(
        {
            "majority": {"at_least": "3/5", "counts": ["no", "yes"]},
            "turnout_quorum": {"more_than": "50%"},
            "valid_quorum": {"more_than": "1/3"},
            "approval_quorum": {"at_least": "25%"},
            "double_majority": {"more_than": "1/2"},
        }
    )
    assert same == rule and same.to_mapping() == legacy
    assert rule_from_mapping({"majority": {"more_than": "1/2"}}) == Rule()
    assert Rule().to_mapping() == {}


def test_canonical_tables() -> None:
    rule = rule_from_mapping(
        {
            "majority": {"more_than": "1/2", "counts": ["blank", "no", "yes"]},
            "turnout_quorum": {"at_least": "0.6", "counts": ["yes", "no", "blank"]},
            "double_majority": {"at_least": "1/2"},
        }
    )
    assert rule.to_mapping() == {
        "majority": {"more_than": "1/2", "counts": ["yes", "no", "blank"]},
        "turnout_quorum": {"at_least": "3/5", "counts": ["yes", "no", "blank"]},
        "double_majority": {"at_least": "1/2"},
    }
    assert rule_from_mapping(rule.to_mapping()) == rule
    veto = rule_from_mapping({"veto_quorum": {"more_than": "1/3"}})
    assert veto.to_mapping() == {"veto_quorum": {"more_than": "1/3"}}


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"majority": "2/5"}, "rule.majority", "below one half"),
        ({"majority": {"more_than": "0.4"}}, "rule.majority", "below one half"),
        ({"majority": "3/2"}, "rule.majority", "outside 0 to 100%"),
        ({"majority": {"more_than": "1"}}, "rule.majority", "never be met"),
        ({"turnout_quorum": "120%"}, "rule.turnout_quorum", "outside 0 to 100%"),
        ({"approval_quorum": {"more_than": "100%"}}, "rule.approval_quorum", "never be met"),
        ({"valid_quorum": "-1/2"}, "rule.valid_quorum", "outside 0 to 100%"),
        ({"double_majority": {"at_least": "0"}}, "rule.double_majority", "decides nothing"),
        ({"double_majority": {"at_least": "2"}}, "rule.double_majority", "outside"),
        ({"quorum": "1/2"}, "rule.quorum", "unknown rule key"),
        ({"turnout_quorum": {"above": "1/2"}}, "rule.turnout_quorum.above", "unknown key"),
        ({"turnout_quorum": {}}, "rule.turnout_quorum", "exactly one of"),
        (
            {"turnout_quorum": {"at_least": "1/2", "more_than": "1/2"}},
            "rule.turnout_quorum",
            "exactly one of",
        ),
        (
            {"approval_quorum": {"at_least": "1/4", "counts": ["yes"]}},
            "rule.approval_quorum.counts",
            "unknown key",
        ),
        (
            {"majority": {"more_than": "1/2", "counts": ["yes", "no", "spoilt"]}},
            "rule.majority.counts[2]",
            "not one of",
        ),
        (
            {"majority": {"more_than": "1/2", "counts": ["yes", "blank"]}},
            "rule.majority.counts",
            "'no'",
        ),
        (
            {"majority": {"more_than": "1/2", "counts": ["yes", "no", "no"]}},
            "rule.majority.counts[2]",
            "twice",
        ),
        ({"majority": {"more_than": "1/2", "counts": "yes,no"}}, "rule.majority.counts", "list"),
        ({"double_majority": "yes"}, "rule.double_majority", "expected true"),
        ({"turnout_quorum": {"at_least": "lots"}}, "rule.turnout_quorum.at_least", "fraction"),
    ],
)
def test_a_rule_that_contradicts_itself_or_is_unknown(
    data: dict[str, Any], field: str, reason: str
) -> None:
    with pytest.raises(InputError, match=reason) as caught:
        rule_from_mapping(data)
    assert caught.value.field == field


def test_errors_name_the_case_file_field() -> None:
    with pytest.raises(InputError) as caught:
        rule_from_mapping({"majority": "1/3"}, prefix="outcome.rule.value")
    assert caught.value.field == "outcome.rule.value.majority"
