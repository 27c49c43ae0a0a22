"""ALPHA: Audit that Learns from Previously Hand-Audited ballots (Stark 2023, Annals of
Applied Statistics 17(1); arXiv:2201.02707).

ALPHA tests "the mean of a list of ``N`` numbers in ``[0, u]`` is at most ``t = 1/2``" from a
sample drawn with or without replacement.  Its test supermartingale is

    T_j = prod_{i<=j} (1/u) * ( x_i * eta_i / mu_i + (u - x_i) * (u - eta_i) / (u - mu_i) )

where ``x_i`` is the i-th sampled value, ``mu_i`` the mean of the values not yet drawn under
the null (``t`` with replacement; ``(N t - S_{i-1}) / (N - i + 1)`` without), and ``eta_i``
the "alternative" mean, predictable from the earlier draws: the truncated shrinkage
estimator of ALPHA section 2.5.2,

    eta_i = min(u (1 - eps), max((d eta_0 + S_{i-1}) / (d + i - 1), mu_i + c / sqrt(d + i - 1)))

with ``S_{i-1}`` the sum of the earlier values, ``eta_0`` the reported mean, ``d = 100`` and
``c = (eta_0 - t) / 2`` by default, ``eps`` the machine epsilon.  If ``mu_i < 0`` the null
is impossible (``T = inf``); if ``mu_i >= u`` the ballot carries no evidence.

Polling form: ``x_i`` is the SHANGRLA assorter of the i-th ballot.  Comparison form (ALPHA
section 2.2, SHANGRLA section 3.2): ``x_i = (1 - omega_i / u) / (2 - v / u)`` with
``omega_i`` the assorter's overstatement on that ballot (reported minus actual value) and
``v`` the reported assorter margin; its bound is ``2 / (2 - v / u)``.

>>> p_value([1.0] * 30, upper=1.0, eta0=0.6) < 0.05
True
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Iterator

from referendum.audit.risk import risk_from_log_evidence
from referendum.errors import AuditInputError

__all__ = ["comparison_value", "log_evidence", "p_value"]


def comparison_value(overstatement: float, *, margin: float, upper: float) -> float:
    """The comparison assorter ``(1 - omega/u) / (2 - v/u)`` for an overstatement ``omega``."""
    return (1 - overstatement / upper) / (2 - margin / upper)


def log_evidence(
    values: Iterable[float],
    *,
    upper: float,
    eta0: float,
    population: int | None = None,
    null_mean: float = 0.5,
    d: int = 100,
    c: float | None = None,
) -> Iterator[float]:
    """``log T_j`` after each value; ``population`` is ``N`` when sampling without
    replacement, ``None`` with replacement."""
    t = null_mean
    if not t < eta0 < upper * (1 + 1e-12):
        raise AuditInputError(
            "reported tallies",
            f"ALPHA needs a reported mean {eta0:g} above the null mean {t:g} and at most the "
            f"assorter bound {upper:g}",
        )
    shrink_c = (eta0 - t) / 2 if c is None else c
    cap = upper * (1 - sys.float_info.epsilon)
    total_sum = 0.0
    log_t = 0.0
    for i, x in enumerate(values, start=1):
        if not -1e-12 <= x <= upper * (1 + 1e-12):
            raise AuditInputError("sample", f"value {x} outside [0, {upper}]")
        if log_t in (math.inf, -math.inf):
            yield log_t
            continue
        if population is None:
            mu = t
        else:
            remaining = population - i + 1
            if remaining <= 0:
                raise AuditInputError("sample", f"more than {population} draws without replacement")
            mu = (population * t - total_sum) / remaining
        if mu < 0:
            log_t = math.inf
        elif mu < upper:
            weighted = (d * eta0 + total_sum) / (d + i - 1)
            eta = min(cap, max(weighted, mu + shrink_c / math.sqrt(d + i - 1)))
            term = (x * eta / mu if mu > 0 else math.inf) + (upper - x) * (upper - eta) / (
                upper - mu
            )
            term /= upper
            log_t = log_t + math.log(term) if term > 0 else -math.inf
        total_sum += x
        yield log_t


def p_value(
    values: Iterable[float],
    *,
    upper: float,
    eta0: float,
    population: int | None = None,
    d: int = 100,
) -> float:
    """ALPHA's risk for the values, in draw order."""
    return risk_from_log_evidence(
        log_evidence(values, upper=upper, eta0=eta0, population=population, d=d)
    )
