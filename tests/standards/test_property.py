"""Random case files built from the schema: every check runs, every finding has a message
in both catalogues, and a case either validates or is rejected as bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referendum.errors import InputError
from referendum.standards import Status, build_report, case_from_mapping
from referendum.standards.case import schema
from referendum.standards.i18n import LANGUAGES, catalogue

PERCENT = st.decimals(min_value=0, max_value=100, places=2).map(float)
DAYS = st.lists(
    st.fixed_dictionaries(
        {"date": st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)).map(str)},
        optional={"polling_stations": st.booleans(), "door_to_door": st.booleans()},
    ),
    min_size=1,
    max_size=6,
)
RULES = st.sampled_from(
    [
        {"majority": "simple"},
        {"majority": "2/3"},
        {"turnout_quorum": "50%"},
        {"valid_quorum": "50%"},
        {"approval_quorum": "40%"},
        {"veto_quorum": "1/3"},
        {"double_majority": True},
        {"plurality": True},
    ]
)
COUNTS = st.integers(0, 1000).flatmap(
    lambda yes: st.integers(0, 1000).flatmap(
        lambda no: st.fixed_dictionaries(
            {"yes": st.just(yes), "no": st.just(no)},
            optional={"electorate": st.integers(yes + no, 5000)},
        )
    )
)
SPECIAL: dict[str, st.SearchStrategy[Any]] = {
    "voting.days": DAYS,
    "outcome.rule": RULES,
    "outcome.results": COUNTS,
    "outcome.shares": st.fixed_dictionaries(
        {},
        optional={
            k: PERCENT
            for k in (
                "turnout",
                "valid_of_electorate",
                "yes_of_valid",
                "no_of_valid",
                "yes_of_electorate",
            )
        },
    ),
    "outcome.regions": st.lists(
        st.tuples(COUNTS, st.sampled_from([1, 0.5, "1/2"])),
        min_size=1,
        max_size=4,
    ).map(lambda rows: [{"name": f"r{i}", "weight": w, **c} for i, (c, w) in enumerate(rows)]),
    "outcome.regional_votes": st.fixed_dictionaries(
        {"yes": st.integers(0, 26).map(lambda n: n / 2), "no": st.integers(1, 26).map(float)}
    ),
}


def _value(path: str, spec: dict[str, Any]) -> st.SearchStrategy[Any] | None:
    if path in SPECIAL:
        return SPECIAL[path]
    kind = spec.get("type")
    if "enum" in spec:
        return st.sampled_from(spec["enum"])
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(0, 10**7)
    if kind == "number":
        return PERCENT
    if kind == "string" and "pattern" in spec:
        return st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)).map(str)
    if kind == "string":
        return st.text(min_size=1, max_size=8)
    if kind == "array":
        return st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=3)
    return None


def _facts() -> dict[str, st.SearchStrategy[Any]]:
    found = {}
    for section, body in schema()["properties"].items():
        if section in ("case", "sources"):
            continue
        for key, fact in body["properties"].items():
            strategy = _value(f"{section}.{key}", fact["properties"]["value"])
            if strategy is not None:
                found[f"{section}.{key}"] = strategy
    return found


FACTS = _facts()


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    chosen = draw(st.sets(st.sampled_from(sorted(FACTS))))
    data: dict[str, Any] = {"case": {"name": "random", "place": "anywhere"}}
    for path in sorted(chosen):
        section, _, key = path.partition(".")
        data.setdefault(section, {})[key] = {"value": draw(FACTS[path]), "source": "test"}
    return data


def test_strategies_cover_every_fact() -> None:
    every = {
        f"{section}.{key}"
        for section, body in schema()["properties"].items()
        if section not in ("case", "sources")
        for key in body["properties"]
    }
    assert set(FACTS) == every


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_random_cases_run_and_explain_in_every_language(data: dict[str, Any]) -> None:
    try:
        report = build_report(case_from_mapping(data))
    except InputError as exc:
        assert exc.field  # rejected as bad input, naming the field
        return
    for finding in report.findings:
        assert finding.status in Status
        for language in LANGUAGES:
            assert catalogue(language).explain(finding)
        if finding.status is Status.UNKNOWN:
            assert finding.params["missing"]
