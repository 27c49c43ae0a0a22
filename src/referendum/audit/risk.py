"""Turning a test's running evidence into a risk (a p-value) and a stopping time.

Every method here measures evidence as the logarithm of a nonnegative supermartingale
``T_k`` (``T_0 = 1``) under the hypothesis that the reported outcome is wrong.  By Ville's
inequality the chance that ``T_k`` ever reaches ``1/alpha`` is at most ``alpha``, so the risk
after ``n`` ballots is ``min(1, 1 / max_{k <= n} T_k)``: the audit may stop as soon as the
risk is at most the risk limit.

>>> risk_from_log_evidence([0.0, 1.0, 3.0, 2.0]) == min(1.0, math.exp(-3.0))
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

__all__ = ["final", "risk_from_log_evidence", "steps_to_stop"]


def risk_from_log_evidence(path: Iterable[float]) -> float:
    """``min(1, exp(-max log T_k))`` over a path of ``log T_k`` values (``T_0 = 1`` included)."""
    best = 0.0
    for value in path:
        best = max(best, value)
    return min(1.0, math.exp(-best)) if best < math.inf else 0.0


def final(path: Iterable[float]) -> float:
    """The last ``log T`` of a path (``0.0``, i.e. ``T_0 = 1``, for an empty one)."""
    value = 0.0
    for value in path:  # noqa: B007
        pass
    return value


def steps_to_stop(path: Iterator[float], *, target: float, limit: int) -> int | None:
    """How many more steps of ``path`` until ``log T`` reaches ``target`` (``None`` if not
    within ``limit`` steps)."""
    for step, value in enumerate(path, start=1):
        if value >= target:
            return step
        if step >= limit:
            return None
    return None
