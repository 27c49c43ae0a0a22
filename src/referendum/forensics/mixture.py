"""A finite mixture model of incremental and extreme fraud, fitted by EM.

After P. Klimek, Y. Yegorov, R. Hanel & S. Thurner, "Statistical detection of systematic
election irregularities", *PNAS* 109(41), 2012, and W. R. Mebane Jr.'s finite mixture
model (``eforensics``: J. Ferrari, K. McAlister & W. R. Mebane Jr., "Developments in
positive empirical models of election frauds: dimensions and decisions", 2018).  Every
station belongs to one of three classes:

``clean``
    its turnout ``t0`` and the leader's share ``v0`` have ``(logit t0, logit v0) ~ N(mu,
    Sigma)`` (a bivariate normal, correlation allowed);
``incremental``
    a fraction ``m`` of its non-voters is turned into votes for the leader (*manufactured*
    votes, ``m (1 - t0) N``) and a fraction ``s`` of the other candidates' votes is moved
    to the leader (*stolen* votes, ``s t0 (1 - v0) N``), with ``m`` below
    :data:`EXTREME_FROM`;
``extreme``
    the same with ``m`` from :data:`EXTREME_FROM` up (turnout and share near 100%).

Given ``(m, s)``, the observed ``t = t0 + m (1 - t0)`` and leader's fraction of the
registered ``a = t0 v0 + m (1 - t0) + s t0 (1 - v0)`` invert to ``(t0, v0)``; the density
of ``(t, v = a / t)`` is the clean density at ``(t0, v0)`` times the Jacobian
``t / ((1 - m)(1 - s) t0)``.  The magnitudes take values on a grid (:data:`INCREMENTAL`,
:data:`EXTREME`) whose weights, with the classes' probabilities and ``mu, Sigma``, are
fitted by maximum likelihood (EM accelerated by SQUAREM, run to convergence; at most
``fit_sample`` stations).  Each station then has posterior probabilities of the three
classes and posterior means and standard deviations of its manufactured and stolen votes;
their sums over all stations are the overall estimate.

Identification: a station shifted a little is hardly told from a clean one, so the
likelihood is nearly flat along the share of stations with fraud.  Hence (i) the smallest
incremental magnitude is ``m = 0.2`` (with ``0.1`` on the grid, "every station shifted a
little from a lower clean class" fits as well as the truth), and fraud below it is counted
clean; (ii) the clean class is the majority (the share is sought below
:data:`_MAX_SHARE`); (iii) the share's interval is the profile likelihood's (every other
parameter refitted with the clean class's probability held), not a bootstrap's; (iv) the
votes' interval is the range of the votes over the fits inside that profile interval,
widened on each side by the spread of a nonparametric bootstrap of the fit sample (each
replicate refitted from the estimate), so that it carries both the flat ridge and the
sampling error.
Regions sum their stations.

>>> from referendum.forensics.synthetic import synthetic_frame
>>> frame = synthetic_frame(3000, rng=np.random.default_rng(4), stuffed=0.1)
>>> fit, posterior = fit_mixture(
...     frame["registered"].to_numpy(), frame["ballots"].to_numpy(),
...     frame["yes"].to_numpy(), frame["valid"].to_numpy() + frame["invalid"].to_numpy(),
...     seed=1, replicates=20)
>>> 0.05 < fit.fraud_probability < 0.15
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

from referendum.errors import TableError

__all__ = [
    "DEFAULT_REPLICATES",
    "EXTREME",
    "EXTREME_FROM",
    "FIT_SAMPLE",
    "INCREMENTAL",
    "MIN_STATIONS",
    "MixtureFit",
    "RegionFraud",
    "StationPosterior",
    "fit_mixture",
    "region_summaries",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

EXTREME_FROM = 0.8
"""Manufactured fractions from this one up are extreme fraud."""
INCREMENTAL: tuple[tuple[float, float], ...] = tuple(
    (m, s) for m in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7) for s in (0.0, 0.2, 0.4)
)
"""The grid of (manufactured, stolen) fractions of incremental fraud."""
EXTREME: tuple[tuple[float, float], ...] = tuple(
    (m, s) for m in (0.8, 0.9, 0.97) for s in (0.0, 0.5, 0.9)
)
"""The grid of (manufactured, stolen) fractions of extreme fraud."""
MIN_STATIONS = 50
"""Fewest usable stations the model is fitted to."""
FIT_SAMPLE = 4_000
"""Most stations entering the fit (drawn with the seed); posteriors are for all."""
DEFAULT_REPLICATES = 20
"""Bootstrap replicates of the overall estimate's interval."""
LEVEL = 0.95
_CLIP = 1e-3
"""Turnout and share are clipped into [_CLIP, 1 - _CLIP] (0% and 100% have no logit)."""
_CYCLES = 400
"""Most SQUAREM cycles (three EM steps each) of a fit."""
_TOLERANCE = 1e-7
"""A fit stops when a cycle gains less log-likelihood than this per station."""
_PROFILE_TOLERANCE = 1e-6
"""The same for the fits of the profile likelihood (their differences matter to ~0.05)."""
_BOOTSTRAP_TOLERANCE = 1e-4
"""The same for the bootstrap's refits (each starts from the estimate; the votes, unlike
the share, do not move along the share's flat ridge)."""
_BISECTIONS = 4
"""Bisections of each end of the share's profile interval once bracketed."""
_MIN_SHARE = 1e-4
_MAX_SHARE = 0.5
"""The fraud share is sought below this: the clean class is the majority.  Above it the
model cannot tell every station shifted a little from a clean class lower down."""
_MAX_STEP = 64.0
"""Longest SQUAREM step (in EM steps)."""
_FLOOR = 1e-200
"""Weights are floored here before their logarithm (a component no station can reach)."""
_CHUNK = 200_000


