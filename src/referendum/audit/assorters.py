"""SHANGRLA assorters (Stark 2020) and the assertions an outcome rule needs.

Every condition of a referendum rule that depends on what is written on the ballots becomes
an *assertion*: "among the ballots of this electorate, those in ``win`` are more than a
fraction ``threshold`` of those in ``win`` or ``lose``".  Its assorter gives each ballot

- ``1 / (2 * threshold)`` if its reading is in ``win``,
- ``0`` if in ``lose``,
- ``1/2`` otherwise (neutral: typically invalid ballots),

so that the assertion holds exactly when the assorter's mean over all ballots exceeds 1/2
(SHANGRLA, section 2; the supermajority assorter is its section 2.3).  A simple majority for
yes is ``win={yes}, lose={no}, threshold=1/2`` (the plurality assorter 1, 0, 1/2); a
supermajority ``f`` changes the assorter to ``1/(2f)`` for a yes.  Quorums against the
register become assertions about all ballots: "yes votes are at least a fraction ``q`` of
the ``E`` registered voters" is "yes ballots are more than ``qE/N`` of the ``N`` ballots".

The turnout quorum is a count, not a share of the ballots: it is checked by a
:class:`CountCheck` of the paper ballots in the ballot manifest against the register.

>>> a = majority("yes", Tally(yes=60, no=40))
>>> a.value("yes"), a.value("invalid"), float(a.margin)
(Fraction(1, 1), Fraction(1, 2), 0.2)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from referendum.audit.readings import READINGS, Reading, Tally
from referendum.errors import AuditInputError

__all__ = [
    "Assertion",
    "CountCheck",
    "Leaf",
    "Side",
    "majority",
]

_HALF = Fraction(1, 2)
Side = Literal["yes", "no"]


@dataclass(frozen=True)
class Assertion:
    """``win`` ballots are more than ``threshold`` of the ``win`` + ``lose`` ballots.

    ``tally`` is the reported tally of the electorate (``scope``: a region's name, or
    ``None`` for the whole territory).  ``required`` is false for assertions audited for
    information only (a region's own majority under a rule that does not use it).
    """

    name: str
    win: frozenset[Reading]
    lose: frozenset[Reading]
    threshold: Fraction
    tally: Tally
    scope: str | None = None
    required: bool = True
    detail: str = ""
    kind: Literal["assertion"] = field(default="assertion", init=False)

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise AuditInputError(
                self.name, f"threshold {self.threshold} must be strictly between 0 and 1"
            )
        if self.win & self.lose or not self.win or not self.lose:
            raise AuditInputError(self.name, "win and lose must be disjoint and non-empty")

    @property
    def upper(self) -> Fraction:
        """Upper bound ``u`` of the assorter."""
        return max(1 / (2 * self.threshold), _HALF)

    def value(self, reading: Reading) -> Fraction:
        """The assorter's value for a ballot with this reading."""
        if reading in self.win:
            return 1 / (2 * self.threshold)
        if reading in self.lose:
            return Fraction(0)
        return _HALF

    @property
    def reported_win(self) -> int:
        return sum(self.tally.count(r) for r in self.win)

    @property
    def reported_lose(self) -> int:
        return sum(self.tally.count(r) for r in self.lose)

    @property
    def ballots(self) -> int:
        return self.tally.ballots

    def total(self, tally: Tally) -> Fraction:
        """Sum of the assorter over a tally's ballots."""
        return sum((self.value(r) * tally.count(r) for r in READINGS), Fraction(0))

    @property
    def mean(self) -> Fraction:
        """Reported mean of the assorter (above 1/2 when the reported outcome holds)."""
        if self.ballots == 0:
            return _HALF
        return self.total(self.tally) / self.ballots

    @property
    def margin(self) -> Fraction:
        """Reported assorter margin ``v = 2 * mean - 1`` (the diluted margin for a majority)."""
        return 2 * self.mean - 1

    @property
    def ease(self) -> Fraction:
        """``v / u``: larger is easier to audit (used to choose among alternatives)."""
        return self.margin / self.upper

    def check_reported(self) -> None:
        """Raise unless the reported tally satisfies the assertion."""
        if self.margin <= 0:
            raise AuditInputError(
                self.name,
                f"the reported counts do not satisfy it ({self.detail or self.describe()}); "
                "a tie or a reported outcome contradicting its own counts cannot be audited",
            )

    def describe(self) -> str:
        win = "+".join(sorted(self.win))
        lose = "+".join(sorted(self.lose))
        where = f" in {self.scope}" if self.scope else ""
        return f"{win} above {self.threshold} of {win}+{lose}{where}"

    def to_mapping(self) -> dict[str, object]:
        return {
            "name": self.name,
            "scope": self.scope,
            "required": self.required,
            "kind": "assertion",
            "win": sorted(self.win),
            "lose": sorted(self.lose),
            "threshold": str(self.threshold),
            "assorter_upper_bound": float(self.upper),
            "reported_mean": float(self.mean),
            "reported_margin": float(self.margin),
            "ballots": self.ballots,
            "detail": self.detail or self.describe(),
        }


@dataclass(frozen=True)
class CountCheck:
    """A count compared with the register: ``count > threshold * register`` (``>=`` when
    ``inclusive``) must be ``reported_met``.  Used for the turnout quorum, whose count is the
    number of paper ballots in the ballot manifest (which must equal the reported number of
    ballots)."""

    name: str
    count: int
    register: int
    threshold: Fraction
    reported_met: bool
    scope: str | None = None
    required: bool = True
    detail: str = ""
    inclusive: bool = False  # the law's "at least": ``count >= threshold * register``
    kind: Literal["count"] = field(default="count", init=False)

    @property
    def holds(self) -> bool:
        needed = self.threshold * self.register
        met = self.count >= needed if self.inclusive else self.count > needed
        return met == self.reported_met

    @property
    def ease(self) -> Fraction:
        return Fraction(10**9) if self.holds else Fraction(-1)

    def to_mapping(self) -> dict[str, object]:
        return {
            "name": self.name,
            "scope": self.scope,
            "required": self.required,
            "kind": "count",
            "count": self.count,
            "register": self.register,
            "threshold": str(self.threshold),
            "comparison": "at_least" if self.inclusive else "more_than",
            "reported_met": self.reported_met,
            "holds": self.holds,
            "detail": self.detail,
        }


Leaf = Assertion | CountCheck


def majority(
    side: Side,
    tally: Tally,
    *,
    scope: str | None = None,
    required: bool = True,
    name: str = "majority",
) -> Assertion:
    """The simple-majority assertion for ``side`` (plurality assorter 1, 0, 1/2)."""
    other: Reading = "no" if side == "yes" else "yes"
    return Assertion(
        name,
        frozenset({side}),
        frozenset({other}),
        _HALF,
        tally,
        scope,
        required,
        f"{side} {tally.count(side)} vs {other} {tally.count(other)}",
    )
