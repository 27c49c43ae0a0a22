"""Data model of outcome rules and of the counts they are applied to.

All thresholds are exact :class:`fractions.Fraction` values so that a result at the
boundary (exactly 50%, exactly 40% of the electorate) is decided without rounding.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from referendum.errors import InputError
from referendum.rules.threshold import (
    ALL_BALLOTS,
    VALID_VOTES,
    BallotKind,
    Comparison,
    Threshold,
    fraction_text,
    parse_fraction,
    parse_threshold,
    threshold_mapping,
)

__all__ = [
    "DEFAULTS",
    "REGIONAL_MAJORITY",
    "RULE_KEYS",
    "SIMPLE_MAJORITY",
    "Counts",
    "Decision",
    "Outcome",
    "RegionCounts",
    "Rule",
    "RuleCheck",
    "fraction_text",
    "parse_fraction",
    "percent_text",
    "rule_from_mapping",
]


class Decision(enum.StrEnum):
    """What a referendum (or one region's vote) decided."""

    APPROVED = "approved"
    REJECTED = "rejected"
    VOID = "void"  # a participation quorum was not met: the vote has no legal effect
    TIE = "tie"


@dataclass(frozen=True)
class Counts:
    """Counts of one electorate (a region or the whole territory).

    ``yes`` and ``no`` are the valid votes for and against; ``blank`` valid ballots with
    neither; ``invalid`` spoiled ballots.  ``electorate`` is the register size.  ``ballots``
    (turnout count) defaults to yes + no + blank + invalid.
    """

    yes: int
    no: int
    blank: int = 0
    invalid: int = 0
    electorate: int | None = None
    ballots: int | None = None

    def __post_init__(self) -> None:
        for name in ("yes", "no", "blank", "invalid", "electorate", "ballots"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise InputError(name, f"must be a non-negative integer, got {value!r}")
        if self.electorate is not None and self.cast > self.electorate:
            raise InputError(
                "ballots", f"{self.cast} ballots exceed the electorate of {self.electorate}"
            )
        if (
            self.ballots is not None
            and self.ballots < self.yes + self.no + self.blank + self.invalid
        ):
            raise InputError(
                "ballots",
                f"{self.ballots} ballots but yes+no+blank+invalid = "
                f"{self.yes + self.no + self.blank + self.invalid}",
            )

    @property
    def valid(self) -> int:
        """Votes cast for yes or no (the denominator of majorities)."""
        return self.yes + self.no

    def counted(self, kinds: tuple[BallotKind, ...]) -> int:
        """The ballots of these kinds; all four kinds: every ballot cast (:attr:`cast`)."""
        if set(kinds) == set(ALL_BALLOTS):
            return self.cast
        return sum(int(getattr(self, kind)) for kind in kinds)

    @property
    def cast(self) -> int:
        """Ballots cast (turnout count)."""
        if self.ballots is not None:
            return self.ballots
        return self.yes + self.no + self.blank + self.invalid

    def __add__(self, other: Counts) -> Counts:
        electorate = (
            None
            if self.electorate is None or other.electorate is None
            else self.electorate + other.electorate
        )
        return Counts(
            yes=self.yes + other.yes,
            no=self.no + other.no,
            blank=self.blank + other.blank,
            invalid=self.invalid + other.invalid,
            electorate=electorate,
            ballots=self.cast + other.cast,
        )


@dataclass(frozen=True)
class RegionCounts:
    """A region's counts, with its weight in a double majority (Swiss half-cantons: 1/2)."""

    name: str
    counts: Counts
    weight: Fraction = Fraction(1)


SIMPLE_MAJORITY = Threshold(Fraction(1, 2), Comparison.MORE_THAN, VALID_VOTES)
"""More than half of the valid votes for yes or no: the majority when ``majority`` is absent."""
REGIONAL_MAJORITY = Threshold(Fraction(1, 2), Comparison.MORE_THAN)
"""More than half of the regions' total weight: ``double_majority = true``."""

# Each component's default comparison and ballots counted: a bare fraction in a rule means
# these (the forms rules had before thresholds could say "at least" or "more than").
DEFAULTS: dict[str, tuple[Comparison, tuple[BallotKind, ...] | None]] = {
    "majority": (Comparison.AT_LEAST, VALID_VOTES),
    "turnout_quorum": (Comparison.MORE_THAN, ALL_BALLOTS),
    "valid_quorum": (Comparison.MORE_THAN, VALID_VOTES),
    "approval_quorum": (Comparison.AT_LEAST, None),
    "veto_quorum": (Comparison.AT_LEAST, None),
    "double_majority": (Comparison.MORE_THAN, None),
}
_QUORUMS = ("turnout_quorum", "valid_quorum", "approval_quorum", "veto_quorum")


def _as_threshold(name: str, value: object) -> Threshold | None:
    """A component given as a bare fraction (or ``True`` for a double majority) takes the
    component's default comparison and counts."""
    if value is None or value is False:
        return None
    comparison, counts = DEFAULTS[name]
    if isinstance(value, Threshold):
        if counts is None and value.counts:
            raise InputError(f"rule.{name}.counts", "this component counts no ballots")
        if counts is not None and not value.counts:
            return Threshold(value.value, value.comparison, counts)
        return value
    if value is True and name == "double_majority":
        return REGIONAL_MAJORITY
    return Threshold(parse_fraction(value, field_name=f"rule.{name}"), comparison, counts or ())


@dataclass(frozen=True)
class Rule:
    """An outcome rule.  Components combine: every configured condition must hold.

    Each threshold is a :class:`Threshold` (a bare fraction takes the component's default
    from :data:`DEFAULTS`), so a law's "at least" and "more than" and the ballots it counts
    are written as the law says (docs/rules.md):

    - ``majority``: yes / (the counted ballots, by default yes + no); absent: a simple
      majority, more than 1/2 of the valid votes; a fraction: at least it (a supermajority).
    - ``turnout_quorum``: the counted ballots (by default all) / electorate, more than q.
    - ``valid_quorum``: the counted ballots (by default yes + no) / electorate, more than q.
    - ``approval_quorum``: yes / electorate, at least q (Denmark §42(5), §88).
    - ``veto_quorum``: the proposal is rejected only if no > yes *and* no / electorate is at
      least q; otherwise approved (Ireland Art. 47.2).
    - ``double_majority``: also the weights of the regions with a yes majority / the total
      weight, by default more than 1/2 (Switzerland Art. 142: 12 of 23 cantonal votes).
    - ``per_region``: each region decides for itself; no overall decision beyond the tally.
    """

    majority: Threshold | None = None
    turnout_quorum: Threshold | None = None
    valid_quorum: Threshold | None = None
    approval_quorum: Threshold | None = None
    veto_quorum: Threshold | None = None
    double_majority: Threshold | None = None
    per_region: bool = False

    def __post_init__(self) -> None:
        for name in ("majority", *_QUORUMS, "double_majority"):
            object.__setattr__(self, name, _as_threshold(name, getattr(self, name)))
        if self.majority == SIMPLE_MAJORITY:
            object.__setattr__(self, "majority", None)
        for name in _QUORUMS:
            _check_share(f"rule.{name}", getattr(self, name), "a quorum")
        _check_share("rule.double_majority", self.double_majority, "a regional majority")
        if self.double_majority is not None and self.double_majority.value == 0:
            raise InputError("rule.double_majority", "a share of 0 of the regions decides nothing")
        if self.majority is not None:
            _check_share("rule.majority", self.majority, "a majority")
            if self.majority.value < Fraction(1, 2):
                raise InputError(
                    "rule.majority",
                    f"{fraction_text(self.majority.value)} is below one half: a majority "
                    "contradicts itself when yes and no could both reach it",
                )
        if self.double_majority is not None and self.per_region:
            raise InputError("rule", "double_majority and per_region exclude each other")
        if self.veto_quorum is not None and (
            self.majority is not None or self.approval_quorum is not None
        ):
            raise InputError("rule.veto_quorum", "a veto quorum replaces majority/approval rules")

    @property
    def majority_threshold(self) -> Threshold:
        """The majority in force: ``majority``, or a simple majority when it is absent."""
        return self.majority or SIMPLE_MAJORITY

    @property
    def simple_majority(self) -> bool:
        """Whether the majority is "more than one half" (checked as ``majority``; otherwise
        it is a ``supermajority``)."""
        m = self.majority_threshold
        return m.value == Fraction(1, 2) and m.comparison is Comparison.MORE_THAN

    @property
    def needs_electorate(self) -> bool:
        return any(getattr(self, name) is not None for name in _QUORUMS)

    def to_mapping(self) -> dict[str, Any]:
        """The canonical mapping form, for records and JSON: a bare ``"p/q"`` fraction when
        a threshold has its component's default comparison and counts, else a table
        (docs/rules.md, "Canonical form")."""
        out: dict[str, Any] = {}
        for name in ("majority", *_QUORUMS):
            threshold: Threshold | None = getattr(self, name)
            if threshold is not None:
                comparison, counts = DEFAULTS[name]
                out[name] = threshold_mapping(threshold, default=comparison, counts=counts or ())
        if self.double_majority is not None:
            if self.double_majority == REGIONAL_MAJORITY:
                out["double_majority"] = True
            else:
                out["double_majority"] = threshold_mapping(
                    self.double_majority, default=Comparison.MORE_THAN
                )
        if self.per_region:
            out["per_region"] = True
        return out

    def describe(self) -> str:
        m = self.majority_threshold
        parts = [
            "a simple majority" if self.simple_majority else f"a supermajority of {m.describe()}",
        ]
        parts[0] += f" of {_ballots_text(m.counts)}"
        if self.turnout_quorum is not None:
            parts.append(
                f"turnout ({_ballots_text(self.turnout_quorum.counts)}) "
                f"{self.turnout_quorum.describe()} of the electorate"
            )
        if self.valid_quorum is not None:
            parts.append(
                f"{_ballots_text(self.valid_quorum.counts)} "
                f"{self.valid_quorum.describe()} of the electorate"
            )
        if self.approval_quorum is not None:
            parts.append(f"yes by {self.approval_quorum.describe()} of the electorate")
        if self.veto_quorum is not None:
            parts = [f"approved unless no wins with {self.veto_quorum.describe()} of the register"]
        if self.double_majority is not None:
            parts.append(
                f"regions with a yes majority weighing {self.double_majority.describe()} "
                "of the regions' weight"
            )
        if self.per_region:
            parts.append("each region deciding for itself")
        return "; ".join(parts)


def _check_share(field_name: str, threshold: Threshold | None, what: str) -> None:
    if threshold is None:
        return
    value = threshold.value
    if value < 0 or value > 1:
        raise InputError(
            field_name,
            f"{what} of {fraction_text(value)} is outside 0 to 100% and contradicts itself",
        )
    if value == 1 and threshold.comparison is Comparison.MORE_THAN:
        raise InputError(field_name, f"{what} of more than 100% can never be met")


def _ballots_text(counts: tuple[BallotKind, ...]) -> str:
    if counts == VALID_VOTES:
        return "valid votes (yes + no)"
    if counts == ALL_BALLOTS:
        return "all ballots"
    return " + ".join(counts) + " ballots"


def _pct(value: Fraction) -> str:
    return f"{float(value) * 100:.4g}%"


def percent_text(text: str) -> str:
    """A ``"p/q"`` fraction of a record shown to people as a percentage (``"31.19%"``); for
    display only, never compared."""
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError, TypeError):
        return str(text)
    return f"{float(value) * 100:.4g}%"


@dataclass(frozen=True)
class RuleCheck:
    """One condition of a rule, evaluated: its name, whether it held, the figures used and how
    they were compared (``value`` ``comparison`` ``threshold``)."""

    name: str
    passed: bool
    value: Fraction
    threshold: Fraction
    detail: str
    comparison: Comparison = Comparison.MORE_THAN
    share: str = ""
    """What ``value`` divides, written out (``"yes / (yes+no+blank)"``, ``"no / electorate"``):
    for display and reports, not part of a record's outcome form."""


@dataclass(frozen=True)
class Outcome:
    """The result of applying a rule: the decision, every condition checked, and per-region
    outcomes (for ``per_region`` and ``double_majority`` rules)."""

    decision: Decision
    checks: tuple[RuleCheck, ...]
    totals: Counts
    regions: tuple[tuple[str, Outcome], ...] = field(default=())
    regional_weight_yes: Fraction | None = None
    regional_weight_total: Fraction | None = None
    adopted: str | None = None  # multi-option questions: the option adopted, if any

    def to_mapping(self) -> dict[str, Any]:
        """The canonical form recorded in ``results`` and compared byte for byte by verifiers
        (docs/rules.md, "The outcome in a record"): exact fractions and fixed codes only; the
        human-readable ``detail`` of each check is not part of it."""
        out: dict[str, Any] = {
            "decision": self.decision.value,
            "checks": [
                {
                    "name": c.name,
                    "passed": c.passed,
                    "value": fraction_text(c.value),
                    "threshold": fraction_text(c.threshold),
                }
                for c in self.checks
            ],
        }
        if self.regions:
            out["regions"] = {name: o.to_mapping() for name, o in self.regions}
        if self.adopted is not None:
            out["adopted"] = self.adopted
        if self.regional_weight_yes is not None and self.regional_weight_total is not None:
            out["regional_weight_yes"] = fraction_text(self.regional_weight_yes)
            out["regional_weight_total"] = fraction_text(self.regional_weight_total)
        return out


RULE_KEYS = ("majority", *_QUORUMS, "double_majority", "per_region")


def rule_from_mapping(data: Mapping[str, Any], *, prefix: str = "rule") -> Rule:
    """Build a rule from its mapping form (TOML/JSON/YAML), naming the field on error.

    ``majority`` may be ``"simple"``, a fraction or a threshold table; the quorums a fraction
    or a threshold table; ``double_majority`` a boolean or a threshold table (docs/rules.md).
    """
    for key in data:
        if key not in RULE_KEYS:
            raise InputError(
                f"{prefix}.{key}", f"unknown rule key; expected one of {sorted(RULE_KEYS)}"
            )
    kwargs: dict[str, Any] = {}
    for key in ("majority", *_QUORUMS):
        value = data.get(key)
        if value is None or (key == "majority" and value == "simple"):
            continue
        comparison, counts = DEFAULTS[key]
        kwargs[key] = parse_threshold(
            value, field_name=f"{prefix}.{key}", default=comparison, counts=counts
        )
    if "double_majority" in data:
        value = data["double_majority"]
        if isinstance(value, Mapping):
            kwargs["double_majority"] = parse_threshold(
                value, field_name=f"{prefix}.double_majority", default=Comparison.MORE_THAN
            )
        elif isinstance(value, bool):
            kwargs["double_majority"] = value
        else:
            raise InputError(
                f"{prefix}.double_majority",
                f'expected true, false or a table such as {{at_least = "1/2"}}, got {value!r}',
            )
    if "per_region" in data:
        if not isinstance(data["per_region"], bool):
            raise InputError(
                f"{prefix}.per_region", f"expected true or false, got {data['per_region']!r}"
            )
        kwargs["per_region"] = data["per_region"]
    try:
        return Rule(**kwargs)
    except InputError as exc:
        if prefix != "rule" and exc.field.startswith("rule"):
            raise InputError(prefix + exc.field.removeprefix("rule"), exc.reason) from None
        raise


def regions_total(regions: Sequence[RegionCounts]) -> Counts:
    """Sum the counts of several regions."""
    if not regions:
        raise InputError("regions", "at least one region is needed")
    total = regions[0].counts
    for region in regions[1:]:
        total = total + region.counts
    return total
