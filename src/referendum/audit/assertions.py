"""The assertions that confirm a reported referendum outcome under its rule.

The reported outcome is computed by :mod:`referendum.rules` from the reported counts; each
condition that produced it becomes a :class:`~referendum.audit.assorters.Assertion` (a
share of the ballots) or a :class:`~referendum.audit.assorters.CountCheck` (the turnout
quorum).  The audit confirms the outcome when every *required* assertion is confirmed; the
risk of the audit is the largest risk among them.

Where a reported outcome has several sufficient reasons (a rejection because the popular
vote failed *and* the regions said no; a void vote with two quorums missed) one reason is
chosen **before** any ballot is read, from the reported counts alone (the easiest to
confirm: the largest ``v/u``), because choosing after seeing the sample would not limit the
risk.  For the same reason the regions that carry a double majority are chosen in advance:
those with the largest margins, until their weights decide the regional vote.

>>> from referendum.rules import Rule
>>> [a.name for a in popular_leaves(Rule(), Tally(yes=60, no=40), None, scope=None)]
['majority']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from referendum.audit.assorters import Assertion, CountCheck, Leaf, Side, majority
from referendum.audit.readings import READINGS, Reading, Tally
from referendum.errors import AuditInputError
from referendum.rules import (
    Comparison,
    Counts,
    Decision,
    RegionCounts,
    Rule,
    RuleCheck,
    Threshold,
    evaluate,
    evaluate_region,
    region_says_yes,
)

__all__ = ["RegionResult", "check_auditable", "counted_readings", "popular_leaves", "rule_leaves"]

_VALID: frozenset[Reading] = frozenset({"yes", "no"})


def counted_readings(threshold: Threshold, name: str) -> frozenset[Reading]:
    """The readings a threshold counts.  A reading ``invalid`` is any ballot that is not a
    vote for yes or no, so a rule may count both blank and invalid ballots or neither;
    counting one of them cannot be audited from the readings (an input error)."""
    extra = set(threshold.counts) - {"yes", "no"}
    if not extra:
        return _VALID
    if extra == {"blank", "invalid"}:
        return frozenset(READINGS)
    raise AuditInputError(
        f"rule.{name}.counts",
        "the audit's readings do not tell blank from invalid ballots (both read 'invalid'): "
        "an audited rule counts both or neither",
    )


def check_auditable(rule: Rule) -> None:
    """Raise :class:`AuditInputError` naming the field when the audit cannot check ``rule``."""
    counted_readings(rule.majority_threshold, "majority")
    for name in ("turnout_quorum", "valid_quorum"):
        threshold: Threshold | None = getattr(rule, name)
        if threshold is not None:
            counted_readings(threshold, name)


def _side(
    side: Side,
    counted: frozenset[Reading],
    tally: Tally,
    *,
    scope: str | None,
    required: bool = True,
    name: str = "majority",
) -> Assertion:
    """``side`` has more than half of the ``counted`` ballots (yes), or yes has at most half
    of them (no: the others are more than half)."""
    if counted == _VALID:
        return majority(side, tally, scope=scope, required=required, name=name)
    others: frozenset[Reading] = counted - {"yes"}
    yes: frozenset[Reading] = frozenset({"yes"})
    win, lose = (yes, others) if side == "yes" else (others, yes)
    detail = (
        f"yes {tally.yes} of {sum(tally.count(r) for r in counted)} ({'+'.join(sorted(counted))})"
    )
    return Assertion(name, win, lose, Fraction(1, 2), tally, scope, required, detail)


@dataclass(frozen=True)
class RegionResult:
    """A region's reported tally, register size and weight in a double majority."""

    name: str
    tally: Tally
    electorate: int | None = None
    weight: Fraction = Fraction(1)

    def counts(self) -> Counts:
        t = self.tally
        return Counts(yes=t.yes, no=t.no, invalid=t.invalid, electorate=self.electorate)


def _others(readings: frozenset[Reading]) -> frozenset[Reading]:
    return frozenset(r for r in READINGS if r not in readings)


def _register_share(
    name: str,
    counted: frozenset[Reading],
    *,
    met: bool,
    quorum: Threshold,
    electorate: int,
    tally: Tally,
    scope: str | None,
) -> Leaf:
    """``counted`` ballots above ``quorum * electorate`` (``met``) or not, as an assertion on
    the shares of the ``N`` ballots: above ``qE/N`` of all ballots, or the others above
    ``1 - qE/N``.  Degenerate thresholds (0 or 1 and beyond) are decided by counting."""
    ballots = tally.ballots
    share = quorum.value * electorate / ballots if ballots else Fraction(1)
    detail = (
        f"{'+'.join(sorted(counted))} {'' if met else 'not '}{quorum.comparison.words} "
        f"{quorum.value} of {electorate} registered"
    )
    if not 0 < share < 1:
        inclusive = quorum.comparison is Comparison.AT_LEAST
        return CountCheck(
            name, ballots, electorate, quorum.value, met, scope, True, detail, inclusive
        )
    if met:
        return Assertion(name, counted, _others(counted), share, tally, scope, True, detail)
    return Assertion(name, _others(counted), counted, 1 - share, tally, scope, True, detail)


