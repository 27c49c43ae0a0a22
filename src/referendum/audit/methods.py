"""The audit methods behind one interface: per assertion, a sample size and a risk.

=====================  ===================  ========================================
method                 kind                 module
=====================  ===================  ========================================
``bravo``              ballot polling       :mod:`~referendum.audit.bravo`
``alpha``              ballot polling       :mod:`~referendum.audit.alpha`
``kaplan-markov``      ballot comparison    :mod:`~referendum.audit.kaplan_markov`
``alpha-comparison``   ballot comparison    :mod:`~referendum.audit.alpha`
``batch-comparison``   batch comparison     :mod:`~referendum.audit.batch`
=====================  ===================  ========================================

Each method reads *units*: a reading (polling), a ballot's overstatement (comparison) or a
batch's overstatement per ballot (batch comparison).  Planning and the "how many more"
estimate continue a sample with synthetic units that show exactly the reported shares and
no discrepancies (:func:`referendum.audit.risk.proportional_sequence`), except where a
method has a published closed form (BRAVO's ASN, Kaplan-Markov's ``rho / mu``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, get_args

from referendum.audit import alpha, bravo, kaplan_markov
from referendum.audit.assorters import Assertion
from referendum.audit.batch import BatchCount, BatchReport, draws_needed
from referendum.audit.readings import READINGS, Observation, Reading
from referendum.audit.risk import proportional_sequence
from referendum.errors import AuditInputError

__all__ = [
    "METHODS",
    "Method",
    "Settings",
    "Unit",
    "log_evidence",
    "observed_units",
    "planned_size",
    "synthetic_units",
]

Method = Literal["bravo", "alpha", "kaplan-markov", "alpha-comparison", "batch-comparison"]
METHODS: tuple[Method, ...] = get_args(Method)
COMPARISON: tuple[Method, ...] = ("kaplan-markov", "alpha-comparison")
Unit = Reading | float


@dataclass(frozen=True, kw_only=True)
class Settings:
    """A method and its parameters (all reported in the JSON output)."""

    method: Method
    risk_limit: Fraction
    gamma: Fraction = Fraction(11, 10)
    discrepancies: int = 0
    replacement: bool = True
    d: int = 100

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise AuditInputError("method", f"unknown method {self.method!r}; one of {METHODS}")
        if not 0 < self.risk_limit < 1:
            raise AuditInputError(
                "risk-limit",
                f"must be a fraction between 0 and 1 such as 0.05, got {self.risk_limit}",
            )
        if self.gamma < 1:
            raise AuditInputError("gamma", f"must be at least 1, got {self.gamma}")
        if self.discrepancies < 0:
            raise AuditInputError("discrepancies", "must be a non-negative integer")
        if self.d < 1:
            raise AuditInputError("d", "must be a positive integer")

    @property
    def comparison(self) -> bool:
        return self.method in COMPARISON

    def to_mapping(self) -> dict[str, object]:
        out: dict[str, object] = {
            "method": self.method,
            "risk_limit": float(self.risk_limit),
            "sampling": "with replacement" if self.replacement else "without replacement",
        }
        if self.method in ("kaplan-markov", "batch-comparison"):
            out["gamma"] = float(self.gamma)
        if self.method == "kaplan-markov" or self.method == "alpha-comparison":
            out["discrepancies"] = self.discrepancies
        if self.method in ("alpha", "alpha-comparison"):
            out["d"] = self.d
            out["estimator"] = "truncated shrinkage, c = (eta0 - 1/2) / 2"
        return out


def _comparison_bound(a: Assertion) -> tuple[float, float]:
    """Upper bound and no-error value of the comparison assorter."""
    ratio = float(a.margin / a.upper)
    return 2 / (2 - ratio), 1 / (2 - ratio)


def log_evidence(
    a: Assertion, settings: Settings, units: Iterable[Unit], *, population: int
) -> Iterator[float]:
    """``log T`` after each unit, for the settings' method."""
    m = settings.method
    if m == "bravo":
        return bravo.log_evidence(a, (u for u in units if isinstance(u, str)))
    if m == "alpha":
        return alpha.log_evidence(
            (float(a.value(u)) for u in units if isinstance(u, str)),
            upper=float(a.upper),
            eta0=float(a.mean),
            population=None if settings.replacement else population,
            d=settings.d,
        )
    floats = (float(u) for u in units if not isinstance(u, str))
    if m == "alpha-comparison":
        upper, eta0 = _comparison_bound(a)
        return alpha.log_evidence(
            (
                alpha.comparison_value(w, margin=float(a.margin), upper=float(a.upper))
                for w in floats
            ),
            upper=upper,
            eta0=eta0,
            population=None if settings.replacement else population,
            d=settings.d,
        )
    return kaplan_markov.log_evidence(
        floats, margin=float(a.margin), upper=float(a.upper), gamma=float(settings.gamma)
    )


