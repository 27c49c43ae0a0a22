"""The bulk's mode of a distribution that fraud may have given a second, taller mode.

>>> values = np.r_[np.full(60, 0.42), np.full(80, 0.93)]
>>> round(lowest_tall_mode(values, np.ones(values.size), low=0.0, high=1.0, bins=100), 3)
0.425
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["lowest_tall_mode"]

PROMINENCE = 0.5
"""A mode counts if its smoothed height is at least this fraction of the highest one."""
_KERNEL = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0


def lowest_tall_mode(
    values: NDArray[np.float64],
    weights: NDArray[np.float64],
    *,
    low: float,
    high: float,
    bins: int,
    prominence: float = PROMINENCE,
) -> float:
    """The centre of the lowest local maximum at least ``prominence`` times the highest one.

    The weighted histogram over ``[low, high)`` (the value ``high`` itself excluded: 100%
    turnout is a fraud mode of its own) is smoothed with a 5-bin triangular kernel first.
    Where stuffing is massive (the 2020 vote) the high-turnout cluster can outweigh the
    honest bulk, which the global maximum would miss.
    """
    width = (high - low) / bins
    inside = values < high
    counts, edges = np.histogram(
        values[inside], bins=bins, range=(low, high), weights=weights[inside]
    )
    smooth = np.convolve(counts, _KERNEL, mode="same")
    padded = np.r_[-1.0, smooth, -1.0]
    peaks = np.flatnonzero(
        (padded[1:-1] >= padded[:-2]) & (padded[1:-1] > padded[2:]) & (smooth > 0)
    )
    if peaks.size == 0:
        return float(edges[int(np.argmax(smooth))] + width / 2.0)
    tall = peaks[smooth[peaks] >= prominence * smooth.max()]
    return float(edges[int(tall[0])] + width / 2.0)
