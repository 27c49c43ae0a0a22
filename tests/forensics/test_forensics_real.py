"""The 2020 all-Russian constitutional vote (../shared/data, from github.com/dkobak/elections).

Published figures reproduced here:
- totals: turnout 67.69% and yes 78.15% of valid + invalid ballots over the 96,765 stations
  of the file (the data's README; the Central Election Commission's own figures, with the
  electronic votes, are 67.97% and 77.92%);
- integer peaks: Kobak, Shpilkin & Pshenichnikov, "Suspect peaks in Russia's 'referendum'
  results", Significance 17(5), 2020: far more stations report whole-percentage turnout and
  yes share than binomial chance allows;
- excess votes: Shpilkin's estimate of about 22 million anomalous votes, quoted there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from referendum.forensics import ForensicsOptions, ForensicsResult, analyse
from referendum.forensics.table import ResultsTable

CliResult = tuple[int, str, str]


@pytest.fixture(scope="module")
def result_2020(table_2020: ResultsTable) -> ForensicsResult:
    # Only the methods these tests assert on: the battery, Rozenas' test and the mixture
    # model have their own tests on the real files (test_rozenas, test_mixture's docs).
    options = ForensicsOptions(
        draws=100,
        methods=frozenset({"integer_peaks", "excess_votes", "fingerprint", "summary"}),
    )
    return analyse(table_2020, options=options, rng=np.random.default_rng(2020))


def test_cec_layout_and_published_totals(result_2020: ForensicsResult) -> None:
    """The file's sums match its README: 96,765 stations, 67.69% turnout, 78.15% yes."""
    r = result_2020
    assert r.layout == "cec"
    assert r.stations == 96_765
    assert r.registered == 107_999_611
    assert r.ballots == 73_107_907
    assert r.cast == 73_024_006
    assert round(r.turnout, 2) == 67.69
    assert r.choice == "ДА"
    assert round(r.choice_share, 2) == 78.15
    assert round(r.choice_share_of_valid, 2) == 78.81
    assert r.options == {"ДА": 57_071_119, "НЕТ": 15_347_937}
    assert r.skipped_rows == 0


def test_integer_peaks_as_in_significance_2020(result_2020: ForensicsResult) -> None:
    """Kobak et al. (Significance 2020): integer peaks in turnout and in the yes share."""
    peaks = result_2020.integer_peaks
    for test in (peaks.turnout, peaks.choice_share):
        assert test.observed > test.expected + 10 * test.sd
        # above every one of the draws: the smallest Monte Carlo p-value there is
        assert test.p_value == 1 / (1 + test.draws)
    # the share's excess is the larger one, as the paper's histograms show
    assert peaks.choice_share.z > peaks.turnout.z


def test_excess_votes_near_shpilkins_estimate(result_2020: ForensicsResult) -> None:
    """Shpilkin's ~22 million anomalous votes: our single-mode estimate is the same order.

    The national estimate (one mode, one clean ratio) lands within a factor 1.5 of the
    published one; the sum of per-region estimates is lower (each region's own mode absorbs
    part of its stuffing).
    """
    excess = result_2020.excess_votes
    assert 22e6 / 1.5 < excess.choice < 22e6 * 1.5
    assert 40.0 < excess.mode_turnout < 50.0
    assert 55.0 < excess.clean_choice_share < 70.0
    assert 5e6 < excess.choice_sum_of_regions < excess.choice


def test_fingerprint_and_tails(result_2020: ForensicsResult) -> None:
    """Klimek et al.'s model finds fraud; turnout and yes are strongly correlated."""
    fit = result_2020.fingerprint
    assert fit.f_incremental + fit.f_extreme > 0.2
    assert fit.loss < fit.loss_without_fraud
    summary = result_2020.summary
    assert summary.correlation > 0.4
    assert summary.turnout_above[95] > 5.0


def test_regions(result_2020: ForensicsResult) -> None:
    """87 regions (85 subjects, Baikonur and abroad), sorted by suspicion, many flagged."""
    regions = result_2020.regions
    assert len(regions) == 87
    assert sum(r.stations for r in regions) == 96_765
    assert [r.suspicion for r in regions] == sorted((r.suspicion for r in regions), reverse=True)
    flagged = [r for r in regions if "integer_share_peaks" in r.flags]
    assert len(flagged) >= 10
    assert not regions[-1].flags or regions[-1].suspicion < regions[0].suspicion


def test_cli_report_on_2020(
    russia_2020: Path, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    """``referendum forensics FILE --out DIR`` writes the HTML report and the JSON beside it."""
    out = tmp_path / "report"
    code, stdout, _ = run_cli(
        "forensics", str(russia_2020), "--out", str(out), "--format", "json", "--draws", "50",
        "--resamples", "50", "--mixture-replicates", "4", "--replicates", "20",
    )  # fmt: skip
    assert code == 0
    document = json.loads(stdout)
    assert document["stations"] == 96_765
    assert round(document["turnout"], 2) == 67.69
    share = document["integer_peaks"]["choice_share"]
    assert share["p_value"] == 1 / (1 + share["draws"])
    assert share["z"] > 10
    html = (out / "forensics.html").read_text(encoding="utf-8")
    # four national plots, three for each of the 10 largest regions drilled into
    assert html.count("data:image/png;base64,") == 5 + 3 * 10  # with the coarse-share plot
    largest = max(document["regions"], key=lambda r: r["registered"])["name"]
    assert f'<h3 id="region-1">{largest}</h3>' in html
    assert "Краснодарский край" in html
    assert json.loads((out / "forensics.json").read_text(encoding="utf-8")) == document
