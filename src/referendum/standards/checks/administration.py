"""Administration and electorate: the commission, the register, residence, who could vote,
a register that grows during voting, votes cast outside the territory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from referendum.errors import InputError
from referendum.standards.case import Case, Fact
from referendum.standards.checks._sources import CODE
from referendum.standards.finding import (
    Check,
    Finding,
    Status,
    graded_flags,
    if_then,
)

__all__ = [
    "CHECKS",
    "COVERAGE_FAIL_BELOW",
    "COVERAGE_PASS_FROM",
    "MAX_RESIDENCE_MONTHS",
    "coverage_share",
]

MAX_RESIDENCE_MONTHS = 6
"""Code I.1.1.c: a residence requirement of at most six months, local/regional votes only."""
COVERAGE_PASS_FROM = Fraction(95)
COVERAGE_FAIL_BELOW = Fraction(50)
"""ELECTORATE_COVERAGE thresholds (percent of the eligible population able to vote freely):
this tool's reading of universal suffrage (Code I.1); below half the electorate fails."""


@Check("IMPARTIAL_BODY", "administration", f"{CODE} II.4.1.a, d").define
def impartial_body(check: Check, case: Case) -> Finding:
    """II.4.1.a: independent commissions "must" be set up, "unless there is a longstanding
    tradition of administrative authorities' impartiality in electoral matters" (the fact
    ``administration.impartial_administration_tradition``, with its source, is that
    exception); II.4.1.d: the central commission "should" include a judge or independent
    legal expert, so its absence warns."""
    commission = case.fact("administration.independent_commission")
    tradition = case.fact("administration.impartial_administration_tradition")
    exception = tradition is not None and tradition.as_bool()
    if commission is not None and not commission.as_bool() and exception:
        assert tradition is not None
        return graded_flags(
            check,
            case,
            must={},
            should={"administration.judge_or_legal_expert": True},
            also_used=[commission, tradition],
            passed="tradition",
        )
    return graded_flags(
        check,
        case,
        must={"administration.independent_commission": True},
        should={"administration.judge_or_legal_expert": True},
    )


@Check("REGISTER_QUALITY", "administration", f"{CODE} I.1.2.a, c, d").define
def register_quality(check: Check, case: Case) -> Finding:
    """I.1.2.a and c: the register "must" be permanent and public (fail); I.1.2.d:
    registration "should not" result from a polling station's decision on voting day
    (a warning)."""
    return graded_flags(
        check,
        case,
        must={"administration.register_permanent": True, "administration.register_public": True},
        should={"administration.registration_at_polling_station": False},
    )


@Check("RESIDENCE_RULE", "administration", f"{CODE} I.1.1.c.ii-iii").define
def residence_rule(check: Check, case: Case) -> Finding:
    """A length of residence only for local or regional votes (ii: fail otherwise), which
    "should be reasonable and, as a rule, should not exceed six months" (iii): longer fails
    unless the case states a justified exception (a national minority's protection, a
    decolonisation or peace settlement), which warns: a departure to explain."""
    months = case.fact("administration.residence_requirement_months")
    if months is None:
        return check.unknown(["administration.residence_requirement_months"])
    if months.as_number() == 0:
        return check.finding(Status.PASS, [months], "none")
    exception = case.fact("administration.residence_exception")
    longer = months.as_number() > MAX_RESIDENCE_MONTHS
    used = [f for f in (months, exception) if f is not None]
    if longer and exception is None:
        return check.finding(
            Status.FAIL, [months], "fail", months=float(months.as_number()), maximum=6
        )
    level = case.fact("administration.vote_level")
    if level is None:
        return check.unknown(["administration.vote_level"], used)
    if level.as_text() == "national":
        return check.finding(Status.FAIL, [*used, level], "national")
    if longer:
        assert exception is not None
        return check.finding(
            Status.WARN,
            [*used, level],
            "exception",
            months=float(months.as_number()),
            maximum=6,
            exception=exception.as_text().replace("_", " "),
        )
    return check.finding(Status.PASS, [months, level], "pass", months=float(months.as_number()))


