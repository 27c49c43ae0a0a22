"""Outcome rules on real cases' figures (../shared/STANDARDS.md and the sources it names)."""

from fractions import Fraction

import pytest

from referendum.errors import InputError
from referendum.rules import (
    Counts,
    Decision,
    RegionCounts,
    Rule,
    evaluate,
    evaluate_region,
    rule_from_mapping,
)

SWISS_HALF_CANTONS = {"OW", "NW", "BS", "BL", "AR", "AI"}
SWISS_CANTONS = [
    "ZH",
    "BE",
    "LU",
    "UR",
    "SZ",
    "OW",
    "NW",
    "GL",
    "ZG",
    "FR",
    "SO",
    "BS",
    "BL",
    "SH",
    "AR",
    "AI",
    "SG",
    "GR",
    "AG",
    "TG",
    "TI",
    "VD",
    "VS",
    "NE",
    "GE",
    "JU",
]


def swiss_2020_regions() -> list[RegionCounts]:
    """Responsible Business initiative, 29 Nov 2020: yes 1,299,173, no 1,261,673 (50.73%),
    8.5 cantonal votes yes vs 14.5 no.  The official totals and the cantonal vote count
    are reproduced; the split of the popular vote among cantons is illustrative."""
    yes_cantons = {"ZH", "BE", "FR", "BS", "TI", "VD", "NE", "GE", "JU"}  # 8 full + 1 half
    regions = []
    n_yes = len(yes_cantons)
    n_no = len(SWISS_CANTONS) - n_yes
    yes_total, no_total = 1_299_173, 1_261_673
    for canton in SWISS_CANTONS:
        weight = Fraction(1, 2) if canton in SWISS_HALF_CANTONS else Fraction(1)
        if canton in yes_cantons:
            yes, no = 110_000, 90_000
        else:
            yes, no = 20_000, 30_000
        regions.append(RegionCounts(canton, Counts(yes=yes, no=no), weight))
    # adjust the last canton of each side so that the totals are the official ones
    sum_yes = sum(r.counts.yes for r in regions)
    sum_no = sum(r.counts.no for r in regions)
    first_yes = next(i for i, r in enumerate(regions) if r.name in yes_cantons)
    r = regions[first_yes]
    regions[first_yes] = RegionCounts(
        r.name,
        Counts(yes=r.counts.yes + yes_total - sum_yes, no=r.counts.no + no_total - sum_no),
        r.weight,
    )
    assert n_yes + n_no == 26
    return regions


def test_swiss_2020_rejected_by_cantons() -> None:
    regions = swiss_2020_regions()
    outcome = evaluate(Rule(double_majority=True), regions)
    assert outcome.totals.yes == 1_299_173 and outcome.totals.no == 1_261_673
    assert round(float(Fraction(outcome.totals.yes, outcome.totals.valid)) * 100, 2) == 50.73
    assert outcome.regional_weight_yes == Fraction(17, 2)
    assert outcome.regional_weight_total == 23
    popular = next(c for c in outcome.checks if c.name == "majority")
    assert popular.passed
    assert outcome.decision is Decision.REJECTED
    # The same votes under a popular majority alone would have passed.
    assert evaluate(Rule(), regions).decision is Decision.APPROVED


def test_double_majority_needs_more_than_half_of_weights() -> None:
    # 11.5 of 23 is a tie of cantons: not a majority (Art. 142 needs 12).
    regions = [RegionCounts(f"r{i}", Counts(yes=60, no=40)) for i in range(11)]
    regions.append(RegionCounts("half-a", Counts(yes=60, no=40), Fraction(1, 2)))
    regions.append(RegionCounts("half-b", Counts(yes=10, no=90), Fraction(1, 2)))
    regions += [RegionCounts(f"n{i}", Counts(yes=45, no=55)) for i in range(11)]
    outcome = evaluate(Rule(double_majority=True), regions)
    assert outcome.regional_weight_yes == Fraction(23, 2)
    assert outcome.decision is Decision.REJECTED


def test_italy_2016_void_under_turnout_quorum() -> None:
    # Italy, 17 April 2016 abrogative referendum: electorate 50,675,406, voters 15,806,788
    # (31.19%), yes 85.85% of valid votes; Art. 75 needs a majority of the electorate voting.
    voters = 15_806_788
    valid = 15_426_123
    yes = round(valid * 0.8585)
    counts = Counts(
        yes=yes, no=valid - yes, invalid=voters - valid, electorate=50_675_406, ballots=voters
    )
    outcome = evaluate_region(Rule(turnout_quorum=Fraction(1, 2)), counts)
    assert outcome.decision is Decision.VOID
    quorum = next(c for c in outcome.checks if c.name == "turnout_quorum")
    assert round(float(quorum.value) * 100, 2) == 31.19