def _easiest(alternatives: Sequence[Leaf]) -> Leaf:
    usable = [a for a in alternatives if not isinstance(a, Assertion) or a.margin > 0]
    if not usable:
        usable = list(alternatives)
    return max(usable, key=lambda a: a.ease)


def popular_leaves(
    rule: Rule, tally: Tally, electorate: int | None, *, scope: str | None
) -> list[Leaf]:
    """Assertions confirming the outcome of ``rule``'s popular conditions on one electorate."""
    check_auditable(rule)
    outcome = evaluate_region(
        rule, Counts(tally.yes, tally.no, invalid=tally.invalid, electorate=electorate)
    )
    where = scope or "results"
    if outcome.decision is Decision.TIE:
        raise AuditInputError(where, "yes and no are tied: a tie cannot be audited")
    checks = {c.name: c for c in outcome.checks}
    register = electorate or 0
    quorums: list[Leaf] = []
    quorum_met: list[bool] = []
    turnout = rule.turnout_quorum
    if "turnout_quorum" in checks and turnout is not None:
        c = checks["turnout_quorum"]
        if counted_readings(turnout, "turnout_quorum") == frozenset(READINGS):
            quorums.append(
                CountCheck(
                    "turnout_quorum",
                    tally.ballots,
                    register,
                    turnout.value,
                    c.passed,
                    scope,
                    True,
                    f"{c.detail} (paper ballots in the manifest)",
                    turnout.comparison is Comparison.AT_LEAST,
                )
            )
        else:
            quorums.append(
                _register_share(
                    "turnout_quorum",
                    _VALID,
                    met=c.passed,
                    quorum=turnout,
                    electorate=register,
                    tally=tally,
                    scope=scope,
                )
            )
        quorum_met.append(c.passed)
    if "valid_quorum" in checks and rule.valid_quorum is not None:
        quorums.append(
            _register_share(
                "valid_quorum",
                counted_readings(rule.valid_quorum, "valid_quorum"),
                met=checks["valid_quorum"].passed,
                quorum=rule.valid_quorum,
                electorate=register,
                tally=tally,
                scope=scope,
            )
        )
        quorum_met.append(checks["valid_quorum"].passed)
    chosen: list[Leaf]
    if outcome.decision is Decision.VOID:
        chosen = [_easiest([q for q, met in zip(quorums, quorum_met, strict=True) if not met])]
    else:
        chosen = list(quorums)
        chosen += _decision_leaves(rule, outcome.decision, checks, tally, register, scope)
    for leaf in chosen:
        if isinstance(leaf, Assertion):
            leaf.check_reported()
    return chosen


def _decision_leaves(
    rule: Rule,
    decision: Decision,
    checks: dict[str, RuleCheck],
    tally: Tally,
    register: int,
    scope: str | None,
) -> list[Leaf]:
    approved = decision is Decision.APPROVED
    if rule.veto_quorum is not None:
        veto_quorum = rule.veto_quorum
        if approved:
            options: list[Leaf] = []
            if tally.yes > tally.no:
                options.append(majority("yes", tally, scope=scope))
            options.append(
                _register_share(
                    "veto_quorum",
                    frozenset({"no"}),
                    met=False,
                    quorum=veto_quorum,
                    electorate=register,
                    tally=tally,
                    scope=scope,
                )
            )
            return [_easiest(options)]
        return [
            majority("no", tally, scope=scope),
            _register_share(
                "veto_quorum",
                frozenset({"no"}),
                met=True,
                quorum=veto_quorum,
                electorate=register,
                tally=tally,
                scope=scope,
            ),
        ]
    counted = counted_readings(rule.majority_threshold, "majority")
    says_yes = 2 * tally.yes > sum(tally.count(r) for r in counted)
    main = _main_leaf(rule, tally, scope, yes_side=approved or says_yes)
    approval: Leaf | None = None
    if rule.approval_quorum is not None:
        passed = checks["approval_quorum"].passed
        approval = _register_share(
            "approval_quorum",
            frozenset({"yes"}),
            met=passed,
            quorum=rule.approval_quorum,
            electorate=register,
            tally=tally,
            scope=scope,
        )
    if approved:
        return [main] + ([approval] if approval is not None else [])
    failing: list[Leaf] = []
    main_check = checks.get("majority") or checks.get("supermajority")
    if main_check is not None and not main_check.passed:
        failing.append(_main_leaf(rule, tally, scope, yes_side=False))
    if approval is not None and not checks["approval_quorum"].passed:
        failing.append(approval)
    return [_easiest(failing)]


