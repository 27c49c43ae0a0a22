"""Territory and electorate (authority per part, coverage derived from whichever facts exist)
and observers (kind and access per stage, each with its source)."""

from __future__ import annotations

from typing import Any

import pytest

from referendum.errors import InputError
from referendum.standards import Status, case_from_mapping
from referendum.standards.checks import check_by_id
from referendum.standards.i18n import catalogue


def _fact(value: Any) -> dict[str, Any]:
    return {"value": value, "source": "test"}


def _finding(check_id: str, **sections: dict[str, Any]) -> Any:
    case = case_from_mapping({"case": {"name": "t", "place": "p"}, **sections})
    return check_by_id(check_id).evaluate(case)


def _part(name: str, authority: str, share: float, voted: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "authority": authority,
        "electorate_share": share,
        "voted": voted,
        "source": f"map of {name}",
    }


@pytest.mark.parametrize(
    ("parts", "status", "message"),
    [
        ([_part("mainland", "legitimate", 88.0)], Status.PASS, "parts_legitimate"),
        (
            [_part("mainland", "legitimate", 88.0), _part("north", "disputed", 12.0)],
            Status.WARN,
            "parts_disputed",
        ),
        (
            [_part("mainland", "legitimate", 88.0), _part("north", "disputed", 12.0, False)],
            Status.PASS,
            "parts_legitimate",
        ),
        (
            [_part("rest", "legitimate", 60.0, False), _part("east", "occupied", 40.0)],
            Status.FAIL,
            "parts_occupied",
        ),
    ],
)
def test_authority_per_part_of_the_territory(
    parts: list[dict[str, Any]], status: Status, message: str
) -> None:
    finding = _finding("ORGANISER_AUTHORITY", context={"territory_parts": _fact(parts)})
    assert (finding.status, finding.message) == (status, f"ORGANISER_AUTHORITY.{message}")
    assert [p["source"] for p in finding.details["parts"]] == [p["source"] for p in parts]


def test_the_shares_of_each_authority_are_in_the_explanation() -> None:
    parts = [_part("mainland", "legitimate", 88.5), _part("north", "disputed", 11.5)]
    finding = _finding("ORGANISER_AUTHORITY", context={"territory_parts": _fact(parts)})
    assert finding.details["voted_share"] == {
        "legitimate": 88.5,
        "disputed": 11.5,
        "occupied": 0.0,
    }
    text = catalogue("en").explain(finding)
    assert "north: 11.5%" in text and "88.5%" in text


def test_parts_over_the_whole_electorate_are_bad_input() -> None:
    parts = [_part("a", "legitimate", 70.0), _part("b", "disputed", 40.0)]
    with pytest.raises(InputError) as caught:
        _finding("ORGANISER_AUTHORITY", context={"territory_parts": _fact(parts)})
    assert caught.value.field == "context.territory_parts"


def test_coverage_from_the_areas_that_did_not_vote() -> None:
    areas = [{"name": "Town A", "electorate": 30_000}, {"name": "District B", "electorate": 20_000}]
    finding = _finding(
        "ELECTORATE_COVERAGE",
        administration={"areas_not_voting": _fact(areas), "electorate_total": _fact(1_000_000)},
    )
    assert finding.details["basis"] == "areas"
    assert finding.details["derivation"].startswith("100 × (1 − (30000 + 20000) / 1000000)")
    assert finding.params["share"] == 95.0
    assert finding.status is Status.PASS  # 95% is the pass threshold (inclusive)
    assert "Town A, District B" in catalogue("en").explain(finding)


def test_coverage_from_polling_stations_opened() -> None:
    finding = _finding(
        "ELECTORATE_COVERAGE",
        voting={"polling_stations_opened": _fact(180), "polling_stations_planned": _fact(400)},
    )
    assert (finding.status, finding.params["share"]) == (Status.FAIL, 45.0)
    assert finding.details["basis"] == "stations"
    assert "180 / 400" in catalogue("en").explain(finding)


def test_a_reported_share_comes_first_and_says_so() -> None:
    finding = _finding(
        "ELECTORATE_COVERAGE",
        administration={"share_able_to_vote": _fact(70)},
        voting={"polling_stations_opened": _fact(1), "polling_stations_planned": _fact(400)},
    )
    assert (finding.status, finding.details["basis"]) == (Status.WARN, "share")


@pytest.mark.parametrize(
    ("administration", "voting", "field"),
    [
        (
            {
                "areas_not_voting": _fact([{"name": "x", "electorate": 11}]),
                "electorate_total": _fact(10),
            },
            {},
            "administration.areas_not_voting",
        ),
        (
            {},
            {"polling_stations_opened": _fact(5), "polling_stations_planned": _fact(4)},
            "voting.polling_stations_opened",
        ),
    ],
)
def test_impossible_coverage_facts_are_bad_input(
    administration: dict[str, Any], voting: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        _finding("ELECTORATE_COVERAGE", administration=administration, voting=voting)
    assert caught.value.field == field


def _group(kind: str, *access: str) -> dict[str, Any]:
    return {"kind": kind, "access": list(access), "source": f"{kind} report"}


EVERY = ("voting", "count", "tabulation")
NOBODY_AT_THE_COUNT = (
    "no observers at the count; no accredited international missions; no domestic observers"
)


@pytest.mark.parametrize(
    ("groups", "status", "lacking"),
    [
        ([_group("international_mission", *EVERY), _group("domestic", *EVERY)], Status.PASS, ""),
        (
            [_group("invited_experts", *EVERY), _group("domestic", *EVERY)],
            Status.WARN,
            "no accredited international missions",
        ),
        (
            [_group("international_mission", *EVERY), _group("party_agents", *EVERY)],
            Status.WARN,
            "no domestic observers",
        ),
        (
            [_group("international_mission", "voting"), _group("domestic", *EVERY)],
            Status.WARN,
            "accredited international missions without access to the count, tabulation",
        ),
        (
            [],
            Status.FAIL,
            NOBODY_AT_THE_COUNT,
        ),
        (
            [_group("invited_experts", "voting"), _group("party_agents", "voting")],
            Status.FAIL,
            NOBODY_AT_THE_COUNT,
        ),
    ],
)
def test_observer_kinds_and_access(
    groups: list[dict[str, Any]], status: Status, lacking: str
) -> None:
    finding = _finding("OBSERVERS", voting={"observers": _fact(groups)})
    assert finding.status is status
    if lacking:
        assert finding.params["violations"] == lacking
    assert [g["source"] for g in finding.details["observers"]] == [g["source"] for g in groups]


def test_the_yes_no_observer_facts_still_work() -> None:
    voting = {"domestic_observers": _fact(True), "international_observers": _fact(False)}
    assert _finding("OBSERVERS", voting=voting).status is Status.WARN  # II.4.2.a "should"


def test_an_observer_group_without_a_source_is_refused() -> None:
    with pytest.raises(InputError, match=r"voting\.observers\.value\.0"):
        _finding("OBSERVERS", voting={"observers": _fact([{"kind": "domestic", "access": []}])})