def test_hungary_2016_void_under_valid_quorum() -> None:
    # 2 October 2016: turnout 44.04%, valid votes 41.3% of the electorate, no 98.36%.
    electorate = 1_000_000
    valid = 413_000
    no = round(valid * 0.9836)
    counts = Counts(
        yes=valid - no, no=no, invalid=440_400 - valid, electorate=electorate, ballots=440_400
    )
    outcome = evaluate_region(Rule(valid_quorum=Fraction(1, 2)), counts)
    assert outcome.decision is Decision.VOID


def test_denmark_1939_failed_approval_quorum() -> None:
    # 23 May 1939 constitution: turnout 48.94%, yes 91.86% = 44.46% of the electorate,
    # under the 45% needed.  Figures scaled to an electorate of 1,000,000.
    electorate = 1_000_000
    yes = 444_600
    valid = round(yes / 0.9186)
    counts = Counts(yes=yes, no=valid - yes, electorate=electorate, ballots=489_400)
    rule = Rule(approval_quorum=Fraction(45, 100))
    outcome = evaluate_region(rule, counts)
    assert next(c for c in outcome.checks if c.name == "majority").passed
    assert outcome.decision is Decision.REJECTED


def test_denmark_2009_passed_approval_quorum() -> None:
    # 7 June 2009 succession act: turnout 58.3%, yes ~85.4%; needs >= 40% of electorate yes.
    electorate = 1_000_000
    ballots = 583_000
    valid = 570_000
    yes = round(valid * 0.854)
    counts = Counts(
        yes=yes, no=valid - yes, invalid=ballots - valid, electorate=electorate, ballots=ballots
    )
    outcome = evaluate_region(Rule(approval_quorum=Fraction(40, 100)), counts)
    assert outcome.decision is Decision.APPROVED


def test_ireland_veto_quorum() -> None:
    # Art. 47.2: vetoed only if a majority is against AND the no votes reach 33 1/3% of the
    # register.  A no majority on a low turnout is therefore not a veto.
    rule = Rule(veto_quorum=Fraction(1, 3))
    low = Counts(yes=200, no=300, electorate=2000)
    assert evaluate_region(rule, low).decision is Decision.APPROVED
    high = Counts(yes=200, no=700, electorate=2000)
    assert evaluate_region(rule, high).decision is Decision.REJECTED


def test_supermajority_boundary_is_inclusive() -> None:
    rule = Rule(majority=Fraction(2, 3))
    assert evaluate_region(rule, Counts(yes=200, no=100)).decision is Decision.APPROVED
    assert evaluate_region(rule, Counts(yes=199, no=101)).decision is Decision.REJECTED


def test_simple_majority_tie() -> None:
    assert evaluate_region(Rule(), Counts(yes=5, no=5)).decision is Decision.TIE


def test_per_region_outcomes() -> None:
    rule = Rule(per_region=True)
    regions = [
        RegionCounts("north", Counts(yes=70, no=30)),
        RegionCounts("south", Counts(yes=20, no=80)),
    ]
    outcome = evaluate(rule, regions)
    decisions = {name: o.decision for name, o in outcome.regions}
    assert decisions == {"north": Decision.APPROVED, "south": Decision.REJECTED}


def test_rule_from_mapping_and_errors() -> None:
    rule = rule_from_mapping({"majority": "2/3", "turnout_quorum": "50%"})
    assert rule == Rule(majority=Fraction(2, 3), turnout_quorum=Fraction(1, 2))
    assert rule_from_mapping(rule.to_mapping()) == rule
    with pytest.raises(InputError, match=r"rule\.quorum"):
        rule_from_mapping({"quorum": 0.5})
    with pytest.raises(InputError, match=r"rule\.turnout_quorum"):
        rule_from_mapping({"turnout_quorum": "lots"})
    with pytest.raises(InputError, match="electorate"):
        evaluate_region(Rule(turnout_quorum=Fraction(1, 2)), Counts(yes=1, no=0))


def test_counts_reject_impossible_figures() -> None:
    with pytest.raises(InputError, match="ballots"):
        Counts(yes=10, no=10, electorate=15)
    with pytest.raises(InputError, match="yes"):
        Counts(yes=-1, no=0)


def test_multi_option_absolute_majority() -> None:
    from referendum.rules import evaluate_options

    adopted = evaluate_options({"a": 51, "b": 30, "keep": 19}, status_quo="keep")
    assert adopted.decision is Decision.APPROVED and adopted.adopted == "a"
    plurality = evaluate_options({"a": 40, "b": 35, "keep": 25}, status_quo="keep")
    assert plurality.decision is Decision.REJECTED and plurality.adopted is None
    with pytest.raises(InputError, match="status_quo"):
        evaluate_options({"a": 1}, status_quo="keep")