def coverage_share(case: Case) -> tuple[Fraction, list[Fact], str, str] | list[str]:
    """The share (%) of the electorate able to vote, from whichever facts exist, the facts
    used, its basis and the derivation written out; or the facts that would give it.

    In order: the reported ``administration.share_able_to_vote``; the areas (districts,
    towns) that did not vote, with their electorates, against
    ``administration.electorate_total``; the polling stations opened out of those planned
    (assuming stations of equal size)."""
    share = case.fact("administration.share_able_to_vote")
    if share is not None:
        value = share.as_number()
        return value, [share], "share", f"{float(value):g}% as reported"
    areas = case.fact("administration.areas_not_voting")
    total = case.fact("administration.electorate_total")
    if areas is not None and total is not None:
        listed: Sequence[Mapping[str, Any]] = areas.as_list()
        excluded = [int(a["electorate"]) for a in listed]
        size = total.as_int()
        if size <= 0 or sum(excluded) > size:
            raise InputError(
                "administration.areas_not_voting",
                f"the areas not voting hold {sum(excluded)} voters of an electorate_total "
                f"of {size}",
            )
        value = 100 * (1 - Fraction(sum(excluded), size))
        terms = " + ".join(map(str, excluded)) or "0"
        names = ", ".join(str(a["name"]) for a in listed) or "none"
        derivation = f"100 × (1 − ({terms}) / {size}) = {float(value):.2f}% (not voting: {names})"
        return value, [areas, total], "areas", derivation
    opened = case.fact("voting.polling_stations_opened")
    planned = case.fact("voting.polling_stations_planned")
    if opened is not None and planned is not None:
        o, p = opened.as_int(), planned.as_int()
        if p <= 0 or o > p:
            raise InputError("voting.polling_stations_opened", f"{o} opened of {p} planned")
        value = Fraction(100 * o, p)
        derivation = (
            f"100 × {o} / {p} = {float(value):.2f}% of the planned polling stations opened "
            "(stations assumed of equal size)"
        )
        return value, [opened, planned], "stations", derivation
    return [
        "administration.share_able_to_vote",
        "administration.areas_not_voting",
        "voting.polling_stations_opened",
    ]


@Check("ELECTORATE_COVERAGE", "administration", f"derived from {CODE} I.1").define
def electorate_coverage(check: Check, case: Case) -> Finding:
    below = case.fact("administration.share_able_to_vote_below")
    inhabitants = case.fact("administration.inhabitants")
    extra = [f for f in (below, inhabitants) if f is not None]
    found = coverage_share(case)
    if isinstance(found, list):
        if below is not None and below.as_number() <= COVERAGE_FAIL_BELOW:
            return check.finding(Status.FAIL, extra, "fail_bound", share=float(below.as_number()))
        return check.unknown(found[:1], extra)
    value, used, basis, derivation = found
    details = {"basis": basis, "derivation": derivation, "share": float(value)}
    facts = [*used, *extra]
    share = round(float(value), 2)
    level, message = (
        (Status.FAIL, "fail")
        if value < COVERAGE_FAIL_BELOW
        else (Status.WARN, "warn")
        if value < COVERAGE_PASS_FROM
        else (Status.PASS, "pass")
    )
    return check.finding(level, facts, message, details=details, share=share, how=derivation)


@Check("ELECTORATE_FROZEN", "administration", f"{CODE} I.1.2").define
def electorate_frozen(check: Check, case: Case) -> Finding:
    opening = case.fact("administration.register_at_opening")
    closing = case.fact("administration.register_at_close")
    added = case.fact("administration.added_during_voting")
    legal = case.fact("administration.supplementary_list_legal")
    used = [f for f in (opening, closing, added, legal) if f is not None]
    if added is not None:
        change = added.as_int()
    elif opening is not None and closing is not None:
        change = closing.as_int() - opening.as_int()
    else:
        return check.unknown(
            ["administration.register_at_opening", "administration.register_at_close"], used
        )
    if change == 0:
        return check.finding(Status.PASS, used, "pass")
    if legal is not None and legal.as_bool():
        return check.finding(Status.PASS, used, "supplementary", added=change)
    return check.finding(Status.FAIL, used, "fail", added=change)


@Check("OUT_OF_TERRITORY_VOTES", "administration", f"{CODE} I.1.1.c").define
def out_of_territory(check: Check, case: Case) -> Finding:
    return if_then(
        check,
        case,
        "administration.votes_outside_territory",
        otherwise="none",
        wanted={"administration.outside_votes_by_legitimate_authority": True},
    )


CHECKS: tuple[Check, ...] = (
    impartial_body,
    register_quality,
    residence_rule,
    electorate_coverage,
    electorate_frozen,
    out_of_territory,
)
