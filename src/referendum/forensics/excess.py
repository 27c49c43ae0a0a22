"""Excess votes from the turnout distribution (Shpilkin's method).

Sergey Shpilkin's estimate, as described in Kobak, Shpilkin & Pshenichnikov, "Statistical
fingerprints of electoral fraud?", Significance 13(4), 2016, and used for the 2020 vote in
"Suspect peaks in Russia's 'referendum' results", Significance 17(5), 2020:

1. Histogram the votes *not* for the choice (other options and invalid ballots) over
   station turnout (1-point bins) and find its mode ``T0``: the turnout of the bulk of
   unmanipulated stations (the lowest mode at least half as high as the highest one).
2. Take the choice's ratio to the other ballots among stations with turnout at or below
   ``T0``: ``r = sum(choice) / sum(others)``.
3. Assume the other ballots at higher turnout are genuine, and that genuine choice votes
   keep the ratio ``r``: the excess is ``sum(choice - r * others)`` over stations with
   turnout above ``T0``.  The excess ballots (turnout inflation) are
   ``sum(ballots - (1 + r) * others)`` there.

Unmanipulated data, where the choice's share does not rise with turnout, give an excess near
zero.  A genuine correlation of turnout and support (one region mobilised for the choice)
is counted as excess too: the figure is an estimate of anomalous votes, not a proof.

>>> others = np.array([400, 400, 400, 200])
>>> choice = np.array([600, 600, 600, 900])
>>> ballots = others + choice
>>> registered = np.array([2000, 2000, 2000, 1200])
>>> round(shpilkin_excess(choice, others, ballots, registered).excess_votes)
600
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from referendum.forensics.modes import lowest_tall_mode

__all__ = ["ExcessEstimate", "shpilkin_excess", "turnout_mode"]

_BIN = 1.0


@dataclass(frozen=True, slots=True)
class ExcessEstimate:
    """Shpilkin's estimate: mode ``T0`` (percent), clean ratio, excess votes and ballots."""

    mode_turnout: float
    clean_ratio: float
    clean_choice_share: float
    excess_votes: float
    excess_ballots: float
    stations_above_mode: int


def turnout_mode(turnout: NDArray[np.float64], weights: NDArray[np.float64]) -> float:
    """Turnout (percent) of the bulk of unmanipulated stations: the lowest tall mode of the
    weighted histogram in 1-point bins (see :func:`referendum.forensics.modes.lowest_tall_mode`).
    """
    return lowest_tall_mode(turnout, weights, low=0.0, high=100.0, bins=100)


def shpilkin_excess(
    choice: NDArray[np.int64],
    others: NDArray[np.int64],
    ballots: NDArray[np.int64],
    registered: NDArray[np.int64],
) -> ExcessEstimate:
    """Shpilkin's excess votes for ``choice`` (see the module docstring).

    ``others`` are the ballots counted for anything but the choice (other options and
    invalid ballots); ``ballots`` the ballots issued.  Stations without registered voters
    are ignored.
    """
    usable = registered > 0
    choice = choice[usable]
    others = others[usable]
    ballots = ballots[usable]
    turnout = 100.0 * ballots / registered[usable]
    if choice.size == 0 or others.sum() == 0:
        return ExcessEstimate(0.0, 0.0, 0.0, 0.0, 0.0, 0)
    mode = turnout_mode(turnout, others.astype(np.float64))
    clean = turnout <= mode + _BIN / 2.0
    clean_others = float(others[clean].sum())
    ratio = float(choice[clean].sum()) / clean_others if clean_others > 0 else 0.0
    high = ~clean
    expected = ratio * others[high]
    return ExcessEstimate(
        mode_turnout=mode,
        clean_ratio=ratio,
        clean_choice_share=100.0 * ratio / (1.0 + ratio),
        excess_votes=float(np.sum(choice[high] - expected)),
        excess_ballots=float(np.sum(ballots[high] - (1.0 + ratio) * others[high])),
        stations_above_mode=int(high.sum()),
    )
