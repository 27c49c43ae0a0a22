"""Legality and authority: legal basis, who organised the vote, status votes, war, arms,
stable rules."""

from __future__ import annotations

from referendum.standards.case import Case
from referendum.standards.checks._sources import (
    CODE,
    CODE_2007,
    CRIMEA_OPINION,
    ODIHR_TURKEY,
    VC_2022,
)
from referendum.standards.finding import Check, Finding, Status, if_then, require_flags

__all__ = ["CHECKS"]


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
    return require_flags(
        check,
        case,
        {"context.territory_under_occupation": False, "legality.organiser_legitimate": True},
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
    return if_then(
        check,
        case,
        "legality.rules_amended_within_year",
        otherwise="pass",
        wanted={"legality.rules_entrenched": True},
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
