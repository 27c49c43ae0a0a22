"""The JSON document and the HTML report of ``referendum forensics`` (issue 5's fields)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from referendum.forensics.analysis import ForensicsOptions
from referendum.forensics.bench import run_benchmark
from referendum.forensics.synthetic import synthetic_frame

CliResult = tuple[int, str, str]
COLUMNS = [
    "--registered", "registered", "--ballots", "ballots", "--valid", "valid",
    "--invalid", "invalid", "--region", "region", "--station", "station",
    "--option", "yes", "--option", "no",
]  # fmt: skip
# Fewer resamples and replicates than the defaults: these tests check the documents'
# fields, not the intervals (test_battery, test_rozenas and test_mixture do).
FAST = ["--replicates", "20", "--resamples", "20", "--mixture-replicates", "4"]


@pytest.fixture(scope="module")
def stations_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forensics") / "stations.csv"
    synthetic_frame(4000, rng=np.random.default_rng(11), regions=5, stuffed=0.1).write_csv(path)
    return path


def test_json_fields(stations_csv: Path, run_cli: Callable[..., CliResult]) -> None:
    code, out, _ = run_cli(
        "forensics", str(stations_csv), *COLUMNS, *FAST, "--format", "json", "--draws", "40"
    )
    assert code == 0
    document = json.loads(out)
    assert document["stations"] == 4000
    assert isinstance(document["registered"], int)
    assert isinstance(document["ballots"], int)
    assert document["turnout"] == pytest.approx(100 * document["ballots"] / document["registered"])
    assert document["choice"] == "yes"
    assert 0 < document["choice_share"] < 100
    assert 0 <= document["integer_peaks"]["turnout"]["p_value"] <= 1
    assert 0 <= document["integer_peaks"]["choice_share"]["p_value"] <= 1
    assert document["integer_peaks"]["turnout"]["draws"] == 40
    assert document["excess_votes"]["choice"] > 0
    regions = document["regions"]
    assert len(regions) == 5
    for region in regions:
        assert {"name", "stations", "turnout", "choice_share", "flags"} <= set(region)
        assert isinstance(region["flags"], list)
    assert sum(region["stations"] for region in regions) == 4000


def test_choice_option_and_seed(stations_csv: Path, run_cli: Callable[..., CliResult]) -> None:
    args = ["forensics", str(stations_csv), *COLUMNS, *FAST, "--format", "json", "--draws", "20"]
    _, first, _ = run_cli(*args, "--choice", "no", "--seed", "5")
    _, again, _ = run_cli(*args, "--choice", "no", "--seed", "5")
    assert first == again
    assert json.loads(first)["choice"] == "no"
    code, _, err = run_cli(*args, "--choice", "maybe")
    assert code == 2
    assert "no option named 'maybe'" in err


def test_html_report_and_text(
    stations_csv: Path, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    out = tmp_path / "report"
    code, text, _ = run_cli(
        "forensics", str(stations_csv), *COLUMNS, *FAST, "--draws", "20", "--out", str(out)
    )
    assert code == 0
    assert "turnout" in text and "excess votes" in text
    html = (out / "forensics.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    # four national plots, then three for each region drilled into (all five, under 10)
    assert html.count('<h3 id="region-') == 5
    assert html.count("data:image/png;base64,") == 5 + 3 * 5  # with the coarse-share plot
    assert "Coarse vote shares (Rozenas 2017" in html and "coarse shares" in text
    assert "Mixture model of incremental and extreme fraud" in html
    assert "Region 1" in html
    assert "http://" not in html and "https://" not in html  # self-contained
    assert json.loads((out / "forensics.json").read_text(encoding="utf-8"))["stations"] == 4000
    code, page, _ = run_cli(
        "forensics", str(stations_csv), *COLUMNS, *FAST, "--draws", "20", "--format", "html",
        "--drill-down", "0",
    )  # fmt: skip
    assert code == 0 and page.lstrip().startswith("<!DOCTYPE html>")


def test_help_and_bench_hook(run_cli: Callable[..., CliResult]) -> None:
    code, out, _ = run_cli("forensics", "--help")
    assert code == 0
    for option in ("--registered", "--ballots", "--valid", "--choice", "--region", "--format"):
        assert option in out
    for option in ("--out", "--skip-bad-rows", "--seed", "--draws"):
        assert option in out
    fast = ForensicsOptions(draws=20, replicates=20, resamples=20, mixture_replicates=4)
    figures = run_benchmark(2000, options=fast)
    assert figures["stations"] == 2000
    assert figures["total_seconds"] > 0
    assert set(figures) >= {"load_seconds", "analyse_seconds", "met_target", "draws"}
    # every method's own wall and CPU seconds, and the load they ran under
    assert set(figures["methods"]) >= {"load", "integer_peaks", "coarse_shares", "mixture"}
    assert all(m["cpu_seconds"] >= 0 for m in figures["methods"].values())
    assert figures["load_average_before"] >= 0


def test_bench_forensics_prints_each_size_and_method(run_cli: Callable[..., CliResult]) -> None:
    """``referendum bench --forensics N``: the defaults in a fresh process, as tables."""
    code, out, err = run_cli("bench", "--forensics", "300")
    assert code == 0, err
    assert "300" in out and "peak MB" in out and "load" in out
    for method in ("integer_peaks", "coarse_shares", "mixture", "digits+distribution"):
        assert method in out
    assert "1000, 1000, 1000, 20" in out  # draws, replicates, resamples, mixture replicates
