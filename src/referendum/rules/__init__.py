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
    fraction_text,
    parse_fraction,
    percent_text,
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
    "fraction_text",
    "parse_fraction",
    "percent_text",
    "rule_from_mapping",
]
