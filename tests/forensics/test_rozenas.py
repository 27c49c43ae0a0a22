"""Rozenas' resampled kernel density test of coarse vote shares (Political Analysis 2017).

What is checked: the paper's central point, that coarse shares are frequent in small
stations for arithmetic reasons alone and must not be flagged (a clean table of small
stations has hundreds of shares of exactly 1/2, and the test finds almost no excess);
its power on results rewritten to coarse fractions (the injected fractions are the
spikes found, and the estimate is of the injected proportion's order, below it since the
method is conservative); the beta-binomial mixture's maximum likelihood; the spikes of
the 2020 vote at multiples of 5%.  No figure of the paper is reproduced: its data (Russia
2011 and 2012, Canada 2011) are not among ../shared's files (docs/forensics/rozenas.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from referendum.errors import TableError
from referendum.forensics import rozenas
from referendum.forensics.rozenas import (
    auto_resamples,
    fit_beta_binomial_mixture,
    rozenas_test,
)
from referendum.forensics.table import ResultsTable

COARSE = np.array([1 / 2, 3 / 5, 2 / 3, 7 / 10, 3 / 4, 4 / 5, 9 / 10])


def _clean(stations: int, seed: int, low: int = 20, high: int = 400) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    registered = rng.integers(low, high, stations)
    ballots = rng.binomial(registered, np.clip(rng.normal(0.6, 0.1, stations), 0.05, 0.95))
    leader = rng.binomial(ballots, np.clip(rng.normal(0.55, 0.1, stations), 0.05, 0.95))
    return registered, ballots, leader


def test_coarse_shares_of_small_stations_are_not_flagged() -> None:
    registered, ballots, leader = _clean(6000, seed=11)
    halves = int(np.count_nonzero(2 * leader == ballots))
    near = int(np.count_nonzero(np.abs(leader / ballots - 0.52) < 0.0005))
    assert halves > 5 * max(near, 1)  # the numeric law: exact halves abound without fraud
    result = rozenas_test(registered, ballots, leader, seed=3, resamples=1000)
    assert result.stations == 6000
    # measured on clean tables: 0-0.24% with 1,000 resamples (docs/forensics/rozenas.md)
    assert result.fraud_percent < 0.3
    assert all(s.share != 0.5 or s.observed - s.expected < 30 for s in result.spikes)


def test_rewritten_coarse_shares_are_found() -> None:
    registered, ballots, leader = _clean(6000, seed=12, low=200, high=2000)
    rng = np.random.default_rng(5)
    rewrite = rng.random(leader.size) < 0.10
    target = COARSE[rng.integers(0, COARSE.size, leader.size)]
    leader = np.where(rewrite, np.round(target * ballots).astype(np.int64), leader)
    result = rozenas_test(registered, ballots, leader, seed=3, resamples=100)
    found = {round(s.share, 3) for s in result.spikes[: COARSE.size]}
    assert found == {round(float(f), 3) for f in COARSE}
    # conservative: the stations' own redraws explain part of each spike
    assert 4.0 < result.fraud_percent <= 10.5
    probability = result.station_probability(ballots, leader)
    assert probability.shape == leader.shape
    assert probability[rewrite].mean() > 5 * probability[~rewrite].mean()


def test_the_seed_repeats_and_changes_the_draws() -> None:
    registered, ballots, leader = _clean(2000, seed=13)
    first = rozenas_test(registered, ballots, leader, seed=1, resamples=20)
    again = rozenas_test(registered, ballots, leader, seed=1, resamples=20)
    other = rozenas_test(registered, ballots, leader, seed=2, resamples=20)
    assert first.fraud_percent == again.fraud_percent
    assert (first.fraud_percent, first.spikes) != (other.fraud_percent, other.spikes) or (
        first.turnout != other.turnout
    )


def test_worker_processes_give_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above PROCESS_WORK the blocks of resamples run in worker processes (lowered here to
    make a small table use them): each block keeps its own stream, so nothing changes."""
    registered, ballots, leader = _clean(1500, seed=14)
    here = rozenas_test(registered, ballots, leader, seed=6, resamples=60, workers=1)
    monkeypatch.setattr(rozenas, "PROCESS_WORK", 0)
    spread = rozenas_test(registered, ballots, leader, seed=6, resamples=60, workers=2)
    assert spread == here


def test_beta_binomial_mixture_recovers_its_components() -> None:
    rng = np.random.default_rng(8)
    trials = rng.integers(300, 1500, 6000)
    low = rng.random(6000) < 0.3
    rate = np.where(low, rng.beta(20, 60, 6000), rng.beta(60, 40, 6000))
    fit = fit_beta_binomial_mixture(rng.binomial(trials, rate), trials)
    assert fit.components == 2
    means = [a / (a + b) for a, b in zip(fit.alpha, fit.beta, strict=True)]
    assert means == pytest.approx([0.25, 0.6], abs=0.01)
    assert fit.weights == pytest.approx((0.3, 0.7), abs=0.03)


def test_resamples_scale_down_for_big_tables() -> None:
    assert auto_resamples(10_000) == 1000
    assert auto_resamples(100_000) == 500
    assert auto_resamples(1_000_000) == 100


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"resamples": 1}, "resamples"), ({"bandwidth": 0.0}, "grid")],
)
def test_bad_options_name_their_field(kwargs: dict[str, float], field: str) -> None:
    registered, ballots, leader = _clean(100, seed=1)
    with pytest.raises(TableError, match=field):
        rozenas_test(registered, ballots, leader, seed=1, **kwargs)  # type: ignore[arg-type]


def test_too_few_stations_is_a_clear_error() -> None:
    with pytest.raises(TableError, match="at least 10 stations"):
        rozenas_test(np.array([10]), np.array([5]), np.array([2]), seed=1)


def test_spikes_of_the_2020_vote_are_at_multiples_of_five(table_2020: ResultsTable) -> None:
    table = table_2020
    result = rozenas_test(
        table.registered, table.cast, table.options["ДА"], seed=2017, resamples=100
    )
    largest = {round(s.share, 3) for s in result.spikes[:6]}
    assert {0.8, 0.85, 0.9, 0.95} <= largest
    assert result.fraud_percent > 1.0
