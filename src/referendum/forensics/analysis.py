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
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from referendum.errors import TableError
from referendum.forensics.battery import Battery, run_battery
from referendum.forensics.bootstrap import DEFAULT_REPLICATES
from referendum.forensics.digits import DigitTest, second_digit_test
from referendum.forensics.excess import ExcessEstimate, shpilkin_excess
from referendum.forensics.fingerprint import FraudFit, fit_fraud_model
from referendum.forensics.integer_anomaly import (
    DEFAULT_DRAWS,
    IntegerAnomaly,
    IntegerCount,
    integer_anomaly_by_region,
)
from referendum.forensics.integer_peaks import (
    DEFAULT_MIN_SIZE,
    DEFAULT_WINDOW,
    MIN_NORMAL_SD,
    PeakTest,
    auto_draws,
    peak_tests_by_region,
)
from referendum.forensics.mixture import DEFAULT_REPLICATES as MIXTURE_REPLICATES
from referendum.forensics.mixture import MIN_STATIONS as MIXTURE_MIN_STATIONS
from referendum.forensics.mixture import MixtureFit, fit_mixture, region_summaries
from referendum.forensics.rozenas import MIN_STATIONS as ROZENAS_MIN_STATIONS
from referendum.forensics.rozenas import RozenasTest, rozenas_test
from referendum.forensics.summary import Summary, summarise
from referendum.forensics.table import ResultsTable, RowProblem

__all__ = [
    "ExcessVotes",
    "ForensicsOptions",
    "ForensicsResult",
    "IntegerPeaks",
    "MethodTime",
    "RegionResult",
    "analyse",
    "station_rates",
]

