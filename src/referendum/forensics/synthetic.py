"""Synthetic results per station, clean or falsified, for tests and benchmarks.

Clean stations draw binomial counts: ``ballots ~ Binomial(registered, p)`` with a
station-level turnout propensity ``p ~ N(0.55, 0.08)``, invalid ballots at 1.5%, and
``yes ~ Binomial(valid, q)`` with ``q ~ N(0.60, 0.08)`` independent of turnout.  Two kinds
of falsification can be applied to a fraction of stations:

``rounded``
    the protocol is rewritten so that turnout and the yes share are whole percentages;
``stuffed``
    a fraction ``x ~ U(0.3, 0.9)`` of the non-voters' ballots is added, all for yes.

>>> frame = synthetic_frame(1000, rng=np.random.default_rng(1), stuffed=0.1)
>>> frame.height, frame.columns[:3]
(1000, ['region', 'station', 'registered'])
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from referendum.forensics.table import ColumnSpec

__all__ = ["SYNTHETIC_COLUMNS", "mixture_frame", "stuffed_votes", "synthetic_frame"]

SYNTHETIC_COLUMNS = ColumnSpec(
    registered="registered",
    ballots="ballots",
    valid="valid",
    invalid="invalid",
    options=("yes", "no"),
    region="region",
    station="station",
)
"""How :func:`synthetic_frame`'s columns map to the roles of a results table."""


def synthetic_frame(
    stations: int,
    *,
    rng: np.random.Generator,
    regions: int = 20,
    rounded: float = 0.0,
    stuffed: float = 0.0,
) -> pl.DataFrame:
    """``stations`` synthetic stations; ``rounded`` and ``stuffed`` are fractions falsified.

    The stuffed ballots are recorded in the column ``stuffed`` (zero elsewhere), so that tests
    can compare an estimate with the truth; it is not one of the table's roles.
    """
    registered = rng.integers(300, 3000, stations, endpoint=True)
    propensity = np.clip(rng.normal(0.55, 0.08, stations), 0.05, 0.95)
    ballots = rng.binomial(registered, propensity)
    invalid = rng.binomial(ballots, 0.015)
    valid = ballots - invalid
    support = np.clip(rng.normal(0.60, 0.08, stations), 0.05, 0.95)
    yes = rng.binomial(valid, support)

    if rounded > 0:
        rewrite = rng.random(stations) < rounded
        turnout_target = np.round(100.0 * ballots / registered)
        new_ballots = np.round(turnout_target * registered / 100.0).astype(np.int64)
        ballots = np.where(rewrite, new_ballots, ballots)
        invalid = np.where(rewrite, np.minimum(invalid, ballots), invalid)
        valid = ballots - invalid
        cast = valid + invalid
        share_target = np.round(100.0 * yes / np.maximum(cast, 1))
        new_yes = np.round(share_target * cast / 100.0).astype(np.int64)
        yes = np.where(rewrite, np.minimum(new_yes, valid), np.minimum(yes, valid))

    added = np.zeros(stations, dtype=np.int64)
    if stuffed > 0:
        stuff = rng.random(stations) < stuffed
        fraction = rng.uniform(0.3, 0.9, stations)
        added = np.where(stuff, np.floor(fraction * (registered - ballots)), 0).astype(np.int64)
        ballots = ballots + added
        valid = valid + added
        yes = yes + added

    return pl.DataFrame(
        {
            "region": _region_names(regions)[rng.integers(0, regions, stations)],
            "station": np.arange(1, stations + 1),
            "registered": registered,
            "ballots": ballots,
            "valid": valid,
            "invalid": invalid,
            "yes": yes,
            "no": valid - yes,
            "stuffed": added,
        }
    )


def _region_names(regions: int) -> NDArray[np.str_]:
    width = len(str(regions))
    return np.array([f"Region {i + 1:0{width}d}" for i in range(regions)])


def stuffed_votes(frame: pl.DataFrame) -> int:
    """The true number of ballots stuffed for yes in a :func:`synthetic_frame`."""
    return int(frame.get_column("stuffed").sum())


def mixture_frame(
    stations: int,
    *,
    rng: np.random.Generator,
    incremental: float = 0.1,
    extreme: float = 0.02,
    regions: int = 5,
    smallest: float = 0.2,
) -> pl.DataFrame:
    """Stations drawn from the fraud mixture model of :mod:`~referendum.forensics.mixture`.

    Clean ``(logit t0, logit v0) ~ N((0.2, 0.4), diag(0.3^2, 0.35^2))`` (turnout about 55%,
    share about 60%); a fraction ``incremental`` has manufactured ``m ~ U(smallest, 0.7)`` and
    stolen ``s ~ U(0, 0.4)`` fractions, ``extreme`` has ``m ~ U(0.8, 0.97)`` and ``s ~
    U(0, 0.9)``; counts are binomial.  The columns ``manufactured``, ``stolen`` and ``kind``
    (0 clean, 1 incremental, 2 extreme) hold the truth.
    """
    registered = rng.integers(300, 3000, stations, endpoint=True)
    t0 = 1.0 / (1.0 + np.exp(-rng.normal(0.2, 0.3, stations)))
    v0 = 1.0 / (1.0 + np.exp(-rng.normal(0.4, 0.35, stations)))
    draw = rng.random(stations)
    kind = np.where(draw < extreme, 2, np.where(draw < extreme + incremental, 1, 0))
    m = np.where(kind == 2, rng.uniform(0.8, 0.97, stations), rng.uniform(smallest, 0.7, stations))
    s = np.where(kind == 2, rng.uniform(0.0, 0.9, stations), rng.uniform(0.0, 0.4, stations))
    m = np.where(kind == 0, 0.0, m)
    s = np.where(kind == 0, 0.0, s)
    honest = rng.binomial(registered, t0)
    others = rng.binomial(honest, 1.0 - v0)
    made = rng.binomial(registered - honest, m)
    moved = rng.binomial(others, s)
    ballots = honest + made
    yes = honest - others + made + moved
    return pl.DataFrame(
        {
            "region": _region_names(regions)[rng.integers(0, regions, stations)],
            "station": np.arange(1, stations + 1),
            "registered": registered,
            "ballots": ballots,
            "valid": ballots,
            "invalid": np.zeros(stations, dtype=np.int64),
            "yes": yes,
            "no": ballots - yes,
            "manufactured": made,
            "stolen": moved,
            "kind": kind,
        }
    )
