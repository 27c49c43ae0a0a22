"""The ranked list of stations to look at: flags, reasons, ranks, CSV and Parquet files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from referendum.errors import TableError
from referendum.forensics.analysis import ForensicsOptions, ForensicsResult, analyse
from referendum.forensics.stations import (
    FLAGGERS,
    StationContext,
    StationFlags,
    StationList,
    read_stations,
    station_list,
    write_stations,
)
from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, synthetic_frame
from referendum.forensics.table import ResultsTable, table_from_frame

CliResult = tuple[int, str, str]
FAST = ForensicsOptions(methods=frozenset({"excess_votes", "summary"}))
STATIONS = 4000


def _with_station(frame: pl.DataFrame, row: int, **counts: int) -> pl.DataFrame:
    """``frame`` with the counts of data row ``row`` (0-based) replaced."""
    columns = {name: frame.get_column(name).to_numpy().copy() for name in counts}
    for name, value in counts.items():
        columns[name][row] = value
    return frame.with_columns(pl.Series(name, values) for name, values in columns.items())


def _listed(frame: pl.DataFrame, **kwargs: object) -> tuple[ResultsTable, StationList]:
    table = table_from_frame(frame, columns=SYNTHETIC_COLUMNS)
    result = analyse(table, options=FAST, rng=np.random.default_rng(7))
    return table, station_list(table, result, flaggers=FLAGGERS, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def clean() -> pl.DataFrame:
    return synthetic_frame(STATIONS, rng=np.random.default_rng(11))


def test_rounded_station_comes_first_with_both_integer_reasons(clean: pl.DataFrame) -> None:
    """A protocol rewritten to 80% turnout and 90% yes tops the list, each reason in words."""
    frame = _with_station(
        clean, 123, registered=3000, ballots=2400, invalid=0, valid=2400, yes=2160, no=240
    )
    _, stations = _listed(frame)
    top = stations.top(1)
    assert set(top.get_column("row")) == {124}
    assert set(top.get_column("station")) == {"124"}
    reasons = dict(zip(top.get_column("method"), top.get_column("reason"), strict=True))
    assert {"integer_turnout", "integer_share", "excess_votes"} <= set(reasons)
    assert reasons["integer_turnout"].startswith("turnout 80.00% (2,400 of 3,000) is a whole")
    assert reasons["integer_share"].startswith("yes's share 90.00% (2,160 of 2,400)")
    assert "turnout 80.0% and yes 90.0%" in reasons["excess_votes"]
    first = top.row(0, named=True)
    assert (first["registered"], first["ballots"], first["choice_votes"]) == (3000, 2400, 2160)
    assert first["votes: no"] == 240
    assert first["methods"] == top.height
    assert first["total_score"] == pytest.approx(sum(top.get_column("score")))


def test_stuffed_station_comes_first_by_the_excess_tail(clean: pl.DataFrame) -> None:
    """Ballots stuffed to 97% turnout, all for yes: first, flagged by the excess tail."""
    row = 2000
    registered = int(clean["registered"][row])
    ballots = int(clean["ballots"][row])
    added = int(0.97 * registered) - ballots
    frame = _with_station(
        clean,
        row,
        ballots=ballots + added,
        valid=int(clean["valid"][row]) + added,
        yes=int(clean["yes"][row]) + added,
    )
    _, stations = _listed(frame)
    top = stations.top(1)
    assert set(top.get_column("row")) == {row + 1}
    assert "excess_votes" in set(top.get_column("method"))
    reason = top.filter(pl.col("method") == "excess_votes").get_column("reason")[0]
    assert "standard deviations above the clean peak" in reason
    assert "votes beyond the clean ratio" in reason


def test_clean_data_put_few_stations_in_the_tail(clean: pl.DataFrame) -> None:
    """On clean data the excess tail flags under 0.5% of stations, and integer hits are
    near chance (about one station in ten for each rate)."""
    _, stations = _listed(clean)
    assert stations.flagged["excess_votes"] < 0.005 * STATIONS
    for method in ("integer_turnout", "integer_share"):
        assert 0.06 * STATIONS < stations.flagged[method] < 0.14 * STATIONS
    scores = stations.frame.filter(pl.col("method") == "integer_turnout").get_column("score")
    # 300 voters: the multiples of 3 out of 0..300, a third of the counts; 1,000 or more:
    # about one in ten
    assert scores.min() == pytest.approx(-np.log10(101 / 301), abs=0.02)
    assert scores.median() == pytest.approx(1.0, abs=0.1)


def test_last_digits_flag_names_the_round_counts() -> None:
    """Every count of a station ending in 0 or 5: the per-station C05s names each one."""
    frame = synthetic_frame(500, rng=np.random.default_rng(3))
    frame = frame.with_columns(pl.lit(0).alias("other"))
    frame = _with_station(
        frame, 7, registered=2000, ballots=1500, invalid=10, valid=1490, yes=1000, no=300, other=190
    )
    spec = SYNTHETIC_COLUMNS.__class__(
        registered="registered",
        ballots="ballots",
        valid="valid",
        invalid="invalid",
        options=("yes", "no", "other"),
        region="region",
        station="station",
    )
    table = table_from_frame(frame, columns=spec)
    result = analyse(table, options=FAST, rng=np.random.default_rng(1))
    stations = station_list(table, result, flaggers=FLAGGERS)
    flags = stations.frame.filter(pl.col("method") == "last_digits")
    row = flags.filter(pl.col("row") == 8).row(0, named=True)
    assert row["reason"].startswith("4 of its 4 counts of 100 or more end in 0 or 5")
    assert "(ballots issued 1,500, yes 1,000, no 300, other 190)" in row["reason"]
    assert row["score"] == pytest.approx(-np.log10(0.2**4))
    # the other stations have three counts of 100 or more: all three round by chance 0.8%
    assert flags.height < 0.02 * 500


def test_rank_by_methods_puts_multiple_flags_first(clean: pl.DataFrame) -> None:
    """``rank_by="methods"``: every station flagged twice comes before any flagged once."""
    _, stations = _listed(clean, rank_by="methods")
    per_station = stations.frame.unique("rank", keep="first", maintain_order=True)
    methods = per_station.get_column("methods").to_list()
    assert methods == sorted(methods, reverse=True)
    assert methods[0] >= 2
    _, by_score = _listed(clean)
    totals = by_score.frame.unique("rank", keep="first", maintain_order=True)["total_score"]
    assert totals.to_list() == sorted(totals.to_list(), reverse=True)


def test_a_new_method_plugs_in(clean: pl.DataFrame) -> None:
    """A flagger added to the mapping shows up with its method, score and reason."""

    def largest(context: StationContext) -> StationFlags:
        index = int(np.argmax(context.table.registered))
        return StationFlags(
            "largest", "the largest station", np.array([index]), np.array([60.0]), ("largest",)
        )

    table = table_from_frame(clean, columns=SYNTHETIC_COLUMNS)
    result = analyse(table, options=FAST, rng=np.random.default_rng(2))
    stations = station_list(table, result, flaggers={**FLAGGERS, "largest": largest})
    assert stations.flagged["largest"] == 1
    first = stations.top(1)
    assert "largest" in set(first.get_column("method"))
    assert stations.labels["largest"] == "the largest station"
    with pytest.raises(ValueError, match="one entry per station"):
        StationFlags("bad", "bad", np.array([1, 2]), np.array([1.0]), ("x",))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_files_round_trip(clean: pl.DataFrame, tmp_path: Path, suffix: str) -> None:
    """The CSV and the Parquet file read back with the same rows and columns."""
    _, stations = _listed(clean)
    path = tmp_path / f"stations{suffix}"
    write_stations(stations, path)
    back = read_stations(path)
    assert back.columns == stations.frame.columns
    assert_frame_equal(back, stations.frame, check_dtypes=suffix == ".parquet")


def test_bad_output_path_is_refused(tmp_path: Path) -> None:
    stations = StationList(frame=pl.DataFrame(), labels={}, flagged={})
    with pytest.raises(TableError, match=r"--stations-out.*must end in \.csv or \.parquet"):
        write_stations(stations, tmp_path / "stations.xlsx")
    with pytest.raises(TableError, match="no directory"):
        write_stations(stations, tmp_path / "absent" / "stations.csv")


def test_cli_writes_the_list_and_the_report(
    clean: pl.DataFrame, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    """``--stations-out`` writes the list; the text and the HTML report show its top."""
    frame = _with_station(
        clean, 55, registered=3000, ballots=2400, invalid=0, valid=2400, yes=2160, no=240
    )
    data = tmp_path / "results.csv"
    frame.drop("stuffed").write_csv(data)
    out = tmp_path / "stations.parquet"
    args = ["forensics", str(data), "--registered", "registered", "--ballots", "ballots"]
    args += ["--valid", "valid", "--invalid", "invalid", "--region", "region"]
    args += ["--station", "station", "--option", "yes", "--option", "no"]
    args += ["--methods", "excess_votes,integer_peaks", "--draws", "20"]
    # No regions drilled into: the drill-down's plots have their own test (test_compare).
    args += ["--drill-down", "0", "--stations-out", str(out)]
    code, text, err = run_cli(*args, "--out", str(tmp_path / "report"))
    assert code == 0, err
    assert f"to {out}" in err
    listed = pl.read_parquet(out)
    assert listed.row(0, named=True)["row"] == 56
    assert "stations to look at:" in text
    assert "  1. Region" in text and "(row 56)" in text
    html = (tmp_path / "report" / "forensics.html").read_text(encoding="utf-8")
    assert "<h2>Stations to look at</h2>" in html
    assert "turnout 80.00% (2,400 of 3,000)" in html
    document = json.loads((tmp_path / "report" / "forensics.json").read_text(encoding="utf-8"))
    listed_json = document["stations_to_look_at"]
    assert listed_json["stations"] == listed.get_column("rank").n_unique()
    assert listed_json["methods"]["excess_votes"]["flagged"] >= 1
    assert listed_json["top"][0]["row"] == 56
    assert listed_json["top"][0]["reason"] == listed.row(0, named=True)["reason"]
    code, _, err = run_cli(*args[:-1], str(tmp_path / "stations.txt"))
    assert code == 2
    assert "must end in .csv or .parquet" in err
    assert "Traceback" not in err


def test_methods_pick_the_flaggers(clean: pl.DataFrame) -> None:
    """By default only the flaggers of the methods run: ``--methods`` picks the list too."""
    table = table_from_frame(clean, columns=SYNTHETIC_COLUMNS)
    result = analyse(table, options=FAST, rng=np.random.default_rng(7))
    assert set(station_list(table, result).flagged) == {"excess_votes"}


def test_real_2018_stations(table_2018: ResultsTable) -> None:
    """2018 presidential election: stations at 99% turnout and 99% for the leader top the
    list, each with its territorial commission and station number."""
    table = table_2018
    result: ForensicsResult = analyse(table, options=FAST, rng=np.random.default_rng(2018))
    stations = station_list(table, result, flaggers=FLAGGERS)
    first = stations.top(1).row(0, named=True)
    assert first["turnout"] > 95.0 and first["share"] > 95.0
    assert " / " in first["station"]
    assert stations.flagged["excess_votes"] > 10_000
    assert stations.flagged["integer_turnout"] > 9_000
