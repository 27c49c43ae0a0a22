"""The election-record hook: extracted record facts become sourced case facts."""

from __future__ import annotations

import pytest

from referendum.errors import CaseFileError
from referendum.standards import Status, build_report, case_from_record_facts


def test_record_facts_fill_the_case() -> None:
    case = case_from_record_facts(
        {
            "question": "Adopt the budget?",
            "options": ["yes", "no"],
            "window": {"opens": "2026-03-01T08:00:00", "closes": "2026-03-03T20:00:00"},
            "regions": [
                {"name": "north", "yes": 70, "no": 30, "electorate": 150},
                {"name": "south", "yes": 20, "no": 50, "electorate": 100},
            ],
            "rule": {"turnout_quorum": "50%"},
            "verified": False,
        },
        base={"case": {"name": "Budget", "place": "Town"}, "timing": {}},
    )
    days = case.fact("voting.days")
    assert days is not None and [d["date"] for d in days.as_list()] == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
    ]
    assert days.source == "referendum election record"
    report = build_report(case)
    assert report.finding("RECONCILIATION").status is Status.FAIL
    assert report.finding("MULTI_DAY_CUSTODY").status is Status.UNKNOWN
    outcome = report.outcome
    assert outcome is not None and outcome["decision"] == "approved"
    assert [r["decision"] for r in outcome["regions"]] == ["approved", "rejected"]


def test_record_facts_replace_base_facts() -> None:
    base = {
        "case": {"name": "x", "place": "y"},
        "question": {"text": {"value": "old", "source": "poster"}},
    }
    case = case_from_record_facts({"question": "new"}, base=base)
    fact = case.fact("question.text")
    assert fact is not None and (fact.value, fact.source) == ("new", "referendum election record")
    assert base["question"]["text"]["value"] == "old"  # the base is not modified


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"turnout": 0.5}, "record.turnout"),
        ({"window": {"opens": "2026-03-02", "closes": "2026-03-01"}}, "record.window"),
        ({"window": {"opens": "soon", "closes": "2026-03-01"}}, "record.window.opens"),
        ({"results": {"yes": -1, "no": 0}}, "outcome.results.value.yes"),
        ({"window": "2026-03-01"}, "record.window"),
        ({"regions": [1, 2]}, "record.regions"),
        ({"options": "yes or no"}, "record.options"),
    ],
)
def test_bad_record_facts_name_the_field(facts: dict[str, object], field: str) -> None:
    with pytest.raises(CaseFileError) as caught:
        case_from_record_facts(facts)
    assert caught.value.field == field
