"""Integer percentages as published: the procedure of Kobak, Shpilkin & Pshenichnikov (2016).

D. Kobak, S. Shpilkin, M. S. Pshenichnikov, "Integer percentages as electoral falsification
fingerprints", *Annals of Applied Statistics* 10(1), 2016, 54-73, as run in the notebooks of
the authors' repository (github.com/dkobak/elections, ``analysis/2024/2024.ipynb``, which
extends the figure to the federal elections 2000-2024).  Restated in our words:

Inclusion
    a station enters when its valid + invalid ballots are positive, it has at least 100
    registered voters, and neither its turnout nor the leader's share exceeds 99%.
Integer percentage
    a percentage ``x = 100 k / n`` is *integer* when ``|x - round(x)| <= 0.05`` percentage
    points: it falls in the 0.1-point bin centred on a whole percentage.  Computed exactly
    in integers: ``r = 100 k mod n``; integer iff ``20 min(r, n - r) <= n``.
Statistic
    the number of included stations whose turnout (ballots issued / registered) *or* the
    leader's share (the leader's votes / valid + invalid ballots) is integer; the counts
    for the share alone and for turnout alone are reported beside it.
Null
    every included station's counts are redrawn, ``ballots ~ Binomial(registered,
    ballots / registered)`` and ``votes ~ Binomial(cast, votes / cast)``, 1,000 times by
    default; the *excess* (the paper's "anomaly") is ``observed - mean(null)``, with the
    null's standard deviation and the 99.9th percentile of ``null - mean(null)`` (the
    paper's significance bar).  The p-value is the Monte Carlo rank
    ``(1 + #{null >= observed}) / (1 + draws)``: at 1,000 draws it cannot fall below
    1/1001, as the paper's "p < 0.001".

The draws come from ``numpy.random.default_rng(seed)`` (PCG64), not from the legacy
generator the notebooks seeded with 42: the figures agree within the Monte Carlo error,
not to the last digit (see docs/forensics/integer-peaks.md for the comparison).

>>> rng = np.random.default_rng(3)
>>> registered = rng.integers(300, 3000, 3000)
>>> ballots = rng.binomial(registered, 0.6)
>>> votes = rng.binomial(ballots, 0.55)
>>> test = integer_anomaly(registered, ballots, ballots, votes, draws=200, seed=1)
>>> test.either.p_value > 0.001, test.stations
(True, 3000)
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_SEED",
    "MAX_RATE",
    "MIN_REGISTERED",
    "IntegerAnomaly",
    "IntegerCount",
    "included",
    "integer_anomaly",
    "integer_percentage",
]

IntArray = NDArray[np.int64]

DEFAULT_DRAWS = 1000
"""Monte Carlo draws, as in the authors' notebooks."""
DEFAULT_SEED = 42
"""Seed of the generator when none is given (the notebooks' seed; our generator differs)."""
MIN_REGISTERED = 100
"""Stations with fewer registered voters are left out (the paper's inclusion criterion)."""
MAX_RATE = 0.99
"""Stations with turnout or leader's share above 99% are left out (likewise)."""
_PERCENTILE = 99.9
_CELLS_PER_CHUNK = 2_000_000


@dataclass(frozen=True, slots=True)
class IntegerCount:
    """One count of stations on integer percentages against its binomial null.

    ``excess`` is the paper's anomaly, ``observed - expected``; ``bar`` is the 99.9th
    percentile of the null minus its mean (an excess above it is significant at 0.001).
    """

    observed: int
    expected: float
    sd: float
    bar: float
    z: float
    p_value: float

    @property
    def excess(self) -> float:
        """Stations on integer percentages beyond the null's expectation."""
        return self.observed - self.expected


@dataclass(frozen=True, slots=True)
class IntegerAnomaly:
    """The published integer-percentage test of one set of stations.

    ``either`` counts stations with integer turnout or integer share (the paper's
    statistic), ``share`` and ``turnout`` each alone.  ``stations`` were included,
    ``excluded`` were not (fewer than 100 voters, no ballots, or a rate above 99%).
    """

    stations: int
    excluded: int
    draws: int
    seed: int
    either: IntegerCount
    share: IntegerCount
    turnout: IntegerCount


def integer_percentage(counts: IntArray, totals: IntArray) -> NDArray[np.bool_]:
    """Whether ``100 counts / totals`` is within 0.05 points of a whole number (exactly).

    60.05% (1201 of 2000) is on the bin's edge and counts; 60.1% does not; 12.0% does.

    >>> integer_percentage(np.array([1201, 1202, 120]), np.array([2000, 2000, 1000])).tolist()
    [True, False, True]
    """
    remainder = np.mod(100 * counts, totals)
    hit: NDArray[np.bool_] = 20 * np.minimum(remainder, totals - remainder) <= totals
    return hit