@dataclass(frozen=True, slots=True)
class _Parameters:
    """The model's parameters: class probabilities, grid weights within a class, mu, Sigma."""

    classes: FloatArray  # clean, incremental, extreme
    incremental: FloatArray
    extreme: FloatArray
    mean: FloatArray
    covariance: FloatArray


@dataclass(frozen=True, slots=True)
class StationPosterior:
    """Per station (arrays over the input's stations; zeros where not usable)."""

    incremental: FloatArray
    """Posterior probability of incremental fraud."""
    extreme: FloatArray
    """Posterior probability of extreme fraud."""
    manufactured: FloatArray
    """Posterior mean of the votes manufactured (non-voters turned into votes)."""
    manufactured_sd: FloatArray
    stolen: FloatArray
    """Posterior mean of the votes moved from the others to the leader."""
    stolen_sd: FloatArray
    usable: NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class RegionFraud:
    """A region's sums of its stations' posteriors."""

    name: str
    stations: int
    expected_fraud_stations: float
    manufactured: float
    stolen: float


@dataclass(frozen=True, slots=True)
class MixtureFit:
    """The fitted model and its overall estimate with ``level`` percentile intervals.

    ``fraud_probability``: the probability that a station is incremental or extreme
    (``incremental + extreme``); ``manufactured`` and ``stolen``: votes over all stations
    (posterior means summed); each ``*_interval`` is the bootstrap's percentile interval.
    ``clean_turnout`` and ``clean_share`` are the clean class's medians (``mu``
    back-transformed).  ``log_likelihood`` and ``log_likelihood_clean`` (the model without
    fraud) compare the fits.  ``regions`` is filled by :func:`region_summaries`.
    """

    stations: int
    fit_stations: int
    incremental: float
    extreme: float
    fraud_probability: float
    fraud_interval: tuple[float, float]
    manufactured: float
    manufactured_interval: tuple[float, float]
    stolen: float
    stolen_interval: tuple[float, float]
    fraudulent: float
    """Manufactured plus stolen votes."""
    fraudulent_interval: tuple[float, float]
    clean_turnout: float
    clean_share: float
    log_likelihood: float
    log_likelihood_clean: float
    replicates: int
    level: float
    seed: int
    regions: list[RegionFraud]


