"""The table of real laws in docs/rules.md: each row's rule, evaluated one ballot (or one
region) below, exactly at and above each of its thresholds.

The rows are read from the docs, so the table and its tests cannot drift apart.  For each
threshold the counts meet the rule's other conditions where they can; below must fail, above
must pass, and at the threshold the row's "at the threshold" column (the law's words) decides.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest

from referendum.rules import (
    ALL_BALLOTS,
    Counts,
    Decision,
    Outcome,
    RegionCounts,
    Rule,
    Threshold,
    evaluate,
    evaluate_region,
    rule_from_mapping,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
HEADING = "## Real laws in this definition"
QUORUMS = ("turnout_quorum", "valid_quorum", "approval_quorum", "veto_quorum")
CHECK_NAME = {"double_majority": "regional_majority"}
HALF = Fraction(1, 2)

# Regions of the rows with a double majority: weights of the regions (cantons, States).
REGIONS: dict[str, list[Fraction]] = {
    # 20 cantons and 6 half-cantons (Art. 142(4)): 23 cantonal votes
    "Switzerland (federal popular vote)": [Fraction(1)] * 20 + [HALF] * 6,
    # 6 States; the 2 territories' votes count only in the national majority (s. 128)
    "Australia (constitutional alteration)": [Fraction(1)] * 6 + [Fraction(0)] * 2,
}


@dataclass(frozen=True)
class Law:
    number: int
    jurisdiction: str
    rule: Rule
    at_threshold: dict[str, bool]
    source: str


def _laws() -> list[Law]:
    text = DOC.read_text("utf-8")
    section = text[text.index(HEADING) :]
    section = section[: section.index("\n## ", 1)]
    laws = []
    for line in section.splitlines():
        if not re.match(r"\| \d+ \|", line):
            continue
        number, jurisdiction, rule, at, source = (c.strip() for c in line.strip("|").split("|"))
        mapping = tomllib.loads(f"rule = {rule.strip('`')}")["rule"]
        expected = {}
        for part in at.split(";"):
            key, _, word = part.strip().partition(": ")
            assert word in ("met", "not met"), line
            expected[key] = word == "met"
        laws.append(Law(int(number), jurisdiction, rule_from_mapping(mapping), expected, source))
    return laws


LAWS = _laws()


def test_the_table_covers_twenty_jurisdictions_with_sources() -> None:
    countries = {law.jurisdiction.split(" (")[0] for law in LAWS}
    assert len(countries) >= 20, sorted(countries)
    assert [law.number for law in LAWS] == list(range(1, len(LAWS) + 1))
    for law in LAWS:
        assert re.search(r"(Art\.|§|s\. )\s?\d", law.source), law.source


def _thresholds(rule: Rule) -> list[str]:
    keys = [k for k in QUORUMS if getattr(rule, k) is not None]
    if rule.veto_quorum is None:
        keys.append("majority")
    if rule.double_majority is not None:
        keys.append("double_majority")
    return keys


def _electorate(rule: Rule) -> int:
    """A register on which every threshold of the rule is a whole number of ballots."""
    denominators = [
        t.value.denominator
        for t in (
            rule.majority_threshold,
            *(getattr(rule, k) for k in QUORUMS),
            rule.double_majority,
        )
        if isinstance(t, Threshold)
    ]
    return 10**6 * math.lcm(*denominators)


def _fill_turnout(rule: Rule, counts: dict[str, int], electorate: int, spare: str) -> None:
    """Add ``spare`` ballots (a kind the threshold under test does not count) until the
    turnout quorum, if any, is met."""
    turnout = rule.turnout_quorum
    if turnout is None or spare in rule.majority_threshold.counts:
        return
    needed = math.floor(turnout.value * electorate) + 1
    counted = sum(counts[k] for k in turnout.counts)
    if counted < needed and spare in turnout.counts:
        counts[spare] += needed - counted


def _counts(rule: Rule, key: str, step: int) -> Counts:
    """Counts putting ``key``'s share ``step`` ballots from its threshold (-1, 0, +1)."""
    e = _electorate(rule)
    small = e // 100
    c = {"yes": 0, "no": 0, "blank": 0, "invalid": 0}
    if key in ("turnout_quorum", "valid_quorum"):
        t: Threshold = getattr(rule, key)
        part = int(t.value * e) + step
        inside = [k for k in ("no", "blank", "invalid") if k in t.counts]
        for kind in inside:
            c[kind] = small
        c["yes"] = part - small * len(inside)
        for kind in ("blank", "invalid"):
            if kind not in t.counts:
                c[kind] = small
        if key == "valid_quorum" and "invalid" not in t.counts:
            _fill_turnout(rule, c, e, "invalid")
    elif key == "approval_quorum":
        assert rule.approval_quorum is not None
        c["yes"] = int(rule.approval_quorum.value * e) + step
        c["no"] = small
        _fill_turnout(rule, c, e, "invalid")
    elif key == "veto_quorum":
        assert rule.veto_quorum is not None
        c["no"] = int(rule.veto_quorum.value * e) + step
        c["yes"] = c["no"] // 2
    else:  # the majority: yes is its share of the counted ballots, +- one ballot
        m = rule.majority_threshold
        counted = 9 * e // 10
        c["yes"] = int(m.value * counted) + step
        others = [k for k in ("blank", "invalid") if k in m.counts]
        for kind in others:
            c[kind] = small
        c["no"] = counted - c["yes"] - small * len(others)
    return Counts(**c, electorate=e)


