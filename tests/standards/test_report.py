"""Report rendering: JSON shape, text, the timeline drawn to scale."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

import referendum.standards as standards
from referendum.rules import Counts, Decision, Rule, evaluate_regional_votes
from referendum.standards import ALL_CHECKS, build_report, load_case, render
from referendum.standards.i18n import catalogue
from referendum.standards.timeline import timeline_svg

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_json_report_shape() -> None:
    report = build_report(load_case(EXAMPLES / "donetsk-2022"))
    data = json.loads(render(report, format="json"))
    assert data["case"]["place"].startswith("Donetsk")
    assert data["summary"]["total"] == len(ALL_CHECKS) == 42
    assert sum(data["summary"][s] for s in ("pass", "warn", "fail", "unknown")) == 42
    assert data["timeline"]["lead_days"] == 3 and data["timeline"]["minimum_days"] == 28
    for finding in data["findings"]:
        assert set(finding) >= {"id", "area", "status", "facts", "explanation", "source"}
        for fact in finding["facts"]:
            assert fact["source"]


def test_text_report_has_summary_and_every_check() -> None:
    report = build_report(load_case(EXAMPLES / "luhansk-2022"))
    text = render(report, format="text")
    assert "failed" in text.splitlines()[2]
    for finding in report.findings:
        assert finding.id in text


def _rects(svg: str) -> dict[str, list[ET.Element]]:
    root = ET.fromstring(svg)
    found: dict[str, list[ET.Element]] = {}
    for element in root.iter():
        found.setdefault(element.get("class", ""), []).append(element)
    return found


def test_timeline_is_drawn_to_scale_against_28_days() -> None:
    report = build_report(load_case(EXAMPLES / "donetsk-2022"))
    assert report.timeline is not None
    parts = _rects(timeline_svg(report.timeline, catalogue("en")))
    days = parts["voting-day"]
    assert len(days) == 5
    # the axis spans 29 days (28-day minimum shown), 680 px wide from x = 20
    per_day = 680 / 29
    assert float(days[0].get("x", "")) == pytest.approx(20 + 3 * per_day, abs=0.1)
    minimum = parts["minimum"][0]
    assert float(minimum.get("x1", "")) == pytest.approx(20 + 28 * per_day, abs=0.1)
    # four door-to-door days without polling stations, then one with stations
    assert [d.get("fill") for d in days] == ["#e65100"] * 4 + ["#2e7d32"]


def test_long_timeline_keeps_scale() -> None:
    report = build_report(load_case(EXAMPLES / "scotland-2014-independence"))
    assert report.timeline is not None
    parts = _rects(timeline_svg(report.timeline, catalogue("uk")))
    per_day = 680 / 547
    assert float(parts["minimum"][0].get("x1", "")) == pytest.approx(20 + 28 * per_day, abs=0.1)
    assert float(parts["voting-day"][0].get("x", "")) == pytest.approx(20 + 546 * per_day, abs=0.1)


def test_html_shows_per_region_results() -> None:
    report = build_report(load_case(EXAMPLES / "switzerland-2020-responsible-business"))
    html = render(report, format="html", language="uk")
    assert '<html lang="uk">' in html
    assert "Регіональних голосів «за»: 8.5 з 23" in html
    assert re.search(r"<th>1299173</th><th>1261673</th><th>50.73</th><th>відхилено</th>", html)


def test_html_results_from_percentages_show_percentages() -> None:
    report = build_report(load_case(EXAMPLES / "italy-2016"))
    html = render(report, format="html")
    assert (
        "<th>computed from the reported percentages</th><th>85.85</th><th>void</th>"
        in html.replace(' colspan="2"', "")
    )


def test_public_names_are_exported() -> None:
    for name in standards.__all__:
        assert hasattr(standards, name)


def test_regional_votes_rule_extension() -> None:
    # Responsible Business initiative: 50.73% yes but 8.5 of 23 cantonal votes.
    outcome = evaluate_regional_votes(
        Rule(double_majority=True),
        Counts(yes=1_299_173, no=1_261_673),
        weight_yes=Fraction(17, 2),
        weight_total=Fraction(23),
    )
    assert outcome.decision is Decision.REJECTED
    # 12 of 23 cantonal votes is a majority (Art. 142); 11.5 is not.
    for yes, expected in ((Fraction(12), Decision.APPROVED), (Fraction(23, 2), Decision.REJECTED)):
        got = evaluate_regional_votes(
            Rule(double_majority=True),
            Counts(yes=60, no=40),
            weight_yes=yes,
            weight_total=Fraction(23),
        )
        assert got.decision is expected


def test_every_module_has_an_explicit_all() -> None:
    names = ["referendum.standards", "referendum.cli.check"]
    names += [
        m.name for m in pkgutil.walk_packages(standards.__path__, prefix="referendum.standards.")
    ]
    for name in names:
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, name
        assert all(hasattr(module, n) for n in exported), name
