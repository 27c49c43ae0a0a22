"""The nonparametric bootstrap over stations, vectorised, for statistics built from means.

Efron, "Bootstrap methods: another look at the jackknife", *Annals of Statistics* 7(1),
1979; the percentile interval of Efron & Tibshirani, *An Introduction to the Bootstrap*,
1993, ch. 13.  Every statistic of the battery is a smooth function of column means of a
per-station matrix (digit indicators, powers, products), so a replicate is a weighted mean
with the station counts of one resample as weights: ``counts @ columns / n``.  The
counts of a replicate are ``bincount`` of ``n`` uniform draws, blocks of replicates are
multiplied at once, and nothing loops per station.

>>> rng = np.random.default_rng(0)
>>> columns = rng.normal(size=(2000, 1))
>>> means = bootstrap_means(columns, replicates=400, rng=rng)
>>> means.shape, bool(abs(means.std() - 1 / np.sqrt(2000)) < 0.005)
((400, 1), True)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["DEFAULT_REPLICATES", "LEVEL", "bootstrap_means", "percentile_interval"]

DEFAULT_REPLICATES = 1000
"""Bootstrap replicates when none are asked for."""
LEVEL = 0.95
"""Coverage of the percentile intervals."""
_CELLS_PER_BLOCK = 4_000_000


def bootstrap_means(
    columns: NDArray[np.floating], *, replicates: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Column means of ``replicates`` resamples of the rows (stations) of ``columns``."""
    stations, width = columns.shape
    if stations == 0:
        return np.zeros((replicates, width))
    # float32 halves the product's cost; sums of 10^6 values keep 4-5 significant digits,
    # far finer than the intervals.
    data = np.asarray(columns, dtype=np.float32)
    block = max(1, min(replicates, _CELLS_PER_BLOCK // stations))
    means = np.empty((replicates, width))
    for start in range(0, replicates, block):
        stop = min(start + block, replicates)
        counts = np.empty((stop - start, stations), dtype=np.float32)
        for row in range(stop - start):
            counts[row] = np.bincount(rng.integers(0, stations, stations), minlength=stations)
        means[start:stop] = (counts @ data) / stations
    return means


def percentile_interval(
    replicates: NDArray[np.float64], level: float = LEVEL
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The ``level`` percentile interval of each column (NaN replicates ignored)."""
    tail = 100.0 * (1.0 - level) / 2.0
    low = np.nanpercentile(replicates, tail, axis=0)
    high = np.nanpercentile(replicates, 100.0 - tail, axis=0)
    return low, high
