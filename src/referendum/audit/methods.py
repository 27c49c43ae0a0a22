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
estimate (:func:`continuation`) follow the *expected* log of the test statistic when the
further ballots show exactly the reported shares and no discrepancies: a constant drift for
BRAVO and Kaplan-Markov, the expected increments of ALPHA with its estimator fed the
expected running sum.  ``plan`` uses the published closed forms where there is one
(BRAVO's ASN, Kaplan-Markov's ``rho / mu``).
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
from referendum.audit.risk import final
from referendum.errors import AuditInputError

__all__ = [
    "METHODS",
    "Method",
    "Settings",
    "Unit",
    "continuation",
    "log_evidence",
    "observed_units",
    "planned_size",
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
        if self.method == "alpha":
            out["d"] = self.d
            out["estimator"] = "truncated shrinkage, c = (eta0 - 1/2) / 2"
        if self.method == "alpha-comparison":
            out["estimator"] = "fixed eta: Kelly bet for two-vote overstatements at rate p2"
            out["p2"] = 1e-4
        return out


def _comparison_bound(a: Assertion) -> tuple[float, float]:
    """Upper bound and no-error value of the comparison assorter."""
    ratio = float(a.margin / a.upper)
    return 2 / (2 - ratio), 1 / (2 - ratio)


def _alpha_test(a: Assertion, settings: Settings, population: int) -> alpha.AlphaTest:
    n = None if settings.replacement else population
    if settings.method == "alpha":
        return alpha.AlphaTest(upper=float(a.upper), eta0=float(a.mean), population=n, d=settings.d)
    upper, _ = _comparison_bound(a)
    eta = alpha.comparison_eta(margin=float(a.margin), upper=float(a.upper))
    return alpha.AlphaTest(upper=upper, eta0=eta, population=n, d=None)


def _alpha_values(a: Assertion, settings: Settings, units: Iterable[Unit]) -> Iterator[float]:
    if settings.method == "alpha":
        return (float(a.value(u)) for u in units if isinstance(u, str))
    margin, upper = float(a.margin), float(a.upper)
    return (
        alpha.comparison_value(float(u), margin=margin, upper=upper)
        for u in units
        if not isinstance(u, str)
    )


def log_evidence(
    a: Assertion, settings: Settings, units: Iterable[Unit], *, population: int
) -> Iterator[float]:
    """``log T`` after each unit, for the settings' method."""
    m = settings.method
    if m == "bravo":
        return bravo.log_evidence(a, (u for u in units if isinstance(u, str)))
    if m in ("alpha", "alpha-comparison"):
        test = _alpha_test(a, settings, population)
        return alpha.log_evidence(_alpha_values(a, settings, units), test)
    return kaplan_markov.log_evidence(
        (float(u) for u in units if not isinstance(u, str)),
        margin=float(a.margin),
        upper=float(a.upper),
        gamma=float(settings.gamma),
    )


def continuation(
    a: Assertion,
    settings: Settings,
    observed: Sequence[Unit],
    *,
    population: int,
    discrepancies: int = 0,
) -> Iterator[float]:
    """Expected ``log T`` after each further unit, continuing ``observed`` with units that
    show exactly the reported shares and no discrepancies (after ``discrepancies`` one-vote
    overstatements, for comparison planning)."""
    m = settings.method
    if m in ("alpha", "alpha-comparison"):
        start = list(_alpha_values(a, settings, observed))
        test = _alpha_test(a, settings, population)
        if m == "alpha":
            ballots = a.tally.ballots
            dist = [(float(a.value(r)), a.tally.count(r) / ballots) for r in READINGS]
        else:
            _, no_error = _comparison_bound(a)
            one_vote = alpha.comparison_value(
                float(a.upper) / 2, margin=float(a.margin), upper=float(a.upper)
            )
            start += [one_vote] * discrepancies
            dist = [(no_error, 1.0)]
        return alpha.expected_log_evidence(test, dist, start=start)
    log_t = final(log_evidence(a, settings, observed, population=population))
    if m == "bravo":
        ballots = a.tally.ballots
        drift = sum(
            a.tally.count(r) / ballots * step
            for r, step in bravo.log_factors(a).items()
            if a.tally.count(r)
        )
    else:
        drift = -math.log(1 - float(a.margin) / (2 * float(settings.gamma) * float(a.upper)))
    return (log_t + k * drift for k in itertools.count(1))


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
        path = continuation(
            a, settings, [], population=population, discrepancies=settings.discrepancies
        )
        target = math.log(1 / alpha_)
        for step, value in enumerate(path, start=1):
            if value >= target:
                return step
            if step >= population:
                return None
        return None
    return n if n < population else None
