"""The report's per-region drill-down and two elections side by side (``--compare``)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from referendum.forensics.analysis import ForensicsOptions, analyse
from referendum.forensics.compare import (
    Election,
    headlines,
    region_rows,
    render_compare_html,
    render_compare_json,
    render_compare_text,
)
from referendum.forensics.plots import expected_without_integers
from referendum.forensics.report import render_html
from referendum.forensics.stations import FLAGGERS, station_list
from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, synthetic_frame
from referendum.forensics.table import ResultsTable, table_from_frame

CliResult = tuple[int, str, str]
FAST = ForensicsOptions(methods=frozenset({"excess_votes", "summary", "fingerprint"}))
_IMAGE = re.compile(r'<img alt="([^"]+)" src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"')


def _table(seed: int, *, stuffed: float = 0.0, regions: int = 5) -> ResultsTable:
    frame = synthetic_frame(3000, rng=np.random.default_rng(seed), stuffed=stuffed, regions=regions)
    return table_from_frame(frame, columns=SYNTHETIC_COLUMNS)


def _election(label: str, seed: int, *, stuffed: float = 0.0, regions: int = 5) -> Election:
    table = _table(seed, stuffed=stuffed, regions=regions)
    result = analyse(table, options=FAST, rng=np.random.default_rng(seed))
    return Election(label, table, result, station_list(table, result, flaggers=FLAGGERS))


def test_drill_down_shows_the_largest_regions() -> None:
    """``regions=3``: the three largest regions by electorate, each with three plots."""
    e = _election("synthetic", 1)
    html = render_html(e.table, e.result, title="synthetic", stations=e.stations, regions=3)
    largest = sorted(e.result.regions, key=lambda r: -r.registered)[:3]
    headings = re.findall(r'<h3 id="region-\d+">([^<]+)</h3>', html)
    assert headings == [r.name for r in largest]
    images = _IMAGE.findall(html)
    for region in largest:
        for plot in ("fingerprint", "turnout histogram", "share histogram"):
            assert f"{plot} of {region.name}" in images
    assert "<code>--drill-down N</code> shows more" in html
    every = render_html(e.table, e.result, title="synthetic", regions=10)
    assert len(re.findall(r'<h3 id="region-', every)) == 5
    assert "shows more" not in every
    none = render_html(e.table, e.result, title="synthetic", regions=0)
    assert "Regions drilled into" not in none


def test_comparison_report_has_both_elections_and_every_region() -> None:
    a = _election("clean", 1)
    b = _election("stuffed", 2, stuffed=0.15)
    html = render_compare_html(a, b)
    assert "<h1>clean beside stuffed</h1>" in html
    images = _IMAGE.findall(html)
    assert images == [
        "fingerprints of clean and stuffed",
        "turnout histograms",
        "share histograms",
        "Shpilkin curves",
    ]
    for region in {r.name for r in a.result.regions} | {r.name for r in b.result.regions}:
        assert f'<td class="name">{region}</td>' in html
    assert html.count("<h2>Stations to look at first:") == 2


def test_headline_figures_are_each_elections_own() -> None:
    """Each value in the table is the one its election's result holds."""
    a = _election("clean", 1)
    b = _election("stuffed", 2, stuffed=0.15)
    rows = {r.figure: r for r in headlines(a, b)}
    assert rows["turnout"].values == (a.result.turnout, b.result.turnout)
    excess = rows["excess votes for the choice"].values
    assert excess == (a.result.excess_votes.choice, b.result.excess_votes.choice)  # type: ignore[union-attr]
    assert excess[1] is not None and excess[0] is not None and excess[1] > 20 * abs(excess[0])
    assert rows["flagged by excess_votes"].values[1] > rows["flagged by excess_votes"].values[0]  # type: ignore[operator]
    # the integer test did not run: its rows stay blank
    assert rows["excess, turnout"].formatted() == ("", "")
    assert rows["votes manufactured"].formatted() == ("", "")
    assert rows["stations in excess at spikes"].formatted() == ("", "")
    text = render_compare_text(a, b)
    assert re.search(r"^\s+turnout \(%\)\s+[\d.]+\s+[\d.]+$", text, re.MULTILINE)
    document = json.loads(render_compare_json(a, b))
    assert [e["label"] for e in document["elections"]] == ["clean", "stuffed"]
    assert document["elections"][1]["result"]["turnout"] == pytest.approx(b.result.turnout)


def test_regions_are_matched_by_name() -> None:
    """A region in one election only gets a blank other side."""
    a = _election("five", 1, regions=5)
    b = _election("three", 2, regions=3)
    rows = region_rows(a, b)
    assert [r["name"] for r in rows if r["b"] is None] == ["Region 4", "Region 5"]
    assert all(r["a"] is not None for r in rows)
    assert {r["name"] for r in rows if r["b"] is not None} == {r.name for r in b.result.regions}


def test_expected_curve_ignores_a_spike() -> None:
    """The dashed 'expected' line of the histograms: a spike's own bin is left out."""
    counts = np.full(1000, 50.0)
    counts[600] = 400.0
    expected = expected_without_integers(counts)
    assert expected[600] == pytest.approx(50.0)
    assert expected[605] == pytest.approx(50.0 + 350.0 / 10)
    assert expected[0] == pytest.approx(50.0)


def test_cli_compare(tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    """``--compare`` writes the side-by-side report and one list of both elections."""
    paths = []
    for label, seed, stuffed in (("a.csv", 1, 0.05), ("b.csv", 2, 0.15)):
        path = tmp_path / label
        synthetic_frame(2000, rng=np.random.default_rng(seed), stuffed=stuffed).drop(
            "stuffed"
        ).write_csv(path)
        paths.append(path)
    args = ["forensics", str(paths[0]), "--compare", str(paths[1])]
    args += ["--registered", "registered", "--ballots", "ballots", "--valid", "valid"]
    args += ["--invalid", "invalid", "--region", "region", "--station", "station"]
    args += ["--option", "yes", "--option", "no", "--methods", "excess_votes,summary"]
    out = tmp_path / "stations.csv"
    code, text, err = run_cli(*args, "--out", str(tmp_path / "r"), "--stations-out", str(out))
    assert code == 0, err
    assert text.splitlines()[0].split() == ["a.csv", "b.csv"]
    html = (tmp_path / "r" / "forensics-compare.html").read_text(encoding="utf-8")
    assert "<h1>a.csv beside b.csv</h1>" in html
    both = pl.read_csv(out, schema_overrides={"station": pl.String})
    assert both.columns[0] == "election"
    assert set(both.get_column("election")) == {"a.csv", "b.csv"}
    code, _, err = run_cli(*args[:3], str(tmp_path / "absent.csv"), *args[4:])
    assert code == 2
    assert "absent.csv" in err and "no such file" in err
    assert "Traceback" not in err


def test_real_2018_beside_2024(table_2018: ResultsTable, table_2024: ResultsTable) -> None:
    """The two presidential elections side by side: each keeps its published totals."""
    elections = []
    for name, table in (("2018", table_2018), ("2024", table_2024)):
        result = analyse(table, options=FAST, rng=np.random.default_rng(0))
        elections.append(Election(name, table, result))
    rows = {r.figure: r for r in headlines(*elections)}
    assert [round(v or 0, 2) for v in rows["turnout"].values] == [67.54, 75.40]
    assert [round(v or 0, 2) for v in rows["the choice's share"].values] == [76.69, 86.81]
    html = render_compare_html(*elections)
    assert "Республика Дагестан" in html and "Донецкая Народная Республика" not in html
