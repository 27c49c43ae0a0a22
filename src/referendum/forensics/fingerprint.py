"""The turnout x choice-share fingerprint and its fraud model (Klimek et al. 2012).

Klimek, Yan, Pichler & Thurner, "Statistical detection of systematic election
irregularities", PNAS 109(41), 2012, 16469-16473.  The fingerprint is the 2-D histogram of
stations by turnout and the choice's share.  Fair elections give one roughly Gaussian blob;
ballot stuffing smears it towards the top right corner (100% turnout, 100% share).

The model: each station ``i`` with ``N_i`` registered voters has turnout
``t_i ~ N(tau, sigma_t)`` and share ``v_i ~ N(nu, sigma_v)``.  With probability ``f_i``
(incremental fraud) a fraction ``x_i ~ N(x_0, sigma_x)`` (clipped to [0, 1]) of the
non-voters' ballots is added for the choice and a fraction ``x_i ** alpha`` of the other
votes is moved to it; with probability ``f_e`` (extreme fraud) the same happens with
``x_i ~ 1 - |N(0, theta)|``.
``tau, nu`` are the modes of the voter-weighted histograms (the lowest tall mode) and
``sigma_t, sigma_v`` the spreads of their left flanks;
``f_i``, ``f_e`` and ``x_0`` are fitted by least squares between the data's and the model's
fingerprints (25 x 25 cells) over a grid, with common random numbers so that the fit is
smooth and reproducible from the injected generator.  Among the grid points whose loss is
within the sampling noise of the best (``2 / stations``), the one with the least fraud
(smallest ``f_i + f_e``) is reported, so that clean data give zero rather than a spurious
small fraction.

>>> rng = np.random.default_rng(3)
>>> n = np.full(4000, 1000)
>>> ballots = rng.binomial(n, 0.55)
>>> choice = rng.binomial(ballots, 0.6)
>>> fit = fit_fraud_model(n, ballots, choice, ballots, rng=rng)
>>> fit.f_incremental < 0.1 and fit.f_extreme < 0.02
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from referendum.forensics.modes import lowest_tall_mode

__all__ = ["FraudFit", "fingerprint_histogram", "fit_fraud_model"]

SIGMA_X = 0.075
"""Spread of the incremental fraud fraction around its mean ``x_0``."""
THETA = 0.075
"""Spread of ``1 - x`` under extreme fraud."""
ALPHA = 2.0
"""Deception exponent: the share of other votes moved is ``x ** alpha``."""
_FIT_BINS = 25
_STEPS = 100
"""Fractions ``f_i`` and ``f_e`` are fitted on a grid of 1/100."""
_MAX_EXTREME = 50
_X_MEAN = np.round(np.arange(0.05, 0.71, 0.05), 3)
_CELLS = _FIT_BINS * _FIT_BINS


@dataclass(frozen=True, slots=True)
class FraudFit:
    """The fitted model: fraud fractions, the clean peak's parameters and the fit's loss."""

    f_incremental: float
    f_extreme: float
    incremental_mean: float
    turnout_mean: float
    turnout_sd: float
    share_mean: float
    share_sd: float
    loss: float
    loss_without_fraud: float
    stations: int


def fingerprint_histogram(
    turnout: NDArray[np.float64], share: NDArray[np.float64], *, bins: int = 100
) -> NDArray[np.float64]:
    """Station counts over ``bins x bins`` cells of turnout (rows) and share, both in [0, 1]."""
    counts, _, _ = np.histogram2d(
        np.clip(turnout, 0.0, 1.0), np.clip(share, 0.0, 1.0), bins=bins, range=[[0, 1], [0, 1]]
    )
    return counts


def _peak(values: NDArray[np.float64], weights: NDArray[np.float64]) -> tuple[float, float]:
    """The bulk's mode (voter-weighted) and the spread of its left flank (fraud spares it)."""
    mode = lowest_tall_mode(values, weights, low=0.0, high=1.0, bins=100)
    left = values[values <= mode]
    sd = float(np.sqrt(np.mean((left - mode) ** 2))) if left.size > 1 else 0.05
    return mode, max(sd, 0.005)


def _cell_index(turnout: NDArray[np.float64], share: NDArray[np.float64]) -> NDArray[np.int64]:
    """Each station's cell among the fit's ``_FIT_BINS ** 2``."""
    row = np.minimum((turnout * _FIT_BINS).astype(np.int64), _FIT_BINS - 1)
    column = np.minimum((share * _FIT_BINS).astype(np.int64), _FIT_BINS - 1)
    cells: NDArray[np.int64] = row * _FIT_BINS + column
    return cells


