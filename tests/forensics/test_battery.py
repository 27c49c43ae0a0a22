"""The Election Forensics Toolkit's digit and distribution tests, with bootstrap intervals.

Published figures checked: Benford's second-digit mean 4.187 (Mebane 2006; the law's
expectation, sum over d of d P(d)); the dip of Hartigan & Hartigan (1985): 1/(2n) for n
evenly spaced points (the smallest dip there is) and 1/4 for two equal point masses (the
largest); the uniform last digit's mean 4.5 and its 0/5 share 0.2 (Beber & Scacco 2012).
False positives are measured on clean synthetic tables and power on rounded and stuffed
ones (docs/forensics/battery.md has the figures).
"""

from __future__ import annotations

import numpy as np
import pytest

from referendum.forensics.battery import Battery, Statistic, run_battery
from referendum.forensics.digits import BENFORD_SECOND
from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, synthetic_frame
from referendum.forensics.table import table_from_frame


def _battery(seed: int, replicates: int = 200, fives: float = 0.0, **falsified: float) -> Battery:
    """A synthetic table's battery; ``fives``: fraction of shares rewritten to multiples of 5%."""
    rng = np.random.default_rng(seed)
    frame = synthetic_frame(2000, rng=rng, regions=3, **falsified)
    table = table_from_frame(frame, columns=SYNTHETIC_COLUMNS)
    usable = (table.registered > 0) & (table.cast > 0)
    yes = table.options["yes"][usable].copy()
    cast = table.cast[usable]
    rewrite = rng.random(yes.size) < fives
    target = 5 * np.round(20 * yes / cast)
    yes[rewrite] = np.round(target[rewrite] * cast[rewrite] / 100).astype(np.int64)
    counts = {"ballots issued": table.ballots[usable], "yes": yes}
    turnout = table.ballots[usable] / table.registered[usable]
    share = yes / cast
    return run_battery(counts, turnout, share, leader="yes", seed=seed, replicates=replicates)


def _get(battery: Battery, test: str, variable: str) -> Statistic:
    return next(s for s in battery.statistics if s.test == test and s.variable == variable)


def test_benford_second_digit_mean_is_4_187() -> None:
    assert float(np.dot(np.arange(10), BENFORD_SECOND)) == pytest.approx(4.187, abs=5e-4)


def test_dip_published_extremes() -> None:
    import diptest

    n = 200
    # as Hartigan & Hartigan define it, the dip is at least 1/(2n) (allow_zero=False)
    assert diptest.dipstat(np.arange(n, dtype=float), allow_zero=False) == pytest.approx(
        1 / (2 * n)
    )
    assert diptest.dipstat(np.r_[np.zeros(50), np.ones(50)], allow_zero=False) == pytest.approx(
        0.25
    )


def test_every_statistic_has_its_interval_and_the_seed_repeats() -> None:
    one = _battery(1, replicates=100)
    again = _battery(1, replicates=100)
    assert one == again
    names = {(s.test, s.variable) for s in one.statistics}
    for test in ("2BL", "LastC", "LastC_uniform", "C05s"):
        assert (test, "yes") in names
    for test in ("skewness", "kurtosis", "dip"):
        assert (test, "turnout") in names
    assert ("correlation", "turnout, yes share") in names
    for s in one.statistics:
        if s.test == "LastC_uniform":
            assert s.ci_low is None and s.p_value is not None
        else:
            assert s.ci_low is not None and s.ci_high is not None
            assert s.ci_low <= s.ci_high


def test_false_positives_on_clean_data_and_power_on_rounded_and_stuffed() -> None:
    """12 tables each: how often each test departs from its null (or p < 0.05).

    Clean: the last-digit tests and the 0/5 shares depart in about 5% of tables (allowed:
    at most 20%).  Shares rewritten to multiples of 5% at 15% of stations raise P05s in
    every table; stuffing (20% of stations) makes turnout and the yes share correlate.
    Rounding to any whole percentage (``rounded``) is invisible to P05s: that is the
    integer-peak test's job.  The second-digit mean departs on clean tables too, because
    station sizes here span one order of magnitude: the caveat of the 2BL test.
    """
    runs = 12
    # Each table's battery once, whatever the checks read from it.
    batteries: dict[tuple[int, tuple[tuple[str, float], ...]], Battery] = {}

    def battery(seed: int, **falsified: float) -> Battery:
        key = (seed, tuple(sorted(falsified.items())))
        if key not in batteries:
            batteries[key] = _battery(seed, replicates=100, **falsified)
        return batteries[key]

    def rate(check: str, **falsified: float) -> float:
        hits = 0
        for seed in range(runs):
            b = battery(200 + seed, **falsified)
            if check == "correlation":
                hits += _get(b, "correlation", "turnout, yes share").ci_low > 0.1
            elif check == "LastC_uniform":
                p = _get(b, "LastC_uniform", "yes").p_value
                hits += p is not None and p < 0.05
            else:
                test, variable = check.split(":")
                hits += _get(b, test, variable).departs
        return hits / runs

    for check in ("LastC:yes", "C05s:yes", "P05s:turnout %", "LastC_uniform"):
        assert rate(check) <= 0.2, check
    assert rate("correlation") == 0.0
    assert rate("P05s:yes share %", fives=0.15) == 1.0
    assert rate("P05s:yes share %", rounded=0.15) <= 0.3
    assert rate("correlation", stuffed=0.2) == 1.0


def test_too_few_stations_give_no_battery_and_no_warning() -> None:
    with np.errstate(all="raise"):
        battery = run_battery(
            {"yes": np.array([120, 130])}, np.array([0.5, 0.6]), np.array([0.4, 0.5]),
            leader="yes", seed=0, replicates=10,
        )  # fmt: skip
    assert battery.statistics == []