def _main_leaf(rule: Rule, tally: Tally, scope: str | None, *, yes_side: bool) -> Assertion:
    threshold = rule.majority_threshold
    counted = counted_readings(threshold, "majority")
    if rule.simple_majority:
        return _side("yes" if yes_side else "no", counted, tally, scope=scope)
    f = threshold.value
    if f >= 1:
        raise AuditInputError("rule.majority", "a unanimity rule cannot be audited by sampling")
    others: frozenset[Reading] = counted - {"yes"}
    total = sum(tally.count(r) for r in counted)
    detail = f"yes {tally.yes} of {total} ({'+'.join(sorted(counted))}), {threshold.describe()}"
    yes: frozenset[Reading] = frozenset({"yes"})
    if yes_side:
        return Assertion("supermajority", yes, others, f, tally, scope, True, detail)
    return Assertion("supermajority", others, yes, 1 - f, tally, scope, True, detail)


def _informative(leaves: Sequence[Leaf]) -> list[Leaf]:
    return [dataclasses.replace(leaf, required=False) for leaf in leaves]


def _region_majorities(rule: Rule, regions: Sequence[RegionResult]) -> dict[str, Assertion]:
    counted = counted_readings(rule.majority_threshold, "majority")
    out: dict[str, Assertion] = {}
    for r in regions:
        if 2 * r.tally.yes != sum(r.tally.count(k) for k in counted):
            side: Side = "yes" if region_says_yes(rule, r.counts()) else "no"
            out[r.name] = _side(
                side, counted, r.tally, scope=r.name, required=False, name="regional_majority"
            )
    return out


def _carrying_regions(
    rule: Rule,
    regions: Sequence[RegionResult],
    majorities: dict[str, Assertion],
    *,
    approve: bool,
) -> set[str]:
    """Regions chosen in advance whose confirmed majorities decide the regional vote: yes
    regions whose weight meets the regional threshold, or no regions whose weight leaves
    too little for yes to meet it."""
    regional = rule.double_majority
    assert regional is not None
    total = sum((r.weight for r in regions), Fraction(0))
    needed = regional.value * total
    side = "yes" if approve else "no"

    def enough(weight: Fraction) -> bool:
        if approve:
            return regional.comparison.holds(weight, needed)
        return not regional.comparison.holds(total - weight, needed)

    candidates = [r for r in regions if r.name in majorities and side in majorities[r.name].win]
    candidates.sort(key=lambda r: (majorities[r.name].ease, r.name), reverse=True)
    picked: set[str] = set()
    weight = Fraction(0)
    for r in candidates:
        if enough(weight):
            break
        picked.add(r.name)
        weight += r.weight
    if not enough(weight):
        raise AuditInputError(
            "regions", "the regional vote rests on tied regions and cannot be audited"
        )
    return picked


def rule_leaves(rule: Rule, regions: Sequence[RegionResult]) -> list[Leaf]:
    """All assertions for a referendum held in ``regions``: required and informative."""
    if not regions:
        raise AuditInputError("regions", "at least one region is needed")
    names = [r.name for r in regions]
    if len(set(names)) != len(names):
        raise AuditInputError("regions", "region names must be unique")
    check_auditable(rule)
    if rule.per_region:
        out: list[Leaf] = []
        for r in regions:
            out += popular_leaves(rule, r.tally, r.electorate, scope=r.name)
        return out
    totals = regions[0].tally
    for r in regions[1:]:
        totals = totals + r.tally
    electorates = [r.electorate for r in regions]
    electorate = None if None in electorates else sum(e or 0 for e in electorates)
    popular = popular_leaves(rule, totals, electorate, scope=None)
    majorities = _region_majorities(rule, regions)
    if rule.double_majority is None:
        return popular + list(majorities.values())
    outcome = evaluate(rule, [RegionCounts(r.name, r.counts(), r.weight) for r in regions])
    popular_decision = evaluate_region(rule, regions_counts_total(regions, electorate)).decision
    regional_ok = any(c.name == "regional_majority" and c.passed for c in outcome.checks)
    use_popular = True
    use_regional = outcome.decision is Decision.APPROVED
    if outcome.decision is Decision.REJECTED and popular_decision is Decision.APPROVED:
        use_popular, use_regional = False, True
    elif outcome.decision is Decision.REJECTED and not regional_ok:
        carrying = _carrying_regions(rule, regions, majorities, approve=False)
        hardest_regional = min(majorities[n].ease for n in carrying)
        hardest_popular = min(leaf.ease for leaf in popular)
        use_popular, use_regional = (
            (True, False) if hardest_popular >= hardest_regional else (False, True)
        )
    carrying = (
        _carrying_regions(rule, regions, majorities, approve=regional_ok) if use_regional else set()
    )
    regional = [dataclasses.replace(a, required=name in carrying) for name, a in majorities.items()]
    return (popular if use_popular else _informative(popular)) + list(regional)


def regions_counts_total(regions: Sequence[RegionResult], electorate: int | None) -> Counts:
    totals = regions[0].tally
    for r in regions[1:]:
        totals = totals + r.tally
    return Counts(totals.yes, totals.no, invalid=totals.invalid, electorate=electorate)
