"""The resampled kernel density test for coarse vote shares (Rozenas 2017).

A. Rozenas, "Detecting election fraud from irregularities in vote-share distributions",
*Political Analysis* 25(1), 2017, 41-56; R package ``spikes`` (version 1.1, 2016).  Coarse
vote shares (1/2, 2/3, 3/4, 0.60...) are frequent for arithmetic reasons alone wherever
stations are small, so their count is no evidence by itself.  The test asks whether they
are *more* frequent than the stations' own counts make plausible:

1. the latent turnout rate and the latent share of every station are given mixtures of
   beta distributions, fitted by maximum likelihood to the beta-binomial counts:
   ballots out of registered voters, the leader's votes out of ballots counted; the
   number of components (1 to :data:`MAX_COMPONENTS`) is chosen by BIC;
2. each resample redraws every station: a component from its posterior weights, a latent
   rate from its beta posterior, then binomial counts (turnout first, then the leader's
   votes out of the redrawn turnout), which keeps each station's denominator and hence
   its share's arithmetic, but not a protocol rewritten to a chosen fraction;
3. the shares' Gaussian kernel density (bandwidth 0.0001) is taken at 1,001 points of
   [0, 1], from the data and from every resample;
4. where the data's density exceeds the upper envelope (the maximum) of the resampled
   densities, the data's share of stations in that bin (width 0.001) beyond the
   resamples' mean share is excess: their sum is the estimated proportion of stations
   with fraud (the package's ``fraud``), and a spike's excess over its observed count is
   the probability that a station on it is one of the excess ones.

Departures from the package, all documented in docs/forensics/rozenas.md: the number of
components is chosen by BIC rather than by the package's correlation rule; at most
:data:`FIT_SAMPLE` stations enter the fit (all are resampled); the kernel density is
computed exactly at the grid points rather than by R's binned FFT (the two agree to the
binning's error, since the bandwidth is a tenth of the grid's spacing).

>>> rng = np.random.default_rng(2)
>>> registered = rng.integers(50, 1500, 4000)
>>> ballots = rng.binomial(registered, 0.6)
>>> leader = rng.binomial(ballots, 0.55)
>>> clean = rozenas_test(registered, ballots, leader, seed=1, resamples=100)
>>> clean.fraud_percent < 1.0
True
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

from referendum.errors import TableError

__all__ = [
    "BANDWIDTH",
    "DEFAULT_RESAMPLES",
    "FIT_SAMPLE",
    "GRID",
    "MAX_COMPONENTS",
    "MIN_STATIONS",
    "PROCESS_WORK",
    "BetaMixture",
    "RozenasTest",
    "Spike",
    "auto_resamples",
    "fit_beta_binomial_mixture",
    "rozenas_test",
]

DEFAULT_RESAMPLES = 1000
"""Resamples of the null, the package's default."""
BANDWIDTH = 1e-4
"""The kernel's standard deviation, the package's default."""
GRID = 1001
"""Points of [0, 1] at which densities are taken (spacing 0.001), the package's default."""
MAX_COMPONENTS = 4
"""Most beta components tried for each latent density."""
MIN_STATIONS = 10
"""Fewest stations with ballots the test runs on."""
FIT_SAMPLE = 10_000
"""Most stations entering the mixtures' fit (drawn with the test's seed)."""
_LOG_BOUNDS = (-3.0, 9.0)
"""Bounds of ``log alpha`` and ``log beta`` in the fit."""
_MAX_ITERATIONS = 500
_BLOCK = 25
"""Resamples drawn from one child stream."""
PROCESS_WORK = 20_000_000
"""Stations x resamples from which the resampling runs in ``workers`` processes (below,
in this process: starting a process costs about half a second of imports)."""
_KERNEL_REACH = 5.0
"""The kernel is cut at this many bandwidths (weight below 4e-6 of its peak)."""

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BetaMixture:
    """A mixture of beta distributions: weights, shapes ``alpha`` and ``beta``, its fit."""

    weights: tuple[float, ...]
    alpha: tuple[float, ...]
    beta: tuple[float, ...]
    log_likelihood: float
    bic: float

    @property
    def components(self) -> int:
        """Number of components."""
        return len(self.weights)


