"""Integer percentages as published (Kobak, Shpilkin & Pshenichnikov 2016).

The published figures: the excess of polling stations with integer turnout or integer
leader's share ("Excess of integer polling stations", figure ``integer-anomalies.png`` of
the authors' repository github.com/dkobak/elections, notebook ``analysis/2024/2024.ipynb``
at its 2024 data revision, which prints the twelve federal elections 2000-2024 in order):
2018 presidential 1708.839, 2020 constitutional vote 3610.885, 2024 presidential 2930.984.
Their Monte Carlo has 1,000 draws, so each figure carries a Monte Carlo error of
``sd / sqrt(1000)``, and ours (another generator) as much again: the tolerance is three
standard errors of the difference.  For 2020 the notebooks take the ballots found in the
boxes as both turnout's numerator and the share's denominator (the file has no valid-ballot
column); the test reads the file the same way.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from referendum.forensics.integer_anomaly import (
    IntegerAnomaly,
    included,
    integer_anomaly,
    integer_anomaly_by_region,
    integer_percentage,
)
from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, synthetic_frame
from referendum.forensics.table import ColumnSpec, ResultsTable, read_table, table_from_frame

PUBLISHED_EXCESS = {2018: 1708.839, 2020: 3610.885, 2024: 2930.984}
PUBLISHED_DRAWS = 1000
DRAWS = 1000
SEED = 2016

SPEC_2020_AS_PUBLISHED = ColumnSpec(
    registered=(
        "Число участников голосования, включенных в список участников голосования "
        "на момент окончания голосования"
    ),
    ballots=("Число бюллетеней, содержащихся в ящиках для голосования",),
    invalid="Число недействительных бюллетеней",
    options=("ДА", "НЕТ"),
    region="region",
)


def _run(table: ResultsTable, leader: str) -> IntegerAnomaly:
    return integer_anomaly(
        table.registered,
        table.ballots,
        table.cast,
        table.options[leader],
        draws=DRAWS,
        seed=SEED,
    )


def _check(test: IntegerAnomaly, published: float) -> None:
    sd = test.either.sd
    tolerance = 3 * sd * math.sqrt(1 / PUBLISHED_DRAWS + 1 / DRAWS)
    assert abs(test.either.excess - published) <= tolerance, (test.either.excess, published)
    # far above the 99.9% bar, as the paper reports for every election since 2004
    assert test.either.excess > 3 * test.either.bar
    assert test.either.p_value == 1 / (1 + DRAWS)


def test_2018_matches_the_published_excess(table_2018: ResultsTable) -> None:
    table = table_2018
    test = _run(table, "Путин Владимир Владимирович")
    assert table.stations == 97_699
    assert test.stations == 91_152
    assert test.either.observed == 19_271
    _check(test, PUBLISHED_EXCESS[2018])


def test_2020_matches_the_published_excess(russia_2020: Path) -> None:
    table = read_table(russia_2020, columns=SPEC_2020_AS_PUBLISHED)
    test = _run(table, "ДА")
    assert test.stations == 90_633
    assert test.either.observed == 21_062
    _check(test, PUBLISHED_EXCESS[2020])


def test_2024_matches_the_published_excess(table_2024: ResultsTable) -> None:
    table = table_2024
    # 2,268 stations of the four annexed regions carry no data: left out and counted
    assert table.no_results == 2_268
    assert table.stations == 91_946
    test = _run(table, "Путин Владимир Владимирович")
    assert test.stations == 85_345
    assert test.either.observed == 19_375
    _check(test, PUBLISHED_EXCESS[2024])


def test_integer_bin_is_exact_at_its_edges() -> None:
    totals = np.array([2000, 2000, 2000, 2000, 1000, 100, 7])
    counts = np.array([1201, 1199, 1202, 1198, 120, 37, 3])
    # 60.05 and 59.95 lie on the bin's edges and count; 60.1 and 59.9 do not; 3/7 = 42.857
    assert integer_percentage(counts, totals).tolist() == [
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]


def test_inclusion_criteria() -> None:
    registered = np.array([100, 99, 1000, 1000, 1000, 1000])
    ballots = np.array([50, 50, 990, 991, 500, 500])
    cast = np.array([50, 50, 990, 991, 500, 0])
    votes = np.array([25, 25, 500, 500, 495, 0])
    # 100 voters enter, 99 do not; turnout 99.0% enters, 99.1% does not; share 99% enters
    assert included(registered, ballots, cast, votes).tolist() == [
        True, False, True, False, True, False,
    ]  # fmt: skip


def _clean(stations: int, seed: int, **falsified: float) -> ResultsTable:
    rng = np.random.default_rng(seed)
    frame = synthetic_frame(stations, rng=rng, regions=4, **falsified)
    return table_from_frame(frame, columns=SYNTHETIC_COLUMNS)


def test_draws_do_not_depend_on_threads() -> None:
    table = _clean(3000, 1)
    args = (table.registered, table.ballots, table.cast, table.options["yes"])
    one = integer_anomaly(*args, draws=300, seed=5, workers=1)
    two = integer_anomaly(*args, draws=300, seed=5, workers=2)
    assert one == two
    assert one.seed == 5 and one.draws == 300


def test_regions_add_up_to_the_whole() -> None:
    table = _clean(4000, 2)
    overall, regions = integer_anomaly_by_region(
        table.registered,
        table.ballots,
        table.cast,
        table.options["yes"],
        table.region_codes,
        len(table.region_names),
        draws=200,
        seed=3,
    )
    assert sum(r.either.observed for r in regions) == overall.either.observed
    assert sum(r.stations for r in regions) == overall.stations
    assert sum(r.either.expected for r in regions) == pytest.approx(overall.either.expected)


def test_false_positives_on_clean_data_and_power_on_rounded_and_stuffed() -> None:
    """Clean tables reject at about the nominal rate; rewritten protocols are caught.

    30 clean tables of 2,000 stations (100 draws each): the share of p <= 0.05 stays near
    5%.  With 5% of protocols rewritten to whole percentages every table is flagged;
    stuffing alone (no rounding) is not what this test detects, and it stays near 5%.
    """
    runs = 30

    def rate(**falsified: float) -> float:
        hits = 0
        for seed in range(runs):
            table = _clean(2000, 100 + seed, **falsified)
            test = integer_anomaly(
                table.registered,
                table.ballots,
                table.cast,
                table.options["yes"],
                draws=100,
                seed=seed,
            )
            hits += test.either.p_value <= 0.05
        return hits / runs

    clean = rate()
    rounded = rate(rounded=0.05)
    stuffed = rate(stuffed=0.2)
    assert clean <= 0.15
    assert rounded == 1.0
    assert stuffed <= 0.2


def test_a_commission_rounding_protocols_is_caught_and_counted() -> None:
    """A cheating commission rewrites 300 of 6,000 protocols to whole percentages.

    The excess estimates the rewritten stations that would not have been integer anyway:
    about 300 x (1 - 0.19), the chance that an honest station is integer in turnout or
    share at these sizes.
    """
    rng = np.random.default_rng(9)
    frame = synthetic_frame(6000, rng=rng, regions=3)
    honest = table_from_frame(frame, columns=SYNTHETIC_COLUMNS)
    registered, ballots = honest.registered.copy(), honest.ballots.copy()
    yes, cast = honest.options["yes"].copy(), honest.cast.copy()
    rewritten = rng.choice(6000, 300, replace=False)
    target = np.round(100 * ballots[rewritten] / registered[rewritten])
    ballots[rewritten] = np.round(target * registered[rewritten] / 100).astype(np.int64)
    cast[rewritten] = ballots[rewritten]
    share = np.round(100 * yes[rewritten] / np.maximum(honest.cast[rewritten], 1))
    yes[rewritten] = np.round(share * cast[rewritten] / 100).astype(np.int64)

    before = integer_anomaly(
        honest.registered, honest.ballots, honest.cast, honest.options["yes"], draws=300, seed=1
    )
    after = integer_anomaly(registered, ballots, cast, yes, draws=300, seed=1)
    assert before.either.p_value > 0.01
    assert after.either.p_value == 1 / 301
    assert 300 * 0.6 < after.either.excess - before.either.excess < 300 * 1.0
