"""Loading and validating results tables: layouts, formats and bad input."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from referendum.errors import InputError, TableError
from referendum.forensics.table import ColumnSpec, read_table, recognise_cec, table_from_frame

CliResult = tuple[int, str, str]

# Headers of an older CEC table (2018 presidential election, dkobak/elections): three
# "ballots issued" columns, valid and invalid columns, candidates after the last "Число".
CEC_HEADERS = [
    "region",
    "tik",
    "uik",
    "Число избирателей, включенных в список избирателей",
    "Число бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "Число бюллетеней, выданных в помещении для голосования в день голосования",
    "Число бюллетеней, выданных вне помещения для голосования в день голосования",
    "Число недействительных избирательных бюллетеней",
    "Число действительных избирательных бюллетеней",
    "Бабурин Сергей Николаевич",
    "Путин Владимир Владимирович",
    "url",
]

SPEC = ColumnSpec(
    registered="n", ballots="b", valid="v", invalid="i", options=("yes", "no"), station="id"
)


def _cec_frame() -> pl.DataFrame:
    rows = [
        ["A", "1", "УИК №1", "1000", "10", "500", "20", "5", "525", "25", "500", "http://x/1"],
        ["A", "1", "УИК №2", "2000", "0", "1200", "0", "10", "1190", "90", "1100", "http://x/2"],
        ["B", "2", "УИК №1", "1500", "5", "700", "5", "0", "710", "10", "700", "http://x/3"],
    ]
    return pl.DataFrame(rows, schema=CEC_HEADERS, orient="row")


def _plain_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["s1", "s2", "s3", "s4"],
            "n": ["1000", "1200", "900", "800"],
            "b": ["600", "700", "500", "400"],
            "v": ["590", "690", "495", "400"],
            "i": ["10", "10", "5", "0"],
            "yes": ["400", "500", "300", "250"],
            "no": ["190", "190", "195", "150"],
        }
    )


def test_cec_layout_recognised() -> None:
    spec = recognise_cec(CEC_HEADERS)
    assert spec is not None
    assert spec.registered == CEC_HEADERS[3]
    assert spec.ballot_columns() == tuple(CEC_HEADERS[4:7])
    assert spec.invalid == CEC_HEADERS[7]
    assert spec.valid == CEC_HEADERS[8]
    assert spec.options == ("Бабурин Сергей Николаевич", "Путин Владимир Владимирович")
    table = table_from_frame(_cec_frame())
    assert table.layout == "cec"
    assert table.ballots.tolist() == [530, 1200, 710]  # early + at the station + outside
    assert table.region_names == ("A", "B")
    assert table.cast.tolist() == [530, 1200, 710]


def test_plain_headers_need_column_options() -> None:
    with pytest.raises(TableError) as caught:
        table_from_frame(_plain_frame())
    assert "--registered" in caught.value.reason


@pytest.mark.parametrize("kind", ["csv", "zip", "parquet", "tsv"])
def test_formats_read_alike(tmp_path: Path, kind: str) -> None:
    frame = _plain_frame()
    path = tmp_path / f"results.{kind}"
    if kind == "csv":
        frame.write_csv(path)
    elif kind == "tsv":
        frame.write_csv(path, separator="\t")
    elif kind == "parquet":
        frame.with_columns(pl.col(c).cast(pl.Int64) for c in frame.columns[1:]).write_parquet(path)
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("results.csv", frame.write_csv())
    table = read_table(path, columns=SPEC)
    assert table.stations == 4
    assert table.options["yes"].tolist() == [400, 500, 300, 250]
    assert int(table.cast.sum()) == 2200


def test_options_default_to_remaining_numeric_columns() -> None:
    spec = ColumnSpec(registered="n", ballots="b", valid="v", invalid="i", station="id")
    table = table_from_frame(_plain_frame(), columns=spec)
    assert list(table.options) == ["yes", "no"]


def _bad(column: str, row: int, value: str) -> pl.DataFrame:
    frame = _plain_frame()
    values = frame.get_column(column).to_list()
    values[row - 1] = value
    return frame.with_columns(pl.Series(column, values))


@pytest.mark.parametrize(
    ("frame", "field", "reason"),
    [
        (_bad("yes", 3, "12a"), "row 3, column 'yes'", "not a count: '12a'"),
        (_bad("no", 2, ""), "row 2, column 'no'", "empty cell"),
        (_bad("i", 4, "-3"), "row 4, column 'i'", "negative count (-3)"),
        (_bad("b", 1, "1001"), "row 1, column 'b'", "above registered voters (1000)"),
        (_bad("id", 4, "s2"), "row 4, column 'id'", "duplicated station"),
    ],
)
def test_bad_rows_are_named(frame: pl.DataFrame, field: str, reason: str) -> None:
    with pytest.raises(TableError) as caught:
        table_from_frame(frame, columns=SPEC)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert "--skip-bad-rows" in caught.value.reason
    skipped = table_from_frame(frame, columns=SPEC, skip_bad_rows=True)
    assert skipped.stations == 3
    assert skipped.skipped_rows == 1
    assert str(skipped.problems[0]).startswith(field)


def test_missing_column_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TableError) as caught:
        table_from_frame(_plain_frame().drop("v"), columns=SPEC)
    assert caught.value.field == "column 'v'"
    with pytest.raises(InputError):
        read_table(tmp_path / "absent.csv", columns=SPEC)
    with pytest.raises(TableError, match="no option named"):
        from referendum.forensics import ForensicsOptions, analyse

        analyse(
            table_from_frame(_plain_frame(), columns=SPEC),
            options=ForensicsOptions(choice="maybe", draws=10),
            rng=np.random.default_rng(0),
        )


def test_cli_bad_input_exits_2_and_skip_counts(
    tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    path = tmp_path / "bad.csv"
    _bad("yes", 3, "x").write_csv(path)
    columns = ["--registered", "n", "--ballots", "b", "--valid", "v", "--invalid", "i"]
    columns += ["--station", "id", "--draws", "20"]
    code, _, err = run_cli("forensics", str(path), *columns)
    assert code == 2
    assert "row 3, column 'yes': not a count: 'x'" in err
    code, out, _ = run_cli("forensics", str(path), *columns, "--skip-bad-rows", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["skipped_rows"] == 1
    assert document["stations"] == 3
    code, _, err = run_cli("forensics", str(path), "--ballots", "b")
    assert code == 2
    assert "--registered" in err


@pytest.mark.filterwarnings("error")
def test_degenerate_tables_give_figures_not_crashes() -> None:
    from referendum.forensics import ForensicsOptions, analyse
    from referendum.forensics.report import render_html, render_text

    spec = ColumnSpec(registered="n", ballots="b", options=("yes", "no"), station="id")
    for rows in (
        {"id": [1, 2], "n": [0, 0], "b": [0, 0], "yes": [0, 0], "no": [0, 0]},
        {"id": [1], "n": [50], "b": [20], "yes": [10], "no": [10]},
    ):
        table = table_from_frame(pl.DataFrame(rows), columns=spec)
        result = analyse(table, options=ForensicsOptions(draws=10), rng=np.random.default_rng(0))
        assert result.integer_peaks.turnout.stations == 0
        assert result.excess_votes.choice == 0.0
        assert "of valid ballots" in render_text(result)  # no invalid column: said so
        assert render_html(table, result, title="tiny").startswith("<!DOCTYPE html>")


def test_each_fault_has_its_own_reason_and_count() -> None:
    """Votes above voters, ballots without voters, negatives: counted by reason, none lost."""
    frame = _plain_frame().with_columns(
        pl.Series("n", ["1000", "0", "900", "300"]),
        pl.Series("b", ["600", "50", "-5", "290"]),
        pl.Series("v", ["590", "50", "495", "400"]),
    )
    with pytest.raises(TableError, match=r"row 2, column 'b': ballots without voters"):
        table_from_frame(frame, columns=SPEC)
    table = table_from_frame(frame, columns=SPEC, skip_bad_rows=True)
    assert table.stations == 1
    assert table.skipped_rows == 3
    assert table.skipped_by_reason == {
        "ballots_without_voters": 1,
        "negative_count": 1,
        "votes_above_registered": 1,
    }
    reasons = {p.row: p.reason for p in table.problems}
    assert reasons[4] == "more votes (400 counted) than voters (300)"


def test_rows_without_any_result_are_left_out_and_counted() -> None:
    """A station whose results were never published is counted, not an error, not lost."""
    frame = _plain_frame().with_columns(
        *(
            pl.Series(c, [*_plain_frame()[c].to_list()[:3], None])
            for c in ("n", "b", "v", "i", "yes", "no")
        )
    )
    table = table_from_frame(frame, columns=SPEC)
    assert (table.stations, table.no_results, table.skipped_rows) == (3, 1, 0)
    # one empty cell among counts is still a bad row
    partial = frame.with_columns(pl.Series("yes", ["400", None, "300", None]))
    with pytest.raises(TableError, match=r"row 2, column 'yes': empty cell"):
        table_from_frame(partial, columns=SPEC)


MAPPING = """
source = "test table, written by the test"
leader = "no"