@dataclass(frozen=True, slots=True)
class Spike:
    """One bin where the data's density exceeds every resample's.

    ``share``: the bin's centre (a fraction); ``observed`` and ``expected``: its stations in
    the data and on average over the resamples; ``probability``: the share of its stations
    in excess, ``max(observed - expected, 0) / observed``.
    """

    share: float
    observed: int
    expected: float
    probability: float


@dataclass(frozen=True, slots=True)
class RozenasTest:
    """The test's result.

    ``fraud_percent``: the estimated percentage of stations with a coarse share in excess
    (the package's ``fraud``), ``excess_stations`` the same as a count; ``spikes`` the bins
    above the envelope, largest excess first; ``stations`` tested (with a ballot counted);
    the fitted ``turnout`` and ``share`` mixtures; ``resamples``, ``bandwidth``, ``grid``
    and ``seed`` make the run repeatable.
    """

    stations: int
    fraud_percent: float
    excess_stations: float
    spikes: list[Spike]
    turnout: BetaMixture
    share: BetaMixture
    resamples: int
    bandwidth: float
    grid: int
    seed: int

    def station_probability(self, ballots: IntArray, leader: IntArray) -> FloatArray:
        """Per station: the probability that it is an excess one (its spike's; else 0)."""
        spacing = 1.0 / (self.grid - 1)
        share = np.divide(leader, ballots, out=np.full(ballots.size, -1.0), where=ballots > 0)
        by_bin = np.zeros(self.grid)
        for spike in self.spikes:
            by_bin[round(spike.share / spacing)] = spike.probability
        index = np.clip(np.rint(share / spacing).astype(np.int64), 0, self.grid - 1)
        probability: FloatArray = np.where(share >= 0, by_bin[index], 0.0)
        return probability


