"""Assessing an audit: the risk after the sampled ballots, and whether the audit may stop.

For each assertion the risk is computed over the whole sample file (the ballots of its
scope, in draw order), as ``min(1, 1 / max_k T_k)`` (:mod:`referendum.audit.risk`); an
assertion is confirmed when its risk is at most the risk limit.  The audit's ``risk`` is the
largest risk among the required assertions and ``stop`` is ``risk <= risk limit``.

If the audit cannot stop, ``more_ballots`` estimates how many further draws are needed by
continuing each unconfirmed assertion's test with the expected evidence of ballots that
show exactly the reported shares and no discrepancies
(:func:`referendum.audit.methods.continuation`); for a region's assertion the count is
scaled to draws of the whole sample (``n N / N_r``).  If that continuation does not stop
before every ballot would be examined, ``full_hand_count`` is true.

>>> from fractions import Fraction
>>> from referendum.audit.results import simple_referendum
>>> from referendum.audit.methods import Settings
>>> from referendum.audit.readings import Observation
>>> ref = simple_referendum(yes=600, no=400, ballots=1000)
>>> sample = [Observation(None, None, "yes")] * 40
>>> result = assess_audit(ref, Settings(method="bravo", risk_limit=Fraction(1, 10)), sample)
>>> result["stop"], result["ballots_examined"]
(True, 40)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from referendum.audit.assorters import Assertion, CountCheck
from referendum.audit.batch import BatchCount
from referendum.audit.methods import Settings, continuation, log_evidence, observed_units
from referendum.audit.outcome import region_outcomes, reported_outcome
from referendum.audit.plan import whole_sample_draws
from referendum.audit.readings import Observation
from referendum.audit.results import Referendum
from referendum.audit.risk import risk_from_log_evidence, steps_to_stop
from referendum.errors import AuditInputError

__all__ = ["assess_audit"]


def _check_regions(ref: Referendum, observations: Sequence[Observation]) -> None:
    known = {r.name for r in ref.regions}
    for i, o in enumerate(observations, start=1):
        if ref.regions and o.region not in known:
            raise AuditInputError(f"sample reading {i}", f"unknown region {o.region!r}")
        if not ref.regions and o.region is not None:
            raise AuditInputError(f"sample reading {i}", "regions need --results")


def _assess_assertion(
    ref: Referendum,
    a: Assertion,
    settings: Settings,
    observations: Sequence[Observation],
    counts: Sequence[BatchCount],
) -> dict[str, Any]:
    population = ref.population(a.scope)
    units = observed_units(a, settings, observations, counts, ref.batches)
    risk = risk_from_log_evidence(log_evidence(a, settings, units, population=population))
    confirmed = risk <= float(settings.risk_limit)
    more: int | None = 0
    if not confirmed:
        room = population
        if not settings.replacement and settings.method != "batch-comparison":
            room = population - len(units)
        more = (
            steps_to_stop(
                continuation(a, settings, units, population=population),
                target=math.log(1 / float(settings.risk_limit)),
                limit=room,
            )
            if room > 0
            else None
        )
    return {
        "risk": risk,
        "confirmed": confirmed,
        "ballots_examined": len(units),
        "more_ballots": population - len(units) if more is None else more,
        "full_hand_count": more is None,
        "more_draws_in_whole_sample": (
            ref.population(None) if more is None else whole_sample_draws(ref, a, more)
        ),
    }


def assess_audit(
    ref: Referendum,
    settings: Settings,
    observations: Sequence[Observation] = (),
    counts: Sequence[BatchCount] = (),
) -> dict[str, Any]:
    """The risk of the audit after ``observations`` (or batch ``counts``), JSON-ready."""
    batch = settings.method == "batch-comparison"
    if batch and not ref.batches:
        raise AuditInputError("batches", "batch-comparison needs the reported results per batch")
    _check_regions(ref, observations)
    rows: list[dict[str, Any]] = []
    for leaf in ref.leaves():
        row: dict[str, Any] = dict(leaf.to_mapping())
        if isinstance(leaf, CountCheck):
            row.update(
                risk=0.0 if leaf.holds else 1.0,
                confirmed=leaf.holds,
                ballots_examined=0,
                more_ballots=0,
                full_hand_count=not leaf.holds,
                more_draws_in_whole_sample=0,
            )
        else:
            row.update(_assess_assertion(ref, leaf, settings, observations, counts))
        rows.append(row)
    required = [r for r in rows if r["required"]]
    risk = max((r["risk"] for r in required), default=0.0)
    stop = risk <= float(settings.risk_limit)
    examined = len(counts) if batch else len(observations)
    pending = [r for r in required if not r["confirmed"]]
    full = any(r["full_hand_count"] for r in pending)
    total = ref.population(None)
    more = 0 if stop else max(r["more_draws_in_whole_sample"] for r in pending)
    out: dict[str, Any] = {
        "risk": risk,
        "stop": stop,
        "ballots_examined": examined,
        "more_ballots": max(total - examined, 0) if full else more,
        "full_hand_count": full,
        "method": settings.method,
        "risk_limit": float(settings.risk_limit),
        "reported_outcome": reported_outcome(ref),
        "rule": ref.rule.to_mapping(),
        "parameters": settings.to_mapping(),
        "assertions": [r for r in rows if r["scope"] is None],
    }
    if ref.regions:
        outcomes = region_outcomes(ref)
        regions: dict[str, Any] = {}
        for r in ref.regions:
            mine = [row for row in rows if row["scope"] == r.name]
            considered = [row for row in mine if row["required"]] or mine
            region_risk = max((row["risk"] for row in considered), default=0.0)
            regions[r.name] = {
                "reported_outcome": outcomes[r.name],
                "required": any(row["required"] for row in mine),
                "risk": region_risk,
                "stop": region_risk <= float(settings.risk_limit),
                "ballots_examined": max((row["ballots_examined"] for row in mine), default=0),
                "assertions": mine,
            }
        out["regions"] = regions
    return out
