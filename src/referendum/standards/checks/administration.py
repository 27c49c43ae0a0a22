"""Administration and electorate: the commission, the register, residence, who could vote,
a register that grows during voting, votes cast outside the territory."""

from __future__ import annotations

from fractions import Fraction

from referendum.standards.case import Case
from referendum.standards.checks._sources import CODE
from referendum.standards.finding import Check, Finding, Status, if_then, require_flags

__all__ = ["CHECKS", "COVERAGE_FAIL_BELOW", "COVERAGE_PASS_FROM", "MAX_RESIDENCE_MONTHS"]

MAX_RESIDENCE_MONTHS = 6
"""Code I.1.1.c: a residence requirement of at most six months, local/regional votes only."""
COVERAGE_PASS_FROM = Fraction(95)
COVERAGE_FAIL_BELOW = Fraction(50)
"""ELECTORATE_COVERAGE thresholds (percent of the eligible population able to vote freely):
this tool's reading of universal suffrage (Code I.1); below half the electorate fails."""


@Check("IMPARTIAL_BODY", "administration", f"{CODE} II.4.1").define
def impartial_body(check: Check, case: Case) -> Finding:
    return require_flags(
        check,
        case,
        {
            "administration.independent_commission": True,
            "administration.judge_or_legal_expert": True,
        },
    )


@Check("REGISTER_QUALITY", "administration", f"{CODE} I.1.2").define
def register_quality(check: Check, case: Case) -> Finding:
    return require_flags(
        check,
        case,
        {
            "administration.register_permanent": True,
            "administration.register_public": True,
            "administration.registration_at_polling_station": False,
        },
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


@Check("ELECTORATE_COVERAGE", "administration", f"derived from {CODE} I.1").define
def electorate_coverage(check: Check, case: Case) -> Finding:
    share = case.fact("administration.share_able_to_vote")
    below = case.fact("administration.share_able_to_vote_below")
    inhabitants = case.fact("administration.inhabitants")
    used = [f for f in (share, below, inhabitants) if f is not None]
    if share is None and below is not None and below.as_number() <= COVERAGE_FAIL_BELOW:
        return check.finding(Status.FAIL, used, "fail_bound", share=float(below.as_number()))
    if share is None:
        return check.unknown(["administration.share_able_to_vote"], used)
    value = share.as_number()
    if value < COVERAGE_FAIL_BELOW:
        return check.finding(Status.FAIL, used, "fail", share=float(value))
    if value < COVERAGE_PASS_FROM:
        return check.finding(Status.WARN, used, "warn", share=float(value))
    return check.finding(Status.PASS, used, "pass", share=float(value))


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
