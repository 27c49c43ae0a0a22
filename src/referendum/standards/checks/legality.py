"""Legality and authority: legal basis, who organised the vote, status votes, war, arms,
stable rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from referendum.errors import InputError
from referendum.standards.case import Case
from referendum.standards.checks._sources import (
    CODE,
    CODE_2007,
    CRIMEA_OPINION,
    ODIHR_TURKEY,
    VC_2022,
)
from referendum.standards.finding import (
    Check,
    Finding,
    Status,
    graded_flags,
    if_then,
    require_flags,
)

__all__ = ["AUTHORITIES", "CHECKS", "SHARE_SLACK"]

AUTHORITIES = ("legitimate", "disputed", "occupied")
"""The organiser's authority in a part of the territory (``context.territory_parts``)."""
SHARE_SLACK = Fraction(5, 100)
"""Rounded electorate shares of the parts may add up to 100.05% at most."""


@Check("LEGAL_BASIS", "legality", f"{CODE} II.1, II.3.a").define
def _legal_basis(check: Check, case: Case) -> Finding:
    basis = case.fact("legality.legal_basis")
    conforms = case.fact("legality.conforms_to_constitution")
    used = [f for f in (basis, conforms) if f is not None]
    if conforms is not None and not conforms.as_bool():
        return check.finding(Status.FAIL, used, "unconstitutional")
    if basis is None:
        return check.unknown(["legality.legal_basis"], used)
    if basis.as_text() in ("ad_hoc", "none"):
        return check.finding(Status.FAIL, used, "fail", basis=basis.as_text())
    if conforms is None:
        return check.unknown(["legality.conforms_to_constitution"], used)
    return check.finding(Status.PASS, used, "pass", basis=basis.as_text())


@Check(
    "ORGANISER_AUTHORITY", "legality", "OSCE statement 21 Sep 2022; UNGA res. 68/262, ES-11/4"
).define
def _organiser_authority(check: Check, case: Case) -> Finding:
    """With ``context.territory_parts`` (each part: its name, the organiser's authority
    there, its share of the electorate, whether it voted, a source), the vote held where the
    organiser is the legitimate authority passes, held in disputed parts warns and held in
    occupied parts fails, each with the electorate shares; otherwise the whole territory's
    yes/no facts decide."""
    parts = case.fact("context.territory_parts")
    if parts is None:
        return require_flags(
            check,
            case,
            {"context.territory_under_occupation": False, "legality.organiser_legitimate": True},
        )
    rows: Sequence[Mapping[str, Any]] = parts.as_list()
    total = sum((Fraction(str(p["electorate_share"])) for p in rows), Fraction(0))
    if total > 100 + SHARE_SLACK:
        raise InputError(
            "context.territory_parts",
            f"the parts' electorate shares add up to {float(total):g}%, more than 100%",
        )
    voted = [p for p in rows if p["voted"]]
    shares = {a: round(float(_share(voted, a)), 2) for a in AUTHORITIES}
    names = {
        authority: ", ".join(str(p["name"]) for p in voted if p["authority"] == authority)
        for authority in AUTHORITIES
    }
    details = {
        "parts": [
            {k: p[k] for k in ("name", "authority", "electorate_share", "voted", "source")}
            for p in rows
        ],
        "voted_share": shares,
    }
    params = {f"{a}_share": v for a, v in shares.items()} | {
        f"{a}_parts": names[a] or "none" for a in AUTHORITIES
    }
    if names["occupied"]:
        return check.finding(Status.FAIL, [parts], "parts_occupied", details=details, **params)
    if names["disputed"]:
        return check.finding(Status.WARN, [parts], "parts_disputed", details=details, **params)
    return check.finding(Status.PASS, [parts], "parts_legitimate", details=details, **params)


def _share(parts: Sequence[Mapping[str, Any]], authority: str) -> Fraction:
    return sum(
        (Fraction(str(p["electorate_share"])) for p in parts if p["authority"] == authority),
        Fraction(0),
    )


@Check("TERRITORIAL_STATUS", "legality", f"{CRIMEA_OPINION} §§27-28").define
def _territorial_status(check: Check, case: Case) -> Finding:
    return if_then(
        check,
        case,
        "question.territorial_status",
        otherwise="not_applicable",
        wanted={"legality.constitutional_permission": True, "legality.prior_negotiation": True},
    )


@Check("NO_WAR_OR_EMERGENCY", "legality", VC_2022).define
def _no_war(check: Check, case: Case) -> Finding:
    return require_flags(
        check,
        case,
        {
            "context.martial_law": False,
            "context.state_of_emergency": False,
            "context.active_hostilities": False,
        },
    )


@Check("NO_ARMED_PRESENCE", "legality", CRIMEA_OPINION).define
def _no_armed_presence(check: Check, case: Case) -> Finding:
    return require_flags(check, case, {"voting.armed_presence": False})


@Check("LAW_STABILITY", "legality", f"{CODE_2007} II.2.b; {CODE} II.3.b").define
def _law_stability(check: Check, case: Case) -> Finding:
    """II.3.b: the fundamental aspects of referendum law "should not be open to amendments
    to be applied during the year following their enactment, or should be written in the
    constitution": a "should", so a recent amendment that is not entrenched warns."""
    amended = case.fact("legality.rules_amended_within_year")
    if amended is None:
        return check.unknown(["legality.rules_amended_within_year"])
    if not amended.as_bool():
        return check.finding(Status.PASS, [amended], "pass")
    return graded_flags(
        check,
        case,
        must={},
        should={"legality.rules_entrenched": True},
        also_used=[amended],
        passed="entrenched",
    )


@Check("NO_RULE_CHANGE_AFTER_CALL", "legality", ODIHR_TURKEY).define
def _no_rule_change(check: Check, case: Case) -> Finding:
    return require_flags(check, case, {"legality.rules_changed_after_call": False})


@Check("CONSTITUTIONAL_REVISION_RULES", "legality", f"{CODE} III.1").define
def _constitutional_revision(check: Check, case: Case) -> Finding:
    """A constitutional amendment put to the vote follows the constitution's own rules on
    revision; a text that does not is procedurally invalid and "must not be put to a
    referendum"."""
    return if_then(
        check,
        case,
        "legality.constitutional_amendment",
        otherwise="not_amendment",
        wanted={"legality.revision_procedure_followed": True},
    )


CHECKS: tuple[Check, ...] = (
    _legal_basis,
    _organiser_authority,
    _territorial_status,
    _no_war,
    _no_armed_presence,
    _law_stability,
    _no_rule_change,
    _constitutional_revision,
)
