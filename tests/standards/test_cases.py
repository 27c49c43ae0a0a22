"""Expected verdicts of every case shipped in examples/ (../shared/STANDARDS.md, case table)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from referendum.standards import Status, build_report, load_case

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "case.toml").is_file())

P, W, F, U = Status.PASS, Status.WARN, Status.FAIL, Status.UNKNOWN

# For each case: the checks whose status is pinned, the computed decision (None when the
# outcome cannot be computed from the facts) and whether any check fails.
EXPECTED: dict[str, tuple[dict[str, Status], str | None, bool]] = {
    "donetsk-2022": (
        {
            "MIN_LEAD_TIME": F,
            "ORGANISER_AUTHORITY": F,
            "NO_WAR_OR_EMERGENCY": F,
            "ELECTORATE_FROZEN": F,
            "POLLING_STATIONS_EVERY_DAY": F,
            "MOBILE_BOX_STRICT": F,
            "RESULT_PLAUSIBILITY": W,
            "OUTCOME": U,
            "NO_ARMED_PRESENCE": U,
        },
        None,
        True,
    ),
    "luhansk-2022": (
        {
            "MIN_LEAD_TIME": F,
            "NO_RESULT_BEFORE_CLOSE": F,
            "OUT_OF_TERRITORY_VOTES": F,
            "POLLING_STATIONS_EVERY_DAY": F,
            "RESULT_PLAUSIBILITY": W,
        },
        None,
        True,
    ),
    "zaporizhzhia-2022": (
        {"MIN_LEAD_TIME": F, "ELECTORATE_COVERAGE": F, "RESULT_PLAUSIBILITY": P},
        None,
        True,
    ),
    "kherson-2022": (
        {"MIN_LEAD_TIME": F, "TERRITORIAL_STATUS": F, "ELECTORATE_COVERAGE": U},
        None,
        True,
    ),
    "crimea-2014": (
        {
            "MIN_LEAD_TIME": F,
            "STATUS_QUO_AVAILABLE": F,
            "NO_ARMED_PRESENCE": F,
            "LEGAL_BASIS": F,
            "ANSWER_FORMAT": W,
            "OUTCOME": P,
        },
        "approved",
        True,
    ),
    "switzerland-2020-responsible-business": (
        {"MIN_LEAD_TIME": P, "OUTCOME": P, "QUORUM_DESIGN": P, "LEGAL_BASIS": P},
        "rejected",
        False,
    ),
    "italy-2016": ({"OUTCOME": P, "QUORUM_DESIGN": W, "MIN_LEAD_TIME": U}, "void", False),
    "hungary-2016": ({"OUTCOME": P, "QUORUM_DESIGN": W}, "void", False),
    "denmark-2009-succession": (
        {"MIN_LEAD_TIME": P, "OUTCOME": P, "NOT_COMBINED_WITH_AFFECTED_ELECTION": P},
        "approved",
        False,
    ),
    "denmark-1939-constitution": ({"OUTCOME": P, "QUORUM_DESIGN": W}, "rejected", False),
    "ireland-2018": (
        {"MIN_LEAD_TIME": W, "IMPARTIAL_BODY": P, "OUTCOME": P, "RESULT_PLAUSIBILITY": P},
        "approved",
        False,
    ),
    "uk-2016-eu-membership": (
        {"MIN_LEAD_TIME": P, "ANSWER_FORMAT": W, "QUESTION_CLARITY": P, "RESULT_PLAUSIBILITY": P},
        "approved",
        False,
    ),
    "scotland-2014-independence": (
        {
            "MIN_LEAD_TIME": P,
            "TERRITORIAL_STATUS": P,
            "ORGANISER_AUTHORITY": P,
            "QUESTION_CLARITY": P,
            "RESULT_PLAUSIBILITY": P,
            "OUTCOME": P,
        },
        "rejected",
        False,
    ),
}


# The cases added for issue 14 (docs/standards/cases.md): for each, the computed decision
# (None when the facts do not determine it), and the exact sets of failed and warned checks.
# Every other check of such a case is a pass or unknown.
VERDICTS: dict[str, tuple[str | None, set[str], set[str]]] = {
    "uruguay-2022-urgent-law": ("rejected", set(), set()),
    "denmark-2015-justice-opt-out": ("rejected", set(), {"QUORUM_DESIGN"}),
    "kenya-2010-constitution": (None, set(), set()),
    "berlin-2013-energy": ("rejected", set(), {"QUORUM_DESIGN"}),
    "catalonia-2017-independence": (
        "approved",
        {"LEGAL_BASIS", "MIN_LEAD_TIME", "OBSERVERS", "TERRITORIAL_STATUS"},
        set(),
    ),
    "croatia-2013-constitution": ("approved", {"MIN_LEAD_TIME"}, set()),
    "eritrea-1993-independence": (None, set(), set()),
    "italy-2011-water-services": ("approved", set(), {"QUORUM_DESIGN"}),
    "australia-1999-republic": ("rejected", set(), {"RESULT_PLAUSIBILITY"}),
    "bougainville-2019-independence": (None, {"STATUS_QUO_AVAILABLE"}, {"ANSWER_FORMAT"}),
    "chile-2020-new-constitution": (None, set(), set()),
    "colombia-2016-peace-agreement": ("rejected", set(), {"QUORUM_DESIGN"}),
    "east-timor-1999-consultation": ("rejected", set(), {"ANSWER_FORMAT", "RESULT_PLAUSIBILITY"}),
    "egypt-2019-constitution": (None, {"MIN_LEAD_TIME"}, set()),
    "falklands-2013-sovereignty": (None, set(), {"RESULT_PLAUSIBILITY"}),
    "greece-2015-bailout": ("rejected", {"MIN_LEAD_TIME"}, {"QUORUM_DESIGN"}),
    "iraqi-kurdistan-2017-independence": (None, {"LEGAL_BASIS"}, set()),
    "ireland-2015-marriage": ("approved", set(), set()),
    "latvia-2012-constitution": ("rejected", set(), {"QUORUM_DESIGN"}),
    "montenegro-2006-independence": ("approved", set(), {"QUORUM_DESIGN"}),
    "netherlands-2016-ukraine-association": ("rejected", set(), {"QUORUM_DESIGN"}),
    "new-caledonia-2018-independence": ("rejected", set(), {"RESIDENCE_RULE"}),
    "new-zealand-1992-electoral-system": ("approved", set(), {"ANSWER_FORMAT"}),
    "osaka-2015-metropolis-plan": ("rejected", set(), set()),
    "puerto-rico-2012-status": (None, set(), {"ANSWER_FORMAT"}),
    "quebec-1995-sovereignty": ("rejected", set(), {"RESULT_PLAUSIBILITY"}),
    "romania-2018-constitution": ("void", set(), {"QUORUM_DESIGN"}),
    "scotland-1979-devolution": ("rejected", set(), {"QUORUM_DESIGN"}),
    "slovakia-2015-family": (None, set(), {"QUORUM_DESIGN"}),
    "slovenia-2015-marriage-law": ("rejected", set(), {"MIN_LEAD_TIME", "QUORUM_DESIGN"}),
    "south-sudan-2011-independence": (
        "approved",
        set(),
        {"ANSWER_FORMAT", "QUORUM_DESIGN", "RESULT_PLAUSIBILITY"},
    ),
    "switzerland-2014-mass-immigration": ("approved", set(), set()),
    "taiwan-2021-referendums-with-elections": ("rejected", set(), {"QUORUM_DESIGN"}),
    "turkey-2017-constitution": (
        "approved",
        {
            "FUNDAMENTAL_FREEDOMS",
            "INFO_IN_TIME",
            "MEDIA_EQUALITY",
            "NO_RULE_CHANGE_AFTER_CALL",
            "NO_WAR_OR_EMERGENCY",
        },
        set(),
    ),
}


def test_every_shipped_case_has_expected_verdicts() -> None:
    assert not set(EXPECTED) & set(VERDICTS)
    assert sorted([*EXPECTED, *VERDICTS]) == CASES


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_case_verdict_table(name: str) -> None:
    decision, failed, warned = VERDICTS[name]
    report = build_report(load_case(EXAMPLES / name))
    outcome = report.outcome
    assert (outcome["decision"] if outcome else None) == decision
    assert {f.id for f in report.findings if f.status is F} == failed
    assert {f.id for f in report.findings if f.status is W} == warned
    assert report.failed is bool(failed)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case_verdicts(name: str) -> None:
    statuses, decision, failed = EXPECTED[name]
    report = build_report(load_case(EXAMPLES / name))
    got = {check_id: report.finding(check_id).status for check_id in statuses}
    assert got == statuses
    outcome = report.outcome
    assert (outcome["decision"] if outcome else None) == decision
    assert report.failed is failed


def test_donetsk_lead_time_is_three_days() -> None:
    finding = build_report(load_case(EXAMPLES / "donetsk-2022")).finding("MIN_LEAD_TIME")
    assert finding.status is Status.FAIL
    assert finding.params["lead"] == 3
    assert {f.path for f in finding.facts} == {"timing.called", "voting.days"}
    assert all("STANDARDS.md" in f.source for f in finding.facts)


def test_scotland_lead_time_is_546_days() -> None:
    finding = build_report(load_case(EXAMPLES / "scotland-2014-independence")).finding(
        "MIN_LEAD_TIME"
    )
    assert (finding.status, finding.params["lead"]) == (Status.PASS, 546)


@pytest.mark.parametrize(
    ("name", "lead"),
    [
        ("switzerland-2020-responsible-business", 151),
        ("denmark-2009-succession", 103),
        ("ireland-2018", 58),
        ("uk-2016-eu-membership", 124),
        ("crimea-2014", 10),
        ("luhansk-2022", 3),
    ],
)
def test_lead_times_match_the_standards_table(name: str, lead: int) -> None:
    finding = build_report(load_case(EXAMPLES / name)).finding("MIN_LEAD_TIME")
    assert finding.params["lead"] == lead


def test_swiss_initiative_rejected_by_the_cantons_despite_popular_majority() -> None:
    report = build_report(load_case(EXAMPLES / "switzerland-2020-responsible-business"))
    outcome = report.outcome
    assert outcome is not None and outcome["decision"] == "rejected"
    conditions = {c["condition"]: c for c in outcome["conditions"]}
    assert conditions["majority"]["passed"]
    assert round(conditions["majority"]["value"] * 100, 2) == 50.73
    assert not conditions["regional_majority"]["passed"]
    assert outcome["regional_votes"] == {"yes": 8.5, "total": 23.0}


def test_italy_2016_void_under_turnout_quorum() -> None:
    outcome = build_report(load_case(EXAMPLES / "italy-2016")).outcome
    assert outcome is not None and outcome["decision"] == "void"
    quorum = next(c for c in outcome["conditions"] if c["condition"] == "turnout_quorum")
    assert not quorum["passed"] and round(quorum["value"] * 100, 2) == 31.19


def test_denmark_1939_failed_the_approval_quorum_by_its_own_figures() -> None:
    outcome = build_report(load_case(EXAMPLES / "denmark-1939-constitution")).outcome
    assert outcome is not None
    quorum = next(c for c in outcome["conditions"] if c["condition"] == "approval_quorum")
    assert round(quorum["value"] * 100, 2) == 44.46 and quorum["threshold"] == 0.45


def test_cases_index_lists_every_case_with_its_outcome() -> None:
    """docs/standards/cases.md has a row per shipped case giving the computed outcome."""
    index = (EXAMPLES.parent / "docs" / "standards" / "cases.md").read_text("utf-8")
    rows = {
        line.split("|")[1].strip(): line for line in index.splitlines() if line.startswith("| [")
    }
    assert sorted(name.split("]")[0].lstrip("[") for name in rows) == CASES
    for cell, line in rows.items():
        name = cell.split("]")[0].lstrip("[")
        outcome = build_report(load_case(EXAMPLES / name)).outcome
        decision = outcome["decision"] if outcome else "unknown"
        assert line.split("|")[4].strip() == decision, name


def _rule_features(rule: dict[str, object]) -> set[str]:
    """The kinds of part 1 of issue 14 a case's rule uses (docs/rules.md)."""
    found = {key for key in rule if key != "majority"}
    for key, value in rule.items():
        if isinstance(value, dict):
            found |= {c for c in ("at_least", "more_than") if c in value}
            counts = value.get("counts")
            if isinstance(counts, list) and ("blank" in counts or "invalid" in counts):
                found.add("counts_blank")
            if key == "majority":
                threshold = value.get("at_least", value.get("more_than"))
                if isinstance(threshold, str) and threshold not in ("1/2", "50%"):
                    found.add("supermajority")
    return found


