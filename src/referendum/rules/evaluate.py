"""Applying an outcome rule to counts.

>>> from referendum.rules import Counts, Rule, evaluate_region
>>> evaluate_region(Rule(), Counts(yes=60, no=40)).decision.value
'approved'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from referendum.errors import InputError
from referendum.rules.model import (
    Counts,
    Decision,
    Outcome,
    RegionCounts,
    Rule,
    RuleCheck,
    regions_total,
)
from referendum.rules.threshold import Comparison

__all__ = [
    "evaluate",
    "evaluate_options",
    "evaluate_region",
    "evaluate_regional_votes",
    "region_says_yes",
]

_HALF = Fraction(1, 2)


def _ratio(numerator: int, denominator: int) -> Fraction:
    return Fraction(numerator, denominator) if denominator else Fraction(0)


def _electorate(counts: Counts, rule: Rule) -> int:
    if counts.electorate is None:
        raise InputError("electorate", f"the rule ({rule.describe()}) needs the register size")
    return counts.electorate  # an empty register gives every share as 0/1 (_ratio)


def _ballots(kinds: tuple[str, ...]) -> str:
    return "+".join(kinds)


def _conditions(rule: Rule, counts: Counts) -> tuple[list[RuleCheck], Decision]:
    """Evaluate the rule's popular conditions on one electorate."""
    checks: list[RuleCheck] = []
    majority = rule.majority_threshold
    counted = counts.counted(majority.counts)
    share = _ratio(counts.yes, counted)

    # Participation quorums first: failing one makes the vote void.
    void = False
    for name, quorum in (
        ("turnout_quorum", rule.turnout_quorum),
        ("valid_quorum", rule.valid_quorum),
    ):
        if quorum is None:
            continue
        part = counts.counted(quorum.counts)
        value = _ratio(part, _electorate(counts, rule))
        ok = quorum.holds(value)
        void |= not ok
        checks.append(
            RuleCheck(
                name,
                ok,
                value,
                quorum.value,
                f"{_ballots(quorum.counts)} {part} of {counts.electorate} registered "
                f"({quorum.describe()} needed)",
                quorum.comparison,
                f"({_ballots(quorum.counts)}) / electorate",
            )
        )

    if rule.veto_quorum is not None:
        no_share = _ratio(counts.no, _electorate(counts, rule))
        vetoed = counts.no > counts.yes and rule.veto_quorum.holds(no_share)
        checks.append(
            RuleCheck(
                "veto_quorum",
                not vetoed,
                no_share,
                rule.veto_quorum.value,
                f"no {counts.no} vs yes {counts.yes}; no = {float(no_share):.2%} of the register "
                f"({rule.veto_quorum.describe()} vetoes)",
                rule.veto_quorum.comparison,
                "no / electorate",
            )
        )
        decision = Decision.VOID if void else (Decision.REJECTED if vetoed else Decision.APPROVED)
        return checks, decision

    ok = majority.holds(share)
    simple = rule.simple_majority
    checks.append(
        RuleCheck(
            "majority" if simple else "supermajority",
            ok,
            share,
            majority.value,
            f"yes {counts.yes} of {counted} ({_ballots(majority.counts)}; "
            f"{majority.describe()} needed)",
            majority.comparison,
            f"yes / ({_ballots(majority.counts)})",
        )
    )
    tie = simple and counts.yes == counts.no
    approved = ok
    if rule.approval_quorum is not None:
        approval = _ratio(counts.yes, _electorate(counts, rule))
        q_ok = rule.approval_quorum.holds(approval)
        approved &= q_ok
        checks.append(
            RuleCheck(
                "approval_quorum",
                q_ok,
                approval,
                rule.approval_quorum.value,
                f"yes {counts.yes} of {counts.electorate} registered "
                f"({rule.approval_quorum.describe()} needed)",
                rule.approval_quorum.comparison,
                "yes / electorate",
            )
        )
    if void:
        return checks, Decision.VOID
    if approved:
        return checks, Decision.APPROVED
    return checks, Decision.TIE if tie and rule.approval_quorum is None else Decision.REJECTED


def region_says_yes(rule: Rule, counts: Counts) -> bool:
    """A region's regional vote: yes is more than half of the ballots the majority counts
    there (by default: yes > no), whatever the region's own quorums or supermajority."""
    return 2 * counts.yes > counts.counted(rule.majority_threshold.counts)


def evaluate_region(rule: Rule, counts: Counts) -> Outcome:
    """Apply the rule's popular conditions to one electorate (ignores regional components)."""
    checks, decision = _conditions(rule, counts)
    return Outcome(decision=decision, checks=tuple(checks), totals=counts)


