"""ALPHA (Stark 2023): the supermartingale, its BRAVO special case, sampling without
replacement and the comparison form."""

from fractions import Fraction

import pytest

from referendum.audit import alpha, bravo
from referendum.audit.assorters import majority
from referendum.audit.readings import Tally


def test_bravo_is_alpha_with_a_fixed_alternative() -> None:
    """ALPHA section 2.4: with sampling with replacement, a {0, 1} assorter and a fixed
    eta = s (here: an overwhelming prior weight d), ALPHA's T is BRAVO's T."""
    a = majority("yes", Tally(yes=600, no=400))
    readings = ["yes", "no", "yes", "yes", "yes", "no", "yes", "yes"] * 4
    values = [float(a.value(r)) for r in readings]
    got = alpha.p_value(values, upper=1.0, eta0=0.6, d=10**12)
    assert got == pytest.approx(bravo.p_value(a, readings), rel=1e-6)


def test_without_replacement_exhausting_the_population() -> None:
    """Without replacement, once the sum drawn exceeds N/2 the null is impossible."""
    values = [1.0] * 6
    assert alpha.p_value(values, upper=1.0, eta0=0.6, population=10) == 0.0
    assert alpha.p_value(values[:3], upper=1.0, eta0=0.6, population=10) > 0.0


def test_without_replacement_is_sharper_than_with() -> None:
    values = [1.0, 0.0, 1.0, 1.0, 0.5, 1.0] * 5
    with_r = alpha.p_value(values, upper=1.0, eta0=0.6)
    without = alpha.p_value(values, upper=1.0, eta0=0.6, population=200)
    assert without < with_r < 1


def test_comparison_value() -> None:
    """SHANGRLA section 3.2: B = (1 - omega/u) / (2 - v/u); no error gives 1/(2 - v/u)."""
    assert alpha.comparison_value(0.0, margin=0.2, upper=1.0) == pytest.approx(1 / 1.8)
    assert alpha.comparison_value(1.0, margin=0.2, upper=1.0) == 0.0
    assert alpha.comparison_value(-1.0, margin=0.2, upper=1.0) == pytest.approx(2 / 1.8)


def test_reported_mean_must_exceed_half() -> None:
    from referendum.errors import AuditInputError

    with pytest.raises(AuditInputError):
        alpha.p_value([1.0], upper=1.0, eta0=0.5)


def test_supermajority_assorter() -> None:
    """SHANGRLA section 2.3: a yes is worth 1/(2f), a no 0, anything else 1/2."""
    from referendum.audit.assorters import Assertion

    assert majority("yes", Tally(yes=70, no=30)).upper == 1
    s = Assertion(
        "supermajority", frozenset({"yes"}), frozenset({"no"}), Fraction(2, 3), Tally(70, 30)
    )
    assert (s.value("yes"), s.value("no"), s.value("invalid")) == (
        Fraction(3, 4),
        Fraction(0),
        Fraction(1, 2),
    )
    assert s.upper == Fraction(3, 4)
    assert s.mean == Fraction(70 * 3, 4 * 100)  # 0.525 > 1/2: 70% > 2/3
    assert (
        Assertion(
            "supermajority", frozenset({"yes"}), frozenset({"no"}), Fraction(2, 3), Tally(66, 34)
        ).margin
        < 0
    )
