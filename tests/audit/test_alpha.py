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


def test_planned_alpha_is_close_to_bravo_when_shares_are_right() -> None:
    """ALPHA section 4: when the reported shares are exactly right ALPHA needs about as many
    ballots as BRAVO (which is optimal then)."""
    from referendum.audit.methods import Settings, planned_size

    a = majority("yes", Tally(yes=52_500, no=47_500))
    limit = Fraction(1, 20)
    n_alpha = planned_size(a, Settings(method="alpha", risk_limit=limit), population=100_000)
    n_bravo = bravo.expected_sample_size(a, risk_limit=limit)
    assert n_alpha is not None
    assert abs(n_alpha - n_bravo) / n_bravo < 0.05


def test_comparison_eta_is_the_kelly_bet() -> None:
    margin, u, p2 = 0.04, 1.0, 1e-4
    eta = alpha.comparison_eta(margin=margin, upper=u, two_vote_rate=p2)
    u_b = 2 / (2 - margin)
    b = 1 / (2 - margin)
    bet = (2 * eta - (u_b - eta) / (u_b - 0.5)) / u_b  # ALPHA's bet at mu = 1/2
    assert bet == pytest.approx(2 * (1 - p2) - p2 / (b - 0.5))


def test_alpha_comparison_plan_is_close_to_kaplan_markov() -> None:
    from referendum.audit.methods import Settings, planned_size

    a = majority("yes", Tally(yes=51_000, no=49_000))
    limit = Fraction(1, 20)
    n_alpha = planned_size(
        a, Settings(method="alpha-comparison", risk_limit=limit), population=100_000
    )
    n_km = planned_size(a, Settings(method="kaplan-markov", risk_limit=limit), population=100_000)
    assert n_alpha is not None and n_km is not None
    assert n_alpha <= n_km <= 1.2 * n_alpha


def test_a_two_vote_overstatement_costs_evidence() -> None:
    eta = alpha.comparison_eta(margin=0.1, upper=1.0)
    clean = [1 / 1.9] * 120  # no-error value 1/(2 - v/u)
    clean_risk = alpha.p_value(clean, upper=2 / 1.9, eta0=eta, d=None)
    flipped_risk = alpha.p_value([0.0, *clean], upper=2 / 1.9, eta0=eta, d=None)
    assert clean_risk < 0.01
    assert flipped_risk > 20 * clean_risk
