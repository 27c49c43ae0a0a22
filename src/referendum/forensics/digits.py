"""Second-digit Benford tests (Mebane).

Walter Mebane, "Election forensics: the second-digit Benford's law test and recent
American presidential elections" (2006) and "Fraud in the 2009 presidential election in
Iran?" (Chance 23(1), 2010): the second significant digits of vote counts per station are
compared with Benford's second-digit law, ``P(d) = sum_{k=1..9} log10(1 + 1 / (10 k + d))``
(mean 4.187), by a chi-squared test with 9 degrees of freedom and by their mean.

Caveats the literature states: the law is neither necessary nor sufficient for fair counts.
Deckert, Myagkov & Ordeshook, "Benford's Law and the detection of election fraud",
Political Analysis 19(3), 2011, show that fair simulated elections can fail it and
manipulated ones pass; Mebane himself reads deviations as signs of strategic behaviour as
much as of fraud.  Station sizes that vary over less than an order of magnitude distort the
digits; with tens of thousands of stations the chi-squared test rejects for tiny,
meaningless deviations.  Treat the result as descriptive, never as evidence by itself.

>>> counts = np.array([10, 21, 32, 43, 54, 65, 76, 87, 98, 109])
>>> second_digits(counts).tolist()
[0, 1, 2, 3, 4, 5, 6, 7, 8, 0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

__all__ = ["BENFORD_SECOND", "DigitTest", "second_digit_test", "second_digits"]

BENFORD_SECOND = np.array(
    [sum(np.log10(1.0 + 1.0 / (10 * k + d)) for k in range(1, 10)) for d in range(10)]
)
"""Benford's probabilities of the second significant digit 0..9."""
_BENFORD_MEAN = float(np.dot(np.arange(10), BENFORD_SECOND))


@dataclass(frozen=True, slots=True)
class DigitTest:
    """Second-digit test of one option's counts (counts below 10 have no second digit)."""

    counts_tested: int
    mean: float
    expected_mean: float
    chi2: float
    p_value: float
    frequencies: list[float]


def second_digits(counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """The second significant digit of each count (counts must be at least 10)."""
    magnitude = np.floor(np.log10(counts)).astype(np.int64)
    leading_two = counts // (10 ** (magnitude - 1))
    digits: NDArray[np.int64] = leading_two % 10
    return digits


def second_digit_test(counts: NDArray[np.int64]) -> DigitTest:
    """Chi-squared (9 d.f.) and mean of the second digits against Benford's law."""
    tested = counts[counts >= 10]
    if tested.size == 0:
        return DigitTest(0, 0.0, _BENFORD_MEAN, 0.0, 1.0, [0.0] * 10)
    observed = np.bincount(second_digits(tested), minlength=10).astype(np.float64)
    expected = BENFORD_SECOND * tested.size
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    return DigitTest(
        counts_tested=int(tested.size),
        mean=float(np.dot(np.arange(10), observed) / tested.size),
        expected_mean=_BENFORD_MEAN,
        chi2=chi2,
        p_value=float(stats.chi2.sf(chi2, df=9)),
        frequencies=(observed / tested.size).tolist(),
    )
