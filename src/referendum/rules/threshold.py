"""One threshold of an outcome rule: a fraction, "at least" or "more than", and the ballots
it counts (docs/rules.md, "Thresholds").

Every threshold of a rule compares a share ``numerator / denominator`` with an exact
fraction.  The law says whether reaching it is enough ("at least": ``>=``) or whether it must
be exceeded ("more than": ``>``), and which ballots count: the majority's denominator may
include blank (and invalid) ballots; a turnout quorum may leave invalid ballots out.

>>> from fractions import Fraction
>>> t = Threshold(Fraction(3, 5), Comparison.AT_LEAST)
>>> t.holds(Fraction(3, 5)), Threshold(Fraction(3, 5), Comparison.MORE_THAN).holds(Fraction(3, 5))
(True, False)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, get_args

from referendum.errors import InputError

__all__ = [
    "ALL_BALLOTS",
    "BALLOT_KINDS",
    "VALID_VOTES",
    "BallotKind",
    "Comparison",
    "Threshold",
    "fraction_text",
    "parse_fraction",
    "parse_threshold",
    "threshold_mapping",
]

BallotKind = Literal["yes", "no", "blank", "invalid"]
BALLOT_KINDS: tuple[BallotKind, ...] = get_args(BallotKind)
"""The kinds of ballot a count distinguishes, in their canonical order."""
VALID_VOTES: tuple[BallotKind, ...] = ("yes", "no")
ALL_BALLOTS: tuple[BallotKind, ...] = BALLOT_KINDS


class Comparison(enum.StrEnum):
    """How a share is compared with its threshold, as the law words it."""

    AT_LEAST = "at_least"  # ">= q": "at least", "not less than", "reaches"
    MORE_THAN = "more_than"  # "> q": "more than", "exceeds", "above", "a majority of"

    def holds(self, value: Fraction, threshold: Fraction) -> bool:
        return value >= threshold if self is Comparison.AT_LEAST else value > threshold

    @property
    def words(self) -> str:
        return "at least" if self is Comparison.AT_LEAST else "more than"


@dataclass(frozen=True)
class Threshold:
    """``value`` compared by ``comparison``; ``counts`` the ballots counted (the majority's
    denominator; a turnout or valid-vote quorum's numerator), in canonical order; empty
    where the rule component has no choice (approval and veto quorums, regional votes)."""

    value: Fraction
    comparison: Comparison
    counts: tuple[BallotKind, ...] = ()

    def holds(self, share: Fraction) -> bool:
        """Whether ``share`` meets the threshold."""
        return self.comparison.holds(share, self.value)

    def describe(self) -> str:
        return f"{self.comparison.words} {_pct(self.value)}"


def _pct(value: Fraction) -> str:
    return f"{float(value) * 100:.4g}%"


def fraction_text(value: Fraction) -> str:
    """The canonical text of an exact fraction in records: ``"p/q"`` in lowest terms, ``q >= 1``
    always written (``"1/1"``, ``"0/1"``, ``"17/2"``)."""
    return f"{value.numerator}/{value.denominator}"


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


def _parse_counts(value: object, *, field_name: str) -> tuple[BallotKind, ...]:
    if not isinstance(value, list | tuple) or not value:
        raise InputError(field_name, f"expected a non-empty list of {list(BALLOT_KINDS)}")
    seen: set[str] = set()
    for i, kind in enumerate(value):
        if kind not in BALLOT_KINDS:
            raise InputError(f"{field_name}[{i}]", f"{kind!r} is not one of {list(BALLOT_KINDS)}")
        if kind in seen:
            raise InputError(f"{field_name}[{i}]", f"{kind!r} is listed twice")
        seen.add(kind)
    for needed in VALID_VOTES:
        if needed not in seen:
            raise InputError(field_name, f"must count the {needed!r} votes")
    return tuple(k for k in BALLOT_KINDS if k in seen)


def parse_threshold(
    value: object,
    *,
    field_name: str,
    default: Comparison,
    counts: tuple[BallotKind, ...] | None = None,
) -> Threshold:
    """A threshold from its mapping form: a fraction (``"1/2"``, ``"50%"``: the component's
    ``default`` comparison and ``counts``) or a table ``{at_least = f}`` / ``{more_than = f}``,
    with ``counts = [...]`` where the component has a choice of ballots (``counts`` given).
    """
    if not isinstance(value, Mapping):
        return Threshold(parse_fraction(value, field_name=field_name), default, counts or ())
    known = {c.value for c in Comparison} | ({"counts"} if counts is not None else set())
    for key in value:
        if key not in known:
            raise InputError(f"{field_name}.{key}", f"unknown key; expected one of {sorted(known)}")
    given = [c for c in Comparison if c.value in value]
    if len(given) != 1:
        raise InputError(field_name, "give exactly one of at_least or more_than")
    comparison = given[0]
    fraction = parse_fraction(value[comparison.value], field_name=f"{field_name}.{comparison}")
    kinds = counts or ()
    if "counts" in value:
        kinds = _parse_counts(value["counts"], field_name=f"{field_name}.counts")
    return Threshold(fraction, comparison, kinds)


def threshold_mapping(
    threshold: Threshold, *, default: Comparison, counts: Iterable[BallotKind] = ()
) -> Any:
    """The canonical form: ``"p/q"`` when comparison and counts are the component's defaults,
    else ``{"at_least" | "more_than": "p/q"}`` plus ``"counts"`` when they are not the
    default."""
    default_counts = tuple(counts)
    if threshold.comparison is default and threshold.counts == default_counts:
        return fraction_text(threshold.value)
    out: dict[str, Any] = {threshold.comparison.value: fraction_text(threshold.value)}
    if threshold.counts != default_counts:
        out["counts"] = list(threshold.counts)
    return out
