"""The campaign: media, neutrality of the authorities, money, fundamental freedoms; and the
revised Code's (2022) provisions on funding disclosure, the origin of campaign messages, paid
online advertising and the authorities' own campaigning.

The revised Code says "must" for some of these and "should" for others: a breach of a "must"
fails, a departure from a "should" is a warning to explain (docs/standards/checks.md).
"""

from __future__ import annotations

from referendum.standards.case import Case
from referendum.standards.checks._days import voting_days
from referendum.standards.checks._sources import CODE
from referendum.standards.finding import Check, Finding, Status, gather, require_flags

__all__ = ["CHECKS"]


def _flag(check_id: str, section: str, path: str) -> Check:
    def run(check: Check, case: Case) -> Finding:
        return require_flags(check, case, {path: True})

    return Check(check_id, "campaign", f"{CODE} {section}").define(run)


def _should(check_id: str, section: str, path: str) -> Check:
    """A "should" of the revised Code: a departure warns, it does not fail."""

    def run(check: Check, case: Case) -> Finding:
        fact = case.fact(path)
        if fact is None:
            return check.unknown([path])
        if fact.as_bool():
            return check.finding(Status.PASS, [fact], "pass")
        return check.finding(Status.WARN, [fact], "warn")

    return Check(check_id, "campaign", f"{CODE} {section}").define(run)


_DISCLOSED = (
    "campaign.funding_disclosed",
    "campaign.in_kind_disclosed",
    "campaign.third_party_disclosed",
)


@Check("FUNDING_DISCLOSED_BEFORE_VOTE", "campaign", f"{CODE} I.2.2.g-h; II.4.4.a").define
def _funding_disclosed(check: Check, case: Case) -> Finding:
    """Funding "must be transparent, including in-kind contributions and third-party
    campaigning" (fail otherwise); it "should become public at least prior to the
    referendum" (a warning when published on or after the first voting day)."""
    flags = require_flags(check, case, dict.fromkeys(_DISCLOSED, True))
    if flags.status is not Status.PASS:
        return flags
    facts = gather(case, *_DISCLOSED, "campaign.funding_published")
    published = facts["campaign.funding_published"]
    days = voting_days(case)
    if published is None or days is None:
        missing = ["campaign.funding_published"] if published is None else ["voting.days"]
        return check.unknown(missing, facts.used)
    first = min(days[2])
    used = [*facts.used, days[0]]
    if published.as_date() < first:
        return check.finding(Status.PASS, used, "pass", published=str(published.as_date()))
    return check.finding(
        Status.WARN, used, "late", published=str(published.as_date()), first=str(first)
    )


@Check("NO_PUBLIC_FUNDS_FOR_AUTHORITIES", "campaign", f"{CODE} II.4.4.c; I.3.1.b").define
def _no_public_funds(check: Check, case: Case) -> Finding:
    """The use of public funds by the authorities for campaigning "must be prohibited"."""
    return require_flags(check, case, {"campaign.authorities_used_public_funds": False})


CHECKS: tuple[Check, ...] = (
    _flag("MEDIA_EQUALITY", "I.2.2", "campaign.media_equal_access"),
    _flag("STATE_NEUTRALITY", "I.3.1.a-b", "campaign.state_neutral"),
    _flag("FINANCE_TRANSPARENCY", "II.4.4", "campaign.finance_transparent"),
    _flag("FUNDAMENTAL_FREEDOMS", "II.2", "campaign.fundamental_freedoms_respected"),
    _funding_disclosed,
    _should("MESSAGE_ORIGIN", "I.3.1", "campaign.message_origin_identifiable"),
    _should("PAID_ADVERTISING_DATA", "I.3.1", "campaign.paid_advertising_data_available"),
    _no_public_funds,
)