def _regions(law: Law, step: int) -> list[RegionCounts]:
    """Regions whose yes weights are the regional threshold, one region below or above."""
    weights = REGIONS[law.jurisdiction]
    assert law.rule.double_majority is not None
    target = law.rule.double_majority.value * sum(weights)
    order = sorted(range(len(weights)), key=lambda i: -weights[i])
    chosen: list[int] = []
    for i in order:
        if weights[i] and sum(weights[j] for j in chosen) + weights[i] <= target:
            chosen.append(i)
    assert sum(weights[j] for j in chosen) == target, "no set of regions is exactly at it"
    if step < 0:
        chosen.remove(min(chosen, key=lambda i: weights[i]))
    elif step > 0:
        rest = [i for i in range(len(weights)) if i not in chosen and weights[i]]
        chosen.append(min(rest, key=lambda i: weights[i]))
    out = []
    for i, weight in enumerate(weights):
        yes = 900 if i in chosen or not weight else 450
        out.append(RegionCounts(f"r{i}", Counts(yes=yes, no=1000 - yes, electorate=1000), weight))
    return out


def _met(outcome: Outcome, key: str) -> bool:
    name = CHECK_NAME.get(key, key)
    found = [
        c
        for c in outcome.checks
        if c.name == name or (key == "majority" and c.name == "supermajority")
    ]
    assert len(found) == 1, (key, outcome.checks)
    return not found[0].passed if key == "veto_quorum" else found[0].passed


def _expected_decision(rule: Rule, key: str, met: bool, counts: Counts) -> Decision:
    if key == "veto_quorum":
        return Decision.REJECTED if met else Decision.APPROVED
    if met:
        return Decision.APPROVED
    if key in ("turnout_quorum", "valid_quorum"):
        return Decision.VOID
    if (
        key == "majority"
        and rule.simple_majority
        and rule.approval_quorum is None
        and counts.yes == counts.no
    ):
        return Decision.TIE
    return Decision.REJECTED


@pytest.mark.parametrize("law", LAWS, ids=[f"{law.number}-{law.jurisdiction}" for law in LAWS])
def test_each_law_below_at_and_above_each_threshold(law: Law) -> None:
    assert sorted(law.at_threshold) == sorted(_thresholds(law.rule)), law.jurisdiction
    for key, at_threshold in law.at_threshold.items():
        for step, expected in ((-1, False), (0, at_threshold), (1, True)):
            if key == "double_majority":
                outcome = evaluate(law.rule, _regions(law, step))
            else:
                counts = _counts(law.rule, key, step)
                outcome = evaluate_region(law.rule, counts)
            assert _met(outcome, key) is expected, (key, step, outcome.checks)
            others = [c for c in outcome.checks if CHECK_NAME.get(key, key) != c.name]
            if key == "majority":
                others = [c for c in others if c.name not in ("majority", "supermajority")]
            if key != "double_majority" and all(c.passed for c in others):
                assert outcome.decision is _expected_decision(law.rule, key, expected, counts)


def test_the_readings_the_table_rests_on() -> None:
    """Rows whose reading docs/rules.md spells out, checked on the rule itself."""
    by_name = {law.jurisdiction: law.rule for law in LAWS}
    assert by_name["Slovakia"].majority_threshold.counts == ALL_BALLOTS  # "participants"
    assert by_name["Croatia"].majority_threshold.counts == ALL_BALLOTS
    assert by_name["Quebec"] == Rule()  # more than half of the valid votes
    romania = by_name["Romania"]
    assert romania.turnout_quorum is not None and romania.valid_quorum is not None
    assert romania.turnout_quorum.holds(Fraction(3, 10))  # "at least 30%"
    assert romania.valid_quorum.holds(Fraction(1, 4))
    italy = by_name["Italy (abrogative referendum)"].turnout_quorum
    assert italy is not None and not italy.holds(HALF)  # "the majority of those entitled"