IntegerMethod = Literal["kobak2016", "window"]
"""``kobak2016``: the published procedure (the default); ``window``: the earlier variant."""
MethodName = Literal[
    "fingerprint",
    "integer_peaks",
    "excess_votes",
    "summary",
    "digits",
    "distribution",
    "coarse_shares",
    "mixture",
]
"""The methods ``--methods`` picks from (each a section of the report)."""
METHODS: tuple[MethodName, ...] = get_args(MethodName)
"""Every method, in the report's order; :func:`analyse` runs them all by default."""
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

    ``choice``: the option studied (default: the one with most votes).
    ``integer_method``: ``kobak2016`` (default), the procedure of Kobak et al. 2016 as
    published (:mod:`~referendum.forensics.integer_anomaly`), or ``window``, the earlier
    variant (:mod:`~referendum.forensics.integer_peaks`).  ``draws``: Monte Carlo draws of
    the integer-peak null (default 1,000 for ``kobak2016``, :func:`auto_draws` for
    ``window``).  ``seed``: seed of the published method's generator (default: drawn from
    the analysis' generator; reported either way).  ``window`` and ``min_size``: the
    variant's window (percentage points) and smallest denominator.  ``alpha``: the
    p-value below which a region is flagged.  ``fit_sample``: stations used to fit the
    fingerprint model.  ``workers``: threads for the Monte Carlo.  ``methods``: the
    methods run (default :data:`METHODS`); the others' fields are ``None``.
    ``replicates``: bootstrap replicates of the battery's intervals.  ``resamples``:
    resamples of Rozenas' coarse-share test (default :func:`auto_resamples`).
    ``mixture_replicates``: bootstrap replicates of the mixture model's intervals.
    """

    choice: str | None = None
    integer_method: IntegerMethod = "kobak2016"
    draws: int | None = None
    seed: int | None = None
    window: float = DEFAULT_WINDOW
    min_size: int = DEFAULT_MIN_SIZE
    alpha: float = 0.001
    fit_sample: int = 20_000
    workers: int = 2
    methods: frozenset[MethodName] = frozenset(METHODS)
    replicates: int = DEFAULT_REPLICATES
    resamples: int | None = None
    mixture_replicates: int = MIXTURE_REPLICATES


@dataclass(frozen=True, slots=True)
class MethodTime:
    """Seconds one method took: ``wall`` clock and ``cpu`` (user + system of this process's
    threads and of the worker processes it waited for)."""

    wall: float
    cpu: float


def _cpu_seconds() -> float:
    """User + system seconds of this process (all threads) and of its reaped children."""
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


@dataclass(frozen=True, slots=True)
class IntegerPeaks:
    """Integer-percentage tests of turnout and of the choice's share.

    ``either`` (published method only) counts stations with integer turnout or share, the
    statistic of Kobak et al. 2016; ``seed`` and ``excluded`` likewise.  ``window`` and
    ``min_size`` describe the integer bin (0.05 and 100 for the published method).
    """

    turnout: PeakTest
    choice_share: PeakTest
    window: float
    min_size: int
    method: IntegerMethod = "window"
    either: PeakTest | None = None
    seed: int | None = None
    excluded: int = 0


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
    integer_peaks_turnout: PeakTest | None
    integer_peaks_choice_share: PeakTest | None
    excess_votes: float | None
    excess_share: float | None
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
    skipped_by_reason: dict[str, int]
    no_results: int
    source: str | None
    apart: dict[str, int] | None
    registered: int
    ballots: int
    cast: int
    turnout: float
    choice: str
    choice_share: float
    choice_share_of_valid: float
    share_denominator: Literal["valid+invalid", "valid"]
    options: dict[str, int]
    methods: list[MethodName]
    integer_peaks: IntegerPeaks | None
    excess_votes: ExcessVotes | None
    fingerprint: FraudFit | None
    summary: Summary | None
    digits: dict[str, DigitTest] | None
    battery: Battery | None
    coarse_shares: RozenasTest | None = None
    regions: list[RegionResult] = field(default_factory=list)
    mixture: MixtureFit | None = None
    not_run: dict[str, str] = field(default_factory=dict)
    """Methods asked for but not run, each with the reason (a table too small)."""
    station_arrays: dict[str, NDArray[np.float64]] = field(default_factory=dict, repr=False)
    """Per-station figures for the list of stations to look at (not in the JSON)."""
    timings: dict[str, MethodTime] = field(default_factory=dict, repr=False, compare=False)
    """Seconds each method took (the benchmark's breakdown; not in the JSON, which a seed
    makes repeatable)."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (non-finite floats become ``None``)."""
        data = asdict(self)
        del data["station_arrays"]
        del data["timings"]
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
    """Run the chosen methods (all by default): see :data:`METHODS`."""
    options = options or ForensicsOptions()
    unknown = set(options.methods) - set(METHODS)
    if unknown:
        raise TableError(
            "methods", f"unknown {', '.join(sorted(unknown))}; choose from {', '.join(METHODS)}"
        )
    run = options.methods
    timings: dict[str, MethodTime] = {}

    @contextmanager
    def timed(name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), _cpu_seconds()
        try:
            yield
        finally:
            before = timings.get(name, MethodTime(0.0, 0.0))
            timings[name] = MethodTime(
                before.wall + time.perf_counter() - wall, before.cpu + _cpu_seconds() - cpu
            )

    choice = _choose(table, options.choice)
    votes = table.options[choice]
    cast = table.cast
    others = cast - votes
    regions = len(table.region_names)
    seed = options.seed if options.seed is not None else int(rng.integers(2**31))
    integer_peaks: IntegerPeaks | None = None
    turnout_regions: list[PeakTest | None] = [None] * regions
    share_regions: list[PeakTest | None] = [None] * regions
    if "integer_peaks" in run:
        with timed("integer_peaks"):
            integer_peaks, by_turnout, by_share = _integer_peaks(table, votes, options, rng, seed)
        turnout_regions, share_regions = list(by_turnout), list(by_share)
    turnout, share, usable = station_rates(table, choice)

    order = np.argsort(table.region_codes, kind="stable")
    bounds = np.searchsorted(table.region_codes[order], np.arange(regions + 1))
    region_results: list[RegionResult] = []
    region_excess: list[ExcessEstimate] = []
    for code in range(regions):
        rows = order[bounds[code] : bounds[code + 1]]
        estimate = None
        if "excess_votes" in run:
            with timed("excess_votes"):
                estimate = shpilkin_excess(
                    votes[rows], others[rows], table.ballots[rows], table.registered[rows]
                )
            region_excess.append(estimate)
        if not table.registered[rows].any():
            # A region named in the file without stations with voters (the four annexed
            # regions in the 2024 file): nothing to rank, so it stays out of the table.
            continue
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

    excess_votes = None
    if "excess_votes" in run:
        with timed("excess_votes"):
            overall = shpilkin_excess(votes, others, table.ballots, table.registered)
        excess_votes = ExcessVotes(
            choice=overall.excess_votes,
            ballots=overall.excess_ballots,
            mode_turnout=overall.mode_turnout,
            clean_choice_share=overall.clean_choice_share,
            stations_above_mode=overall.stations_above_mode,
            choice_sum_of_regions=float(sum(e.excess_votes for e in region_excess)),
            ballots_sum_of_regions=float(sum(e.excess_ballots for e in region_excess)),
        )
    battery = None
    if {"digits", "distribution"} & run:
        counts = {"ballots issued": table.ballots[usable]}
        counts |= {name: v[usable] for name, v in table.options.items()}
        with timed("+".join(m for m in ("digits", "distribution") if m in run)):
            battery = run_battery(
                counts,
                turnout[usable],
                share[usable],
                leader=choice,
                seed=seed,
                replicates=options.replicates,
                digits="digits" in run,
                distribution="distribution" in run,
            )

    not_run: dict[str, str] = {}
    counted = int(np.count_nonzero(cast > 0))
    coarse = None
    if "coarse_shares" in run:
        if counted >= ROZENAS_MIN_STATIONS:
            with timed("coarse_shares"):
                coarse = rozenas_test(
                    table.registered,
                    cast,
                    votes,
                    seed=seed,
                    resamples=options.resamples,
                    workers=options.workers,
                )
        else:
            not_run["coarse_shares"] = (
                f"needs {ROZENAS_MIN_STATIONS} stations with ballots, the table has {counted}"
            )

    mixture = None
    arrays: dict[str, NDArray[np.float64]] = {}
    if coarse is not None:
        arrays["coarse_probability"] = coarse.station_probability(cast, votes)
    if "mixture" in run:
        usable_count = int(np.count_nonzero(usable))
        if usable_count >= MIXTURE_MIN_STATIONS:
            with timed("mixture"):
                mixture, posterior = fit_mixture(
                    table.registered,
                    table.ballots,
                    votes,
                    cast,
                    seed=seed,
                    replicates=options.mixture_replicates,
                )
                mixture = replace(
                    mixture,
                    regions=region_summaries(posterior, table.region_codes, table.region_names),
                )
            arrays |= {
                "incremental": posterior.incremental,
                "extreme": posterior.extreme,
                "manufactured": posterior.manufactured,
                "manufactured_sd": posterior.manufactured_sd,
                "stolen": posterior.stolen,
                "stolen_sd": posterior.stolen_sd,
            }
        else:
            not_run["mixture"] = (
                f"needs {MIXTURE_MIN_STATIONS} usable stations, the table has {usable_count}"
            )

    fingerprint = None
    if "fingerprint" in run:
        with timed("fingerprint"):
            fingerprint = fit_fraud_model(
                table.registered, table.ballots, votes, cast, rng=rng, sample=options.fit_sample
            )
    summary = None
    if "summary" in run:
        with timed("summary"):
            summary = summarise(turnout[usable], share[usable])
    digits = None
    if "digits" in run:
        with timed("digits"):
            digits = {name: second_digit_test(counts) for name, counts in table.options.items()}

    return ForensicsResult(
        layout=table.layout,
        stations=table.stations,
        skipped_rows=table.skipped_rows,
        problems=list(table.problems),
        skipped_by_reason=dict(table.skipped_by_reason),
        no_results=table.no_results,
        source=table.source,
        apart=dict(table.apart) if table.apart is not None else None,
        registered=int(table.registered.sum()),
        ballots=int(table.ballots.sum()),
        cast=int(cast.sum()),
        turnout=_percent(float(table.ballots.sum()), float(table.registered.sum())),
        choice=choice,
        choice_share=_percent(float(votes.sum()), float(cast.sum())),
        choice_share_of_valid=_percent(float(votes.sum()), float(table.valid.sum())),
        share_denominator="valid+invalid" if table.has_invalid else "valid",
        options={name: int(v.sum()) for name, v in table.options.items()},
        methods=[m for m in METHODS if m in run],
        integer_peaks=integer_peaks,
        excess_votes=excess_votes,
        fingerprint=fingerprint,
        summary=summary,
        digits=digits,
        battery=battery,
        coarse_shares=coarse,
        regions=region_results,
        mixture=mixture,
        not_run=not_run,
        station_arrays=arrays,
        timings=timings,
    )