def _grid() -> tuple[FloatArray, FloatArray, IntArray]:
    """Manufactured and stolen fractions of every fraud component and its class (1 or 2)."""
    points = INCREMENTAL + EXTREME
    m = np.array([p[0] for p in points])
    s = np.array([p[1] for p in points])
    kind = np.array([1] * len(INCREMENTAL) + [2] * len(EXTREME))
    return m, s, kind


@dataclass(frozen=True, slots=True)
class _Latent:
    """What the data fix, per station and component (clean first): the latent ``(t0, v0)``,
    their logits, and the log Jacobian of the map from the logits to the observed ``(t, v)``
    (-inf where the inversion leaves (0, 1)).  Only the quadratic form depends on the
    parameters, so each EM step costs a few array operations."""

    t0: FloatArray
    v0: FloatArray
    x: FloatArray
    y: FloatArray
    base: FloatArray

    def rows(self, index: NDArray[np.int64]) -> _Latent:
        return _Latent(
            self.t0[index], self.v0[index], self.x[index], self.y[index], self.base[index]
        )


def _latent(t: FloatArray, v: FloatArray) -> _Latent:
    """``(t0, v0)`` behind the observed ``(t, v)`` for every component, and the Jacobians.

    Given ``(m, s)``: ``t0 = (t - m) / (1 - m)`` and ``v0`` from the leader's fraction of the
    registered ``a = t v``; the density of ``(t, v)`` is that of ``(t0, v0)`` times
    ``t / ((1 - m)(1 - s) t0)``, and that of ``(t0, v0)`` is the logit-normal's.
    """
    m, s, _ = _grid()
    with np.errstate(divide="ignore", invalid="ignore"):
        f0 = (t[:, None] - m) / (1.0 - m)
        g0 = (t[:, None] * v[:, None] - m - f0 * (s - m)) / (f0 * (1.0 - s))
        jacobian = np.where(
            f0 > 0, np.log(t)[:, None] - np.log((1.0 - m) * (1.0 - s) * np.abs(f0)), -np.inf
        )
    t0 = np.concatenate([t[:, None], f0], axis=1)
    v0 = np.concatenate([v[:, None], g0], axis=1)
    log_jacobian = np.concatenate([np.zeros((t.size, 1)), jacobian], axis=1)
    low, high = _CLIP / 10, 1 - _CLIP / 10
    inside = (t0 > low) & (t0 < high) & (v0 > low) & (v0 < high)
    tt = np.where(inside, t0, 0.5)
    vv = np.where(inside, v0, 0.5)
    lt, l1t, lv, l1v = np.log(tt), np.log1p(-tt), np.log(vv), np.log1p(-vv)
    base = np.where(inside, log_jacobian - lt - l1t - lv - l1v, -np.inf)
    return _Latent(t0, v0, np.where(inside, lt - l1t, 0.0), np.where(inside, lv - l1v, 0.0), base)


def _log_joint(latent: _Latent, parameters: _Parameters) -> FloatArray:
    """Log joint density of each station with each component (clean first)."""
    mean, covariance = parameters.mean, parameters.covariance
    precision = np.linalg.inv(covariance)
    dx = latent.x - mean[0]
    dy = latent.y - mean[1]
    quad = precision[0, 0] * dx * dx + 2 * precision[0, 1] * dx * dy + precision[1, 1] * dy * dy
    constant = -0.5 * math.log(float(np.linalg.det(covariance))) - math.log(2 * math.pi)
    with np.errstate(divide="ignore"):
        weights = np.log(
            np.concatenate(
                [
                    [parameters.classes[0]],
                    parameters.classes[1] * parameters.incremental,
                    parameters.classes[2] * parameters.extreme,
                ]
            )
        )
    result: FloatArray = latent.base + (weights + constant) - 0.5 * quad
    return result


