"""One entry point: :func:`analyse` runs every forensic method on a results table.

>>> import polars as pl
>>> from referendum.forensics.table import ColumnSpec, table_from_frame
>>> rng = np.random.default_rng(5)
>>> n = rng.integers(500, 2500, 3000)
>>> ballots = rng.binomial(n, 0.6)
>>> yes = rng.binomial(ballots, 0.55)
>>> frame = pl.DataFrame({"n": n, "b": ballots, "yes": yes, "no": ballots - yes})
>>> spec = ColumnSpec(registered="n", ballots="b", options=("yes", "no"))
>>> result = analyse(table_from_frame(frame, columns=spec), rng=rng)
>>> result.choice, round(result.turnout), round(result.choice_share)
('yes', 60, 55)
>>> result.integer_peaks.turnout.p_value > 0.001
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from referendum.errors import TableError
from referendum.forensics.digits import DigitTest, second_digit_test
from referendum.forensics.excess import ExcessEstimate, shpilkin_excess
from referendum.forensics.fingerprint import FraudFit, fit_fraud_model
from referendum.forensics.integer_peaks import (
    DEFAULT_MIN_SIZE,
    DEFAULT_WINDOW,
    PeakTest,
    auto_draws,
    peak_tests_by_region,
)
from referendum.forensics.summary import Summary, summarise
from referendum.forensics.table import ResultsTable, RowProblem

__all__ = [
    "ExcessVotes",
    "ForensicsOptions",
    "ForensicsResult",
    "IntegerPeaks",
    "RegionResult",
    "analyse",
    "station_rates",
]

Flag = Literal[
    "integer_turnout_peaks",
    "integer_share_peaks",
    "excess_votes",
    "turnout_above_95",
]
EXCESS_FLAG = 0.10
"""A region is flagged when Shpilkin's excess exceeds this fraction of its choice votes."""
HIGH_TURNOUT_FLAG = 10.0
"""A region is flagged when more than this percent of its stations report turnout > 95%."""
_LOG_P_CAP = 50.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ForensicsOptions:
    """Options of :func:`analyse`.

    ``choice``: the option studied (default: the one with most votes).  ``draws``: Monte
    Carlo draws of the integer-peak null (default :func:`auto_draws`).  ``window`` and
    ``min_size``: the integer-peak window (percentage points) and smallest denominator.
    ``alpha``: the p-value below which a region is flagged.  ``fit_sample``: stations used
    to fit the fingerprint model.  ``workers``: threads for the Monte Carlo.
    """

    choice: str | None = None
    draws: int | None = None
    window: float = DEFAULT_WINDOW
    min_size: int = DEFAULT_MIN_SIZE
    alpha: float = 0.001
    fit_sample: int = 20_000
    workers: int = 2


@dataclass(frozen=True, slots=True)
class IntegerPeaks:
    """Integer-percentage tests of turnout and of the choice's share."""

    turnout: PeakTest
    choice_share: PeakTest
    window: float
    min_size: int


@dataclass(frozen=True, slots=True)
class ExcessVotes:
    """Shpilkin's estimate over all stations (``choice``: votes) and summed over regions."""

    choice: float
    ballots: float
    mode_turnout: float
    clean_choice_share: float
    stations_above_mode: int
    choice_sum_of_regions: float
    ballots_sum_of_regions: float


@dataclass(frozen=True, slots=True)
class RegionResult:
    """One region's figures, tests and flags; ``suspicion`` orders the report's table."""

    name: str
    stations: int
    registered: int
    ballots: int
    turnout: float
    choice_share: float
    integer_peaks_turnout: PeakTest
    integer_peaks_choice_share: PeakTest
    excess_votes: float
    excess_share: float
    turnout_above_95: float
    flags: list[Flag]
    suspicion: float


