"""Kaplan-Markov ballot-level comparison audits with an error inflation factor ``gamma``
(Stark 2009, "Risk-limiting post-election audits: P-values from common probability
inequalities"; Stark 2010, "Super-simple simultaneous single-ballot risk-limiting audits";
Lindeman & Stark 2012, "A gentle introduction to risk-limiting audits").

Each sampled ballot's reported reading (the cast vote record) is compared with the audit
board's reading.  Its *overstatement* ``omega`` is the assorter's reported value minus its
actual value (for a majority: 1/2 per vote of margin, so a yes read as invalid is 1/2, a
yes read as no is 1; negative values are understatements).  With ``u`` the assorter's bound
and ``v`` its reported margin (for a majority ``v`` is the diluted margin ``mu = (yes -
no) / ballots``), the Kaplan-Markov p-value after ``n`` ballots drawn with replacement is

    P_n = prod_{i<=n} (1 - v / (2 gamma u)) / (1 - omega_i / (gamma u))

which for a majority is the familiar ``(1 - mu/(2 gamma))^n (1 - 1/(2 gamma))^-o1
(1 - 1/gamma)^-o2 (1 + 1/(2 gamma))^-u1 (1 + 1/gamma)^-u2`` with ``o1, o2, u1, u2`` the
numbers of one- and two-vote over- and understatements.  The risk is ``min(1, min_k P_k)``.

The initial sample size is super-simple's rule ``n = rho / mu`` with

    rho = -2 gamma (ln alpha + o1 ln(1 - 1/(2 gamma)) + o2 ln(1 - 1/gamma))

(``o1``, ``o2``: one- and two-vote overstatements the first round should tolerate; ``plan
--discrepancies D`` sets ``o1 = D``), which uses ``ln(1 - mu/(2 gamma)) ~ -mu/(2 gamma)``
as the paper does and so errs on the large side.  For an assertion with bound ``u`` it is
``rho * u / v``.  Expressing the tolerated one-vote overstatements as a rate ``lambda * mu``
per ballot gives the paper's ``rho = -ln alpha / (1/(2 gamma) + lambda ln(1 - 1/(2 gamma)))``.

>>> initial_sample_size(margin=0.1, upper=1, risk_limit=0.05, gamma=1.1)
66
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from referendum.audit.risk import risk_from_log_evidence
from referendum.errors import AuditInputError

__all__ = ["initial_sample_size", "log_evidence", "p_value", "rho"]


def _check(margin: float, gamma: float) -> None:
    if gamma < 1:
        raise AuditInputError(
            "gamma", f"the error inflation factor must be at least 1, got {gamma}"
        )
    if margin <= 0:
        raise AuditInputError("tallies", "the reported margin must be positive")


def rho(*, risk_limit: float, gamma: float, one_vote_rate: float = 0.0) -> float:
    """Super-simple's ``rho``: tolerate one-vote overstatements at rate ``lambda * mu``."""
    denominator = 1 / (2 * gamma) + one_vote_rate * math.log(1 - 1 / (2 * gamma))
    if denominator <= 0:
        raise AuditInputError("discrepancies", "too many tolerated overstatements")
    return -math.log(risk_limit) / denominator


def initial_sample_size(
    *,
    margin: float,
    upper: float,
    risk_limit: float,
    gamma: float,
    one_vote: int = 0,
    two_vote: int = 0,
) -> int:
    """Ballots to examine so that ``o1``/``o2`` overstatements still let the audit stop."""
    _check(margin, gamma)
    if one_vote < 0 or two_vote < 0:
        raise AuditInputError("discrepancies", "must be a non-negative integer")
    if two_vote and gamma == 1:
        raise AuditInputError("gamma", "a two-vote overstatement needs gamma above 1")
    log_terms = math.log(risk_limit) + one_vote * math.log(1 - 1 / (2 * gamma))
    if two_vote:
        log_terms += two_vote * math.log(1 - 1 / gamma)
    return math.ceil(-2 * gamma * log_terms * upper / margin)


def log_evidence(
    overstatements: Iterable[float], *, margin: float, upper: float, gamma: float
) -> Iterator[float]:
    """``-log P_k`` after each sampled unit; ``overstatements`` are per ballot (for a batch:
    its overstatement divided by its number of ballots)."""
    _check(margin, gamma)
    step = math.log(1 - margin / (2 * gamma * upper))
    total = 0.0
    for omega in overstatements:
        denominator = 1 - omega / (gamma * upper)
        total = total - step + math.log(denominator) if denominator > 0 else -math.inf
        yield total


def p_value(overstatements: Iterable[float], *, margin: float, upper: float, gamma: float) -> float:
    """Kaplan-Markov risk ``min(1, min_k P_k)``."""
    return risk_from_log_evidence(
        log_evidence(overstatements, margin=margin, upper=upper, gamma=gamma)
    )
