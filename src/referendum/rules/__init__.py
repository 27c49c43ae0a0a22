"""Outcome rules of referendums: majorities, quorums, double majorities, per-region outcomes.

One definition serves the verifiable core (``services``, ``verify``), the legitimacy
report (``standards``) and the risk-limiting audits (``audit``).  See docs/rules.md.
"""

from referendum.rules.evaluate import (
    evaluate,
    evaluate_options,
    evaluate_region,
    evaluate_regional_votes,
    region_says_yes,
)
from referendum.rules.model import (
    DEFAULTS,
    REGIONAL_MAJORITY,
    RULE_KEYS,
    SIMPLE_MAJORITY,
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
from referendum.rules.threshold import (
    ALL_BALLOTS,
    BALLOT_KINDS,
    VALID_VOTES,
    BallotKind,
    Comparison,
    Threshold,
    parse_threshold,
)

__all__ = [
    "ALL_BALLOTS",
    "BALLOT_KINDS",
    "DEFAULTS",
    "REGIONAL_MAJORITY",
    "RULE_KEYS",
    "SIMPLE_MAJORITY",
    "VALID_VOTES",
    "BallotKind",
    "Comparison",
    "Counts",
    "Decision",
    "Outcome",
    "RegionCounts",
    "Rule",
    "RuleCheck",
    "Threshold",
    "evaluate",
    "evaluate_options",
    "evaluate_region",
    "evaluate_regional_votes",
    "fraction_text",
    "parse_fraction",
    "parse_threshold",
    "percent_text",
    "region_says_yes",
    "rule_from_mapping",
]