[columns]
registered = "n"
ballots = "b"
valid = "v"
invalid = "i"
station = "id"
options = ["yes", "no"]

[apart]
column = "id"
values = ["s4"]
"""


def test_mapping_names_columns_source_leader_and_rows_kept_apart(
    tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    table_path = tmp_path / "t.csv"
    _plain_frame().write_csv(table_path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    code, out, err = run_cli(
        "forensics", str(table_path), "--mapping", str(mapping), "--format", "json",
        "--draws", "20", "--methods", "summary,integer_peaks",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert document["source"] == "test table, written by the test"
    assert document["choice"] == "no"
    assert document["stations"] == 3
    assert document["apart"] == {
        "rows": 1,
        "registered": 800,
        "ballots": 400,
        "yes": 250,
        "no": 150,
    }
    assert document["methods"] == ["integer_peaks", "summary"]
    assert document["fingerprint"] is None and document["battery"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MAPPING.replace('source = "test table, written by the test"', ""), "m.toml: source"),
        (MAPPING.replace('registered = "n"', 'registered = "voters"'), "column 'voters'"),
        (MAPPING + "colour = 1\n", "apart.colour"),
        (MAPPING.replace('ballots = "b"', "ballots = []"), "m.toml: columns.ballots"),
        ("source = ", "not valid TOML"),
    ],
)
def test_bad_mapping_names_the_field(
    tmp_path: Path, run_cli: Callable[..., CliResult], text: str, message: str
) -> None:
    table_path = tmp_path / "t.csv"
    _plain_frame().write_csv(table_path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(text, encoding="utf-8")
    code, _, err = run_cli("forensics", str(table_path), "--mapping", str(mapping))
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_unknown_method_is_refused(tmp_path: Path, run_cli: Callable[..., CliResult]) -> None:
    table_path = tmp_path / "t.csv"
    _plain_frame().write_csv(table_path)
    code, _, err = run_cli(
        "forensics", str(table_path), "--registered", "n", "--ballots", "b", "--methods", "benford"
    )
    assert code == 2
    assert "unknown method benford" in err
