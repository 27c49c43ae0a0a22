"""Outcome: quorum design, the outcome under the case's own rule (computed with
:mod:`referendum.rules`, the same code as the core), and the plausibility of the figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from referendum.errors import InputError
from referendum.rules import (
    ALL_BALLOTS,
    VALID_VOTES,
    Counts,
    Outcome,
    RegionCounts,
    Rule,
    evaluate,
    evaluate_region,
    evaluate_regional_votes,
    parse_fraction,
    rule_from_mapping,
)
from referendum.standards.case import Case, Fact
from referendum.standards.checks._sources import CODE_2007
from referendum.standards.finding import Check, Finding, Status

__all__ = [
    "CHECKS",
    "PLAUSIBLE_TURNOUT",
    "PLAUSIBLE_YES",
    "SHARE_SCALE",
    "SHARE_TOLERANCE",
    "counts_from_case",
]

PLAUSIBLE_TURNOUT = Fraction(90)
"""Turnout above 90% gives a warning (the Polish electoral commission's soft rule)."""
PLAUSIBLE_YES = Fraction(95)
"""Together with turnout above 90%, a yes share above 95% gives a stronger warning."""
SHARE_TOLERANCE = Fraction(5, 100)
"""Reported percentages and counts disagree when they differ by more than 0.05 points."""
SHARE_SCALE = 10**8
"""When only percentages are reported, counts are built on a nominal electorate of this size
(exact for percentages with up to six decimals)."""

_QUORUM_KEYS = ("turnout_quorum", "valid_quorum", "approval_quorum", "veto_quorum")


@Check("QUORUM_DESIGN", "outcome", f"{CODE_2007} III.7.a; PACE Res. 2251 (2019) §4.4").define
def quorum_design(check: Check, case: Case) -> Finding:
    rule = case.fact("outcome.rule")
    if rule is None:
        return check.unknown(["outcome.rule"])
    quorums = [k for k in _QUORUM_KEYS if k in rule.as_mapping()]
    if quorums:
        return check.finding(Status.WARN, [rule], "warn", quorums=", ".join(quorums))
    return check.finding(Status.PASS, [rule], "pass")


@dataclass(frozen=True)
class CaseCounts:
    """Counts for the rules code, the facts they came from and how they were obtained."""

    counts: Counts
    facts: tuple[Fact, ...]
    basis: str  # "counts" or "shares"


def _pct(value: Any, field_name: str) -> Fraction:
    return parse_fraction(value, field_name=field_name) / 100


def _counts_by_kind(rule: Rule) -> bool:
    """Whether the rule counts blank or invalid ballots apart (reported percentages of "valid
    votes" cannot tell them: counts are needed)."""
    return (
        rule.majority_threshold.counts != VALID_VOTES
        or (rule.valid_quorum is not None and rule.valid_quorum.counts != VALID_VOTES)
        or (rule.turnout_quorum is not None and rule.turnout_quorum.counts != ALL_BALLOTS)
    )


def _from_shares(case: Case, rule: Rule) -> CaseCounts | list[str]:
    if _counts_by_kind(rule):
        return ["outcome.results"]
    fact = case.fact("outcome.shares")
    if fact is None:
        return ["outcome.results", "outcome.shares"]
    shares = fact.as_mapping()
    scale = SHARE_SCALE

    def share(key: str) -> Fraction | None:
        return _pct(shares[key], f"outcome.shares.{key}") if key in shares else None

    turnout, valid_e, yes_e = (
        share("turnout"),
        share("valid_of_electorate"),
        share("yes_of_electorate"),
    )
    yes_v = share("yes_of_valid")
    if yes_v is None and "no_of_valid" in shares:
        yes_v = 1 - _pct(shares["no_of_valid"], "outcome.shares.no_of_valid")
    cast = round(turnout * scale) if turnout is not None else None
    if valid_e is not None:
        valid = round(valid_e * scale)
    elif yes_e is not None and yes_v:
        valid = round(yes_e / yes_v * scale)
    elif (
        yes_v is not None
        and rule.valid_quorum is None
        and rule.approval_quorum is None
        and rule.veto_quorum is None
    ):
        # Only the yes share of valid votes matters to this rule: any scale will do.
        valid = cast if cast is not None else scale
    else:
        return ["outcome.shares.valid_of_electorate"]
    if yes_e is not None:
        yes = round(yes_e * scale)
    elif yes_v is not None:
        yes = round(yes_v * valid)
    else:
        return ["outcome.shares.yes_of_valid"]
    if rule.turnout_quorum is not None and cast is None:
        return ["outcome.shares.turnout"]
    ballots = cast if cast is not None else valid
    if ballots < valid or yes > valid:
        raise InputError("outcome.shares", "the percentages contradict each other")
    counts = Counts(
        yes=yes, no=valid - yes, invalid=ballots - valid, electorate=scale, ballots=ballots
    )
    return CaseCounts(counts, (fact,), "shares")


def counts_from_case(case: Case, rule: Rule) -> CaseCounts | list[str]:
    """The totals the rule needs: reported counts when they suffice, else built from the
    reported percentages; or the list of missing facts."""
    results = case.fact("outcome.results")
    if results is not None:
        data = results.as_mapping()
        try:
            counts = Counts(**{k: data[k] for k in data})
        except InputError as exc:
            raise InputError(f"outcome.results.{exc.field}", exc.reason) from exc
        if counts.electorate is not None or not rule.needs_electorate:
            return CaseCounts(counts, (results,), "counts")
    return _from_shares(case, rule)


def _regions(fact: Fact) -> list[RegionCounts]:
    regions = []
    for i, entry in enumerate(fact.as_list()):
        data: Mapping[str, Any] = entry
        counts = {k: v for k, v in data.items() if k not in ("name", "weight")}
        weight = parse_fraction(data.get("weight", 1), field_name=f"outcome.regions[{i}].weight")
        try:
            regions.append(RegionCounts(str(data["name"]), Counts(**counts), weight))
        except InputError as exc:
            raise InputError(f"outcome.regions[{i}].{exc.field}", exc.reason) from exc
    return regions


def _conditions(outcome: Outcome) -> list[dict[str, Any]]:
    return [
        {
            "condition": c.name,
            "passed": c.passed,
            "value": float(c.value),
            "comparison": c.comparison.value,
            "threshold": float(c.threshold),
            "share": c.share,
        }
        for c in outcome.checks
    ]


def _share(part: int, whole: int) -> float | None:
    """A percentage for display, or ``None`` when there is nothing to divide."""
    return round(100 * part / whole, 2) if whole else None


def _details(outcome: Outcome, basis: str, plurality: bool) -> dict[str, Any]:
    details: dict[str, Any] = {
        "decision": outcome.decision.value,
        "basis": basis,
        "plurality": plurality,
        "conditions": _conditions(outcome),
        "totals": {
            "yes": outcome.totals.yes,
            "no": outcome.totals.no,
            "valid": outcome.totals.valid,
            "ballots": outcome.totals.cast,
            "electorate": outcome.totals.electorate,
            "yes_share": _share(outcome.totals.yes, outcome.totals.valid),
        },
    }
    if outcome.regions:
        details["regions"] = [
            {
                "name": name,
                "yes": o.totals.yes,
                "no": o.totals.no,
                "yes_share": _share(o.totals.yes, o.totals.valid),
                "decision": o.decision.value,
            }
            for name, o in outcome.regions
        ]
    if outcome.regional_weight_yes is not None and outcome.regional_weight_total is not None:
        details["regional_votes"] = {
            "yes": float(outcome.regional_weight_yes),
            "total": float(outcome.regional_weight_total),
        }
    return details


@Check(
    "OUTCOME",
    "outcome",
    "the case's own rule (constitution as named), computed by referendum.rules",
).define
def outcome(check: Check, case: Case) -> Finding:
    rule_fact = case.fact("outcome.rule")
    if rule_fact is None:
        return check.unknown(["outcome.rule"])
    mapping = dict(rule_fact.as_mapping())
    plurality = bool(mapping.pop("plurality", False))
    rule = rule_from_mapping(mapping, prefix="outcome.rule.value")
    used: list[Fact] = [rule_fact]
    regions_fact = case.fact("outcome.regions")
    regional = case.fact("outcome.regional_votes")
    if regions_fact is not None:
        used.append(regions_fact)
        result = evaluate(rule, _regions(regions_fact))
        basis = "regions"
    else:
        found = counts_from_case(case, rule)
        if isinstance(found, list):
            return check.unknown(found, used)
        used.extend(found.facts)
        basis = found.basis
        if rule.double_majority is not None:
            if regional is None:
                return check.unknown(["outcome.regional_votes", "outcome.regions"], used)
            used.append(regional)
            votes = regional.as_mapping()
            yes = parse_fraction(votes["yes"], field_name="outcome.regional_votes.yes")
            no = parse_fraction(votes["no"], field_name="outcome.regional_votes.no")
            try:
                result = evaluate_regional_votes(
                    rule, found.counts, weight_yes=yes, weight_total=yes + no
                )
            except InputError as exc:
                raise InputError("outcome.regional_votes", exc.reason) from exc
        else:
            result = evaluate_region(rule, found.counts)
    details = _details(result, basis, plurality)
    computed = result.decision.value
    params: dict[str, Any] = {"decision": computed, "conditions": details["conditions"]}
    if plurality and result.totals.yes * 2 <= result.totals.valid:
        return check.unknown(["outcome.results (a plurality among several options)"], used)
    declared = case.fact("outcome.declared")
    if declared is None:
        return check.finding(Status.PASS, used, "computed", details=details, **params)
    used.append(declared)
    if declared.as_text() != computed:
        return check.finding(
            Status.FAIL, used, "mismatch", details=details, declared=declared.as_text(), **params
        )
    return check.finding(Status.PASS, used, "pass", details=details, **params)


def _reported_shares(case: Case) -> tuple[Fact | None, Fraction | None, Fraction | None]:
    fact = case.fact("outcome.shares")
    if fact is None:
        return None, None, None
    data = fact.as_mapping()
    turnout = _pct(data["turnout"], "outcome.shares.turnout") * 100 if "turnout" in data else None
    yes: Fraction | None = None
    if "yes_of_valid" in data:
        yes = _pct(data["yes_of_valid"], "outcome.shares.yes_of_valid") * 100
    elif "no_of_valid" in data:
        yes = 100 - _pct(data["no_of_valid"], "outcome.shares.no_of_valid") * 100
    return fact, turnout, yes


def _counted_shares(case: Case) -> tuple[Fact | None, Fraction | None, Fraction | None]:
    fact = case.fact("outcome.results")
    if fact is None:
        return None, None, None
    data = fact.as_mapping()
    valid = data["yes"] + data["no"]
    yes = Fraction(100 * data["yes"], valid) if valid else None
    turnout = None
    if data.get("electorate"):
        cast = data.get("ballots") or (valid + data.get("blank", 0) + data.get("invalid", 0))
        turnout = Fraction(100 * cast, data["electorate"])
    return fact, turnout, yes


def _yes_key(shares: Fact) -> str:
    return "yes_of_valid" if "yes_of_valid" in shares.as_mapping() else "no_of_valid"


def _disagree(a: Fraction | None, b: Fraction | None) -> bool:
    return a is not None and b is not None and abs(a - b) > SHARE_TOLERANCE


@Check(
    "RESULT_PLAUSIBILITY",
    "outcome",
    "Polish electoral commission soft rule (turnout above 90%); STANDARDS.md",
).define
def result_plausibility(check: Check, case: Case) -> Finding:
    shares_fact, turnout_s, yes_s = _reported_shares(case)
    counts_fact, turnout_c, yes_c = _counted_shares(case)
    used = [f for f in (shares_fact, counts_fact) if f is not None]
    for name, reported, counted in (("turnout", turnout_s, turnout_c), ("yes", yes_s, yes_c)):
        if _disagree(reported, counted):
            assert reported is not None and counted is not None
            assert shares_fact is not None and counts_fact is not None
            if shares_fact.source == counts_fact.source:
                # one document cannot give both: the case file misreads it (bad input)
                key = "turnout" if name == "turnout" else _yes_key(shares_fact)
                raise InputError(
                    f"outcome.shares.{key}",
                    f"{round(float(reported), 2)}% disagrees with outcome.results "
                    f"({round(float(counted), 2)}%) from the same source",
                )
            return check.finding(
                Status.FAIL,
                used,
                "fail",
                figure=name,
                reported=round(float(reported), 2),
                counted=round(float(counted), 2),
            )
    turnout = turnout_s if turnout_s is not None else turnout_c
    yes = yes_s if yes_s is not None else yes_c
    if turnout is None:
        return check.unknown(["outcome.shares.turnout"], used)
    if turnout > PLAUSIBLE_TURNOUT and yes is not None and yes > PLAUSIBLE_YES:
        return check.finding(Status.WARN, used, "warn_both", turnout=float(turnout), yes=float(yes))
    if turnout > PLAUSIBLE_TURNOUT:
        return check.finding(Status.WARN, used, "warn", turnout=float(turnout))
    return check.finding(Status.PASS, used, "pass", turnout=float(turnout))


CHECKS: tuple[Check, ...] = (quorum_design, outcome, result_plausibility)