def _integer_peaks(
    table: ResultsTable,
    votes: NDArray[np.int64],
    options: ForensicsOptions,
    rng: np.random.Generator,
    seed: int,
) -> tuple[IntegerPeaks, list[PeakTest], list[PeakTest]]:
    """The integer-peak tests by the chosen method, overall and per region."""
    regions = len(table.region_names)
    if options.integer_method == "kobak2016":
        draws = options.draws if options.draws is not None else DEFAULT_DRAWS
        overall, per_region = integer_anomaly_by_region(
            table.registered,
            table.ballots,
            table.cast,
            votes,
            table.region_codes,
            regions,
            draws=draws,
            seed=seed,
            workers=options.workers,
        )
        peaks = IntegerPeaks(
            turnout=_peak(overall.turnout, overall),
            choice_share=_peak(overall.share, overall),
            window=0.05,
            min_size=100,
            method="kobak2016",
            either=_peak(overall.either, overall),
            seed=seed,
            excluded=overall.excluded,
        )
        return (
            peaks,
            [_peak(r.turnout, r) for r in per_region],
            [_peak(r.share, r) for r in per_region],
        )
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
        for counts, totals in ((table.ballots, table.registered), (votes, table.cast))
    )
    peaks = IntegerPeaks(turnout_all, share_all, options.window, options.min_size)
    return peaks, turnout_regions, share_regions