def observed_units(
    a: Assertion,
    settings: Settings,
    observations: Sequence[Observation],
    counts: Sequence[BatchCount] = (),
    reports: Sequence[BatchReport] = (),
) -> list[Unit]:
    """The units of the observations (or batch counts) in the assertion's scope."""
    if settings.method == "batch-comparison":
        region = {b.name: b for b in reports}
        out: list[Unit] = []
        for c in counts:
            report = region[c.name]
            if a.scope is not None and report.region != a.scope:
                continue
            size = report.tally.ballots
            over = a.total(report.tally) - a.total(c.tally)
            out.append(float(over / size) if size else 0.0)
        return out
    mine = [o for o in observations if a.scope is None or o.region == a.scope]
    if not settings.comparison:
        return [o.actual for o in mine]
    units: list[Unit] = []
    for o in mine:
        if o.reported is None:
            raise AuditInputError("sample", "a comparison audit needs REPORTED,ACTUAL readings")
        units.append(float(a.value(o.reported) - a.value(o.actual)))
    return units


def synthetic_units(a: Assertion, settings: Settings, *, discrepancies: int = 0) -> Iterator[Unit]:
    """Units showing the reported shares exactly and no discrepancies (after
    ``discrepancies`` one-vote overstatements, for comparison planning)."""
    if settings.method in ("bravo", "alpha"):
        weights: dict[Reading, int] = {r: a.tally.count(r) for r in READINGS}
        return proportional_sequence(weights)
    one_vote = float(a.upper) / 2
    return itertools.chain(itertools.repeat(one_vote, discrepancies), itertools.repeat(0.0))


def planned_size(a: Assertion, settings: Settings, *, population: int) -> int | None:
    """Expected units (ballots, or batch draws) to examine; ``None``: a full hand count.

    Batch draws are counted with multiplicity and are not capped by the population.
    """
    alpha_ = float(settings.risk_limit)
    m = settings.method
    if m == "bravo":
        n = bravo.expected_sample_size(a, risk_limit=settings.risk_limit)
    elif m == "kaplan-markov":
        n = kaplan_markov.initial_sample_size(
            margin=float(a.margin),
            upper=float(a.upper),
            risk_limit=alpha_,
            gamma=float(settings.gamma),
            one_vote=settings.discrepancies,
        )
    elif m == "batch-comparison":
        n = draws_needed(
            margin=float(a.margin),
            upper=float(a.upper),
            risk_limit=alpha_,
            gamma=float(settings.gamma),
        )
        return n
    else:
        a.check_reported()
        path = log_evidence(
            a,
            settings,
            synthetic_units(a, settings, discrepancies=settings.discrepancies),
            population=population,
        )
        target = math.log(1 / alpha_)
        for step, value in enumerate(path, start=1):
            if value >= target:
                return step
            if step >= population:
                return None
        return None
    return n if n < population else None