def _em_step(
    latent: _Latent, parameters: _Parameters, clean: float | None = None
) -> tuple[_Parameters, float]:
    """One EM step: the parameters it moves to and the log-likelihood at ``parameters``.

    With ``clean`` the clean class's probability is held there (the profile likelihood's
    constrained step: the fraud classes share the rest in proportion to their weights).
    """
    logs = _log_joint(latent, parameters)
    top = logs.max(axis=1, keepdims=True)
    r = np.exp(logs - top)
    total = r.sum(axis=1)
    log_likelihood = float(np.log(total).sum() + top.sum())
    r /= total[:, None]
    weight = r.sum(axis=0)
    split = 1 + len(INCREMENTAL)
    classes = np.array([weight[0], weight[1:split].sum(), weight[split:].sum()])
    classes = classes / classes.sum()
    if clean is not None:
        fraud = max(classes[1] + classes[2], 1e-300)
        classes = np.array(
            [clean, (1 - clean) * classes[1] / fraud, (1 - clean) * classes[2] / fraud]
        )
    incremental = weight[1:split] / max(weight[1:split].sum(), 1e-300)
    extreme = weight[split:] / max(weight[split:].sum(), 1e-300)
    mass = weight.sum()
    x, y = latent.x, latent.y
    mean = np.array([(r * x).sum() / mass, (r * y).sum() / mass])
    dx, dy = x - mean[0], y - mean[1]
    rx = r * dx
    covariance = np.array(
        [[(rx * dx).sum(), (rx * dy).sum()], [(rx * dy).sum(), (r * dy * dy).sum()]]
    ) / mass + 1e-9 * np.eye(2)
    return _Parameters(classes, incremental, extreme, mean, covariance), log_likelihood


def _pack(parameters: _Parameters) -> FloatArray:
    """The parameters as one unconstrained vector (log weights, mean, log-Cholesky)."""
    chol = np.linalg.cholesky(parameters.covariance)
    return np.concatenate(
        [
            np.log(np.maximum(parameters.classes, _FLOOR)),
            np.log(np.maximum(parameters.incremental, _FLOOR)),
            np.log(np.maximum(parameters.extreme, _FLOOR)),
            parameters.mean,
            [math.log(chol[0, 0]), chol[1, 0], math.log(chol[1, 1])],
        ]
    )


def _unpack(vector: FloatArray) -> _Parameters:
    """The inverse of :func:`_pack` (weights renormalised)."""
    split = 3 + len(INCREMENTAL)
    tail = split + len(EXTREME)

    def simplex(logs: FloatArray) -> FloatArray:
        w = np.exp(logs - logs.max())
        normalised: FloatArray = w / w.sum()
        return normalised

    chol = np.array(
        [[math.exp(vector[tail + 2]), 0.0], [vector[tail + 3], math.exp(vector[tail + 4])]]
    )
    return _Parameters(
        classes=simplex(vector[:3]),
        incremental=simplex(vector[3:split]),
        extreme=simplex(vector[split:tail]),
        mean=vector[tail : tail + 2].copy(),
        covariance=chol @ chol.T,
    )


