"""Stations to look at: every station a method flags, with the reason and a score, ranked.

Each method is a *flagger*: a function that takes a :class:`StationContext` (the table, the
choice studied and the analysis' result) and returns a :class:`StationFlags` bundle, the
stations it flags with a score and a reason in words.  A score is a *surprise* in one unit
for every method: ``-log10`` of the chance of the station's pattern under that method's
model of clean counts (1 = one station in 10 shows it by chance, 3 = one in 1,000), capped
at 50.  :func:`station_list` runs the flaggers and ranks the stations by the sum of their
scores (``rank_by="score"``, the default): the surprise of the station's patterns taken
together, so that a station flagged by several methods comes before one flagged by a single
method of the same strength.  ``rank_by="methods"`` puts the stations flagged by more
methods first whatever their scores; it lets chance coincidences of weak flags (a turnout
and a share that both land on whole percentages, one station in a hundred) outrank a
station at 99% turnout and 99% share, hence not the default.

The flaggers of :data:`FLAGGERS`:

``integer_turnout``, ``integer_share``
    the station's turnout (ballots issued / registered) or the choice's share (of valid +
    invalid ballots) is an integer percentage as Kobak, Shpilkin & Pshenichnikov (2016)
    define it (within 0.05 points of a whole number), among the stations their test
    includes (at least 100 registered voters, counted ballots, rates at most 99%).  Score:
    ``-log10`` of the fraction of the station's possible counts ``0..n`` that give an
    integer percentage: about 1 for a station of 1,000 voters, more for larger ones.
``excess_votes``
    the station sits in the high-turnout, high-share tail that Shpilkin's excess counts
    (Kobak, Shpilkin & Pshenichnikov, Significance 13(4), 2016): its turnout and its
    choice's share are both at least :data:`TAIL_SIGMAS` standard deviations above the clean
    peak, the peak being Shpilkin's mode turnout ``T0`` and clean share, its spread
    measured on the stations at or below ``T0`` (the side that stuffing does not reach).
    Score: the two one-sided normal tails' ``-log10`` summed; the reason gives the
    station's votes beyond Shpilkin's clean ratio.
``mixture``
    the mixture model's posterior probability of fraud (incremental or extreme) is at
    least :data:`MIXTURE_FLAG`; score ``-log10`` of the posterior probability of a clean
    station; the reason gives the manufactured and stolen votes expected, with their
    posterior standard deviations (:mod:`~referendum.forensics.mixture`).
``coarse_shares``
    the station's share sits on one of Rozenas' spikes where at least
    :data:`COARSE_FLAG` of the stations are in excess; score ``-log10`` of one minus that
    share (:mod:`~referendum.forensics.rozenas`).
``last_digits``
    the per-station form of the Toolkit's C05s: among the station's counts of at least 100
    (ballots issued and each option's votes), so many end in 0 or 5 that uniform last
    digits (chance 0.2 each) give as many with probability below :data:`DIGIT_ALPHA`.
    Score: ``-log10`` of that binomial tail.  With three counts (a yes/no vote) only a
    station whose every count ends in 0 or 5 is flagged.

A new method plugs in by adding a function of the :data:`Flagger` type to :data:`FLAGGERS`
(and its analysis method to :data:`FLAGGED_BY`), or to the mapping given to
:func:`station_list`.

>>> from referendum.forensics.analysis import ForensicsOptions, analyse
>>> from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, synthetic_frame
>>> from referendum.forensics.table import table_from_frame
>>> frame = synthetic_frame(3000, rng=np.random.default_rng(1), stuffed=0.02)
>>> table = table_from_frame(frame, columns=SYNTHETIC_COLUMNS)
>>> options = ForensicsOptions(methods=frozenset({"excess_votes"}))
>>> ranked = station_list(table, analyse(table, options=options, rng=np.random.default_rng(1)))
>>> top = ranked.frame.row(0, named=True)
>>> top["method"], frame["stuffed"][top["row"] - 1] > 0
('excess_votes', True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import stats

from referendum.errors import TableError
from referendum.forensics.analysis import ForensicsResult, station_rates
from referendum.forensics.excess import shpilkin_excess
from referendum.forensics.integer_anomaly import included, integer_percentage
from referendum.forensics.table import ResultsTable

__all__ = [
    "COARSE_FLAG",
    "DIGIT_ALPHA",
    "FLAGGED_BY",
    "FLAGGERS",
    "MIXTURE_FLAG",
    "SCORE_CAP",
    "TAIL_SIGMAS",
    "Flagger",
    "RankBy",
    "StationContext",
    "StationFlags",
    "StationList",
    "check_stations_path",
    "coarse_share_flags",
    "excess_flags",
    "integer_share_flags",
    "integer_turnout_flags",
    "last_digit_flags",
    "mixture_flags",
    "read_stations",
    "station_list",
    "write_stations",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

SCORE_CAP = 50.0
"""Scores are capped here, so that one astronomically unlikely pattern does not rank alone."""
TAIL_SIGMAS = 2.0
"""``excess_votes`` flags stations this many standard deviations above the clean peak, in
turnout and in share: a clean station does both with chance about 0.023² = 0.05%."""
DIGIT_ALPHA = 0.01
"""``last_digits`` flags a station whose 0/5 endings have a binomial tail below this."""
DIGIT_MIN_COUNT = 100
"""Counts below this are left out of ``last_digits`` (the Toolkit's C05s threshold)."""
_SUFFIXES = (".csv", ".parquet")
RankBy = Literal["score", "methods"]
"""How :func:`station_list` ranks: by summed score, or by the number of methods first."""


@dataclass(frozen=True, slots=True)
class StationContext:
    """What a flagger reads: the table, the analysis' result and the per-station rates.

    ``turnout`` and ``share`` are fractions; ``usable`` marks stations with registered
    voters and counted ballots.
    """

    table: ResultsTable
    result: ForensicsResult
    turnout: FloatArray
    share: FloatArray
    usable: NDArray[np.bool_]

    @property
    def votes(self) -> IntArray:
        """The choice's votes per station."""
        return self.table.options[self.result.choice]


@dataclass(frozen=True, slots=True)
class StationFlags:
    """The stations one method flags: indices into the table, a score and a reason each.

    ``label`` names the method in words (with its paper) for the report.
    """

    method: str
    label: str
    stations: IntArray
    scores: FloatArray
    reasons: tuple[str, ...]

    def __post_init__(self) -> None:
        if not (len(self.stations) == len(self.scores) == len(self.reasons)):
            raise ValueError("stations, scores and reasons must have one entry per station")


Flagger = Callable[[StationContext], StationFlags]
"""A method's station flagger: see the module docstring."""


def _surprise(p: FloatArray) -> FloatArray:
    """``-log10 p``, capped at :data:`SCORE_CAP`."""
    score: FloatArray = np.minimum(SCORE_CAP, -np.log10(np.maximum(p, 1e-300)))
    return score


def _integer_chance(totals: IntArray) -> FloatArray:
    """For each total ``n``: the fraction of counts ``0..n`` whose percentage is integer."""
    sizes, inverse = np.unique(totals, return_inverse=True)
    chance = np.empty(sizes.shape[0])
    for i, n in enumerate(sizes):
        counts = np.arange(int(n) + 1, dtype=np.int64)
        chance[i] = np.count_nonzero(integer_percentage(counts, np.full_like(counts, n))) / (
            int(n) + 1
        )
    result: FloatArray = chance[inverse]
    return result


def _integer_flags(
    context: StationContext, method: str, *, counts: IntArray, totals: IntArray, what: str
) -> StationFlags:
    table = context.table
    keep = included(table.registered, table.ballots, table.cast, context.votes)
    hit = np.flatnonzero(keep & integer_percentage(counts, np.maximum(totals, 1)))
    chance = _integer_chance(totals[hit])
    reasons = tuple(
        f"{what} {100.0 * int(k) / int(n):.2f}% ({int(k):,} of {int(n):,}) is a whole "
        f"percentage within 0.05 points; a station of this size lands on one by chance "
        f"{100.0 * c:.1f}% of the time"
        for k, n, c in zip(counts[hit], totals[hit], chance, strict=True)
    )
    label = f"{what.split(' ')[-1]} on a whole percentage (Kobak, Shpilkin & Pshenichnikov 2016)"
    return StationFlags(method, label, hit.astype(np.int64), _surprise(chance), reasons)


def integer_turnout_flags(context: StationContext) -> StationFlags:
    """Stations whose turnout is an integer percentage (Kobak et al. 2016)."""
    table = context.table
    return _integer_flags(
        context, "integer_turnout", counts=table.ballots, totals=table.registered, what="turnout"
    )


def integer_share_flags(context: StationContext) -> StationFlags:
    """Stations whose choice's share is an integer percentage (Kobak et al. 2016)."""
    what = f"{context.result.choice}'s share"
    return _integer_flags(
        context, "integer_share", counts=context.votes, totals=context.table.cast, what=what
    )


def excess_flags(context: StationContext) -> StationFlags:
    """Stations in the high-turnout, high-share tail above the clean peak (Shpilkin)."""
    table = context.table
    votes = context.votes
    others = table.cast - votes
    excess = context.result.excess_votes
    if excess is not None:
        mode, clean_share = excess.mode_turnout, excess.clean_choice_share
    else:
        estimate = shpilkin_excess(votes, others, table.ballots, table.registered)
        mode, clean_share = estimate.mode_turnout, estimate.clean_choice_share
    usable = context.usable
    turnout = 100.0 * context.turnout
    share = 100.0 * context.share
    # Stations at or below the mode: the clean side, whose spread measures the peak's.
    low = usable & (turnout <= mode)
    empty = StationFlags("excess_votes", _EXCESS_LABEL, np.zeros(0, np.int64), np.zeros(0), ())
    if np.count_nonzero(low) < 2:
        return empty
    turnout_sd = math.sqrt(float(np.mean((turnout[low] - mode) ** 2)))
    share_sd = float(np.std(share[low]))
    if turnout_sd == 0.0 or share_sd == 0.0:
        return empty
    z_turnout = (turnout - mode) / turnout_sd
    z_share = (share - clean_share) / share_sd
    hit = np.flatnonzero(usable & (z_turnout >= TAIL_SIGMAS) & (z_share >= TAIL_SIGMAS))
    scores = np.minimum(
        SCORE_CAP,
        _surprise(stats.norm.sf(z_turnout[hit])) + _surprise(stats.norm.sf(z_share[hit])),
    )
    ratio = clean_share / (100.0 - clean_share) if clean_share < 100.0 else 0.0
    beyond = votes[hit] - ratio * others[hit]
    choice = context.result.choice
    reasons = tuple(
        f"turnout {t:.1f}% and {choice} {s:.1f}%: {zt:.1f} and {zs:.1f} standard deviations "
        f"above the clean peak (turnout {mode:.1f}% ± {turnout_sd:.1f}, share "
        f"{clean_share:.1f}% ± {share_sd:.1f}); {b:,.0f} votes beyond the clean ratio"
        for t, s, zt, zs, b in zip(
            turnout[hit], share[hit], z_turnout[hit], z_share[hit], beyond, strict=True
        )
    )
    return StationFlags("excess_votes", _EXCESS_LABEL, hit.astype(np.int64), scores, reasons)


_EXCESS_LABEL = "high turnout and high share, the tail of Shpilkin's excess (Kobak et al. 2016)"


def last_digit_flags(context: StationContext) -> StationFlags:
    """Stations with too many counts ending in 0 or 5 (the Toolkit's C05s, per station)."""
    table = context.table
    names = ["ballots issued", *table.options]
    matrix = np.stack([table.ballots, *table.options.values()])
    tested = matrix >= DIGIT_MIN_COUNT
    round_ = tested & (matrix % 5 == 0)
    m = tested.sum(axis=0)
    k = round_.sum(axis=0)
    p = stats.binom.sf(k - 1, m, 0.2)
    hit = np.flatnonzero((m > 0) & (p < DIGIT_ALPHA))
    reasons = tuple(
        f"{int(k[i])} of its {int(m[i])} counts of {DIGIT_MIN_COUNT} or more end in 0 or 5 "
        f"({', '.join(f'{names[j]} {int(matrix[j, i]):,}' for j in np.flatnonzero(round_[:, i]))}"
        f"); uniform last digits give as many with probability {float(p[i]):.2g}"
        for i in hit
    )
    return StationFlags(
        "last_digits",
        "counts ending in 0 or 5 (C05s per station, Election Forensics Toolkit)",
        hit.astype(np.int64),
        _surprise(p[hit]),
        reasons,
    )


MIXTURE_FLAG = 0.5
"""``mixture`` flags a station whose posterior probability of fraud is at least this."""
COARSE_FLAG = 0.25
"""``coarse_shares`` flags a station on a spike with at least this share in excess."""


def mixture_flags(context: StationContext) -> StationFlags:
    """Stations the mixture model gives a probability of fraud of at least one half."""
    arrays = context.result.station_arrays
    if "incremental" not in arrays:
        return StationFlags("mixture", _MIXTURE_LABEL, np.zeros(0, np.int64), np.zeros(0), ())
    fraud = arrays["incremental"] + arrays["extreme"]
    hit = np.flatnonzero(context.usable & (fraud >= MIXTURE_FLAG))
    made, made_sd = arrays["manufactured"], arrays["manufactured_sd"]
    moved, moved_sd = arrays["stolen"], arrays["stolen_sd"]
    reasons = tuple(
        f"posterior probability of fraud {fraud[i]:.2f} (extreme {arrays['extreme'][i]:.2f}); "
        f"about {made[i]:,.0f} ± {made_sd[i]:,.0f} votes manufactured and "
        f"{moved[i]:,.0f} ± {moved_sd[i]:,.0f} stolen"
        for i in hit
    )
    # the chance of a clean station is the posterior's complement
    return StationFlags(
        "mixture", _MIXTURE_LABEL, hit.astype(np.int64), _surprise(1.0 - fraud[hit]), reasons
    )


_MIXTURE_LABEL = "incremental or extreme fraud in the mixture model (Klimek et al. 2012; Mebane)"


def coarse_share_flags(context: StationContext) -> StationFlags:
    """Stations on a coarse-share spike where many stations are in excess (Rozenas)."""
    test = context.result.coarse_shares
    if test is None:
        return StationFlags("coarse_shares", _COARSE_LABEL, np.zeros(0, np.int64), np.zeros(0), ())
    table = context.table
    probability = test.station_probability(table.cast, context.votes)
    hit = np.flatnonzero(context.usable & (probability >= COARSE_FLAG))
    choice = context.result.choice
    reasons = tuple(
        f"{choice}'s share {100 * context.share[i]:.1f}% sits on a coarse-share spike where "
        f"{probability[i]:.0%} of the stations are beyond what their own counts give"
        for i in hit
    )
    return StationFlags(
        "coarse_shares",
        _COARSE_LABEL,
        hit.astype(np.int64),
        _surprise(1.0 - probability[hit]),
        reasons,
    )


_COARSE_LABEL = "share on a coarse-share spike (Rozenas 2017)"


FLAGGERS: Mapping[str, Flagger] = {
    "integer_turnout": integer_turnout_flags,
    "integer_share": integer_share_flags,
    "excess_votes": excess_flags,
    "last_digits": last_digit_flags,
    "mixture": mixture_flags,
    "coarse_shares": coarse_share_flags,
}
"""Every flagger, by method name, in the list's order."""

FLAGGED_BY: Mapping[str, str] = {
    "integer_turnout": "integer_peaks",
    "integer_share": "integer_peaks",
    "excess_votes": "excess_votes",
    "last_digits": "digits",
    "mixture": "mixture",
    "coarse_shares": "coarse_shares",
}
"""The analysis method (``--methods``) each flagger belongs to: a flagger runs by default
only when its method ran.  A flagger not named here always runs."""


@dataclass(frozen=True, slots=True)
class StationList:
    """The ranked list: one row per (station, method), stations in rank order.

    ``rank_by`` says how the ranks were drawn (see :func:`station_list`).

    Columns: ``rank`` (1 = look first; shared by a station's rows), ``methods`` (how many
    methods flag the station), ``total_score`` (the sum of its scores), ``method``,
    ``reason``, ``score``, ``region``, ``station``, ``row`` (1-based data row in the file),
    ``registered``, ``ballots``, ``valid``, ``invalid``, ``turnout`` and ``share`` (percent),
    ``choice`` and ``choice_votes``, then ``votes: NAME`` for every option.  ``labels``
    describe each method that ran, ``flagged`` counts the stations each flagged.
    """

    frame: pl.DataFrame
    labels: dict[str, str]
    flagged: dict[str, int]
    rank_by: RankBy = "score"

    @property
    def stations(self) -> int:
        """The number of distinct stations in the list."""
        return int(self.frame.get_column("rank").n_unique()) if self.frame.height else 0

    def top(self, stations: int) -> pl.DataFrame:
        """The rows of the ``stations`` best-ranked stations."""
        return self.frame.filter(pl.col("rank") <= stations)


def station_list(
    table: ResultsTable,
    result: ForensicsResult,
    *,
    flaggers: Mapping[str, Flagger] | None = None,
    rank_by: RankBy = "score",
) -> StationList:
    """Run the flaggers and rank the stations they flag (see the module docstring).

    ``flaggers`` default to those of :data:`FLAGGERS` whose method the analysis ran
    (:data:`FLAGGED_BY`), so that ``--methods`` picks the list's methods too.
    """
    if flaggers is None:
        ran = set(result.methods)
        flaggers = {
            name: flagger
            for name, flagger in FLAGGERS.items()
            if FLAGGED_BY.get(name) is None or FLAGGED_BY[name] in ran
        }
    if rank_by not in ("score", "methods"):
        raise TableError("rank_by", f"{rank_by!r} is neither 'score' nor 'methods'")
    keys = ["total_score", "methods"] if rank_by == "score" else ["methods", "total_score"]
    turnout, share, usable = station_rates(table, result.choice)
    context = StationContext(table, result, turnout, share, usable)
    bundles = [flagger(context) for flagger in flaggers.values()]
    labels = {b.method: b.label for b in bundles}
    flagged = {b.method: len(b.stations) for b in bundles}
    indices = np.concatenate([b.stations for b in bundles] + [np.zeros(0, np.int64)])
    scores = np.concatenate([b.scores for b in bundles] + [np.zeros(0)])
    long = pl.DataFrame(
        {
            "index": indices,
            "method": [b.method for b in bundles for _ in b.stations],
            "reason": [r for b in bundles for r in b.reasons],
            "score": scores,
        },
        schema={"index": pl.Int64, "method": pl.String, "reason": pl.String, "score": pl.Float64},
    )
    per_station = (
        long.group_by("index")
        .agg(
            pl.col("method").n_unique().alias("methods"),
            pl.col("score").sum().alias("total_score"),
        )
        .sort([*keys, "index"], descending=[True, True, False])
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    frame = (
        long.join(per_station, on="index", how="inner")
        .sort(["rank", "score", "method"], descending=[False, True, False])
        .select("rank", "methods", "total_score", "method", "reason", "score", "index")
    )
    at = frame.get_column("index").to_numpy()
    votes = table.options[result.choice]
    columns: dict[str, pl.Series] = {
        "region": pl.Series(
            [table.region_names[c] for c in table.region_codes[at]], dtype=pl.String
        ),
        "station": pl.Series([table.station_id(int(i)) for i in at], dtype=pl.String),
        "row": pl.Series(table.rows[at] if table.rows is not None else at + 1, dtype=pl.Int64),
        "registered": pl.Series(table.registered[at], dtype=pl.Int64),
        "ballots": pl.Series(table.ballots[at], dtype=pl.Int64),
        "valid": pl.Series(table.valid[at], dtype=pl.Int64),
        "invalid": pl.Series(table.invalid[at], dtype=pl.Int64),
        "turnout": pl.Series(100.0 * turnout[at], dtype=pl.Float64),
        "share": pl.Series(100.0 * share[at], dtype=pl.Float64),
        "choice": pl.Series([result.choice] * len(at), dtype=pl.String),
        "choice_votes": pl.Series(votes[at], dtype=pl.Int64),
    }
    columns |= {
        f"votes: {name}": pl.Series(counts[at], dtype=pl.Int64)
        for name, counts in table.options.items()
    }
    frame = frame.drop("index").with_columns(**{name: series for name, series in columns.items()})
    return StationList(frame=frame, labels=labels, flagged=flagged, rank_by=rank_by)


def check_stations_path(path: Path) -> None:
    """Raise :class:`TableError` unless ``path`` ends in ``.csv`` or ``.parquet``."""
    if path.suffix.lower() not in _SUFFIXES:
        raise TableError(
            "--stations-out", f"{path.name!r} must end in .csv or .parquet (the format to write)"
        )
    if not path.parent.exists():
        raise TableError("--stations-out", f"no directory {path.parent} to write {path.name} in")


def write_stations(stations: StationList, path: Path) -> None:
    """Write the list as CSV (UTF-8, header row) or Parquet, by ``path``'s suffix."""
    check_stations_path(path)
    if path.suffix.lower() == ".parquet":
        stations.frame.write_parquet(path)
    else:
        stations.frame.write_csv(path)


_TEXT_COLUMNS = ("method", "reason", "region", "station", "choice")


def read_stations(path: Path) -> pl.DataFrame:
    """Read a list written by :func:`write_stations` back, with its column types.

    A CSV's identifiers are read as text (a station named ``0042`` stays so).
    """
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, schema_overrides=dict.fromkeys(_TEXT_COLUMNS, pl.String))
