"""Timing: lead time from the call, campaign length, combined elections, information."""

from __future__ import annotations

import dataclasses

from referendum.standards.case import Case
from referendum.standards.checks._days import voting_days
from referendum.standards.checks._sources import CODE
from referendum.standards.finding import Check, Finding, Status, gather, if_then

__all__ = ["CHECKS", "MIN_LEAD_DAYS", "WARN_LEAD_DAYS"]

MIN_LEAD_DAYS = 28
"""Code III.9.a: at least four weeks between the call and the vote."""
WARN_LEAD_DAYS = 90
"""Memorandum §70: "several months" are desirable; under about 90 days gives a warning."""
INFO_MIN_DAYS = 21
"""Swiss practice quoted by the Code (I.3.1.e): information 3 to 4 weeks before the vote."""


@Check("MIN_LEAD_TIME", "timing", f"{CODE} III.9.a; explanatory memorandum §70").define
def min_lead_time(check: Check, case: Case) -> Finding:
    called = case.fact("timing.called")
    days = voting_days(case)
    if called is None:
        return check.unknown(["timing.called"], [days[0]] if days else [])
    if days is None:
        return check.unknown(["voting.days"], [called])
    lead = (min(days[2]) - called.as_date()).days
    used = [called, days[0]]
    if lead < MIN_LEAD_DAYS:
        return check.finding(Status.FAIL, used, "fail", lead=lead, minimum=MIN_LEAD_DAYS)
    if lead < WARN_LEAD_DAYS:
        return check.finding(Status.WARN, used, "warn", lead=lead, desirable=WARN_LEAD_DAYS)
    return check.finding(Status.PASS, used, "pass", lead=lead, minimum=MIN_LEAD_DAYS)


@Check("CAMPAIGN_LENGTH", "timing", f"{CODE} III.9.a").define
def campaign_length(check: Check, case: Case) -> Finding:
    facts = gather(case, "timing.campaign_days", "timing.regular_campaign_days")
    campaign, regular = facts["timing.campaign_days"], facts["timing.regular_campaign_days"]
    if campaign is None or regular is None:
        return check.unknown(facts.missing, facts.used)
    status = Status.PASS if campaign.as_int() >= regular.as_int() else Status.FAIL
    return check.finding(
        status, facts.used, status.value, days=campaign.as_int(), regular=regular.as_int()
    )


@Check("NOT_COMBINED_WITH_AFFECTED_ELECTION", "timing", f"{CODE} III.9.c").define
def not_combined(check: Check, case: Case) -> Finding:
    """III.9.c: "it is suitable not to hold elections and referendums on the same day if the
    referendum is about the institution facing election": advice, so a warning, not a
    failure, when the two are combined."""
    found = if_then(
        check,
        case,
        "timing.combined_with_election",
        otherwise="pass",
        wanted={"timing.combined_election_affected": False},
        passed="unaffected",
    )
    if found.status is not Status.FAIL:
        return found
    return dataclasses.replace(found, status=Status.WARN, message=f"{check.id}.warn")


@Check("INFO_IN_TIME", "timing", f"{CODE} I.3.1.e").define
def info_in_time(check: Check, case: Case) -> Finding:
    facts = gather(
        case,
        "campaign.official_information",
        "campaign.official_information_balanced",
        "campaign.official_information_days_before",
    )
    sent = facts["campaign.official_information"]
    balanced = facts["campaign.official_information_balanced"]
    days = facts["campaign.official_information_days_before"]
    used = facts.used
    if (sent is not None and not sent.as_bool()) or (
        balanced is not None and not balanced.as_bool()
    ):
        return check.finding(Status.FAIL, used, "fail")
    if days is None:
        return check.unknown(["campaign.official_information_days_before"], used)
    if days.as_int() < INFO_MIN_DAYS:
        return check.finding(Status.WARN, used, "warn", days=days.as_int(), minimum=INFO_MIN_DAYS)
    if balanced is None:
        return check.unknown(["campaign.official_information_balanced"], used)
    return check.finding(Status.PASS, used, "pass", days=days.as_int())


CHECKS: tuple[Check, ...] = (min_lead_time, campaign_length, not_combined, info_in_time)
