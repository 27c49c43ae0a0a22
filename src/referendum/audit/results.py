"""What an audit checks: reported counts (overall or per region) and the outcome rule.

Two forms.  The simple form is one electorate with a simple majority (``--yes --no
--invalid --ballots``), where ``ballots`` counts every ballot, invalid included, and must
equal ``yes + no + invalid``.  The results file (YAML or JSON) gives the rule in the
shared rule format (:func:`referendum.rules.rule_from_mapping`) and the regions::

    rule:
      majority: simple        # or a fraction such as 2/3
      double_majority: true   # or per_region: true; quorums: turnout_quorum, ...
    regions:
      - {name: North, yes: 5200, no: 4300, invalid: 500, electorate: 15000, weight: 1}
      - {name: South, yes: 3900, no: 4100, invalid: 300, electorate: 11000}

``blank`` ballots, if given, are counted with ``invalid``; ``ballots``, if given, must equal
the sum of the counts; ``electorate`` is needed by quorums; ``weight`` (default 1) by a
double majority.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import yaml

from referendum.audit.assertions import (
    RegionResult,
    check_auditable,
    popular_leaves,
    rule_leaves,
)
from referendum.audit.assorters import Leaf
from referendum.audit.batch import BatchReport
from referendum.audit.readings import Tally
from referendum.errors import AuditInputError
from referendum.rules import Rule, parse_fraction, rule_from_mapping

__all__ = ["Referendum", "load_results", "simple_referendum"]


@dataclass(frozen=True)
class Referendum:
    """A referendum to audit.  ``regions`` is empty for the simple form."""

    rule: Rule
    tally: Tally
    electorate: int | None = None
    regions: tuple[RegionResult, ...] = ()
    batches: tuple[BatchReport, ...] = field(default=())

    def leaves(self) -> list[Leaf]:
        """Required and informative assertions (see :mod:`referendum.audit.assertions`)."""
        if self.regions:
            return rule_leaves(self.rule, self.regions)
        return popular_leaves(self.rule, self.tally, self.electorate, scope=None)

    def population(self, scope: str | None) -> int:
        """Ballots in a region (``scope``) or in all (``None``)."""
        if scope is None:
            return self.tally.ballots
        for r in self.regions:
            if r.name == scope:
                return r.tally.ballots
        raise AuditInputError("region", f"unknown region {scope!r}")

    def with_batches(self, batches: Sequence[BatchReport]) -> Referendum:
        """Attach per-batch reported counts, which must add up to the reported tallies."""
        totals: dict[str | None, Tally] = {}
        for b in batches:
            key = b.region if self.regions else None
            totals[key] = totals.get(key, Tally(0, 0, 0)) + b.tally
        expected = {r.name: r.tally for r in self.regions} if self.regions else {None: self.tally}
        for key, tally in expected.items():
            got = totals.get(key, Tally(0, 0, 0))
            if got != tally:
                raise AuditInputError(
                    f"batches{'' if key is None else f' of region {key}'}",
                    f"batch counts sum to yes {got.yes}, no {got.no}, invalid {got.invalid}; "
                    f"reported yes {tally.yes}, no {tally.no}, invalid {tally.invalid}",
                )
        stray = set(totals) - set(expected)
        if stray:
            raise AuditInputError(
                "batches", f"batches in unknown regions: {sorted(map(str, stray))}"
            )
        return Referendum(self.rule, self.tally, self.electorate, self.regions, tuple(batches))


def simple_referendum(
    *, yes: int, no: int, invalid: int = 0, ballots: int, electorate: int | None = None
) -> Referendum:
    """The simple form: one electorate, simple majority."""
    tally = Tally(yes, no, invalid)
    if tally.ballots != ballots:
        raise AuditInputError(
            "tallies",
            f"yes {yes} + no {no} + invalid {invalid} = {tally.ballots}, not the {ballots} "
            "ballots cast (--ballots counts every ballot, invalid included)",
        )
    if yes == no:
        raise AuditInputError("tallies", "yes and no are tied: a tie cannot be audited")
    return Referendum(Rule(), tally, electorate)


_YAML_BOOL_KEYS = {True: "yes", False: "no"}


def _count(data: Mapping[str, Any], key: str, where: str, *, default: int | None = 0) -> int:
    value = data.get(key, default)
    if value is None and default is None:
        raise AuditInputError(f"{where}.{key}", "missing")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AuditInputError(f"{where}.{key}", f"must be a non-negative integer, got {value!r}")
    return value


def load_results(text: str) -> Referendum:
    """Parse a results file (YAML or JSON; see the module docstring)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AuditInputError("results", f"not valid YAML or JSON: {exc}") from None
    if not isinstance(data, Mapping):
        raise AuditInputError("results", "expected a mapping with keys rule and regions")
    unknown = set(data) - {"rule", "regions"}
    if unknown:
        raise AuditInputError("results", f"unknown keys {sorted(map(str, unknown))}")
    rule_data = data.get("rule") or {}
    if not isinstance(rule_data, Mapping):
        raise AuditInputError("rule", "expected a mapping")
    rule = rule_from_mapping(rule_data)
    check_auditable(rule)
    raw_regions = data.get("regions")
    if not isinstance(raw_regions, list) or not raw_regions:
        raise AuditInputError("regions", "expected a non-empty list of regions")
    regions: list[RegionResult] = []
    for i, raw in enumerate(raw_regions):
        where = f"regions[{i}]"
        if not isinstance(raw, Mapping):
            raise AuditInputError(where, "expected a mapping")
        # YAML 1.1 reads the bare keys yes and no as booleans: take them back.
        raw = {_YAML_BOOL_KEYS.get(k, k) if isinstance(k, bool) else k: v for k, v in raw.items()}
        known = {"name", "yes", "no", "invalid", "blank", "ballots", "electorate", "weight"}
        extra = set(raw) - known
        if extra:
            raise AuditInputError(where, f"unknown keys {sorted(map(str, extra))}")
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip() or "," in name:
            raise AuditInputError(f"{where}.name", "a non-empty name without commas is needed")
        tally = Tally(
            _count(raw, "yes", where, default=None),
            _count(raw, "no", where, default=None),
            _count(raw, "invalid", where) + _count(raw, "blank", where),
        )
        if "ballots" in raw and _count(raw, "ballots", where) != tally.ballots:
            raise AuditInputError(
                f"{where}.ballots",
                f"{raw['ballots']} ballots but yes + no + invalid + blank = {tally.ballots}",
            )
        electorate = _count(raw, "electorate", where) if "electorate" in raw else None
        weight = parse_fraction(raw.get("weight", 1), field_name=f"{where}.weight")
        if weight <= 0:
            raise AuditInputError(f"{where}.weight", "must be positive")
        regions.append(RegionResult(name.strip(), tally, electorate, Fraction(weight)))
    total = regions[0].tally
    for r in regions[1:]:
        total = total + r.tally
    electorates = [r.electorate for r in regions]
    electorate = None if None in electorates else sum(e or 0 for e in electorates)
    if rule.needs_electorate and electorate is None:
        raise AuditInputError("regions", f"the rule ({rule.describe()}) needs each electorate")
    return Referendum(rule, total, electorate, tuple(regions))