def _peak(count: IntegerCount, anomaly: IntegerAnomaly) -> PeakTest:
    return PeakTest(
        stations=anomaly.stations,
        observed=count.observed,
        expected=count.expected,
        sd=count.sd,
        z=count.z,
        p_value=count.p_value,
        p_value_monte_carlo=count.p_value,
        draws=anomaly.draws,
        bar=count.bar,
    )


def _region(
    table: ResultsTable,
    code: int,
    rows: NDArray[np.int64],
    votes: NDArray[np.int64],
    turnout: NDArray[np.float64],
    estimate: ExcessEstimate | None,
    turnout_test: PeakTest | None,
    share_test: PeakTest | None,
    alpha: float,
) -> RegionResult:
    registered = int(table.registered[rows].sum())
    ballots = int(table.ballots[rows].sum())
    choice_votes = float(votes[rows].sum())
    excess_share = None
    if estimate is not None:
        excess_share = estimate.excess_votes / choice_votes if choice_votes else 0.0
    high = _percent(float(np.count_nonzero(turnout > 0.95)), float(turnout.size))
    flags: list[Flag] = []
    # The published method's Monte Carlo p-value cannot go below 1/(draws + 1): flags use
    # the normal approximation from z, as the ranking does.
    if turnout_test is not None and _normal_p(turnout_test) < alpha:
        flags.append("integer_turnout_peaks")
    if share_test is not None and _normal_p(share_test) < alpha:
        flags.append("integer_share_peaks")
    if excess_share is not None and excess_share > EXCESS_FLAG:
        flags.append("excess_votes")
    if high > HIGH_TURNOUT_FLAG:
        flags.append("turnout_above_95")
    suspicion = (
        sum(_log_p(_normal_p(t)) for t in (turnout_test, share_test) if t is not None)
        + 100.0 * max(excess_share or 0.0, 0.0)
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
        excess_votes=estimate.excess_votes if estimate is not None else None,
        excess_share=100.0 * excess_share if excess_share is not None else None,
        turnout_above_95=high,
        flags=flags,
        suspicion=suspicion,
    )


def _normal_p(test: PeakTest) -> float:
    """The normal approximation's p-value where the null is wide enough, else the test's."""
    return float(stats.norm.sf(test.z)) if test.sd >= MIN_NORMAL_SD else test.p_value


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