def test_the_cases_cover_every_rule_kind() -> None:
    features: set[str] = set()
    for name in CASES:
        data = tomllib.loads((EXAMPLES / name / "case.toml").read_text("utf-8"))
        rule = data.get("outcome", {}).get("rule")
        if rule:
            features |= _rule_features(rule["value"])
    assert features >= {
        "turnout_quorum",
        "valid_quorum",
        "approval_quorum",
        "veto_quorum",
        "double_majority",
        "plurality",
        "supermajority",
        "counts_blank",
        "at_least",
        "more_than",
    }


def test_the_readme_counts_the_shipped_cases() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text("utf-8")
    assert f"{len(CASES)} real cases ship in `examples/`" in readme


def test_uruguay_2022_counts_blank_ballots_against_the_repeal() -> None:
    """Blank ballots are valid votes there (and so against the repeal): the repeal's 48.67%
    of yes + no + blank; of yes + no alone it would have been 49.32%, still short."""
    outcome = build_report(load_case(EXAMPLES / "uruguay-2022-urgent-law")).outcome
    assert outcome is not None and outcome["decision"] == "rejected"
    (majority,) = outcome["conditions"]
    assert majority["share"] == "yes / (yes+no+blank)"
    assert round(majority["value"] * 100, 2) == 48.67
    assert round(100 * 1078425 / (1078425 + 1108360), 2) == 49.32
