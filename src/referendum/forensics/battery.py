"""The digit and distribution tests of the Election Forensics Toolkit, with bootstrap intervals.

The set of A. Hicken, K. Kalinin & W. R. Mebane Jr.'s Election Forensics Toolkit (USAID,
2015; Hicken & Mebane, "A guide to election forensics", 2015), each from its paper:

``2BL``
    mean second significant digit of the counts (at least 10), against Benford's 4.187
    (Mebane, "Election forensics: the second-digit Benford's law test", 2006).
``LastC``
    mean last digit of the counts of at least 100, against 4.5; ``LastC_uniform`` is
    Pearson's chi-squared of their last digits against the uniform law, 9 d.f. (Beber &
    Scacco, "What the numbers say: a digit-based test for election fraud", *Political
    Analysis* 20(2), 2012).  Two-digit counts are left out: their last digit is their
    second significant digit, which follows Benford's law, not the uniform one.
``C05s``, ``P05s``
    the share of counts (at least 100), and of rounded percentages, whose last digit is 0
    or 5, against 0.2 (Kalinin & Mebane; Toolkit: rounding to multiples of five).
``skewness``, ``kurtosis``
    of turnout and of the leader's share across stations (Pearson's, normal 0 and 3).
``dip``
    Hartigan's dip statistic of unimodality (J. A. Hartigan & P. M. Hartigan, "The dip
    test of unimodality", *Annals of Statistics* 13(1), 1985), with its p-value from the
    uniform null's table, by the ``diptest`` package.
``correlation``
    Pearson's correlation of turnout and the leader's share across stations.

Every statistic but the chi-squared (a test, with its p-value) has a 95% percentile
interval from 1,000 nonparametric bootstrap replicates of the stations
(:mod:`~referendum.forensics.bootstrap`; the dip's from 200), seeded.  A *departure* is an
expected value (4.187, 4.5, 0.2) outside the interval.

What a departure means and does not (Mebane; Hicken & Mebane 2015): the digit tests flag
strategic behaviour, mobilisation and heterogeneous electorates as well as fraud, and fair
counts can fail them; digit means depend on the size distribution of the counts.  A
departure is a reason to look, never a finding of fraud.

>>> rng = np.random.default_rng(4)
>>> votes = rng.binomial(rng.integers(300, 3000, 4000), 0.5)
>>> turnout, share = rng.uniform(0.4, 0.7, 4000), rng.uniform(0.3, 0.6, 4000)
>>> b = run_battery({"yes": votes}, turnout, share, leader="yes", seed=1, replicates=200)
>>> last = next(s for s in b.statistics if s.test == "LastC")
>>> last.ci_low < 4.5 < last.ci_high
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from referendum.forensics.bootstrap import (
    DEFAULT_REPLICATES,
    LEVEL,
    bootstrap_means,
    percentile_interval,
)
from referendum.forensics.digits import BENFORD_SECOND, second_digits

__all__ = [
    "DIGIT_MIN",
    "DIP_REPLICATES",
    "LAST_DIGIT_MIN",
    "MIN_STATIONS",
    "Battery",
    "Statistic",
    "TestName",
    "run_battery",
]

TestName = Literal[
    "2BL",
    "LastC",
    "LastC_uniform",
    "C05s",
    "P05s",
    "skewness",
    "kurtosis",
    "dip",
    "correlation",
]
DIGIT_MIN = 10
"""Counts below 10 have no second digit: left out of the second-digit test."""
LAST_DIGIT_MIN = 100
"""Counts below 100 are left out of the last-digit tests (their last digit is Benford's)."""
MIN_STATIONS = 10
"""Fewer usable stations give no battery (no interval means anything there)."""
DIP_REPLICATES = 200
"""Bootstrap replicates of the dip statistic (each one sorts the stations)."""
_BENFORD_MEAN = float(np.dot(np.arange(10), BENFORD_SECOND))

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Statistic:
    """One statistic of one variable, its interval and, where the test has one, its null."""

    test: TestName
    variable: str
    value: float
    expected: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n: int

    @property
    def departs(self) -> bool:
        """Whether the expected value lies outside the bootstrap interval."""
        if self.expected is None or self.ci_low is None or self.ci_high is None:
            return False
        return not self.ci_low <= self.expected <= self.ci_high


@dataclass(frozen=True, slots=True)
class Battery:
    """The battery's statistics, the bootstrap's replicates, seed and coverage."""

    statistics: list[Statistic]
    replicates: int
    dip_replicates: int
    seed: int
    level: float


def run_battery(
    counts: dict[str, NDArray[np.int64]],
    turnout: FloatArray,
    share: FloatArray,
    *,
    leader: str,
    seed: int,
    replicates: int = DEFAULT_REPLICATES,
    dip_replicates: int = DIP_REPLICATES,
    digits: bool = True,
    distribution: bool = True,
) -> Battery:
    """The tests on the same stations: ``counts`` per variable, ``turnout`` and ``share``.

    ``counts`` maps a variable (an option, or the ballots issued) to its count per station;
    ``turnout`` and ``share`` are fractions per station, the share being the leader's.
    ``digits`` runs the digit tests (2BL, LastC, C05s and P05s), ``distribution`` the
    others (skewness, kurtosis, dip, correlation).
    """
    rng = np.random.default_rng(seed)
    if turnout.shape[0] < MIN_STATIONS:
        return Battery([], replicates, dip_replicates, seed, LEVEL)
    blocks: list[tuple[str, FloatArray]] = []
    if digits:
        blocks += [(name, _digit_columns(values)) for name, values in counts.items()]
    blocks.append(("rates", _rate_columns(turnout, share)))
    widths = [block.shape[1] for _, block in blocks]
    matrix = np.hstack([block for _, block in blocks])
    full = matrix.mean(axis=0)[None, :]
    boot = bootstrap_means(matrix, replicates=replicates, rng=rng)
    stations = matrix.shape[0]

    statistics: list[Statistic] = []
    offset = 0
    for (name, _), width in zip(blocks, widths, strict=True):
        part = slice(offset, offset + width)
        offset += width
        if name == "rates":
            rates = _rate_statistics(full[:, part], boot[:, part], leader, stations)
            statistics += [r for r in rates if (digits if r.test == "P05s" else distribution)]
        else:
            statistics += _digit_statistics(
                name, counts[name], full[:, part], boot[:, part], stations
            )
    if distribution:
        statistics += [
            _dip("turnout", turnout, rng, dip_replicates),
            _dip(f"{leader} share", share, rng, dip_replicates),
        ]
    return Battery(statistics, replicates, dip_replicates, seed, LEVEL)


def _digit_columns(values: NDArray[np.int64]) -> FloatArray:
    """Per station: has a second digit and that digit; has a last digit, it, is it 0 or 5."""
    second_ok = values >= DIGIT_MIN
    second = np.zeros(values.shape[0])
    second[second_ok] = second_digits(values[second_ok])
    last_ok = values >= LAST_DIGIT_MIN
    last = np.where(last_ok, values % 10, 0)
    zero_five = last_ok & np.isin(last, (0, 5))
    return np.column_stack([second_ok, second, last_ok, last, zero_five]).astype(np.float64)


def _digit_statistics(
    name: str, values: NDArray[np.int64], full: FloatArray, boot: FloatArray, stations: int
) -> list[Statistic]:
    def derive(m: FloatArray) -> dict[TestName, FloatArray]:
        with np.errstate(invalid="ignore", divide="ignore"):
            return {
                "2BL": m[:, 1] / m[:, 0],
                "LastC": m[:, 3] / m[:, 2],
                "C05s": m[:, 4] / m[:, 2],
            }

    point, replicate = derive(full), derive(boot)
    expected: dict[TestName, float] = {"2BL": _BENFORD_MEAN, "LastC": 4.5, "C05s": 0.2}
    tested = {
        "2BL": int(np.count_nonzero(values >= DIGIT_MIN)),
        "LastC": int(np.count_nonzero(values >= LAST_DIGIT_MIN)),
        "C05s": int(np.count_nonzero(values >= LAST_DIGIT_MIN)),
    }
    result = []
    for test, value in point.items():
        low, high = percentile_interval(replicate[test][:, None])
        result.append(
            Statistic(
                test=test,
                variable=name,
                value=float(value[0]),
                expected=expected[test],
                ci_low=float(low[0]),
                ci_high=float(high[0]),
                p_value=None,
                n=tested[test],
            )
        )
    last = values[values >= LAST_DIGIT_MIN] % 10
    observed = np.bincount(last, minlength=10).astype(np.float64)
    chi2 = float(((observed - last.size / 10) ** 2).sum() / (last.size / 10)) if last.size else 0.0
    result.insert(
        2,
        Statistic(
            test="LastC_uniform",
            variable=name,
            value=chi2,
            expected=None,
            ci_low=None,
            ci_high=None,
            p_value=float(stats.chi2.sf(chi2, df=9)) if last.size else 1.0,
            n=int(last.size),
        ),
    )
    return result


def _rate_columns(turnout: FloatArray, share: FloatArray) -> FloatArray:
    """Standardised powers of turnout and share, their product, the 0/5 indicators."""
    columns = []
    for x in (turnout, share):
        sd = float(x.std()) or 1.0
        z = (x - x.mean()) / sd
        columns += [z, z**2, z**3, z**4]
    columns.append(columns[0] * columns[4])
    for x in (turnout, share):
        columns.append(np.isin(np.rint(100.0 * x).astype(np.int64) % 10, (0, 5)).astype(float))
    return np.column_stack(columns)


def _rate_statistics(
    full: FloatArray, boot: FloatArray, leader: str, stations: int
) -> list[Statistic]:
    def moments(m: FloatArray, at: int) -> tuple[FloatArray, FloatArray]:
        m1, m2, m3, m4 = (m[:, at + k] for k in range(4))
        variance = m2 - m1**2
        skew = (m3 - 3 * m1 * m2 + 2 * m1**3) / variance**1.5
        kurt = (m4 - 4 * m1 * m3 + 6 * m1**2 * m2 - 3 * m1**4) / variance**2
        return skew, kurt

    def derive(m: FloatArray) -> list[tuple[TestName, str, FloatArray, float | None]]:
        with np.errstate(invalid="ignore", divide="ignore"):
            return derived(m)

    def derived(m: FloatArray) -> list[tuple[TestName, str, FloatArray, float | None]]:
        t_skew, t_kurt = moments(m, 0)
        s_skew, s_kurt = moments(m, 4)
        covariance = m[:, 8] - m[:, 0] * m[:, 4]
        correlation = covariance / np.sqrt((m[:, 1] - m[:, 0] ** 2) * (m[:, 5] - m[:, 4] ** 2))
        share_name = f"{leader} share"
        return [
            ("skewness", "turnout", t_skew, None),
            ("kurtosis", "turnout", t_kurt, None),
            ("skewness", share_name, s_skew, None),
            ("kurtosis", share_name, s_kurt, None),
            ("correlation", f"turnout, {share_name}", correlation, None),
            ("P05s", "turnout %", m[:, 9], 0.2),
            ("P05s", f"{share_name} %", m[:, 10], 0.2),
        ]

    result = []
    for (test, variable, value, expected), (_, _, replicate, _) in zip(
        derive(full), derive(boot), strict=True
    ):
        low, high = percentile_interval(replicate[:, None])
        result.append(
            Statistic(
                test,
                variable,
                float(value[0]),
                expected,
                float(low[0]),
                float(high[0]),
                None,
                stations,
            )
        )
    return result


def _dip(name: str, values: FloatArray, rng: np.random.Generator, replicates: int) -> Statistic:
    import warnings

    import diptest

    with warnings.catch_warnings():
        # Beyond the table's largest sample (72,000) the p-value uses its last row.
        warnings.simplefilter("ignore", UserWarning)
        # allow_zero=False: the dip as Hartigan & Hartigan define it (at least 1/(2n)).
        dip, p_value = diptest.diptest(values, allow_zero=False)
    stations = values.shape[0]
    boot = np.array(
        [
            diptest.dipstat(values[rng.integers(0, stations, stations)], allow_zero=False)
            for _ in range(replicates)
        ]
    )
    low, high = percentile_interval(boot[:, None])
    return Statistic(
        test="dip",
        variable=name,
        value=float(dip),
        expected=None,
        ci_low=float(low[0]),
        ci_high=float(high[0]),
        p_value=float(p_value),
        n=stations,
    )