@dataclass(frozen=True, slots=True)
class ForensicsResult:
    """Everything :func:`analyse` found.  ``turnout`` and shares are percentages."""

    layout: str
    stations: int
    skipped_rows: int
    problems: list[RowProblem]
    registered: int
    ballots: int
    cast: int
    turnout: float
    choice: str
    choice_share: float
    choice_share_of_valid: float
    share_denominator: Literal["valid+invalid", "valid"]
    options: dict[str, int]
    integer_peaks: IntegerPeaks
    excess_votes: ExcessVotes
    fingerprint: FraudFit
    summary: Summary
    digits: dict[str, DigitTest]
    regions: list[RegionResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (non-finite floats become ``None``)."""
        data = asdict(self)
        data["problems"] = [str(p) for p in self.problems]
        finite: dict[str, Any] = _finite(data)
        return finite


def station_rates(
    table: ResultsTable, choice: str
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Turnout and the choice's share per station (fractions) and the mask of usable ones.

    A station is usable when it has registered voters and counted ballots.
    """
    usable = (table.registered > 0) & (table.cast > 0)
    turnout = np.divide(table.ballots, table.registered, out=np.zeros(table.stations), where=usable)
    share = np.divide(table.options[choice], table.cast, out=np.zeros(table.stations), where=usable)
    return turnout, share, usable


def _choose(table: ResultsTable, choice: str | None) -> str:
    if choice is None:
        return max(table.options, key=lambda name: int(table.options[name].sum()))
    if choice not in table.options:
        raise TableError(
            "choice", f"no option named {choice!r}; options: {', '.join(table.options)}"
        )
    return choice


def _percent(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def analyse(
    table: ResultsTable,
    *,
    options: ForensicsOptions | None = None,
    rng: np.random.Generator,
) -> ForensicsResult:
    """Run the fingerprint, integer-peak, excess-vote, summary and digit analyses."""
    options = options or ForensicsOptions()
    choice = _choose(table, options.choice)
    votes = table.options[choice]
    cast = table.cast
    others = cast - votes
    regions = len(table.region_names)
    draws = options.draws if options.draws is not None else auto_draws(table.stations)

    (turnout_all, turnout_regions), (share_all, share_regions) = (
        peak_tests_by_region(
            counts,
            totals,
            table.region_codes,
            regions,
            rng=rng,
            draws=draws,
            window=options.window,
            min_size=options.min_size,
            workers=options.workers,
        )
        for counts, totals in ((table.ballots, table.registered), (votes, cast))
    )
    overall_excess = shpilkin_excess(votes, others, table.ballots, table.registered)
    turnout, share, usable = station_rates(table, choice)

    order = np.argsort(table.region_codes, kind="stable")
    bounds = np.searchsorted(table.region_codes[order], np.arange(regions + 1))
    region_results: list[RegionResult] = []
    region_excess: list[ExcessEstimate] = []
    for code in range(regions):
        rows = order[bounds[code] : bounds[code + 1]]
        estimate = shpilkin_excess(
            votes[rows], others[rows], table.ballots[rows], table.registered[rows]
        )
        region_excess.append(estimate)
        region_results.append(
            _region(
                table,
                code,
                rows,
                votes,
                turnout[rows][usable[rows]],
                estimate,
                turnout_regions[code],
                share_regions[code],
                options.alpha,
            )
        )
    region_results.sort(key=lambda r: (-r.suspicion, r.name))

    return ForensicsResult(
        layout=table.layout,
        stations=table.stations,
        skipped_rows=table.skipped_rows,
        problems=list(table.problems),
        registered=int(table.registered.sum()),
        ballots=int(table.ballots.sum()),
        cast=int(cast.sum()),
        turnout=_percent(float(table.ballots.sum()), float(table.registered.sum())),
        choice=choice,
        choice_share=_percent(float(votes.sum()), float(cast.sum())),
        choice_share_of_valid=_percent(float(votes.sum()), float(table.valid.sum())),
        share_denominator="valid+invalid" if table.has_invalid else "valid",
        options={name: int(v.sum()) for name, v in table.options.items()},
        integer_peaks=IntegerPeaks(turnout_all, share_all, options.window, options.min_size),
        excess_votes=ExcessVotes(
            choice=overall_excess.excess_votes,
            ballots=overall_excess.excess_ballots,
            mode_turnout=overall_excess.mode_turnout,
            clean_choice_share=overall_excess.clean_choice_share,
            stations_above_mode=overall_excess.stations_above_mode,
            choice_sum_of_regions=float(sum(e.excess_votes for e in region_excess)),
            ballots_sum_of_regions=float(sum(e.excess_ballots for e in region_excess)),
        ),
        fingerprint=fit_fraud_model(
            table.registered, table.ballots, votes, cast, rng=rng, sample=options.fit_sample
        ),
        summary=summarise(turnout[usable], share[usable]),
        digits={name: second_digit_test(counts) for name, counts in table.options.items()},
        regions=region_results,
    )


def _region(
    table: ResultsTable,
    code: int,
    rows: NDArray[np.int64],
    votes: NDArray[np.int64],
    turnout: NDArray[np.float64],
    estimate: ExcessEstimate,
    turnout_test: PeakTest,
    share_test: PeakTest,
    alpha: float,
) -> RegionResult:
    registered = int(table.registered[rows].sum())
    ballots = int(table.ballots[rows].sum())
    choice_votes = float(votes[rows].sum())
    excess_share = estimate.excess_votes / choice_votes if choice_votes else 0.0
    high = _percent(float(np.count_nonzero(turnout > 0.95)), float(turnout.size))
    flags: list[Flag] = []
    if turnout_test.p_value < alpha:
        flags.append("integer_turnout_peaks")
    if share_test.p_value < alpha:
        flags.append("integer_share_peaks")
    if excess_share > EXCESS_FLAG:
        flags.append("excess_votes")
    if high > HIGH_TURNOUT_FLAG:
        flags.append("turnout_above_95")
    suspicion = (
        _log_p(turnout_test.p_value)
        + _log_p(share_test.p_value)
        + 100.0 * max(excess_share, 0.0)
        + high
    )
    return RegionResult(
        name=table.region_names[code],
        stations=int(rows.size),
        registered=registered,
        ballots=ballots,
        turnout=_percent(ballots, registered),
        choice_share=_percent(choice_votes, float(table.cast[rows].sum())),
        integer_peaks_turnout=turnout_test,
        integer_peaks_choice_share=share_test,
        excess_votes=estimate.excess_votes,
        excess_share=100.0 * excess_share,
        turnout_above_95=high,
        flags=flags,
        suspicion=suspicion,
    )


def _log_p(p: float) -> float:
    """``-log10 p`` capped at 50, so that one astronomically small p does not rank alone."""
    return min(_LOG_P_CAP, -math.log10(max(p, 1e-300)))


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
