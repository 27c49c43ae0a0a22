"""Voting, counting and observation: polling stations, mobile boxes, several voting days,
secrecy, reconciliation, observers, early claims, appeals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from referendum.standards.case import Case
from referendum.standards.checks._days import voting_days
from referendum.standards.checks._sources import CODE, COPENHAGEN
from referendum.standards.finding import Check, Finding, Status, graded_flags, require_flags

__all__ = ["CHECKS", "STAGES"]


@Check("POLLING_STATIONS_EVERY_DAY", "voting", f"{CODE} I.3.2.a.ii").define
def polling_stations(check: Check, case: Case) -> Finding:
    found = voting_days(case)
    if found is None:
        return check.unknown(["voting.days"])
    fact, days, _ = found
    without = [day for day in days if day.get("polling_stations") is False]
    if without:
        # I.3.2.a.ii: voters "should always" be able to vote in a polling station; other
        # means are acceptable only under the conditions of iii-vi. A day without stations
        # warns; it fails when that day's voting was door to door or by mobile box without
        # the strict rule of vi (voting on request only).
        strict = case.fact("voting.mobile_on_request_only")
        carried = [d for d in without if d.get("door_to_door") or d.get("mobile_boxes")]
        unguarded = carried and not (strict is not None and strict.as_bool())
        used = [fact, *([strict] if strict is not None else [])]
        return check.finding(
            Status.FAIL if unguarded else Status.WARN,
            used,
            "fail" if unguarded else "warn",
            closed=len(without),
            total=len(days),
            dates=", ".join(str(d["date"]) for d in without),
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


STAGES = ("voting", "count", "tabulation")
"""The stages observers must be able to see (Code II.4.2: every stage, the count included)."""
_OBSERVED = (
    ("international_mission", "accredited international missions"),
    ("domestic", "domestic observers"),
)


@Check("OBSERVERS", "voting", f"{CODE} II.4.2; {COPENHAGEN} §8").define
def observers(check: Check, case: Case) -> Finding:
    """Accredited international missions and domestic observers, each with access to the
    voting, the count and the tabulation (``voting.observers``, one entry per group, each
    with its own source).  Invited experts without accreditation are no international
    observation mission and party agents no non-partisan observers: both are reported,
    neither stands in for them.  Without ``voting.observers`` the yes/no facts
    ``voting.domestic_observers`` and ``voting.international_observers`` are read."""
    fact = case.fact("voting.observers")
    if fact is None:
        # without the groups the stages are unknown: a missing kind is a "should" (II.4.2.a)
        return graded_flags(
            check,
            case,
            must={},
            should={"voting.domestic_observers": True, "voting.international_observers": True},
        )
    entries: Sequence[Mapping[str, Any]] = fact.as_list()
    details = {
        "observers": [
            {
                "kind": e["kind"],
                "name": e.get("name", ""),
                "access": [s for s in STAGES if s in e.get("access", [])],
                "source": e["source"],
            }
            for e in entries
        ]
    }
    kinds = ", ".join(sorted({str(e["kind"]).replace("_", " ") for e in entries})) or "none"
    lacking: list[str] = []
    for kind, name in _OBSERVED:
        present = [e for e in entries if e["kind"] == kind]
        access = {stage for e in present for stage in e.get("access", [])}
        if not present:
            lacking.append(f"no {name}")
        elif missing := [s for s in STAGES if s not in access]:
            lacking.append(f"{name} without access to the {', '.join(missing)}")
    if not any("count" in e.get("access", []) for e in entries):
        # II.4.2.b: observation "must always be possible during vote counting"
        lacking.insert(0, "no observers at the count")
        violations = "; ".join(lacking)
        return check.finding(
            Status.FAIL, [fact], "fail_kinds", details=details, violations=violations, kinds=kinds
        )
    if lacking:
        # II.4.2.a, c: observers "should" be given the widest possible opportunity and
        # "should" be able to go everywhere: what else lacks is a warning to explain
        violations = "; ".join(lacking)
        return check.finding(
            Status.WARN, [fact], "warn_kinds", details=details, violations=violations, kinds=kinds
        )
    return check.finding(Status.PASS, [fact], "pass_kinds", details=details, kinds=kinds)


@Check("NO_RESULT_BEFORE_CLOSE", "voting", f"{CODE} (STANDARDS.md: Luhansk 2022)").define
def no_result_before_close(check: Check, case: Case) -> Finding:
    return require_flags(check, case, {"voting.result_claimed_before_close": False})


@Check("APPEALS", "voting", f"{CODE} II.4.3.a, e").define
def appeals(check: Check, case: Case) -> Finding:
    """II.4.3.e: the appeal body "must have authority to annul the referendum" (fail);
    II.4.3.a: it "should be impartial and independent" (a warning)."""
    return graded_flags(
        check,
        case,
        must={"administration.appeal_body_can_annul": True},
        should={"administration.appeal_body_independent": True},
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
