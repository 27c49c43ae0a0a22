"""BRAVO: ballot-polling risk-limiting audits (Lindeman, Stark & Yates 2012, EVT/WOTE).

BRAVO is Wald's sequential probability ratio test of "the winner's share of the valid votes
is ``s`` (as reported)" against "it is at most the threshold ``f``" (``f = 1/2`` for a
majority; a supermajority's ``f`` otherwise; BRAVO section 5).  Ballots are drawn uniformly
with replacement.  With ``T_0 = 1`` each ballot multiplies ``T`` by

- ``s / f`` if it is a vote for the reported winner,
- ``(1 - s) / (1 - f)`` if it is a vote for the loser,
- ``1`` otherwise (invalid or blank: such ballots carry no evidence).

The risk after ``n`` ballots is ``min(1, 1 / max_k T_k)`` (see :mod:`referendum.audit.risk`).

The expected sample size is the paper's average sample number, equation (5), generalised
to a threshold ``f``:

    ASN = (ln(1/alpha) + ln(s/f) / 2) / (p_w ln(s/f) + p_l ln((1-s)/(1-f)))

where ``p_w`` and ``p_l`` are the winner's and the loser's shares of *all* ballots
(invalid included, the denominator is ``--ballots``).  It assumes the reported shares are
exactly right.  For ``f = 1/2`` it is BRAVO's ``(ln(1/alpha) + ln(2 s_w)/2) /
(p_w ln(2 s_w) + p_l ln(2 - 2 s_w))``.

>>> round(asn(p_win=0.6, p_lose=0.4, risk_limit=0.1), 2)
118.88
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from fractions import Fraction

from referendum.audit.assorters import Assertion
from referendum.audit.readings import READINGS, Reading
from referendum.audit.risk import risk_from_log_evidence
from referendum.errors import AuditInputError

__all__ = ["asn", "expected_sample_size", "log_evidence", "log_factors", "p_value"]


def _share(assertion: Assertion) -> Fraction:
    w, lose = assertion.reported_win, assertion.reported_lose
    if w + lose == 0 or Fraction(w, w + lose) <= assertion.threshold:
        raise AuditInputError(
            assertion.name, f"the reported counts do not satisfy it ({assertion.describe()})"
        )
    return Fraction(w, w + lose)


def asn(*, p_win: float, p_lose: float, risk_limit: float, threshold: float = 0.5) -> float:
    """BRAVO's average sample number, equation (5), for a threshold ``f``."""
    s = p_win / (p_win + p_lose)
    if s <= threshold:
        raise AuditInputError("tallies", "the reported winner's share must exceed the threshold")
    z_win = math.log(s / threshold)
    z_lose = math.log((1 - s) / (1 - threshold)) if s < 1 else 0.0
    drift = p_win * z_win + p_lose * z_lose
    return (math.log(1 / risk_limit) + z_win / 2) / drift


def expected_sample_size(assertion: Assertion, *, risk_limit: Fraction) -> int:
    """Ballots BRAVO is expected to examine for ``assertion`` (rounded up)."""
    _share(assertion)
    n = assertion.ballots
    return math.ceil(
        asn(
            p_win=assertion.reported_win / n,
            p_lose=assertion.reported_lose / n,
            risk_limit=float(risk_limit),
            threshold=float(assertion.threshold),
        )
    )


def log_factors(assertion: Assertion) -> dict[Reading, float]:
    """``log`` of the factor each reading multiplies ``T`` by."""
    s = _share(assertion)
    f = assertion.threshold
    up = math.log(s / f)
    down = math.log((1 - s) / (1 - f)) if s < 1 else -math.inf
    return {r: up if r in assertion.win else down if r in assertion.lose else 0.0 for r in READINGS}


def log_evidence(assertion: Assertion, readings: Iterable[Reading]) -> Iterator[float]:
    """``log T_k`` after each reading."""
    factors = log_factors(assertion)
    total = 0.0
    for reading in readings:
        total += factors[reading]
        yield total


def p_value(assertion: Assertion, readings: Iterable[Reading]) -> float:
    """BRAVO's risk for the readings, in draw order."""
    return risk_from_log_evidence(log_evidence(assertion, readings))
