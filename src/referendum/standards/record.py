"""Hook for a ``referendum`` election record: facts already extracted from a record become
case facts, so that a verified record supplies the question, window, regions, results
and the verifier's verdict.  Reading the record itself is left to the record package;
this function takes plain data.  See docs/standards/record-hook.md.

>>> case = case_from_record_facts(
...     {"question": "Adopt the budget?", "options": ["yes", "no"],
...      "window": {"opens": "2026-03-01", "closes": "2026-03-01"},
...      "results": {"yes": 60, "no": 40, "electorate": 200},
...      "rule": {"majority": "simple"}, "verified": True},
...     base={"case": {"name": "Budget 2026", "place": "Townsville"}})
>>> case.fact("record.verified").value, case.fact("voting.days").value
(True, [{'date': '2026-03-01'}])
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from referendum.errors import CaseFileError
from referendum.standards.case import Case, case_from_mapping

__all__ = ["RECORD_SOURCE", "case_from_record_facts"]

RECORD_SOURCE = "referendum election record"
_MAX_WINDOW_DAYS = 366


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise CaseFileError(field, f"expected an ISO date or date-time, got {value!r}") from None


def _window_days(window: Mapping[str, Any]) -> list[dict[str, str]]:
    opens = _day(window.get("opens"), "record.window.opens")
    closes = _day(window.get("closes"), "record.window.closes")
    length = (closes - opens).days
    if not 0 <= length <= _MAX_WINDOW_DAYS:
        raise CaseFileError("record.window", f"closes {length} days after it opens")
    return [{"date": (opens + dt.timedelta(days=i)).isoformat()} for i in range(length + 1)]


def case_from_record_facts(
    facts: Mapping[str, Any],
    *,
    base: Mapping[str, Any] | None = None,
    source: str = RECORD_SOURCE,
) -> Case:
    """A case whose question, voting days, results, rule and verifier verdict come from an
    election record, the rest from ``base`` (a parsed case file).

    ``facts`` keys (all optional): ``question`` (text), ``options`` (list of texts),
    ``window`` (``opens``/``closes``, dates or date-times), ``results`` (counts: ``yes``,
    ``no``, ``blank``, ``invalid``, ``electorate``, ``ballots``), ``regions`` (a list of
    counts with ``name`` and ``weight``), ``rule`` (a :mod:`referendum.rules` mapping),
    ``verified`` (the verifier's verdict, true or false).  A record fact replaces the base
    case's fact of the same path; every fact it supplies cites ``source``.
    """
    unknown = set(facts) - {
        "question",
        "options",
        "window",
        "results",
        "regions",
        "rule",
        "verified",
    }
    if unknown:
        raise CaseFileError(f"record.{sorted(unknown)[0]}", "not a fact the record hook takes")
    for key, kind in (("window", Mapping), ("results", Mapping), ("rule", Mapping)):
        if key in facts and not isinstance(facts[key], kind):
            raise CaseFileError(f"record.{key}", "expected a mapping")
    for key in ("options", "regions"):
        if key in facts and not isinstance(facts[key], list):
            raise CaseFileError(f"record.{key}", "expected a list")
    if any(not isinstance(r, Mapping) for r in facts.get("regions", [])):
        raise CaseFileError("record.regions", "expected a list of mappings")
    data: dict[str, Any] = copy.deepcopy(dict(base or {}))
    data.setdefault("case", {"name": "referendum election record", "place": "unknown"})

    def put(path: str, value: Any) -> None:
        section, _, key = path.partition(".")
        data.setdefault(section, {})[key] = {"value": value, "source": source}

    if "question" in facts:
        put("question.text", facts["question"])
    if "options" in facts:
        put("question.options", list(facts["options"]))
    if "window" in facts:
        put("voting.days", _window_days(facts["window"]))
    if "results" in facts:
        put("outcome.results", dict(facts["results"]))
    if "regions" in facts:
        put("outcome.regions", [dict(r) for r in facts["regions"]])
    if "rule" in facts:
        put("outcome.rule", dict(facts["rule"]))
    if "verified" in facts:
        put("record.verified", facts["verified"])
    return case_from_mapping(data, origin=source)
