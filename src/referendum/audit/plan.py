"""Planning an audit: how many ballots to examine, per region and overall.

Every required assertion (:mod:`referendum.audit.assertions`) gets the expected sample size
of the chosen method (:func:`referendum.audit.methods.planned_size`), which assumes the
reported counts are exactly right (and, for comparison audits, the ``--discrepancies``
one-vote overstatements).  An assertion about one region is audited with the ballots of
that region found in the sample: with one uniform sample of all ``N`` ballots, ``n`` ballots
of a region of ``N_r`` ballots take about ``n N / N_r`` draws (``draws_in_whole_sample``).
The audit's expected sample size is the largest over the required assertions; when it
reaches the number of ballots the plan is a full hand count.

>>> from fractions import Fraction
>>> from referendum.audit.results import simple_referendum
>>> from referendum.audit.methods import Settings
>>> ref = simple_referendum(yes=600, no=400, ballots=1000)
>>> plan_audit(ref, Settings(method="bravo", risk_limit=Fraction(1, 10)))["expected_sample_size"]
119
"""

from __future__ import annotations

import math
from typing import Any

from referendum.audit.assorters import Assertion, CountCheck, Leaf
from referendum.audit.batch import expected_ballots_counted
from referendum.audit.methods import Settings, planned_size
from referendum.audit.outcome import region_outcomes, reported_outcome
from referendum.audit.results import Referendum
from referendum.errors import AuditInputError

__all__ = ["plan_audit", "whole_sample_draws"]


def whole_sample_draws(ref: Referendum, leaf: Leaf, n: int) -> int:
    """Draws of a uniform sample of all ballots expected to bring ``n`` from ``leaf``'s scope."""
    population = ref.population(leaf.scope)
    if leaf.scope is None or population == 0:
        return n
    return math.ceil(n * ref.population(None) / population)


def _batch_sizes(ref: Referendum, scope: str | None) -> list[int]:
    return [b.tally.ballots for b in ref.batches if scope is None or b.region == scope]


def plan_audit(ref: Referendum, settings: Settings) -> dict[str, Any]:
    """The audit plan as a JSON-ready mapping (see docs/audit/cli.md for its keys)."""
    total = ref.population(None)
    batch = settings.method == "batch-comparison"
    if batch and not ref.batches:
        raise AuditInputError("batches", "batch-comparison needs the reported results per batch")
    rows: list[dict[str, Any]] = []
    overall = 0
    full = False
    for leaf in ref.leaves():
        row: dict[str, Any] = dict(leaf.to_mapping())
        population = ref.population(leaf.scope)
        n: int | None
        if isinstance(leaf, CountCheck):
            n = 0 if leaf.holds else None
        else:
            assert isinstance(leaf, Assertion)
            n = planned_size(leaf, settings, population=population)
        row["expected_sample_size"] = population if n is None else n
        row["full_hand_count"] = n is None
        draws = total if n is None else whole_sample_draws(ref, leaf, n)
        row["draws_in_whole_sample"] = draws
        if batch and n is not None:
            sizes = _batch_sizes(ref, leaf.scope)
            row["expected_ballots_to_count"] = math.ceil(expected_ballots_counted(sizes, n))
        if leaf.required:
            overall = max(overall, draws)
            full |= n is None
        rows.append(row)
    out: dict[str, Any] = {
        "expected_sample_size": total if full else overall,
        "full_hand_count": full,
        "ballots": total,
        "method": settings.method,
        "risk_limit": float(settings.risk_limit),
        "reported_outcome": reported_outcome(ref),
        "rule": ref.rule.to_mapping(),
        "parameters": settings.to_mapping(),
        "assertions": [r for r in rows if r["scope"] is None],
    }
    if batch:
        sizes = _batch_sizes(ref, None)
        out["expected_ballots_to_count"] = (
            total if full else math.ceil(expected_ballots_counted(sizes, overall))
        )
    if ref.regions:
        outcomes = region_outcomes(ref)
        regions: dict[str, Any] = {}
        for r in ref.regions:
            mine = [row for row in rows if row["scope"] == r.name]
            required = [row for row in mine if row["required"]]
            considered = required or mine
            regions[r.name] = {
                "ballots": r.tally.ballots,
                "reported_outcome": outcomes[r.name],
                "required": bool(required),
                "expected_sample_size": max(
                    (row["expected_sample_size"] for row in considered), default=0
                ),
                "draws_in_whole_sample": max(
                    (row["draws_in_whole_sample"] for row in considered), default=0
                ),
                "assertions": mine,
            }
        out["regions"] = regions
    return out
