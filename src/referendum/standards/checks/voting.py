"""Voting, counting and observation: polling stations, mobile boxes, several voting days,
secrecy, reconciliation, observers, early claims, appeals."""

from __future__ import annotations

from referendum.standards.case import Case
from referendum.standards.checks._days import voting_days
from referendum.standards.checks._sources import CODE, COPENHAGEN
from referendum.standards.finding import Check, Finding, Status, require_flags

__all__ = ["CHECKS"]


@Check("POLLING_STATIONS_EVERY_DAY", "voting", f"{CODE} I.3.2.a.ii").define
def polling_stations(check: Check, case: Case) -> Finding:
    found = voting_days(case)
    if found is None:
        return check.unknown(["voting.days"])
    fact, days, _ = found
    without = [day["date"] for day in days if day.get("polling_stations") is False]
    if without:
        return check.finding(
            Status.FAIL,
            [fact],
            "fail",
            closed=len(without),
            total=len(days),
            dates=", ".join(without),
        )
    if any("polling_stations" not in day for day in days):
        return check.unknown(["voting.days[].polling_stations"], [fact])
    return check.finding(Status.PASS, [fact], "pass", total=len(days))


@Check("MOBILE_BOX_STRICT", "voting", f"{CODE} I.3.2.a.vi").define
def mobile_box_strict(check: Check, case: Case) -> Finding:
    strict = case.fact("voting.mobile_on_request_only")
    found = voting_days(case)
    used = [f for f in (strict, found and found[0]) if f]
    door = [d["date"] for d in found[1] if d.get("door_to_door")] if found else []
    if door and not (strict is not None and strict.as_bool()):
        return check.finding(Status.FAIL, used, "door_to_door", dates=", ".join(door))
    if strict is None:
        return check.unknown(["voting.mobile_on_request_only"], used)
    if not strict.as_bool():
        return check.finding(Status.FAIL, used, "fail")
    return check.finding(Status.PASS, used, "pass")


@Check(
    "MULTI_DAY_CUSTODY", "voting", "joint Venice Commission / ODIHR opinions (STANDARDS.md)"
).define
def multi_day_custody(check: Check, case: Case) -> Finding:
    found = voting_days(case)
    if found is None:
        return check.unknown(["voting.days"])
    if len(found[1]) == 1:
        return check.finding(Status.PASS, [found[0]], "single_day")
    return require_flags(
        check,
        case,
        {
            "voting.sealed_overnight_custody": True,
            "voting.daily_count_in_protocol": True,
            "voting.observer_access_overnight": True,
        },
        also_used=[found[0]],
    )


@Check("SECRECY", "voting", f"{CODE} I.4; {COPENHAGEN} §7.4").define
def secrecy(check: Check, case: Case) -> Finding:
    return require_flags(check, case, {"voting.secret": True})


@Check("RECONCILIATION", "voting", f"{CODE} I.3.2.a.vii-ix").define
def reconciliation(check: Check, case: Case) -> Finding:
    verified = case.fact("record.verified")
    if verified is not None and verified.as_bool():
        return check.finding(Status.PASS, [verified], "verified")
    if verified is not None:
        return check.finding(Status.FAIL, [verified], "not_verified")
    return require_flags(check, case, {"voting.ballots_reconcile": True})


@Check("OBSERVERS", "voting", f"{CODE} II.4.2; {COPENHAGEN} §8").define
def observers(check: Check, case: Case) -> Finding:
    return require_flags(
        check,
        case,
        {"voting.domestic_observers": True, "voting.international_observers": True},
    )


@Check("NO_RESULT_BEFORE_CLOSE", "voting", f"{CODE} (STANDARDS.md: Luhansk 2022)").define
def no_result_before_close(check: Check, case: Case) -> Finding:
    return require_flags(check, case, {"voting.result_claimed_before_close": False})


@Check("APPEALS", "voting", f"{CODE} II.4.3").define
def appeals(check: Check, case: Case) -> Finding:
    return require_flags(
        check,
        case,
        {
            "administration.appeal_body_independent": True,
            "administration.appeal_body_can_annul": True,
        },
    )


CHECKS: tuple[Check, ...] = (
    polling_stations,
    mobile_box_strict,
    multi_day_custody,
    secrecy,
    reconciliation,
    observers,
    no_result_before_close,
    appeals,
)
