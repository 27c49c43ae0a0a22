"""Synthetic clean and falsified tables (binomial counts, fixed seeds).

Clean data must show no significant integer peaks, near-zero excess votes and no fraud in
the fingerprint model; data rewritten to round percentages must show integer peaks
(Kobak et al. 2016), and stuffed data excess votes close to the ballots stuffed
(Shpilkin) and a fraud fraction in the fingerprint model (Klimek et al. 2012).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from referendum.forensics import ForensicsOptions, ForensicsResult, analyse
from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, stuffed_votes, synthetic_frame
from referendum.forensics.table import table_from_frame

STATIONS = 20_000
# The methods these tests assert on (the battery, Rozenas' test and the mixture model have
# their own synthetic tests: test_battery, test_rozenas, test_mixture).
OPTIONS = ForensicsOptions(
    draws=100, methods=frozenset({"integer_peaks", "excess_votes", "fingerprint", "summary"})
)
# Every method, with few resamples and replicates: the determinism test needs them all.
ALL_FAST = ForensicsOptions(draws=50, replicates=50, resamples=20, mixture_replicates=4)


def _analyse(seed: int, **falsify: float) -> tuple[ForensicsResult, int]:
    rng = np.random.default_rng(seed)
    frame = synthetic_frame(STATIONS, rng=rng, **falsify)
    table = table_from_frame(frame, columns=SYNTHETIC_COLUMNS)
    return analyse(table, options=OPTIONS, rng=rng), stuffed_votes(frame)


@pytest.fixture(scope="module")
def clean() -> ForensicsResult:
    return _analyse(2)[0]


def test_clean_data_show_nothing(clean: ForensicsResult) -> None:
    assert clean.integer_peaks.turnout.p_value > 0.01
    assert clean.integer_peaks.choice_share.p_value > 0.01
    assert abs(clean.excess_votes.choice) < 0.005 * clean.options["yes"]
    assert clean.fingerprint.f_incremental + clean.fingerprint.f_extreme < 0.1
    assert abs(clean.summary.correlation) < 0.05
    assert clean.summary.turnout_above[95] == 0.0
    assert all(not region.flags for region in clean.regions)


def test_rounded_protocols_show_integer_peaks() -> None:
    result, _ = _analyse(2, rounded=0.05)
    assert result.integer_peaks is not None
    for test in (result.integer_peaks.turnout, result.integer_peaks.choice_share):
        assert test.p_value == 1 / (1 + test.draws)
        assert test.z > 5
        assert test.observed > test.expected + 0.5 * 0.05 * STATIONS
    assert any("integer_share_peaks" in region.flags for region in result.regions)


def test_stuffed_ballots_show_excess_votes(clean: ForensicsResult) -> None:
    result, stuffed = _analyse(2, stuffed=0.2)
    assert stuffed > 0
    assert result.excess_votes.choice == pytest.approx(stuffed, rel=0.15)
    assert result.excess_votes.choice_sum_of_regions == pytest.approx(stuffed, rel=0.3)
    assert result.fingerprint.f_incremental + result.fingerprint.f_extreme >= 0.05
    assert result.fingerprint.loss < result.fingerprint.loss_without_fraud
    assert result.summary.correlation > clean.summary.correlation + 0.2
    # stuffing alone does not make round percentages
    assert result.integer_peaks.turnout.p_value > 0.001


def test_same_seed_same_result_whatever_the_threads() -> None:
    rng = np.random.default_rng(9)
    table = table_from_frame(synthetic_frame(3000, rng=rng), columns=SYNTHETIC_COLUMNS)
    one = analyse(table, options=replace(ALL_FAST, workers=1), rng=np.random.default_rng(1))
    two = analyse(table, options=replace(ALL_FAST, workers=2), rng=np.random.default_rng(1))
    other = analyse(
        table,
        options=ForensicsOptions(draws=50, methods=frozenset({"integer_peaks"})),
        rng=np.random.default_rng(2),
    )
    assert one.to_dict() == two.to_dict()
    assert one.integer_peaks.turnout.expected != other.integer_peaks.turnout.expected