def _em(
    latent: _Latent,
    start: _Parameters,
    *,
    clean: float | None = None,
    tolerance: float = _TOLERANCE,
) -> tuple[_Parameters, float]:
    """Maximum likelihood from ``start``: EM accelerated by SQUAREM.

    R. Varadhan & C. Roland, "Simple and globally convergent methods for accelerating the
    convergence of any EM algorithm", *Scandinavian Journal of Statistics* 35(2), 2008
    (scheme S3): two EM steps give a direction, a step along it of length ``-alpha``
    (at least 1, at most :data:`_MAX_STEP`) is taken and stabilised by one more EM step,
    and kept only if the likelihood did not fall (otherwise the plain two steps are).  It
    stops when a cycle gains less than ``tolerance`` per station, or after :data:`_CYCLES`
    cycles.  Plain EM creeps along the flat ridge of the fraud share for thousands of
    steps, and a loose stopping rule left the share biased by its start.
    """
    current = start
    previous = -np.inf
    size = latent.x.shape[0]
    for _ in range(_CYCLES):
        first, log_likelihood = _em_step(latent, current, clean)
        second, first_likelihood = _em_step(latent, first, clean)
        x0, x1, x2 = _pack(current), _pack(first), _pack(second)
        r = x1 - x0
        curvature = x2 - x1 - r
        norm = float(np.linalg.norm(curvature))
        alpha = -float(np.linalg.norm(r)) / norm if norm > 0 else -1.0
        alpha = min(max(alpha, -_MAX_STEP), -1.0)
        current = second
        if alpha < -1.0:
            jumped_likelihood = -np.inf
            with np.errstate(all="ignore"):
                try:
                    jumped = _unpack(x0 - 2 * alpha * r + alpha * alpha * curvature)
                    stabilised, jumped_likelihood = _em_step(latent, jumped, clean)
                except (np.linalg.LinAlgError, ValueError, OverflowError):
                    pass
            if np.isfinite(jumped_likelihood) and jumped_likelihood >= first_likelihood:
                current = stabilised
        if log_likelihood - previous < tolerance * size:
            break
        previous = log_likelihood
    return _em_step(latent, current, clean)


def _clean_only(latent: _Latent) -> float:
    """The log-likelihood of the model without fraud (one bivariate normal in logits)."""
    x = np.stack([latent.x[:, 0], latent.y[:, 0]])
    parameters = _Parameters(
        np.array([1.0, 0.0, 0.0]),
        np.full(len(INCREMENTAL), 1.0 / len(INCREMENTAL)),
        np.full(len(EXTREME), 1.0 / len(EXTREME)),
        x.mean(axis=1),
        np.cov(x) + 1e-9 * np.eye(2),
    )
    return float(_log_joint(latent, parameters)[:, 0].sum())


def _start(latent: _Latent) -> _Parameters:
    """Clean class from the stations below the median turnout; 10% fraud, flat grids."""
    x, y = latent.x[:, 0], latent.y[:, 0]
    low = x <= np.median(x)
    sample = np.stack([x[low], y[low]])
    return _Parameters(
        classes=np.array([0.9, 0.08, 0.02]),
        incremental=np.full(len(INCREMENTAL), 1.0 / len(INCREMENTAL)),
        extreme=np.full(len(EXTREME), 1.0 / len(EXTREME)),
        mean=sample.mean(axis=1),
        covariance=np.cov(sample) + 1e-6 * np.eye(2),
    )


def _profile_interval(
    latent: _Latent, estimate: _Parameters, log_likelihood: float
) -> tuple[float, float, _Parameters, float, list[_Parameters]]:
    """The profile-likelihood interval of the fraud share ``1 - pi0`` (and a better maximum).

    The share's likelihood is nearly flat (a station shifted a little is hardly told from a
    clean one), so its interval is the set where the profile log-likelihood (every other
    parameter refitted with ``pi0`` held) is within ``chi2_1(LEVEL) / 2`` of the maximum:
    each end is bracketed by steps doubling from 0.01 and then bisected
    :data:`_BISECTIONS` times, every fit starting from its nearest neighbour's.  A held
    share that beats the free fit (the free fit stops on the ridge short of its top)
    becomes the estimate.  Also returned: the fits inside the interval.
    """
    drop = float(stats.chi2.ppf(LEVEL, 1)) / 2
    best, best_likelihood = estimate, log_likelihood
    fits: dict[float, tuple[_Parameters, float]] = {}
    share = 1.0 - float(estimate.classes[0])

    def fit(value: float, near: _Parameters) -> float:
        nonlocal best, best_likelihood
        held, held_likelihood = _em(latent, near, clean=1.0 - value, tolerance=_PROFILE_TOLERANCE)
        fits[value] = (held, held_likelihood)
        if held_likelihood > best_likelihood:
            best, best_likelihood = held, held_likelihood
        return held_likelihood

    def nearest(value: float) -> _Parameters:
        if not fits:
            return estimate
        return fits[min(fits, key=lambda known: abs(known - value))][0]

    ends = []
    for direction, limit in ((1.0, _MAX_SHARE), (-1.0, _MIN_SHARE)):
        inside, step = share, 0.01
        outside = None
        while True:
            value = min(max(share + direction * step, _MIN_SHARE), _MAX_SHARE)
            if best_likelihood - fit(value, nearest(value)) > drop:
                outside = value
                break
            inside = value
            if value == limit:
                break
            step *= 2
        if outside is not None:
            for _ in range(_BISECTIONS):
                middle = (inside + outside) / 2
                if best_likelihood - fit(middle, nearest(middle)) > drop:
                    outside = middle
                else:
                    inside = middle
        ends.append(inside)
    high, low = ends
    within = [held for held, value in fits.values() if best_likelihood - value <= drop]
    return low, high, best, best_likelihood, within


