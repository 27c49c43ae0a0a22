"""Outcome rules of referendums: majorities, quorums, double majorities, per-region outcomes.

One definition serves the verifiable core (``services``, ``verify``), the legitimacy
report (``standards``) and the risk-limiting audits (``audit``).  See docs/rules.md.
"""

from referendum.rules.evaluate import (
    evaluate,
    evaluate_options,
    evaluate_region,
    evaluate_regional_votes,
)
from referendum.rules.model import (
    Counts,
    Decision,
    Outcome,
    RegionCounts,
    Rule,
    RuleCheck,
    parse_fraction,
    rule_from_mapping,
)

__all__ = [
    "Counts",
    "Decision",
    "Outcome",
    "RegionCounts",
    "Rule",
    "RuleCheck",
    "evaluate",
    "evaluate_options",
    "evaluate_region",
    "evaluate_regional_votes",
    "parse_fraction",
    "rule_from_mapping",
]
