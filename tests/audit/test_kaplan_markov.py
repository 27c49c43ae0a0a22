"""Kaplan-Markov comparison audits (Stark 2009, 2010; Lindeman & Stark 2012)."""

import math

import pytest

from referendum.audit import kaplan_markov


def test_super_simple_rho() -> None:
    """Stark 2010, "Super-simple simultaneous single-ballot risk-limiting audits": at risk
    limit 10% with gamma = 1.1, tolerating one-vote overstatements at rate mu/2
    (lambda = 1/2), rho = 15.2, so a diluted margin of 2% needs 15.2 / 0.02 = 760 ballots
    (Arlo's test_supersimple.py reproduces this as 761, rounding rho up)."""
    rho = kaplan_markov.rho(risk_limit=0.1, gamma=1.1, one_vote_rate=0.5)
    assert round(rho, 1) == 15.2
    assert math.ceil(round(rho, 1) / 0.02) == 760
    assert math.ceil(rho / 0.02) == 761


def test_initial_sample_size_zero_discrepancies() -> None:
    """n = 2 gamma ln(1/alpha) / mu: with gamma 1.1 and alpha 10%, rho = 5.07."""
    n = kaplan_markov.initial_sample_size(margin=0.05, upper=1, risk_limit=0.1, gamma=1.1)
    assert n == math.ceil(2 * 1.1 * math.log(10) / 0.05) == 102
    assert kaplan_markov.rho(risk_limit=0.1, gamma=1.1) == pytest.approx(2.2 * math.log(10))


def test_discrepancies_grow_the_sample() -> None:
    base = kaplan_markov.initial_sample_size(margin=0.05, upper=1, risk_limit=0.05, gamma=1.1)
    one = kaplan_markov.initial_sample_size(
        margin=0.05, upper=1, risk_limit=0.05, gamma=1.1, one_vote=1
    )
    assert one == math.ceil(-2 * 1.1 * (math.log(0.05) + math.log(1 - 1 / 2.2)) / 0.05)
    assert one > base


def test_p_value_closed_form() -> None:
    """P = (1 - mu/(2g))^n (1 - 1/(2g))^-o1 (1 - 1/g)^-o2 (1 + 1/(2g))^-u1 (Lindeman & Stark)."""
    mu, g = 0.1, 1.1
    overs = [0.5, 1.0, -0.5] + [0.0] * 60  # majority: a one-vote error is 1/2 of u = 1
    got = kaplan_markov.p_value(overs, margin=mu, upper=1, gamma=g)
    want = (
        (1 - mu / (2 * g)) ** 63
        * (1 - 1 / (2 * g)) ** -1
        * (1 - 1 / g) ** -1
        * (1 + 1 / (2 * g)) ** -1
    )
    assert got == pytest.approx(min(1.0, want))
