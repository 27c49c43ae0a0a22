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

__all__ = [
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


@dataclass(frozen=True)
class Rule:
    """An outcome rule.  Components combine: every configured condition must hold.

    - ``majority``: the yes share of valid votes (yes / (yes + no)) must be strictly above
      1/2 (``None``, simple majority) or at least the given fraction (a supermajority).
    - ``turnout_quorum``: ballots cast / electorate must be strictly above it (Italy Art. 75).
    - ``valid_quorum``: valid votes / electorate strictly above it (Hungary 2016).
    - ``approval_quorum``: yes / electorate at least it (Denmark §42(5), §88).
    - ``veto_quorum``: the proposal is rejected only if no > yes *and* no / electorate is at
      least it; otherwise approved (Ireland Art. 47.2).
    - ``double_majority``: also needs a majority of the regions' weights (strictly more than
      half of the total weight; Switzerland Art. 142: 12 of 23 cantonal votes).
    - ``per_region``: each region decides for itself; no overall decision beyond the tally.
    """

    majority: Fraction | None = None
    turnout_quorum: Fraction | None = None
    valid_quorum: Fraction | None = None
    approval_quorum: Fraction | None = None
    veto_quorum: Fraction | None = None
    double_majority: bool = False
    per_region: bool = False

    def __post_init__(self) -> None:
        for name in (
            "majority",
            "turnout_quorum",
            "valid_quorum",
            "approval_quorum",
            "veto_quorum",
        ):
            value = getattr(self, name)
            if value is not None and not (0 <= value <= 1):
                raise InputError(f"rule.{name}", f"must be a fraction between 0 and 1, got {value}")
        if self.majority is not None and self.majority < Fraction(1, 2):
            raise InputError("rule.majority", "a supermajority threshold must be at least 1/2")
        if self.double_majority and self.per_region:
            raise InputError("rule", "double_majority and per_region exclude each other")
        if self.veto_quorum is not None and (
            self.majority is not None or self.approval_quorum is not None
        ):
            raise InputError("rule.veto_quorum", "a veto quorum replaces majority/approval rules")

    @property
    def needs_electorate(self) -> bool:
        return any(
            q is not None
            for q in (
                self.turnout_quorum,
                self.valid_quorum,
                self.approval_quorum,
                self.veto_quorum,
            )
        )

    def to_mapping(self) -> dict[str, Any]:
        """The canonical mapping form (fractions as "p/q" strings), for records and JSON."""
        out: dict[str, Any] = {}
        for name in (
            "majority",
            "turnout_quorum",
            "valid_quorum",
            "approval_quorum",
            "veto_quorum",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = fraction_text(value)
        if self.double_majority:
            out["double_majority"] = True
        if self.per_region:
            out["per_region"] = True
        return out

    def describe(self) -> str:
        parts = []
        if self.majority is None:
            parts.append("simple majority of valid votes")
        else:
            parts.append(f"supermajority of at least {_pct(self.majority)} of valid votes")
        if self.turnout_quorum is not None:
            parts.append(f"turnout above {_pct(self.turnout_quorum)} of the electorate")
        if self.valid_quorum is not None:
            parts.append(f"valid votes above {_pct(self.valid_quorum)} of the electorate")
        if self.approval_quorum is not None:
            parts.append(f"yes by at least {_pct(self.approval_quorum)} of the electorate")
        if self.veto_quorum is not None:
            parts = [
                f"approved unless no wins with at least {_pct(self.veto_quorum)} of the register"
            ]
        if self.double_majority:
            parts.append("a majority of the regions' weighted votes")
        if self.per_region:
            parts.append("each region deciding for itself")
        return "; ".join(parts)


def _pct(value: Fraction) -> str:
    return f"{float(value) * 100:.4g}%"


def fraction_text(value: Fraction) -> str:
    """The canonical text of an exact fraction in records: ``"p/q"`` in lowest terms, ``q >= 1``
    always written (``"1/1"``, ``"0/1"``, ``"17/2"``)."""
    return f"{value.numerator}/{value.denominator}"


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
    """One condition of a rule, evaluated: its name, whether it held, and the figures used."""

    name: str
    passed: bool
    value: Fraction
    threshold: Fraction
    detail: str


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


def parse_fraction(value: object, *, field_name: str) -> Fraction:
    """Parse ``"2/3"``, ``"0.5"``, ``"50%"``, ``0.5`` or ``Fraction`` into an exact fraction."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise InputError(field_name, f"expected a fraction, got {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(str(value))
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.endswith("%"):
                return Fraction(text[:-1].strip()) / 100
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            pass
    raise InputError(field_name, f"expected a fraction such as 0.5, 2/3 or 50%, got {value!r}")


_FRACTION_KEYS = ("majority", "turnout_quorum", "valid_quorum", "approval_quorum", "veto_quorum")
_BOOL_KEYS = ("double_majority", "per_region")


def rule_from_mapping(data: Mapping[str, Any], *, prefix: str = "rule") -> Rule:
    """Build a rule from its mapping form (TOML/JSON/YAML), naming the field on error.

    ``majority`` may be ``"simple"`` or a fraction; the other keys are listed on :class:`Rule`.
    """
    known = set(_FRACTION_KEYS) | set(_BOOL_KEYS)
    for key in data:
        if key not in known:
            raise InputError(
                f"{prefix}.{key}", f"unknown rule key; expected one of {sorted(known)}"
            )
    kwargs: dict[str, Any] = {}
    for key in _FRACTION_KEYS:
        if key in data and data[key] is not None:
            if key == "majority" and data[key] == "simple":
                continue
            kwargs[key] = parse_fraction(data[key], field_name=f"{prefix}.{key}")
    for key in _BOOL_KEYS:
        if key in data:
            if not isinstance(data[key], bool):
                raise InputError(f"{prefix}.{key}", f"expected true or false, got {data[key]!r}")
            kwargs[key] = data[key]
    return Rule(**kwargs)


def regions_total(regions: Sequence[RegionCounts]) -> Counts:
    """Sum the counts of several regions."""
    if not regions:
        raise InputError("regions", "at least one region is needed")
    total = regions[0].counts
    for region in regions[1:]:
        total = total + region.counts
    return total