def _log_pmf_core(y: FloatArray, n: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """``log BetaBinomial(y | n, a, b)`` without ``log C(n, y)``; shape (stations, components)."""
    value: FloatArray = special.betaln(y[:, None] + a, (n - y)[:, None] + b) - special.betaln(a, b)
    return value


def _initial(y: FloatArray, n: FloatArray, components: int) -> tuple[FloatArray, FloatArray]:
    """Method-of-moments shapes of the rate within ``components`` quantile groups."""
    rate = y / n
    edges = np.quantile(rate, np.linspace(0.0, 1.0, components + 1))
    group = np.clip(np.searchsorted(edges, rate, side="right") - 1, 0, components - 1)
    a = np.empty(components)
    b = np.empty(components)
    for k in range(components):
        values = rate[group == k]
        mean = float(np.clip(values.mean(), 0.02, 0.98)) if values.size else (k + 0.5) / components
        var = float(values.var()) if values.size > 1 else 0.01
        var = min(max(var, 1e-4), 0.9 * mean * (1.0 - mean))
        total = mean * (1.0 - mean) / var - 1.0
        a[k], b[k] = mean * total, (1.0 - mean) * total
    low, high = (math.exp(bound) for bound in _LOG_BOUNDS)
    return np.clip(a, low, high), np.clip(b, low, high)


def _fit(y: FloatArray, n: FloatArray, components: int) -> BetaMixture:
    """Maximum likelihood of a ``components``-part beta-binomial mixture.

    The log-likelihood is maximised directly (L-BFGS-B over log shapes and the weights'
    logits, with its exact gradient), from method-of-moments shapes in quantile groups.
    """
    a, b = _initial(y, n, components)

    def unpack(theta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        logits = np.concatenate([[0.0], theta[2 * components :]])
        weights = np.exp(logits - special.logsumexp(logits))
        return np.exp(theta[:components]), np.exp(theta[components : 2 * components]), weights

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        sa, sb, weights = unpack(theta)
        joint = _log_pmf_core(y, n, sa, sb) + np.log(weights)
        total = special.logsumexp(joint, axis=1)
        r = np.exp(joint - total[:, None])
        common = special.digamma(n[:, None] + sa + sb) - special.digamma(sa + sb)
        grad_a = special.digamma(y[:, None] + sa) - special.digamma(sa) - common
        grad_b = special.digamma((n - y)[:, None] + sb) - special.digamma(sb) - common
        grad_w = r.sum(axis=0) - y.size * weights
        gradient = np.concatenate(
            [(r * grad_a).sum(axis=0) * sa, (r * grad_b).sum(axis=0) * sb, grad_w[1:]]
        )
        return -float(total.sum()), -gradient

    start = np.concatenate([np.log(a), np.log(b), np.zeros(components - 1)])
    found = optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[_LOG_BOUNDS] * (2 * components) + [(-12.0, 12.0)] * (components - 1),
        options={"maxiter": _MAX_ITERATIONS},
    )
    a, b, weights = unpack(found.x)
    log_likelihood = -float(found.fun) + float(
        np.sum(special.gammaln(n + 1) - special.gammaln(y + 1) - special.gammaln(n - y + 1))
    )
    parameters = 3 * components - 1
    order = np.argsort(a / (a + b))
    return BetaMixture(
        weights=tuple(float(w) for w in weights[order]),
        alpha=tuple(float(v) for v in a[order]),
        beta=tuple(float(v) for v in b[order]),
        log_likelihood=log_likelihood,
        bic=-2.0 * log_likelihood + parameters * math.log(y.size),
    )


def fit_beta_binomial_mixture(
    successes: IntArray, trials: IntArray, *, max_components: int = MAX_COMPONENTS
) -> BetaMixture:
    """The beta mixture of the latent rates behind ``successes`` out of ``trials``, by BIC.

    Mixtures of 1 to ``max_components`` components are fitted by maximum likelihood (of
    the beta-binomial counts); the one of least BIC is returned.

    >>> rng = np.random.default_rng(0)
    >>> trials = rng.integers(200, 2000, 3000)
    >>> fit = fit_beta_binomial_mixture(rng.binomial(trials, rng.beta(30, 20, 3000)), trials)
    >>> fit.components, round(fit.alpha[0] / (fit.alpha[0] + fit.beta[0]), 2)
    (1, 0.6)
    """
    if successes.shape != trials.shape or successes.size == 0:
        raise TableError("counts", "successes and trials must be equal, non-empty arrays")
    if np.any(trials <= 0) or np.any(successes < 0) or np.any(successes > trials):
        raise TableError("counts", "need 0 <= successes <= trials and trials > 0")
    y = successes.astype(np.float64)
    n = trials.astype(np.float64)
    best: BetaMixture | None = None
    for components in range(1, max_components + 1):
        fit = _fit(y, n, components)
        if best is not None and fit.bic >= best.bic:
            break
        best = fit
    assert best is not None
    return best


def _resample_rates(
    mixture: BetaMixture,
    successes: FloatArray,
    trials: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Cumulative posterior component weights and the beta posterior's shapes per component."""
    a = np.asarray(mixture.alpha)
    b = np.asarray(mixture.beta)
    joint = _log_pmf_core(successes, trials, a, b) + np.log(np.asarray(mixture.weights))
    posterior = np.exp(joint - special.logsumexp(joint, axis=1)[:, None])
    cumulative: FloatArray = np.cumsum(posterior, axis=1)
    cumulative[:, -1] = 1.0
    shapes: FloatArray = np.stack([a, b])
    return cumulative, shapes


def _draw_rate(
    cumulative: FloatArray,
    shapes: FloatArray,
    successes: FloatArray,
    trials: FloatArray | IntArray,
    rng: np.random.Generator,
) -> FloatArray:
    """One latent rate per station: a component by its posterior, then its beta posterior."""
    component = (rng.random(successes.size)[:, None] > cumulative).sum(axis=1)
    a = shapes[0][component] + successes
    b = shapes[1][component] + trials - successes
    rate: FloatArray = rng.beta(a, b)
    return rate


def _density_and_bins(
    share: FloatArray, grid: int, bandwidth: float
) -> tuple[FloatArray, FloatArray]:
    """The Gaussian kernel density at the grid's points and the share of stations per bin."""
    spacing = 1.0 / (grid - 1)
    index = np.rint(share / spacing).astype(np.int64)
    distance = share - index * spacing
    bins = np.bincount(index, minlength=grid)[:grid] / share.size
    if _KERNEL_REACH * bandwidth >= spacing / 2:
        # A wide kernel reaches several points: evaluate it at each neighbour in turn.
        reach = math.ceil(_KERNEL_REACH * bandwidth / spacing)
        density = np.zeros(grid)
        for offset in range(-reach, reach + 1):
            point = index + offset
            inside = (point >= 0) & (point < grid)
            z = (share[inside] - point[inside] * spacing) / bandwidth
            density += np.bincount(point[inside], weights=np.exp(-0.5 * z * z), minlength=grid)
    else:
        near = np.abs(distance) < _KERNEL_REACH * bandwidth
        z = distance[near] / bandwidth
        density = np.bincount(index[near], weights=np.exp(-0.5 * z * z), minlength=grid).astype(
            np.float64
        )
    density = density[:grid] / (share.size * bandwidth * math.sqrt(2.0 * math.pi))
    return density, bins


@dataclass(frozen=True, slots=True)
class RedrawInputs:
    """What every resample needs: the counts and the posterior weights and shapes."""

    registered: IntArray
    ballots: FloatArray
    leader: FloatArray
    turnout_cumulative: FloatArray
    turnout_shapes: FloatArray
    share_cumulative: FloatArray
    share_shapes: FloatArray


def _resample_block(
    inputs: RedrawInputs, rng: np.random.Generator, count: int, grid: int, bandwidth: float
) -> tuple[FloatArray, FloatArray]:
    """``count`` resamples: the upper envelope of their densities and the sum of their bins."""
    envelope = np.zeros(grid)
    total = np.zeros(grid)
    t, v = inputs.ballots, inputs.leader
    for _ in range(count):
        turnout_rate = _draw_rate(
            inputs.turnout_cumulative, inputs.turnout_shapes, t, inputs.registered, rng
        )
        share_rate = _draw_rate(inputs.share_cumulative, inputs.share_shapes, v, t, rng)
        redrawn_t = rng.binomial(inputs.registered, turnout_rate)
        redrawn_v = rng.binomial(redrawn_t, share_rate)
        share = np.divide(redrawn_v, redrawn_t, out=np.zeros(t.size), where=redrawn_t > 0)
        density, bins = _density_and_bins(share, grid, bandwidth)
        np.maximum(envelope, density, out=envelope)
        total += bins
    return envelope, total


_WORKER_STATE: dict[str, tuple[RedrawInputs, int, float]] = {}
"""In a worker process: the redraw inputs, grid and bandwidth sent once at its start."""


def _start_worker(inputs: RedrawInputs, grid: int, bandwidth: float) -> None:
    _WORKER_STATE["inputs"] = (inputs, grid, bandwidth)


def _worker_block(job: tuple[np.random.SeedSequence, int]) -> tuple[FloatArray, FloatArray]:
    inputs, grid, bandwidth = _WORKER_STATE["inputs"]
    stream, count = job
    return _resample_block(inputs, np.random.default_rng(stream), count, grid, bandwidth)


def _resample_all(
    inputs: RedrawInputs,
    jobs: list[tuple[np.random.SeedSequence, int]],
    grid: int,
    bandwidth: float,
    workers: int,
) -> list[tuple[FloatArray, FloatArray]]:
    """Every block's envelope and bin sums, in the blocks' order.

    With ``workers`` > 1 and at least :data:`PROCESS_WORK` station-resamples, the blocks
    run in that many processes (each receives the inputs once, at its start), so both
    cores draw at once whatever the interpreter's lock; otherwise here, one after the
    other.  Each block draws from its own stream: the result is the same either way.
    """
    work = inputs.ballots.size * sum(count for _, count in jobs)
    if workers < 2 or len(jobs) < 2 or work < PROCESS_WORK:
        return [
            _resample_block(inputs, np.random.default_rng(stream), count, grid, bandwidth)
            for stream, count in jobs
        ]
    # spawn, not fork: the parent runs polars' and BLAS's threads, which fork would copy
    # in whatever state they hold.
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(inputs, grid, bandwidth),
    ) as pool:
        return list(pool.map(_worker_block, jobs))


def auto_resamples(stations: int) -> int:
    """:data:`DEFAULT_RESAMPLES` up to 50,000 stations, fewer beyond (at least 100).

    The resampling costs stations x resamples draws (about 0.4 microseconds each); beyond
    50,000 stations the count keeps that product at 5 x 10^7 (500 resamples for 100,000
    stations, 100 from 500,000).
    """
    return max(100, min(DEFAULT_RESAMPLES, 50_000_000 // max(stations, 1)))


def rozenas_test(
    registered: IntArray,
    ballots: IntArray,
    leader: IntArray,
    *,
    seed: int,
    resamples: int | None = None,
    bandwidth: float = BANDWIDTH,
    grid: int = GRID,
    fit_sample: int = FIT_SAMPLE,
    workers: int = 2,
) -> RozenasTest:
    """The resampled kernel density test of the leader's share ``leader / ballots``.

    ``ballots`` is the share's denominator (ballots counted); stations with none are left
    out.  Everything random comes from ``seed``: the fit's subsample from
    ``default_rng(seed)``, each block of 25 resamples from its own stream spawned from
    it, so that ``workers`` (processes, see :func:`_resample_all`) does not change the
    result.  ``resamples`` defaults to :func:`auto_resamples`.
    """
    if resamples is None:
        resamples = auto_resamples(int(np.count_nonzero(ballots > 0)))
    if resamples < 2:
        raise TableError("resamples", f"need at least 2, got {resamples}")
    if grid < 3 or not 0.0 < bandwidth < 0.5:
        raise TableError("grid", "need grid >= 3 points and 0 < bandwidth < 0.5")
    tested = ballots > 0
    n = np.maximum(registered[tested], ballots[tested]).astype(np.float64)
    t = ballots[tested].astype(np.float64)
    v = np.minimum(leader[tested], ballots[tested]).astype(np.float64)
    if t.size < 10:
        raise TableError(
            "stations", f"the test needs at least 10 stations with ballots, got {t.size}"
        )
    rng = np.random.default_rng(seed)
    fit_rows = np.arange(t.size)
    if t.size > fit_sample:
        fit_rows = np.sort(rng.choice(t.size, size=fit_sample, replace=False))
    turnout_fit = fit_beta_binomial_mixture(
        t[fit_rows].astype(np.int64), n[fit_rows].astype(np.int64)
    )
    share_fit = fit_beta_binomial_mixture(
        v[fit_rows].astype(np.int64), t[fit_rows].astype(np.int64)
    )
    turnout_cumulative, turnout_shapes = _resample_rates(turnout_fit, t, n)
    share_cumulative, share_shapes = _resample_rates(share_fit, v, t)

    observed_share = v / t
    observed_density, observed_bins = _density_and_bins(observed_share, grid, bandwidth)
    draws = RedrawInputs(
        n.astype(np.int64), t, v, turnout_cumulative, turnout_shapes, share_cumulative, share_shapes
    )
    # Blocks of _BLOCK resamples, each with its own child stream: the result does not
    # depend on how many processes share the blocks.
    sizes = [min(_BLOCK, resamples - start) for start in range(0, resamples, _BLOCK)]
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    jobs = list(zip(streams, sizes, strict=True))
    parts = _resample_all(draws, jobs, grid, bandwidth, workers)
    envelope = np.max([part[0] for part in parts], axis=0)
    mean_bins = np.sum([part[1] for part in parts], axis=0)
    mean_bins /= resamples
    above = observed_density > envelope
    excess = np.where(above, np.maximum(observed_bins - mean_bins, 0.0), 0.0)
    probability = np.divide(excess, observed_bins, out=np.zeros(grid), where=observed_bins > 0)
    spacing = 1.0 / (grid - 1)
    spikes = [
        Spike(
            share=round(float(k * spacing), 6),
            observed=round(observed_bins[k] * t.size),
            expected=float(mean_bins[k] * t.size),
            probability=float(probability[k]),
        )
        for k in np.flatnonzero(excess > 0)
    ]
    spikes.sort(key=lambda s: (-(s.observed - s.expected), s.share))
    return RozenasTest(
        stations=int(t.size),
        fraud_percent=100.0 * float(excess.sum()),
        excess_stations=float(excess.sum()) * t.size,
        spikes=spikes,
        turnout=turnout_fit,
        share=share_fit,
        resamples=resamples,
        bandwidth=bandwidth,
        grid=grid,
        seed=seed,
    )
