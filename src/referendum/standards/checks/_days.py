"""The voting days of a case, shared by the timing and voting checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from referendum.standards.case import Case, Fact

__all__ = ["voting_days"]


def voting_days(case: Case) -> tuple[Fact, Sequence[Mapping[str, Any]], list[dt.date]] | None:
    """The ``voting.days`` fact, its day entries and their dates, or ``None``."""
    fact = case.fact("voting.days")
    if fact is None:
        return None
    days: Sequence[Mapping[str, Any]] = fact.as_list()
    return fact, days, [dt.date.fromisoformat(day["date"]) for day in days]