def _posterior(
    t: FloatArray, v: FloatArray, registered: FloatArray, parameters: _Parameters
) -> tuple[FloatArray, ...]:
    """Class probabilities and the means and sds of manufactured and stolen votes."""
    pieces: list[tuple[FloatArray, ...]] = []
    for start in range(0, t.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        latent = _latent(t[part], v[part])
        pieces.append(_posterior_of(latent, registered[part], parameters))
    return tuple(np.concatenate([p[k] for p in pieces]) for k in range(6))


def _posterior_of(
    latent: _Latent, registered: FloatArray, parameters: _Parameters
) -> tuple[FloatArray, ...]:
    """:func:`_posterior` of stations whose latent values are known."""
    m, s, kind = _grid()
    logs = _log_joint(latent, parameters)
    total = special.logsumexp(logs, axis=1)
    r = np.exp(logs - total[:, None])[:, 1:]
    t0, v0 = latent.t0[:, 1:], latent.v0[:, 1:]
    n = registered[:, None]
    with np.errstate(invalid="ignore"):
        made = np.where(r > 0, m * (1.0 - t0) * n, 0.0)
        moved = np.where(r > 0, s * t0 * (1.0 - v0) * n, 0.0)
    made_mean = (r * made).sum(axis=1)
    moved_mean = (r * moved).sum(axis=1)
    return (
        (r * (kind == 1)).sum(axis=1),
        (r * (kind == 2)).sum(axis=1),
        made_mean,
        np.sqrt(np.maximum((r * made * made).sum(axis=1) - made_mean**2, 0.0)),
        moved_mean,
        np.sqrt(np.maximum((r * moved * moved).sum(axis=1) - moved_mean**2, 0.0)),
    )


def _rates(
    registered: IntArray, ballots: IntArray, leader: IntArray, cast: IntArray
) -> tuple[NDArray[np.bool_], FloatArray, FloatArray]:
    usable = (registered > 0) & (cast > 0)
    t = np.clip(ballots[usable] / registered[usable], _CLIP, 1 - _CLIP)
    v = np.clip(leader[usable] / cast[usable], _CLIP, 1 - _CLIP)
    return usable, t, v


def fit_mixture(
    registered: IntArray,
    ballots: IntArray,
    leader: IntArray,
    cast: IntArray,
    *,
    seed: int,
    replicates: int = DEFAULT_REPLICATES,
    fit_sample: int = FIT_SAMPLE,
) -> tuple[MixtureFit, StationPosterior]:
    """Fit the model: the overall estimate with its intervals and the per-station
    posteriors (see the module)."""
    if replicates < 2:
        raise TableError("replicates", f"the bootstrap needs at least 2, got {replicates}")
    usable, t, v = _rates(registered, ballots, leader, cast)
    if t.size < MIN_STATIONS:
        raise TableError(
            "stations",
            f"the mixture model needs at least {MIN_STATIONS} usable stations, got {t.size}",
        )
    rng = np.random.default_rng(seed)
    rows = np.arange(t.size)
    if t.size > fit_sample:
        rows = np.sort(rng.choice(t.size, size=fit_sample, replace=False))
    latent = _latent(t[rows], v[rows])
    size = registered[usable].astype(np.float64)
    free, free_likelihood = _em(latent, _start(latent))
    low_share, high_share, parameters, log_likelihood, within = _profile_interval(
        latent, free, free_likelihood
    )
    clean_likelihood = _clean_only(latent)
    inc, ext, made, made_sd, moved, moved_sd = _posterior(t, v, size, parameters)
    fit_size = size[rows]

    boot = []
    for _ in range(replicates):
        sample = rng.integers(0, rows.size, rows.size)
        part = latent.rows(sample)
        refit, _ = _em(part, parameters, tolerance=_BOOTSTRAP_TOLERANCE)
        drawn = _posterior_of(part, fit_size[sample], refit)
        votes = [float(drawn[k].sum()) * t.size / sample.size for k in (2, 4)]
        boot.append((votes[0], votes[1], votes[0] + votes[1]))
    draws = np.array(boot)
    tail = 100 * (1 - LEVEL) / 2
    low = np.percentile(draws, tail, axis=0)
    high = np.percentile(draws, 100 - tail, axis=0)
    # The votes along the share's confidence set, each widened by the bootstrap's spread.
    scale = t.size / rows.size
    here = np.array(
        [
            [float(q[k].sum()) * scale for k in (2, 4)]
            for q in (_posterior_of(latent, fit_size, held) for held in [parameters, *within])
        ]
    )
    along = np.column_stack([here, here.sum(axis=1)])
    centre = along[0]
    low = along.min(axis=0) - np.maximum(centre - low, 0.0)
    high = along.max(axis=0) + np.maximum(high - centre, 0.0)
    full = np.zeros(registered.size)

    def spread(values: FloatArray) -> FloatArray:
        out = full.copy()
        out[usable] = values
        return out

    posterior = StationPosterior(
        incremental=spread(inc),
        extreme=spread(ext),
        manufactured=spread(made),
        manufactured_sd=spread(made_sd),
        stolen=spread(moved),
        stolen_sd=spread(moved_sd),
        usable=usable,
    )
    share = float(parameters.classes[1] + parameters.classes[2])
    fit = MixtureFit(
        stations=int(t.size),
        fit_stations=int(rows.size),
        incremental=float(parameters.classes[1]),
        extreme=float(parameters.classes[2]),
        fraud_probability=share,
        fraud_interval=(min(low_share, share), max(high_share, share)),
        manufactured=float(made.sum()),
        manufactured_interval=(float(low[0]), float(high[0])),
        stolen=float(moved.sum()),
        stolen_interval=(float(low[1]), float(high[1])),
        fraudulent=float(made.sum() + moved.sum()),
        fraudulent_interval=(float(low[2]), float(high[2])),
        clean_turnout=float(special.expit(parameters.mean[0])),
        clean_share=float(special.expit(parameters.mean[1])),
        log_likelihood=log_likelihood,
        log_likelihood_clean=clean_likelihood,
        replicates=replicates,
        level=LEVEL,
        seed=seed,
        regions=[],
    )
    return fit, posterior


def region_summaries(
    posterior: StationPosterior, region_codes: NDArray[np.int32], names: tuple[str, ...]
) -> list[RegionFraud]:
    """Each region's expected fraudulent stations and manufactured and stolen votes
    (``stations``: its usable ones; regions without any are left out)."""
    regions = len(names)
    fraud = posterior.incremental + posterior.extreme
    stations = np.bincount(region_codes, weights=posterior.usable, minlength=regions)
    sums = [
        np.bincount(region_codes, weights=w, minlength=regions)
        for w in (fraud, posterior.manufactured, posterior.stolen)
    ]
    found = [
        RegionFraud(
            name=names[k],
            stations=int(stations[k]),
            expected_fraud_stations=float(sums[0][k]),
            manufactured=float(sums[1][k]),
            stolen=float(sums[2][k]),
        )
        for k in range(regions)
        if stations[k]
    ]
    found.sort(key=lambda r: (-(r.manufactured + r.stolen), r.name))
    return found
