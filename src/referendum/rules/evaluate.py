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

__all__ = ["evaluate", "evaluate_options", "evaluate_region", "evaluate_regional_votes"]

_HALF = Fraction(1, 2)


def _ratio(numerator: int, denominator: int) -> Fraction:
    return Fraction(numerator, denominator) if denominator else Fraction(0)


def _electorate(counts: Counts, rule: Rule) -> int:
    if counts.electorate is None:
        raise InputError("electorate", f"the rule ({rule.describe()}) needs the register size")
    return counts.electorate  # an empty register gives every share as 0/1 (_ratio)


def _conditions(rule: Rule, counts: Counts) -> tuple[list[RuleCheck], Decision]:
    """Evaluate the rule's popular conditions on one electorate."""
    checks: list[RuleCheck] = []
    share = _ratio(counts.yes, counts.valid)

    # Participation quorums first: failing one makes the vote void.
    void = False
    if rule.turnout_quorum is not None:
        turnout = _ratio(counts.cast, _electorate(counts, rule))
        ok = turnout > rule.turnout_quorum
        void |= not ok
        checks.append(
            RuleCheck(
                "turnout_quorum",
                ok,
                turnout,
                rule.turnout_quorum,
                f"{counts.cast} of {counts.electorate} registered voted",
            )
        )
    if rule.valid_quorum is not None:
        valid_share = _ratio(counts.valid, _electorate(counts, rule))
        ok = valid_share > rule.valid_quorum
        void |= not ok
        checks.append(
            RuleCheck(
                "valid_quorum",
                ok,
                valid_share,
                rule.valid_quorum,
                f"{counts.valid} valid votes of {counts.electorate} registered",
            )
        )

    if rule.veto_quorum is not None:
        no_share = _ratio(counts.no, _electorate(counts, rule))
        vetoed = counts.no > counts.yes and no_share >= rule.veto_quorum
        checks.append(
            RuleCheck(
                "veto_quorum",
                not vetoed,
                no_share,
                rule.veto_quorum,
                f"no {counts.no} vs yes {counts.yes}; no = {float(no_share):.2%} of the register",
            )
        )
        decision = Decision.VOID if void else (Decision.REJECTED if vetoed else Decision.APPROVED)
        return checks, decision

    if rule.majority is None:
        ok = share > _HALF
        tie = counts.yes == counts.no
        checks.append(
            RuleCheck("majority", ok, share, _HALF, f"yes {counts.yes} vs no {counts.no}")
        )
    else:
        ok = share >= rule.majority
        tie = False
        checks.append(
            RuleCheck(
                "supermajority",
                ok,
                share,
                rule.majority,
                f"yes {counts.yes} of {counts.valid} valid votes",
            )
        )
    approved = ok
    if rule.approval_quorum is not None:
        approval = _ratio(counts.yes, _electorate(counts, rule))
        q_ok = approval >= rule.approval_quorum
        approved &= q_ok
        checks.append(
            RuleCheck(
                "approval_quorum",
                q_ok,
                approval,
                rule.approval_quorum,
                f"yes {counts.yes} of {counts.electorate} registered",
            )
        )
    if void:
        return checks, Decision.VOID
    if approved:
        return checks, Decision.APPROVED
    return checks, Decision.TIE if tie and rule.approval_quorum is None else Decision.REJECTED


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
    if not rule.double_majority:
        return Outcome(decision=decision, checks=tuple(checks), totals=totals, regions=per_region)

    weight_total = sum((r.weight for r in regions), Fraction(0))
    weight_yes = sum((r.weight for r in regions if r.counts.yes > r.counts.no), Fraction(0))
    return _with_regional_majority(
        decision, checks, totals, per_region, weight_yes=weight_yes, weight_total=weight_total
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
    if not rule.double_majority:
        raise InputError("rule.double_majority", "regional votes only count in a double majority")
    if weight_total <= 0 or not (0 <= weight_yes <= weight_total):
        raise InputError(
            "regional_votes", f"{weight_yes} yes of {weight_total} regional votes is impossible"
        )
    checks, decision = _conditions(rule, totals)
    return _with_regional_majority(
        decision, checks, totals, (), weight_yes=weight_yes, weight_total=weight_total
    )


def _with_regional_majority(
    decision: Decision,
    checks: list[RuleCheck],
    totals: Counts,
    per_region: tuple[tuple[str, Outcome], ...],
    *,
    weight_yes: Fraction,
    weight_total: Fraction,
) -> Outcome:
    regional_ok = weight_yes > weight_total / 2
    checks.append(
        RuleCheck(
            "regional_majority",
            regional_ok,
            weight_yes,
            weight_total / 2,
            f"{_fmt(weight_yes)} of {_fmt(weight_total)} regional votes in favour "
            f"(more than {_fmt(weight_total / 2)} needed)",
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
    )
    decision = Decision.APPROVED if ok else Decision.REJECTED
    totals = Counts(yes=counts[leader] if ok else 0, no=total - (counts[leader] if ok else 0))
    return Outcome(
        decision=decision, checks=(check,), totals=totals, adopted=leader if ok else None
    )
