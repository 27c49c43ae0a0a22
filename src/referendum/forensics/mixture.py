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
fitted by maximum likelihood (EM; at most ``fit_sample`` stations).  Each station then
has posterior probabilities of the three classes and posterior means and standard
deviations of its manufactured and stolen votes; their sums over all stations are the
overall estimate, with a percentile interval from a nonparametric bootstrap of the fit
sample (each replicate refits by EM from the same start as the estimate, so that the
interval carries the estimator's whole variability, its stopping rule included).
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
from scipy import special

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
    (m, s) for m in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7) for s in (0.0, 0.2, 0.4)
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
_ITERATIONS = 200
_TOLERANCE = 1e-4
"""EM stops when the log-likelihood gains less than this per station in an iteration."""
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


def _latent(
    t: FloatArray, v: FloatArray, m: FloatArray, s: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(t0, v0)`` behind the observed ``(t, v)`` for every magnitude, and ``log |J|``.

    Shapes (stations, components); impossible inversions give ``t0`` or ``v0`` outside
    (0, 1), whose density is zero.
    """
    t0 = (t[:, None] - m) / (1.0 - m)
    a = t * v
    with np.errstate(divide="ignore", invalid="ignore"):
        v0 = (a[:, None] - m - t0 * (s - m)) / (t0 * (1.0 - s))
        log_jacobian = np.where(
            t0 > 0, np.log(t)[:, None] - np.log((1.0 - m) * (1.0 - s) * np.abs(t0)), -np.inf
        )
    return t0, v0, log_jacobian


def _log_clean(
    t0: FloatArray, v0: FloatArray, mean: FloatArray, covariance: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Log density of the clean class at ``(t0, v0)`` (logit-normal), and the two logits.

    Outside (0, 1) the density is -inf (and the logits 0).
    """
    inside = (t0 > _CLIP / 10) & (t0 < 1 - _CLIP / 10) & (v0 > _CLIP / 10) & (v0 < 1 - _CLIP / 10)
    tt = np.where(inside, t0, 0.5)
    vv = np.where(inside, v0, 0.5)
    lt = np.log(tt)
    l1t = np.log1p(-tt)
    lv = np.log(vv)
    l1v = np.log1p(-vv)
    x = lt - l1t
    y = lv - l1v
    dx = x - mean[0]
    dy = y - mean[1]
    precision = np.linalg.inv(covariance)
    quad = precision[0, 0] * dx * dx + 2 * precision[0, 1] * dx * dy + precision[1, 1] * dy * dy
    constant = -0.5 * math.log(float(np.linalg.det(covariance))) - math.log(2 * math.pi)
    value = constant - 0.5 * quad - lt - l1t - lv - l1v
    result: FloatArray = np.where(inside, value, -np.inf)
    return result, x, y


def _component_logs(
    t: FloatArray, v: FloatArray, parameters: _Parameters
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Log joint density of each station with each component (clean first), the latent
    ``(t0, v0)`` and their logits."""
    m, s, kind = _grid()
    t0, v0, log_jacobian = _latent(t, v, m, s)
    density, fx, fy = _log_clean(t0, v0, parameters.mean, parameters.covariance)
    fraud = np.where(np.isfinite(density), density + log_jacobian, -np.inf)
    with np.errstate(divide="ignore"):
        within = np.log(
            np.where(
                kind == 1,
                parameters.classes[1] * np.pad(parameters.incremental, (0, len(EXTREME))),
                parameters.classes[2] * np.pad(parameters.extreme, (len(INCREMENTAL), 0)),
            )
        )
        clean, cx, cy = _log_clean(t, v, parameters.mean, parameters.covariance)
        clean = clean + math.log(max(parameters.classes[0], 1e-300))
    logs = np.concatenate([clean[:, None], fraud + within], axis=1)
    latent_t = np.concatenate([t[:, None], t0], axis=1)
    latent_v = np.concatenate([v[:, None], v0], axis=1)
    return (
        logs,
        latent_t,
        latent_v,
        np.concatenate([cx[:, None], fx], axis=1),
        np.concatenate([cy[:, None], fy], axis=1),
    )


def _em(
    t: FloatArray,
    v: FloatArray,
    start: _Parameters,
    *,
    iterations: int,
    fraud: bool = True,
) -> tuple[_Parameters, float]:
    """EM from ``start``; with ``fraud=False`` the model without fraud (one class)."""
    parameters = start
    if not fraud:
        x = np.stack([special.logit(t), special.logit(v)])
        mean = x.mean(axis=1)
        covariance = np.cov(x) + 1e-9 * np.eye(2)
        parameters = _Parameters(
            np.array([1.0, 0.0, 0.0]), start.incremental, start.extreme, mean, covariance
        )
        logs = _component_logs(t, v, parameters)[0]
        return parameters, float(logs[:, 0].sum())
    previous = -np.inf
    log_likelihood = -np.inf
    for _ in range(iterations):
        logs, _, _, x, y = _component_logs(t, v, parameters)
        total = special.logsumexp(logs, axis=1)
        log_likelihood = float(total.sum())
        r = np.exp(logs - total[:, None])
        weight = r.sum(axis=0)
        classes = np.array(
            [
                weight[0],
                weight[1 : 1 + len(INCREMENTAL)].sum(),
                weight[1 + len(INCREMENTAL) :].sum(),
            ]
        )
        classes = classes / classes.sum()
        incremental = weight[1 : 1 + len(INCREMENTAL)]
        extreme = weight[1 + len(INCREMENTAL) :]
        incremental = incremental / max(incremental.sum(), 1e-300)
        extreme = extreme / max(extreme.sum(), 1e-300)
        rr = np.where(np.isfinite(logs), r, 0.0)
        mass = rr.sum()
        mean = np.array([(rr * x).sum() / mass, (rr * y).sum() / mass])
        dx, dy = x - mean[0], y - mean[1]
        covariance = np.array(
            [
                [(rr * dx * dx).sum(), (rr * dx * dy).sum()],
                [(rr * dx * dy).sum(), (rr * dy * dy).sum()],
            ]
        ) / mass + 1e-9 * np.eye(2)
        parameters = _Parameters(classes, incremental, extreme, mean, covariance)
        if log_likelihood - previous < _TOLERANCE * t.size:
            break
        previous = log_likelihood
    return parameters, log_likelihood


def _start(t: FloatArray, v: FloatArray) -> _Parameters:
    """Clean class from the stations below the median turnout; 10% fraud, flat grids."""
    low = t <= np.median(t)
    x = np.stack([special.logit(t[low]), special.logit(v[low])])
    return _Parameters(
        classes=np.array([0.9, 0.08, 0.02]),
        incremental=np.full(len(INCREMENTAL), 1.0 / len(INCREMENTAL)),
        extreme=np.full(len(EXTREME), 1.0 / len(EXTREME)),
        mean=x.mean(axis=1),
        covariance=np.cov(x) + 1e-6 * np.eye(2),
    )


def _posterior(
    t: FloatArray, v: FloatArray, registered: FloatArray, parameters: _Parameters
) -> tuple[FloatArray, ...]:
    """Class probabilities and the means and sds of manufactured and stolen votes."""
    m, s, kind = _grid()
    pieces: list[tuple[FloatArray, ...]] = []
    for start in range(0, t.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        logs, latent_t, latent_v, _, _ = _component_logs(t[part], v[part], parameters)
        total = special.logsumexp(logs, axis=1)
        r = np.exp(logs - total[:, None])[:, 1:]
        t0, v0 = latent_t[:, 1:], latent_v[:, 1:]
        n = registered[part][:, None]
        with np.errstate(invalid="ignore"):
            made = np.where(r > 0, m * (1.0 - t0) * n, 0.0)
            moved = np.where(r > 0, s * t0 * (1.0 - v0) * n, 0.0)
        made_mean = (r * made).sum(axis=1)
        moved_mean = (r * moved).sum(axis=1)
        pieces.append(
            (
                (r * (kind == 1)).sum(axis=1),
                (r * (kind == 2)).sum(axis=1),
                made_mean,
                np.sqrt(np.maximum((r * made * made).sum(axis=1) - made_mean**2, 0.0)),
                moved_mean,
                np.sqrt(np.maximum((r * moved * moved).sum(axis=1) - moved_mean**2, 0.0)),
            )
        )
    return tuple(np.concatenate([p[k] for p in pieces]) for k in range(6))


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
    """Fit the model: the overall estimate with bootstrap intervals and the per-station
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
    ft, fv = t[rows], v[rows]
    size = registered[usable].astype(np.float64)
    parameters, log_likelihood = _em(ft, fv, _start(ft, fv), iterations=_ITERATIONS)
    _, clean_likelihood = _em(ft, fv, parameters, iterations=0, fraud=False)
    inc, ext, made, made_sd, moved, moved_sd = _posterior(t, v, size, parameters)

    def overall(p: _Parameters, sample: NDArray[np.int64]) -> tuple[float, float, float, float]:
        posterior = _posterior(ft[sample], fv[sample], size[rows][sample], p)
        made, moved = (float(posterior[k].sum()) * t.size / sample.size for k in (2, 4))
        return float(p.classes[1] + p.classes[2]), made, moved, made + moved

    boot = []
    for _ in range(replicates):
        sample = rng.integers(0, rows.size, rows.size)
        refit, _ = _em(
            ft[sample], fv[sample], _start(ft[sample], fv[sample]), iterations=_ITERATIONS
        )
        boot.append(overall(refit, sample))
    draws = np.array(boot)
    tail = 100 * (1 - LEVEL) / 2
    low = np.percentile(draws, tail, axis=0)
    high = np.percentile(draws, 100 - tail, axis=0)
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
    fit = MixtureFit(
        stations=int(t.size),
        fit_stations=int(rows.size),
        incremental=float(parameters.classes[1]),
        extreme=float(parameters.classes[2]),
        fraud_probability=float(parameters.classes[1] + parameters.classes[2]),
        fraud_interval=(float(low[0]), float(high[0])),
        manufactured=float(made.sum()),
        manufactured_interval=(float(low[1]), float(high[1])),
        stolen=float(moved.sum()),
        stolen_interval=(float(low[2]), float(high[2])),
        fraudulent=float(made.sum() + moved.sum()),
        fraudulent_interval=(float(low[3]), float(high[3])),
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
    """Each region's expected fraudulent stations and manufactured and stolen votes."""
    regions = len(names)
    fraud = posterior.incremental + posterior.extreme
    stations = np.bincount(region_codes, minlength=regions)
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
    ]
    found.sort(key=lambda r: (-(r.manufactured + r.stolen), r.name))
    return found
