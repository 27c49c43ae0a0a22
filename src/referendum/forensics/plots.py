"""The report's plots, each readable without the text: axes with units, and a legend or a
title saying what "expected" means on it.

Every function returns a base64 PNG (matplotlib's Agg backend through ``Figure``, no pyplot
state) and takes one or several *series*, so that two elections share the same axes in a
comparison:

fingerprint
    stations by turnout and the choice's share (log colour scale, one panel per series,
    one colour scale for all); expected: one compact blob around the clean peak, marked by
    a cross at Shpilkin's mode turnout and clean share.
histogram
    stations by turnout or share in 0.1-point bins; the expected count without a preference
    for whole percentages is drawn dashed (each bin's 10 neighbours averaged); whole
    percentages are marked under the axis.
shpilkin
    votes by station turnout in 1-point bins: the choice's, the other ballots', and the
    choice's expected at the clean ratio (the other ballots times the ratio measured at or
    below the mode turnout).
"""

from __future__ import annotations

import base64
import io
import textwrap
from dataclasses import dataclass

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from numpy.typing import NDArray

from referendum.forensics.excess import shpilkin_excess
from referendum.forensics.fingerprint import fingerprint_histogram
from referendum.forensics.table import ResultsTable

__all__ = [
    "Series",
    "expected_without_integers",
    "fingerprint_plot",
    "histogram_plot",
    "series_of",
    "shpilkin_plot",
]

FloatArray = NDArray[np.float64]
_COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0")
_NEIGHBOURS = 5


@dataclass(frozen=True, slots=True)
class Series:
    """One election's (or region's) stations, as the plots need them.

    ``turnout`` and ``share`` in percent for the usable stations; ``votes``, ``others``
    (ballots not for the choice) and ``ballots_turnout`` (turnout of every station with
    registered voters) for the Shpilkin plot; ``mode`` and ``clean_share`` the clean peak.
    """

    label: str
    choice: str
    turnout: FloatArray
    share: FloatArray
    ballots_turnout: FloatArray
    votes: FloatArray
    others: FloatArray
    mode: float
    clean_share: float
    clean_ratio: float


def series_of(table: ResultsTable, choice: str, label: str) -> Series:
    """The plots' view of ``table``: rates of usable stations and Shpilkin's clean peak."""
    usable = (table.registered > 0) & (table.cast > 0)
    votes = table.options[choice]
    others = table.cast - votes
    estimate = shpilkin_excess(votes, others, table.ballots, table.registered)
    with_voters = table.registered > 0
    return Series(
        label=label,
        choice=choice,
        turnout=100.0 * table.ballots[usable] / table.registered[usable],
        share=100.0 * votes[usable] / table.cast[usable],
        ballots_turnout=100.0 * table.ballots[with_voters] / table.registered[with_voters],
        votes=votes[with_voters].astype(np.float64),
        others=others[with_voters].astype(np.float64),
        mode=estimate.mode_turnout,
        clean_share=estimate.clean_choice_share,
        clean_ratio=estimate.clean_ratio,
    )


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _short(name: str) -> str:
    """An option's name short enough for an axis label (its first word past 16 letters)."""
    return name if len(name) <= 16 else name.split()[0]


def fingerprint_plot(series: list[Series], *, width: float = 6.0) -> str:
    """One fingerprint panel per series, side by side on the same axes and colour scale."""
    grids = [fingerprint_histogram(s.turnout / 100.0, s.share / 100.0, bins=100) for s in series]
    top = max(2.0, *(float(g.max()) for g in grids))
    figure = Figure(figsize=(width * len(series), 0.85 * width + 0.4), layout="constrained")
    panels = figure.subplots(1, len(series), squeeze=False)[0]
    image = None
    for axes, s, grid in zip(panels, series, grids, strict=True):
        image = axes.imshow(
            grid.T + 0.0,
            origin="lower",
            extent=(0, 100, 0, 100),
            norm=LogNorm(vmin=1, vmax=top),
            cmap="viridis",
            aspect="auto",
        )
        axes.plot(
            [s.mode],
            [s.clean_share],
            marker="X",
            markersize=11,
            markeredgewidth=1.2,
            markerfacecolor="white",
            markeredgecolor="black",
            linestyle="none",
            label="clean peak (Shpilkin's mode turnout, clean share)",
        )
        axes.set_xlabel("turnout, % of registered voters (1% cells)")
        axes.set_ylabel(f"{_short(s.choice)}, % of valid + invalid ballots")
        axes.set_title(f"{s.label}: {s.turnout.size:,} stations", fontsize=10)
        # Lower left: the corner that neither fair counts nor stuffing reach.
        axes.legend(loc="lower left", fontsize=7, framealpha=0.8)
    caption = (
        "Expected for fair counts: one compact blob around the clean peak; "
        "stuffing smears it towards 100% / 100%"
    )
    figure.suptitle(textwrap.fill(caption, width=int(14 * width * len(series))), fontsize=9)
    if image is not None:
        figure.colorbar(image, ax=list(panels), label="stations per cell (log scale)")
    return _png(figure)


