"""Plain summaries: turnout-share correlation and the share of stations near 100%.

Under honest counting, turnout and the choice's share are at most weakly correlated across
stations, and stations with turnout or share above 95-99% are rare outside closed
institutions (hospitals, ships, barracks).  A strong positive correlation and a heavy tail
near 100% are the plainest signs of ballot stuffing (Klimek et al. 2012; Kobak et al. 2016).

>>> turnout = np.array([0.5, 0.6, 0.97, 0.99])
>>> share = np.array([0.6, 0.6, 0.95, 1.0])
>>> s = summarise(turnout, share)
>>> s.turnout_above[95], s.choice_share_above[99]
(50.0, 25.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["THRESHOLDS", "Summary", "summarise"]

THRESHOLDS = (90, 95, 99)
"""Percent thresholds for the tails, as strict lower bounds (``> 90%``...)."""


@dataclass(frozen=True, slots=True)
class Summary:
    """Pearson correlation of turnout and share, and tail shares (percent of stations)."""

    stations: int
    correlation: float
    turnout_above: dict[int, float]
    choice_share_above: dict[int, float]


def summarise(turnout: NDArray[np.float64], share: NDArray[np.float64]) -> Summary:
    """Summaries over stations; ``turnout`` and ``share`` are fractions in [0, 1]."""
    count = int(turnout.size)
    if count > 1 and np.std(turnout) > 0 and np.std(share) > 0:
        correlation = float(np.corrcoef(turnout, share)[0, 1])
    else:
        correlation = 0.0

    def above(values: NDArray[np.float64]) -> dict[int, float]:
        if count == 0:
            return {t: 0.0 for t in THRESHOLDS}
        return {t: float(100.0 * np.count_nonzero(values > t / 100.0) / count) for t in THRESHOLDS}

    return Summary(count, correlation, above(turnout), above(share))
