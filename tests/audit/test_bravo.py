"""BRAVO (Lindeman, Stark & Yates 2012): expected sample sizes and the sequential test."""

import math
from fractions import Fraction

import pytest

from referendum.audit import bravo
from referendum.audit.assorters import Assertion, majority
from referendum.audit.readings import Tally


@pytest.mark.parametrize(
    ("margin", "expected"),
    [
        (0.40, 30.03),
        (0.30, 53.25),
        (0.20, 118.88),
        (0.16, 184.89),
        (0.10, 469.26),
        (0.08, 730.80),
        (0.06, 1294.62),
        (0.04, 2901.97),
        (0.02, 11561.66),
        (0.01, 46150.44),
    ],
)
def test_asn_at_the_margins_of_table_1(margin: float, expected: float) -> None:
    """BRAVO, equation (5), at the margins of its Table 1 (two candidates, no invalid
    ballots, risk limit 10%): ASN ~ 30, 53, 119, 185, 469, 731, 1295, 2902, 11562, 46150."""
    share = (1 + margin) / 2
    got = bravo.asn(p_win=share, p_lose=1 - share, risk_limit=0.1)
    assert got == pytest.approx(expected, abs=0.01)


def test_expected_sample_size_matches_arlo() -> None:
    """votingworks/arlo, server/tests/audit_math/test_bravo.py, contest "test1": 600 vs 400
    of 1000 ballots at a 10% risk limit has an expected sample size of 119."""
    a = majority("yes", Tally(yes=600, no=400))
    assert bravo.expected_sample_size(a, risk_limit=Fraction(1, 10)) == 119


def test_invalid_ballots_dilute_the_shares() -> None:
    """The denominator is every ballot: invalid ballots raise the expected sample size."""
    clean = majority("yes", Tally(yes=600, no=400))
    diluted = majority("yes", Tally(yes=600, no=400, invalid=1000))
    n_clean = bravo.expected_sample_size(clean, risk_limit=Fraction(1, 10))
    n_diluted = bravo.expected_sample_size(diluted, risk_limit=Fraction(1, 10))
    assert n_diluted == pytest.approx(2 * n_clean, abs=2)


def test_sequential_test_values() -> None:
    """Each yes multiplies T by 2 s = 1.2, each no by 2 (1 - s) = 0.8, invalid by 1."""
    a = majority("yes", Tally(yes=600, no=400))
    assert bravo.p_value(a, ["yes"] * 12) == pytest.approx(1.2**-12)
    assert bravo.p_value(a, ["yes"] * 13) < 0.1 < bravo.p_value(a, ["yes"] * 12)
    assert bravo.p_value(a, ["no", "yes", "invalid"]) == 1.0  # T = 0.8, then 0.96
    assert bravo.p_value(a, ["yes", "no", "invalid"]) == pytest.approx(1 / 1.2)
    # the risk uses the running maximum of T (Ville's inequality)
    assert bravo.p_value(a, ["yes"] * 13 + ["no"] * 5) == pytest.approx(1.2**-13)


def test_supermajority_changes_the_test() -> None:
    """BRAVO section 5: for a threshold f the factors are s/f and (1-s)/(1-f)."""
    a = Assertion(
        "supermajority",
        frozenset({"yes"}),
        frozenset({"no"}),
        Fraction(2, 3),
        Tally(yes=750, no=250),
    )
    assert bravo.p_value(a, ["yes"]) == pytest.approx((2 / 3) / 0.75)
    assert bravo.p_value(a, ["no"] + ["yes"] * 4) == pytest.approx(1 / (0.75 * 1.125**4))
    with_f = bravo.expected_sample_size(a, risk_limit=Fraction(1, 20))
    plain = bravo.expected_sample_size(majority("yes", Tally(750, 250)), risk_limit=Fraction(1, 20))
    assert with_f > plain
    assert math.isfinite(with_f)
