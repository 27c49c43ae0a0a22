"""The checks of ../shared/STANDARDS.md, one module per area.

>>> len(ALL_CHECKS), ALL_CHECKS[0].id
(42, 'LEGAL_BASIS')
"""

from __future__ import annotations

from referendum.standards.case import Case
from referendum.standards.checks import (
    administration,
    campaign,
    legality,
    outcome,
    question,
    timing,
    voting,
)
from referendum.standards.finding import Check, Finding

__all__ = ["ALL_CHECKS", "check_by_id", "run_checks"]

ALL_CHECKS: tuple[Check, ...] = (
    *legality.CHECKS,
    *timing.CHECKS,
    *question.CHECKS,
    *administration.CHECKS,
    *campaign.CHECKS,
    *voting.CHECKS,
    *outcome.CHECKS,
)


def check_by_id(check_id: str) -> Check:
    """The check with this id (``KeyError`` if none)."""
    for check in ALL_CHECKS:
        if check.id == check_id:
            return check
    raise KeyError(check_id)


def run_checks(case: Case) -> list[Finding]:
    """Every check on the case, in the order of STANDARDS.md."""
    return [check.evaluate(case) for check in ALL_CHECKS]
