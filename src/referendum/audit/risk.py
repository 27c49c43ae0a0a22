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
from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

__all__ = ["proportional_sequence", "risk_from_log_evidence", "steps_to_stop"]

K = TypeVar("K")


def risk_from_log_evidence(path: Iterable[float]) -> float:
    """``min(1, exp(-max log T_k))`` over a path of ``log T_k`` values (``T_0 = 1`` included)."""
    best = 0.0
    for value in path:
        best = max(best, value)
    return min(1.0, math.exp(-best)) if best < math.inf else 0.0


def steps_to_stop(path: Iterator[float], *, target: float, limit: int) -> int | None:
    """How many more steps of ``path`` until ``log T`` reaches ``target`` (``None`` if not
    within ``limit`` steps)."""
    for step, value in enumerate(path, start=1):
        if value >= target:
            return step
        if step >= limit:
            return None
    return None


def proportional_sequence(weights: Mapping[K, int]) -> Iterator[K]:
    """An endless sequence in which each key appears in proportion to its weight, as evenly
    as possible (largest remainder first; ties by the mapping's order).  Used as the
    "sample that shows exactly the reported shares" when planning.

    >>> import itertools
    >>> "".join(itertools.islice(proportional_sequence({"y": 2, "n": 1}), 6))
    'ynyyny'
    """
    keys = [k for k, w in weights.items() if w > 0]
    total = sum(weights[k] for k in keys)
    counts = dict.fromkeys(keys, 0)
    step = 0
    while keys:
        step += 1
        chosen = max(keys, key=lambda k: step * weights[k] - total * counts[k])
        counts[chosen] += 1
        yield chosen
