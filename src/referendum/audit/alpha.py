"""ALPHA: Audit that Learns from Previously Hand-Audited ballots (Stark 2023, Annals of
Applied Statistics 17(1); arXiv:2201.02707).

ALPHA tests "the mean of a list of ``N`` numbers in ``[0, u]`` is at most ``t = 1/2``" from a
sample drawn with or without replacement.  Its test supermartingale is

    T_j = prod_{i<=j} (1/u) * ( x_i * eta_i / mu_i + (u - x_i) * (u - eta_i) / (u - mu_i) )

where ``x_i`` is the i-th sampled value, ``mu_i`` the mean of the values not yet drawn under
the null (``t`` with replacement; ``(N t - S_{i-1}) / (N - i + 1)`` without), and ``eta_i``
the "alternative" mean, predictable from the earlier draws.

Polling form: ``x_i`` is the SHANGRLA assorter of the i-th ballot and ``eta_i`` the
truncated shrinkage estimator of ALPHA section 2.5.2,

    eta_i = min(u (1 - eps), max((d eta_0 + S_{i-1}) / (d + i - 1), mu_i + c / sqrt(d + i - 1)))

with ``S_{i-1}`` the sum of the earlier values, ``eta_0`` the reported mean, ``d = 100`` and
``c = (eta_0 - t) / 2`` by default, ``eps`` the machine epsilon.

Comparison form (ALPHA section 2.2, SHANGRLA section 3.2): ``x_i = (1 - omega_i / u) /
(2 - v / u)`` with ``omega_i`` the assorter's overstatement on that ballot and ``v`` the
reported assorter margin; its bound is ``2 / (2 - v / u)``.  Almost every value equals the
no-error value ``1/(2 - v/u)``, a hair above 1/2, so a shrinkage estimate (which follows the
sample mean) would bet almost nothing; the comparison form instead uses a fixed ``eta``: the
Kelly bet for a population whose only errors are two-vote overstatements at rate ``p2``
(:func:`comparison_eta`, ``p2 = 1/10000``).  If ``mu_i`` reaches ``eta`` (sampling without
replacement), ``eta_i`` is moved half-way from ``mu_i`` to ``u``.

If ``mu_i < 0`` the null is impossible (``T = inf``); if ``mu_i >= u`` the draw carries no
evidence.

>>> p_value([1.0] * 30, upper=1.0, eta0=0.6) < 0.05
True
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from referendum.audit.risk import final, risk_from_log_evidence
from referendum.errors import AuditInputError

__all__ = [
    "AlphaTest",
    "comparison_eta",
    "comparison_value",
    "expected_log_evidence",
    "log_evidence",
    "p_value",
]


def comparison_value(overstatement: float, *, margin: float, upper: float) -> float:
    """The comparison assorter ``(1 - omega/u) / (2 - v/u)`` for an overstatement ``omega``."""
    return (1 - overstatement / upper) / (2 - margin / upper)


def comparison_eta(*, margin: float, upper: float, two_vote_rate: float = 1e-4) -> float:
    """Fixed ``eta`` for the comparison form: the bet ``lambda`` that maximises the expected
    log-growth when a fraction ``p2`` of ballots are two-vote overstatements (value 0) and the
    rest show no error (value ``b = 1/(2 - v/u)``), ``lambda = 2 (1 - p2) - p2 / (b - 1/2)``,
    written as the ``eta`` whose ALPHA bet at ``mu = 1/2`` is ``lambda``.

    >>> round(comparison_eta(margin=0.1, upper=1.0), 4)
    1.0515
    """
    u_b = 2 / (2 - margin / upper)
    a = 1 / (2 - margin / upper) - 0.5
    bet = min(2 * (1 - two_vote_rate) - two_vote_rate / a, 2 * (1 - 1e-9))
    bet = max(bet, 0.0)
    k = 1 / (u_b - 0.5)
    return (bet * u_b + u_b * k) / (2 + k)


@dataclass(frozen=True, kw_only=True)
class AlphaTest:
    """ALPHA's parameters: bound ``u``, reported (or fixed) mean ``eta0``, population ``N``
    (``None``: sampling with replacement), shrinkage weight ``d`` (``None``: fixed eta)."""

    upper: float
    eta0: float
    population: int | None = None
    d: int | None = 100
    null_mean: float = 0.5

    def __post_init__(self) -> None:
        if not self.null_mean < self.eta0 <= self.upper * (1 + 1e-12):
            raise AuditInputError(
                "reported tallies",
                f"ALPHA needs a reported mean {self.eta0:g} above the null mean "
                f"{self.null_mean:g} and at most the assorter bound {self.upper:g}",
            )

    def log_term(self, i: int, total_sum: float, x: float) -> float | None:
        """``log`` of the i-th factor given the sum of the earlier values (``None``: the null
        is impossible, ``T = inf``)."""
        u, t = self.upper, self.null_mean
        if self.population is None:
            mu = t
        else:
            remaining = self.population - i + 1
            if remaining <= 0:
                raise AuditInputError(
                    "sample", f"more than {self.population} draws without replacement"
                )
            mu = (self.population * t - total_sum) / remaining
        if mu < 0:
            return None
        if mu >= u:
            return 0.0
        cap = u * (1 - sys.float_info.epsilon)
        if self.d is None:
            eta = self.eta0 if mu < self.eta0 else (mu + u) / 2
        else:
            c = (self.eta0 - t) / 2
            weighted = (self.d * self.eta0 + total_sum) / (self.d + i - 1)
            eta = max(weighted, mu + c / math.sqrt(self.d + i - 1))
        eta = min(cap, eta)
        if mu == 0:
            return None if x > 0 else math.log((u - eta) / u)
        term = (x * eta / mu + (u - x) * (u - eta) / (u - mu)) / u
        return math.log(term) if term > 0 else -math.inf


def log_evidence(values: Iterable[float], test: AlphaTest) -> Iterator[float]:
    """``log T_j`` after each value."""
    total_sum = 0.0
    log_t = 0.0
    for i, x in enumerate(values, start=1):
        if not -1e-12 <= x <= test.upper * (1 + 1e-12):
            raise AuditInputError("sample", f"value {x} outside [0, {test.upper}]")
        if math.isfinite(log_t):
            step = test.log_term(i, total_sum, x)
            log_t = math.inf if step is None else log_t + step
        total_sum += x
        yield log_t


def expected_log_evidence(
    test: AlphaTest,
    distribution: Sequence[tuple[float, float]],
    *,
    start: Sequence[float] = (),
) -> Iterator[float]:
    """Continue the test after the values ``start`` with the *expected* increments when
    each further value is ``x`` with probability ``p`` (``distribution``: ``(x, p)`` pairs),
    feeding the estimator the expected running sum; yields ``E log T`` after each further
    step.  Used to plan (how many draws until ``log T`` reaches ``ln(1/alpha)``)."""
    log_t = final(log_evidence(start, test))
    total_sum = float(sum(start))
    mean = sum(x * p for x, p in distribution)
    i = len(start)
    while True:
        i += 1
        if math.isfinite(log_t):
            expected = 0.0
            for x, p in distribution:
                if p == 0:
                    continue
                step = test.log_term(i, total_sum, x)
                if step is None:
                    expected = math.inf
                    break
                expected += p * step
            log_t += expected
        total_sum += mean
        yield log_t


def p_value(
    values: Iterable[float],
    *,
    upper: float,
    eta0: float,
    population: int | None = None,
    d: int | None = 100,
) -> float:
    """ALPHA's risk ``min(1, 1 / max_j T_j)`` for the values, in draw order."""
    test = AlphaTest(upper=upper, eta0=eta0, population=population, d=d)
    return risk_from_log_evidence(log_evidence(values, test))
