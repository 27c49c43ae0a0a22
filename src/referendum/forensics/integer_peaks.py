"""Integer-percentage peaks (Kobak, Shpilkin & Pshenichnikov 2016).

Kobak, Shpilkin & Pshenichnikov, "Integer percentages as electoral falsification
fingerprints", Annals of Applied Statistics 10(1), 2016, 54-73, and "Suspect peaks in
Russia's 'referendum' results", Significance 17(5), 2020: where protocols are written to a
target, turnout and the leader's share land on round percentages far more often than
chance allows.

The statistic is the number of stations whose percentage ``100 k / n`` lies within
``window`` percentage points of a whole number.  The null keeps every station's size
``n`` and its observed rate ``k / n`` and redraws ``k ~ Binomial(n, k / n)``: the count of
"integer" stations in each draw gives the null distribution.  The p-value is one-sided
(an excess).  Because the null count is a sum of many independent indicators, it is close
to normal: the reported ``p_value`` uses the Monte Carlo mean and standard deviation, so
that values far below ``1 / draws`` can be reported; ``p_value_monte_carlo`` is the plain
rank p-value ``(1 + #{null >= observed}) / (1 + draws)``, reported as ``p_value`` too when
the null is too narrow for the normal approximation (a region of a few stations).

Stations with a denominator below ``min_size`` are left out (at 100 voters or fewer every
percentage of a small count is nearly round).

>>> rng = np.random.default_rng(1)
>>> n = rng.integers(300, 3000, 2000)
>>> k = rng.binomial(n, 0.6)
>>> test = peak_test(k, n, rng=rng, draws=200)
>>> test.p_value > 0.001
True
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from referendum.forensics.defaults import DEFAULT_MIN_SIZE, DEFAULT_WINDOW

__all__ = [
    "DEFAULT_MIN_SIZE",
    "DEFAULT_WINDOW",
    "MIN_NORMAL_SD",
    "PeakTest",
    "auto_draws",
    "near_integer",
    "peak_test",
    "peak_tests_by_region",
]

MIN_NORMAL_SD = 3.0
"""Below this null standard deviation (about 10 expected round stations) the reported
p-value is the Monte Carlo one, not the normal approximation."""
_CELLS_PER_CHUNK = 4_000_000
_DRAW_BUDGET = 50_000_000


@dataclass(frozen=True, slots=True)
class PeakTest:
    """Observed count of near-integer stations against its Monte Carlo null."""

    stations: int
    observed: int
    expected: float
    sd: float
    z: float
    p_value: float
    p_value_monte_carlo: float
    draws: int
    bar: float | None = None
    """The null's 99.9th percentile minus its mean (published method only)."""

    @property
    def excess(self) -> float:
        """Stations on round percentages beyond the null's expectation."""
        return self.observed - self.expected


def auto_draws(stations: int) -> int:
    """Draws used when none are asked for: 1,000, fewer for very large tables (>= 100)."""
    return int(min(1000, max(100, _DRAW_BUDGET // max(stations, 1))))


def near_integer(
    k: NDArray[np.int64], n: NDArray[np.int64], window: float = DEFAULT_WINDOW
) -> NDArray[np.bool_]:
    """Whether ``100 k / n`` is within ``window`` points of a whole number (exact arithmetic).

    ``|100 k / n - j| <= w``  iff  ``min(r, n - r) <= w n`` with ``r = 100 k mod n``.
    """
    remainder = np.mod(100 * k, n)
    distance = np.minimum(remainder, n - remainder)
    hit: NDArray[np.bool_] = distance <= window * n + 1e-9
    return hit


def peak_test(
    k: NDArray[np.int64],
    n: NDArray[np.int64],
    *,
    rng: np.random.Generator,
    draws: int | None = None,
    window: float = DEFAULT_WINDOW,
    min_size: int = DEFAULT_MIN_SIZE,
) -> PeakTest:
    """The integer-peak test over all stations (see the module docstring)."""
    codes = np.zeros(k.shape[0], dtype=np.int32)
    overall, _ = peak_tests_by_region(
        k, n, codes, 1, rng=rng, draws=draws, window=window, min_size=min_size
    )
    return overall


def peak_tests_by_region(
    k: NDArray[np.int64],
    n: NDArray[np.int64],
    region_codes: NDArray[np.int32],
    regions: int,
    *,
    rng: np.random.Generator,
    draws: int | None = None,
    window: float = DEFAULT_WINDOW,
    min_size: int = DEFAULT_MIN_SIZE,
    workers: int = 2,
) -> tuple[PeakTest, list[PeakTest]]:
    """The test over all stations and within each region, from the same Monte Carlo draws.

    Work is vectorised over stations x draws in chunks of a few million cells; no Python
    loop runs per station.  Chunks run on ``workers`` threads (numpy releases the GIL while
    drawing); each chunk has its own child generator, so results do not depend on
    ``workers``.
    """
    keep = n >= max(min_size, 1)
    order = np.argsort(region_codes[keep], kind="stable")
    k_kept = k[keep][order]
    n_kept = n[keep][order]
    codes = region_codes[keep][order]
    stations = int(n_kept.shape[0])
    draws = auto_draws(stations) if draws is None else int(draws)
    if draws < 1:
        raise ValueError("draws must be at least 1")

    observed_hits = near_integer(k_kept, n_kept, window)
    observed = np.bincount(codes, weights=observed_hits, minlength=regions).astype(np.int64)
    null = np.zeros((regions, draws), dtype=np.int64)
    rate = np.divide(k_kept, n_kept, out=np.zeros(stations), where=n_kept > 0)
    chunk = max(1, _CELLS_PER_CHUNK // draws)
    bounds = [(start, min(start + chunk, stations)) for start in range(0, stations, chunk)]
    # One child generator per chunk: the draws do not depend on how many threads run them.
    children = rng.spawn(len(bounds))

    def simulate(index: int) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
        start, stop = bounds[index]
        n_chunk = n_kept[start:stop, None]
        simulated = children[index].binomial(
            n_chunk, rate[start:stop, None], size=(stop - start, draws)
        )
        hits = near_integer(simulated, n_chunk, window).astype(np.int64)
        chunk_codes = codes[start:stop]
        starts = np.flatnonzero(np.r_[True, chunk_codes[1:] != chunk_codes[:-1]])
        return chunk_codes[starts], np.add.reduceat(hits, starts, axis=0)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for present, sums in pool.map(simulate, range(len(bounds))):
            null[present] += sums

    region_tests = [
        _summarise(int(observed[r]), null[r], int(np.sum(codes == r)), draws)
        for r in range(regions)
    ]
    overall = _summarise(int(observed.sum()), null.sum(axis=0), stations, draws)
    return overall, region_tests


def _summarise(observed: int, null: NDArray[np.int64], stations: int, draws: int) -> PeakTest:
    expected = float(null.mean()) if draws else 0.0
    sd = float(null.std(ddof=1)) if draws > 1 else 0.0
    p_mc = float((1 + np.count_nonzero(null >= observed)) / (1 + draws))
    z = (observed - expected) / sd if sd > 0 else 0.0
    # The normal approximation needs a null spread over enough values; for a few stations
    # (sd below MIN_NORMAL_SD) the Monte Carlo rank p-value is reported instead.
    p_value = float(stats.norm.sf(z)) if sd >= MIN_NORMAL_SD else p_mc
    return PeakTest(
        stations=stations,
        observed=observed,
        expected=expected,
        sd=sd,
        z=float(z),
        p_value=p_value,
        p_value_monte_carlo=p_mc,
        draws=draws,
    )
