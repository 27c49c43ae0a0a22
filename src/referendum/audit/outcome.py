"""The reported outcome of a referendum under audit, overall and per region."""

from __future__ import annotations

from referendum.audit.results import Referendum
from referendum.rules import Counts, RegionCounts, evaluate, evaluate_region

__all__ = ["region_outcomes", "reported_outcome"]


def reported_outcome(ref: Referendum) -> str:
    """``approved``, ``rejected``, ``void`` (``tie`` is refused earlier) or ``per region``."""
    if ref.regions and ref.rule.per_region:
        return "per region"
    if ref.regions:
        regions = [RegionCounts(r.name, r.counts(), r.weight) for r in ref.regions]
        return evaluate(ref.rule, regions).decision.value
    t = ref.tally
    counts = Counts(t.yes, t.no, invalid=t.invalid, electorate=ref.electorate)
    return evaluate_region(ref.rule, counts).decision.value


def region_outcomes(ref: Referendum) -> dict[str, str]:
    """Each region's own decision under the rule's popular conditions."""
    return {r.name: evaluate_region(ref.rule, r.counts()).decision.value for r in ref.regions}