def evaluate(rule: Rule, regions: Sequence[RegionCounts]) -> Outcome:
    """Apply a rule to a referendum held in one or more regions.

    For ``double_majority`` the popular conditions apply to the totals and the regions'
    weights with a yes majority must exceed half the total weight.  For ``per_region`` each
    region's outcome is computed and the overall decision is that of the totals under the
    same rule (reported for information).
    """
    names = [r.name for r in regions]
    if len(set(names)) != len(names):
        raise InputError("regions", "region names must be unique")
    totals = regions_total(regions)
    checks, decision = _conditions(rule, totals)
    per_region = tuple((r.name, evaluate_region(rule, r.counts)) for r in regions)
    if rule.double_majority is None:
        return Outcome(decision=decision, checks=tuple(checks), totals=totals, regions=per_region)

    weight_total = sum((r.weight for r in regions), Fraction(0))
    weight_yes = sum((r.weight for r in regions if region_says_yes(rule, r.counts)), Fraction(0))
    return _with_regional_majority(
        rule, decision, checks, totals, per_region, weight_yes=weight_yes, weight_total=weight_total
    )


def evaluate_regional_votes(
    rule: Rule, totals: Counts, *, weight_yes: Fraction, weight_total: Fraction
) -> Outcome:
    """Apply a ``double_majority`` rule when only the regional votes are known, not each
    region's counts (a case file quoting "8.5 of 23 cantonal votes").

    >>> from fractions import Fraction
    >>> from referendum.rules import Counts, Rule, evaluate_regional_votes
    >>> evaluate_regional_votes(
    ...     Rule(double_majority=True), Counts(yes=1_299_173, no=1_261_673),
    ...     weight_yes=Fraction(17, 2), weight_total=Fraction(23),
    ... ).decision.value
    'rejected'
    """
    if rule.double_majority is None:
        raise InputError("rule.double_majority", "regional votes only count in a double majority")
    if weight_total <= 0 or not (0 <= weight_yes <= weight_total):
        raise InputError(
            "regional_votes", f"{weight_yes} yes of {weight_total} regional votes is impossible"
        )
    checks, decision = _conditions(rule, totals)
    return _with_regional_majority(
        rule, decision, checks, totals, (), weight_yes=weight_yes, weight_total=weight_total
    )


def _with_regional_majority(
    rule: Rule,
    decision: Decision,
    checks: list[RuleCheck],
    totals: Counts,
    per_region: tuple[tuple[str, Outcome], ...],
    *,
    weight_yes: Fraction,
    weight_total: Fraction,
) -> Outcome:
    regional = rule.double_majority
    assert regional is not None
    needed = weight_total * regional.value
    regional_ok = regional.comparison.holds(weight_yes, needed)
    checks.append(
        RuleCheck(
            "regional_majority",
            regional_ok,
            weight_yes,
            needed,
            f"{_fmt(weight_yes)} of {_fmt(weight_total)} regional votes in favour "
            f"({regional.comparison.words} {_fmt(needed)} needed)",
            regional.comparison,
            f"weight of the regions with a yes majority, against {regional.value} of the total",
        )
    )
    if (decision is Decision.APPROVED and not regional_ok) or decision is Decision.TIE:
        # a popular tie is no majority of the people: under a double majority (another
        # condition) it is a rejection, never a tie (docs/rules.md)
        decision = Decision.REJECTED
    return Outcome(
        decision=decision,
        checks=tuple(checks),
        totals=totals,
        regions=per_region,
        regional_weight_yes=weight_yes,
        regional_weight_total=weight_total,
    )


def _fmt(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def evaluate_options(counts: Mapping[str, int], *, status_quo: str) -> Outcome:
    """A multi-option question: an option other than the status quo is adopted only with an
    absolute majority of the votes cast for options (Venice Commission Code of Good Practice
    on Referendums, III.5); otherwise the status quo stands (decision ``rejected``).

    >>> evaluate_options({"a": 40, "b": 35, "keep": 25}, status_quo="keep").decision.value
    'rejected'
    """
    if status_quo not in counts:
        raise InputError("status_quo", f"{status_quo!r} is not one of the options")
    total = sum(counts.values())
    leader = max(sorted(counts), key=lambda k: counts[k])
    share = _ratio(counts[leader], total)
    ok = share > _HALF and leader != status_quo
    check = RuleCheck(
        "absolute_majority",
        share > _HALF,
        share,
        _HALF,
        f"{leader} {counts[leader]} of {total} votes",
        Comparison.MORE_THAN,
        "leader / (votes for the answers)",
    )
    decision = Decision.APPROVED if ok else Decision.REJECTED
    totals = Counts(yes=counts[leader] if ok else 0, no=total - (counts[leader] if ok else 0))
    return Outcome(
        decision=decision, checks=(check,), totals=totals, adopted=leader if ok else None
    )