def fit_fraud_model(
    registered: NDArray[np.int64],
    ballots: NDArray[np.int64],
    choice: NDArray[np.int64],
    cast: NDArray[np.int64],
    *,
    rng: np.random.Generator,
    sample: int = 20_000,
) -> FraudFit:
    """Fit ``f_i`` (incremental) and ``f_e`` (extreme fraud) to the data's fingerprint.

    At most ``sample`` stations (drawn with ``rng``) enter the fit; ``cast`` is the
    share's denominator (valid + invalid ballots).
    """
    usable = np.flatnonzero((registered > 0) & (cast > 0))
    if usable.size > sample:
        usable = np.sort(rng.choice(usable, size=sample, replace=False))
    size = registered[usable].astype(np.float64)
    turnout = np.clip(ballots[usable] / size, 0.0, 1.0)
    share = np.clip(choice[usable] / cast[usable], 0.0, 1.0)
    observed = np.bincount(_cell_index(turnout, share), minlength=_CELLS) / max(usable.size, 1)
    tau, sigma_t = _peak(turnout, size)
    nu, sigma_v = _peak(share, size)

    count = usable.size
    base_t = np.clip(rng.normal(tau, sigma_t, count), 0.0, 1.0)
    base_v = np.clip(rng.normal(nu, sigma_v, count), 0.0, 1.0)
    # Station j is extreme when draw < f_e, incremental when f_e <= draw < f_e + f_i: with
    # fractions on a 1/_STEPS grid, segment = floor(draw * _STEPS) decides both.
    segment = np.minimum((rng.random(count) * _STEPS).astype(np.int64), _STEPS - 1)
    x_spread = rng.normal(0.0, SIGMA_X, count)
    x_extreme = np.clip(1.0 - np.abs(rng.normal(0.0, THETA, count)), 0.0, 1.0)

    def prefix(x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Cumulative fingerprints: row j counts the stations of segments below j."""
        stuffed = x * (1.0 - base_t)
        moved = x**ALPHA * base_t * (1.0 - base_v)
        t = base_t + stuffed
        v = np.divide(base_t * base_v + stuffed + moved, t, out=np.zeros(count), where=t > 0)
        cells = _cell_index(np.clip(t, 0.0, 1.0), np.clip(v, 0.0, 1.0))
        counts = np.bincount(segment * _CELLS + cells, minlength=_STEPS * _CELLS)
        table = np.cumsum(counts.reshape(_STEPS, _CELLS), axis=0) / max(count, 1)
        return np.vstack([np.zeros(_CELLS), table])

    clean = prefix(np.zeros(count))
    extreme = prefix(x_extreme)
    low = np.arange(_MAX_EXTREME + 1)[:, None]  # f_e in steps
    high = np.arange(_STEPS + 1)[None, :]  # f_e + f_i in steps
    valid = high >= low
    fits: list[tuple[float, int, int, float]] = []
    for x_0 in _X_MEAN:
        incremental = prefix(np.clip(x_0 + x_spread, 0.0, 1.0))
        # model[e, s] = extreme[:e] + incremental[e:s] + clean[s:]
        model = (
            (extreme - incremental)[: _MAX_EXTREME + 1, None, :]
            + (incremental - clean)[None, :, :]
            + clean[_STEPS][None, None, :]
        )
        loss = np.sum((model - observed) ** 2, axis=2)
        loss[~valid] = np.inf
        e, s = np.unravel_index(int(np.argmin(loss)), loss.shape)
        tolerance = 2.0 / max(count, 1)
        for e_near, s_near in zip(*np.nonzero(loss <= loss[e, s] + tolerance), strict=True):
            fits.append((float(loss[e_near, s_near]), int(e_near), int(s_near), float(x_0)))
    best_loss = min(fit[0] for fit in fits)
    near = [fit for fit in fits if fit[0] <= best_loss + 2.0 / max(count, 1)]
    best = min(near, key=lambda fit: (fit[2], fit[0]))
    f_e = best[1] / _STEPS
    f_i = (best[2] - best[1]) / _STEPS
    clean_loss = float(np.sum((clean[_STEPS] - observed) ** 2))
    return FraudFit(
        f_incremental=f_i,
        f_extreme=f_e,
        incremental_mean=best[3] if f_i > 0 else 0.0,
        turnout_mean=tau,
        turnout_sd=sigma_t,
        share_mean=nu,
        share_sd=sigma_v,
        loss=best[0],
        loss_without_fraud=clean_loss,
        stations=int(count),
    )
