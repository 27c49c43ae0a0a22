"""Each method's arithmetic on small cases, with published constants where there are some."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from referendum.forensics.digits import BENFORD_SECOND, second_digit_test, second_digits
from referendum.forensics.excess import shpilkin_excess
from referendum.forensics.integer_peaks import near_integer, peak_test, peak_tests_by_region
from referendum.forensics.modes import lowest_tall_mode
from referendum.forensics.summary import summarise

MODULES = [
    "referendum.forensics",
    "referendum.forensics.analysis",
    "referendum.forensics.bench",
    "referendum.forensics.digits",
    "referendum.forensics.excess",
    "referendum.forensics.fingerprint",
    "referendum.forensics.integer_peaks",
    "referendum.forensics.modes",
    "referendum.forensics.report",
    "referendum.forensics.summary",
    "referendum.forensics.synthetic",
    "referendum.forensics.table",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_public_names(name: str) -> None:
    module = importlib.import_module(name)
    assert len(set(module.__all__)) == len(module.__all__)
    for public in module.__all__:
        assert hasattr(module, public)
    defined = {
        key
        for key, value in vars(module).items()
        if not key.startswith("_")
        and getattr(value, "__module__", None) == name
        and callable(value)
        and key not in {"main"}
    }
    assert defined <= set(module.__all__)


def test_benford_second_digit_law() -> None:
    """Mebane (2006), table 1: P(0) = .120, P(9) = .085, mean 4.187."""
    assert BENFORD_SECOND.sum() == pytest.approx(1.0)
    assert round(float(BENFORD_SECOND[0]), 3) == 0.120
    assert round(float(BENFORD_SECOND[9]), 3) == 0.085
    assert float(np.dot(np.arange(10), BENFORD_SECOND)) == pytest.approx(4.187, abs=5e-4)


def test_second_digit_test() -> None:
    assert second_digits(np.array([10, 19, 123, 4567, 99999])).tolist() == [0, 9, 2, 5, 9]
    rng = np.random.default_rng(4)
    benford = np.floor(10 ** rng.uniform(1, 5, 50_000)).astype(np.int64)  # log-uniform
    assert second_digit_test(benford).p_value > 0.001
    uniform = rng.integers(10, 100, 50_000)  # second digits uniform on 0..9
    result = second_digit_test(uniform)
    assert result.p_value < 1e-6
    assert result.mean == pytest.approx(4.5, abs=0.05)
    assert second_digit_test(np.array([1, 5, 9])).counts_tested == 0


def test_near_integer_is_exact() -> None:
    k = np.array([500, 501, 333, 1, 0, 100])
    n = np.array([1000, 1000, 1000, 3, 7, 100])
    # 50.0%, 50.1%, 33.3%, 33.33..%, 0%, 100%
    assert near_integer(k, n, 0.05).tolist() == [True, False, False, False, True, True]
    assert near_integer(k, n, 0.1).tolist() == [True, True, False, False, True, True]
    assert near_integer(np.array([2000]), np.array([2001]), 0.05).tolist() == [True]


def test_peak_test_detects_rewritten_protocols() -> None:
    rng = np.random.default_rng(8)
    n = rng.integers(300, 3000, 5000)
    k = rng.binomial(n, 0.6)
    rewrite = rng.random(5000) < 0.05
    k = np.where(rewrite, np.round(np.round(100 * k / n) * n / 100), k).astype(np.int64)
    test = peak_test(k, n, rng=rng, draws=300)
    assert test.p_value < 1e-9
    assert test.p_value_monte_carlo == pytest.approx(1 / 301)
    small = peak_test(k, n, rng=rng, draws=300, min_size=10_000)
    assert small.stations == 0 and small.observed == 0


def test_small_regions_use_the_monte_carlo_p_value() -> None:
    # two stations on round percentages out of five: too few for the normal approximation
    k = np.array([500, 300, 333, 457, 611])
    n = np.array([1000, 600, 1001, 1003, 1007])
    codes = np.zeros(5, dtype=np.int32)
    overall, (region,) = peak_tests_by_region(
        k, n, codes, 1, rng=np.random.default_rng(3), draws=400
    )
    assert region.observed == 2
    assert region.sd < 3
    assert region.p_value == region.p_value_monte_carlo >= 1 / 401
    assert overall == region


def test_shpilkin_excess_by_hand() -> None:
    # three honest stations at 50% turnout with yes:others = 3:2, one stuffed at ~92%
    others = np.array([400, 400, 400, 200])
    choice = np.array([600, 600, 600, 900])
    registered = np.array([2000, 2000, 2000, 1200])
    estimate = shpilkin_excess(choice, others, choice + others, registered)
    assert estimate.mode_turnout == 50.5
    assert estimate.clean_ratio == pytest.approx(1.5)
    assert estimate.clean_choice_share == pytest.approx(60.0)
    assert estimate.excess_votes == pytest.approx(900 - 1.5 * 200)
    assert estimate.stations_above_mode == 1
    empty = shpilkin_excess(choice[:0], others[:0], choice[:0], registered[:0])
    assert empty.excess_votes == 0.0


def test_lowest_tall_mode_prefers_the_honest_bulk() -> None:
    values = np.r_[np.full(600, 0.42), np.full(800, 0.93), np.full(100, 0.2)]
    weights = np.ones(values.size)
    assert lowest_tall_mode(values, weights, low=0.0, high=1.0, bins=100) == pytest.approx(0.425)
    assert lowest_tall_mode(values, weights, low=0.0, high=1.0, bins=100, prominence=0.9) == (
        pytest.approx(0.935)
    )


def test_summary_thresholds_are_strict() -> None:
    summary = summarise(np.array([0.9, 0.95, 0.99, 1.0]), np.array([0.5, 0.6, 0.7, 0.8]))
    assert summary.turnout_above == {90: 75.0, 95: 50.0, 99: 25.0}
    assert summary.correlation == pytest.approx(
        float(np.corrcoef([0.9, 0.95, 0.99, 1.0], [0.5, 0.6, 0.7, 0.8])[0, 1])
    )


def test_regions_without_stations_stay_out_of_the_tables() -> None:
    """A region whose every row has no results (the four annexed regions in the 2024 file)
    is named in the file but has no stations: it is neither ranked nor summed."""
    import polars as pl

    from referendum.forensics.analysis import ForensicsOptions, analyse
    from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, synthetic_frame
    from referendum.forensics.table import table_from_frame

    frame = synthetic_frame(400, rng=np.random.default_rng(2), regions=4)
    counts = ["registered", "ballots", "valid", "invalid", "yes", "no"]
    empty = pl.col("region") == "Region 4"
    frame = frame.with_columns(
        [pl.when(empty).then(0).otherwise(pl.col(c)).alias(c) for c in counts]
    )
    table = table_from_frame(frame, columns=SYNTHETIC_COLUMNS)
    assert "Region 4" in table.region_names
    options = ForensicsOptions(methods=frozenset({"excess_votes", "mixture"}))
    result = analyse(table, options=options, rng=np.random.default_rng(3))
    names = [region.name for region in result.regions]
    assert sorted(names) == ["Region 1", "Region 2", "Region 3"]
    assert result.mixture is not None
    assert "Region 4" not in [region.name for region in result.mixture.regions]