def expected_without_integers(counts: FloatArray) -> FloatArray:
    """Each 0.1-point bin's expected count without a pull to whole percentages: the mean of
    its 10 neighbours (5 each side, the bin itself left out; fewer at the ends).

    >>> counts = np.array([10.0] * 11)
    >>> counts[5] = 40.0
    >>> float(expected_without_integers(counts)[5])
    10.0
    """
    kernel = np.ones(2 * _NEIGHBOURS + 1)
    kernel[_NEIGHBOURS] = 0.0
    total = np.convolve(counts, kernel, mode="same")
    weight = np.convolve(np.ones_like(counts), kernel, mode="same")
    expected: FloatArray = total / np.maximum(weight, 1.0)
    return expected


def histogram_plot(
    series: list[Series], variable: str, *, height: float = 3.4, expected: bool = True
) -> str:
    """Stations by ``variable`` (``turnout`` or ``share``) in 0.1-point bins, every series
    on the same axes, with the expected count dashed when one series is drawn (or always
    with ``expected``)."""
    figure = Figure(figsize=(10, height), layout="constrained")
    axes = figure.add_subplot()
    edges = np.linspace(0.0, 100.0, 1001)
    centres = edges[:-1] + 0.05
    top = 1.0
    at_full: list[str] = []
    for index, s in enumerate(series):
        values = s.turnout if variable == "turnout" else s.share
        counts, _ = np.histogram(values, bins=edges)
        # The last bin (100%) can hold thousands of stations: it is kept off the scale and
        # its count written on the plot, so that the rest stays readable.
        top = max(top, float(counts[:-1].max()))
        if counts[-1] > 1.15 * counts[:-1].max():
            at_full.append(f"{s.label + ': ' if len(series) > 1 else ''}{int(counts[-1]):,}")
        colour = _COLOURS[index % len(_COLOURS)]
        name = s.label if len(series) > 1 else "stations"
        axes.plot(centres, counts, linewidth=0.6, color=colour, label=name)
        if expected:
            axes.plot(
                centres,
                expected_without_integers(counts.astype(np.float64)),
                linewidth=0.8,
                color="black" if len(series) == 1 else colour,
                linestyle="--",
                alpha=0.7,
                label=f"expected{' (' + s.label + ')' if len(series) > 1 else ''}: "
                "no pull to whole %, mean of the 10 neighbouring bins",
            )
    below = axes.get_xaxis_transform()
    axes.vlines(
        range(1, 100), -0.04, 0.0, transform=below, clip_on=False, color="#c00000", linewidth=0.6
    )
    axes.vlines(
        range(5, 100, 5),
        0.0,
        1.0,
        transform=below,
        color="#c00000",
        linewidth=0.4,
        linestyles=":",
        alpha=0.7,
        label="multiples of 5% (whole percentages: red marks under the axis)",
    )
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 1.15 * top)
    if at_full:
        axes.annotate(
            "stations at 100%, off the scale: " + "; ".join(at_full),
            xy=(1.0, 1.0),
            xycoords="axes fraction",
            xytext=(-4, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=8,
            color="#a40000",
        )
    choice = series[0].choice
    what = (
        "turnout, % of registered voters"
        if variable == "turnout"
        else f"{choice}, % of valid + invalid ballots"
    )
    axes.set_xlabel(what + " (0.1% bins)")
    axes.set_ylabel("stations per bin")
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return _png(figure)


def shpilkin_plot(series: list[Series]) -> str:
    """Votes by station turnout (1% bins): the choice's, the others', and the choice's
    expected at the clean ratio; every series on the same axes."""
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    axes = figure.add_subplot()
    edges = np.arange(0.0, 101.0, 1.0)
    centres = edges[:-1] + 0.5
    for index, s in enumerate(series):
        colour = _COLOURS[index % len(_COLOURS)]
        prefix = f"{s.label}: " if len(series) > 1 else ""
        choice_votes, _ = np.histogram(s.ballots_turnout, bins=edges, weights=s.votes)
        other_votes, _ = np.histogram(s.ballots_turnout, bins=edges, weights=s.others)
        axes.plot(centres, choice_votes, color=colour, label=f"{prefix}{s.choice}")
        axes.plot(centres, other_votes, color=colour, alpha=0.45, label=f"{prefix}other ballots")
        axes.plot(
            centres,
            s.clean_ratio * other_votes,
            color=colour,
            linestyle="--",
            label=f"{prefix}expected {s.choice}: other ballots × clean ratio {s.clean_ratio:.2f}",
        )
        axes.axvline(
            s.mode, color=colour, linewidth=0.7, linestyle=":", label=f"{prefix}mode {s.mode:.0f}%"
        )
    axes.set_xlim(0, 100)
    axes.set_xlabel("turnout, % of registered voters (1% bins)")
    axes.set_ylabel("votes per bin")
    axes.set_title("Above the mode, votes beyond the dashed line are Shpilkin's excess", fontsize=9)
    axes.legend(frameon=False, fontsize=8, loc="upper left")
    return _png(figure)