def included(
    registered: IntArray, ballots: IntArray, cast: IntArray, votes: IntArray
) -> NDArray[np.bool_]:
    """The paper's inclusion criteria, in exact integer arithmetic."""
    keep: NDArray[np.bool_] = (
        (cast > 0)
        & (registered >= MIN_REGISTERED)
        & (100 * ballots <= 99 * registered)
        & (100 * votes <= 99 * cast)
    )
    return keep


def integer_anomaly(
    registered: IntArray,
    ballots: IntArray,
    cast: IntArray,
    votes: IntArray,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    workers: int = 2,
) -> IntegerAnomaly:
    """The test over all stations (see the module docstring)."""
    codes = np.zeros(registered.shape[0], dtype=np.int32)
    overall, _ = integer_anomaly_by_region(
        registered, ballots, cast, votes, codes, 1, draws=draws, seed=seed, workers=workers
    )
    return overall


def integer_anomaly_by_region(
    registered: IntArray,
    ballots: IntArray,
    cast: IntArray,
    votes: IntArray,
    region_codes: NDArray[np.int32],
    regions: int,
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    workers: int = 2,
) -> tuple[IntegerAnomaly, list[IntegerAnomaly]]:
    """The test over all stations and within each region, from the same draws.

    Vectorised over stations x draws in chunks of a couple of million cells, run on
    ``workers`` threads; each chunk has its own child of ``default_rng(seed)``, so the
    result does not depend on ``workers``.
    """
    if draws < 2:
        raise ValueError("draws must be at least 2")
    keep = included(registered, ballots, cast, votes)
    # Stations sorted by region: each chunk's regions are contiguous runs of rows.
    order = np.argsort(region_codes[keep], kind="stable")
    n_voters = registered[keep][order]
    n_cast = cast[keep][order]
    k_ballots = ballots[keep][order]
    k_votes = votes[keep][order]
    codes = region_codes[keep][order]
    stations = int(n_voters.shape[0])

    # Three statistics (either, share, turnout) per region: observed and per draw.
    observed = np.zeros((3, regions), dtype=np.int64)
    share_hit = integer_percentage(k_votes, n_cast)
    turnout_hit = integer_percentage(k_ballots, n_voters)
    for row, hit in enumerate((share_hit | turnout_hit, share_hit, turnout_hit)):
        observed[row] = np.bincount(codes, weights=hit, minlength=regions).astype(np.int64)

    null = np.zeros((3, regions, draws), dtype=np.int64)
    chunk = max(1, _CELLS_PER_CHUNK // draws)
    bounds = [(start, min(start + chunk, stations)) for start in range(0, stations, chunk)]
    children = np.random.default_rng(seed).spawn(len(bounds))
    rate_votes = k_votes / np.maximum(n_cast, 1)
    rate_ballots = k_ballots / np.maximum(n_voters, 1)

    def simulate(index: int) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
        start, stop = bounds[index]
        rng = children[index]
        size = (stop - start, draws)
        cast_chunk = n_cast[start:stop, None]
        voters_chunk = n_voters[start:stop, None]
        share = integer_percentage(
            rng.binomial(cast_chunk, rate_votes[start:stop, None], size=size), cast_chunk
        )
        turnout = integer_percentage(
            rng.binomial(voters_chunk, rate_ballots[start:stop, None], size=size), voters_chunk
        )
        chunk_codes = codes[start:stop]
        starts = np.flatnonzero(np.r_[True, chunk_codes[1:] != chunk_codes[:-1]])
        sums = np.stack(
            [
                np.add.reduceat(hits.view(np.uint8), starts, axis=0, dtype=np.int64)
                for hits in (share | turnout, share, turnout)
            ]
        )
        return chunk_codes[starts], sums

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for present, sums in pool.map(simulate, range(len(bounds))):
            null[:, present, :] += sums

    def anomaly(total: int, inside: int, obs: IntArray, sims: IntArray) -> IntegerAnomaly:
        counts = [_count(int(obs[row]), sims[row]) for row in range(3)]
        return IntegerAnomaly(
            stations=inside,
            excluded=total - inside,
            draws=draws,
            seed=seed,
            either=counts[0],
            share=counts[1],
            turnout=counts[2],
        )

    totals = np.bincount(region_codes, minlength=regions)
    insides = np.bincount(codes, minlength=regions)
    per_region = [
        anomaly(int(totals[code]), int(insides[code]), observed[:, code], null[:, code, :])
        for code in range(regions)
    ]
    overall = anomaly(int(registered.shape[0]), stations, observed.sum(axis=1), null.sum(axis=1))
    return overall, per_region


def _count(observed: int, null: IntArray) -> IntegerCount:
    expected = float(null.mean())
    sd = float(null.std())
    bar = float(np.percentile(null, _PERCENTILE) - expected)
    return IntegerCount(
        observed=observed,
        expected=expected,
        sd=sd,
        bar=bar,
        z=(observed - expected) / sd if sd > 0 else 0.0,
        p_value=float((1 + np.count_nonzero(null >= observed)) / (1 + null.shape[0])),
    )
