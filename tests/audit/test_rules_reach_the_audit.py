"""The shared outcome rules (referendum.rules) decide which assertions the audit needs."""

from fractions import Fraction

import pytest

from referendum.audit.assertions import RegionResult, popular_leaves, rule_leaves
from referendum.audit.assess import assess_audit
from referendum.audit.assorters import Assertion, CountCheck
from referendum.audit.methods import Settings
from referendum.audit.readings import Observation, Tally
from referendum.audit.results import Referendum, load_results
from referendum.errors import AuditInputError
from referendum.rules import Rule


def _required(leaves: list) -> list[tuple[str, str | None]]:  # type: ignore[type-arg]
    return [(leaf.name, leaf.scope) for leaf in leaves if leaf.required]


def test_supermajority_changes_the_assorter() -> None:
    rule = Rule(majority=Fraction(2, 3))
    (leaf,) = popular_leaves(rule, Tally(yes=700, no=300), None, scope=None)
    assert isinstance(leaf, Assertion)
    assert leaf.threshold == Fraction(2, 3) and leaf.value("yes") == Fraction(3, 4)
    (rejected,) = popular_leaves(rule, Tally(yes=600, no=400), None, scope=None)
    assert isinstance(rejected, Assertion)
    assert rejected.win == {"no"} and rejected.threshold == Fraction(1, 3)


def test_turnout_quorum_is_audited_against_the_register() -> None:
    rule = Rule(turnout_quorum=Fraction(1, 2))
    leaves = popular_leaves(rule, Tally(yes=300, no=200, invalid=10), 1000, scope=None)
    quorum = leaves[0]
    assert isinstance(quorum, CountCheck)
    assert (quorum.count, quorum.register, quorum.holds) == (510, 1000, True)
    # 490 ballots of 1000 registered: the vote is void; that is what the audit confirms
    void = popular_leaves(rule, Tally(yes=300, no=180, invalid=10), 1000, scope=None)
    assert [leaf.name for leaf in void] == ["turnout_quorum"]
    assert isinstance(void[0], CountCheck) and not void[0].reported_met and void[0].holds


def test_approval_quorum_is_a_share_of_the_register() -> None:
    rule = Rule(approval_quorum=Fraction(1, 4))
    leaves = popular_leaves(rule, Tally(yes=300, no=200, invalid=0), 1000, scope=None)
    approval = next(leaf for leaf in leaves if leaf.name == "approval_quorum")
    assert isinstance(approval, Assertion)
    # yes above 250 of 1000 registered = yes above half of the 500 ballots
    assert approval.win == {"yes"} and approval.threshold == Fraction(1, 2)


def test_double_majority_needs_popular_and_regional() -> None:
    rule = Rule(double_majority=True)
    regions = [
        RegionResult("A", Tally(yes=600, no=400)),
        RegionResult("B", Tally(yes=550, no=450)),
        RegionResult("C", Tally(yes=450, no=550)),
    ]
    required = _required(rule_leaves(rule, regions))
    # popular majority and two regions (the widest margins) carry the outcome
    assert ("majority", None) in required
    assert ("regional_majority", "A") in required and ("regional_majority", "B") in required
    assert ("regional_majority", "C") not in required


def test_double_majority_is_confirmed_only_when_both_are() -> None:
    ref = load_results(
        """
rule: {double_majority: true}
regions:
  - {name: A, yes: 600, no: 400}
  - {name: B, yes: 600, no: 400}
"""
    )
    settings = Settings(method="bravo", risk_limit=Fraction(1, 10))
    only_a = [Observation("A", None, "yes")] * 40
    result = assess_audit(ref, settings, only_a)
    assert result["assertions"][0]["confirmed"]  # popular: 40 yes of 40
    assert result["regions"]["A"]["stop"] and not result["regions"]["B"]["stop"]
    assert result["stop"] is False
    both = only_a + [Observation("B", None, "yes")] * 40
    assert assess_audit(ref, settings, both)["stop"] is True


def test_rejected_double_majority_by_regions_only() -> None:
    rule = Rule(double_majority=True)
    regions = [
        RegionResult("A", Tally(yes=900, no=100)),
        RegionResult("B", Tally(yes=450, no=550)),
        RegionResult("C", Tally(yes=450, no=550)),
    ]
    required = _required(rule_leaves(rule, regions))
    # the people said yes; the regions said no: confirming two no regions suffices
    assert required == [("regional_majority", "B"), ("regional_majority", "C")]


def test_per_region_outcomes() -> None:
    rule = Rule(per_region=True)
    regions = [RegionResult("A", Tally(yes=600, no=400)), RegionResult("B", Tally(300, 700))]
    leaves = rule_leaves(rule, regions)
    assert [(leaf.scope, sorted(leaf.win)) for leaf in leaves if isinstance(leaf, Assertion)] == [
        ("A", ["yes"]),
        ("B", ["no"]),
    ]


def test_a_tie_cannot_be_audited() -> None:
    with pytest.raises(AuditInputError, match="tie"):
        popular_leaves(Rule(), Tally(yes=500, no=500), None, scope=None)


def test_veto_quorum() -> None:
    rule = Rule(veto_quorum=Fraction(1, 3))
    # no wins but with only 40% of... 400 of 1500 registered (< 1/3): approved
    leaves = popular_leaves(rule, Tally(yes=300, no=400), 1500, scope=None)
    assert len(leaves) == 1 and leaves[0].name == "veto_quorum"
    vetoed = popular_leaves(rule, Tally(yes=300, no=600), 1500, scope=None)
    assert sorted(leaf.name for leaf in vetoed) == ["majority", "veto_quorum"]


def test_referendum_population() -> None:
    ref = Referendum(Rule(), Tally(1, 0), None, (RegionResult("A", Tally(1, 0)),))
    with pytest.raises(AuditInputError, match="unknown region"):
        ref.population("B")
