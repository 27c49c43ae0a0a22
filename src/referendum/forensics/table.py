"""Results per polling station: loading, layout recognition and validation.

A table is read from CSV, zipped CSV or Parquet with polars.  Two layouts are understood:

``cec``
    The layout of the Russian Central Election Commission as published in the public
    repository dkobak/elections: Russian headers, recognised without options (see
    docs/forensics/overview.md for the header rules).
``columns``
    Any other table, described with a :class:`ColumnSpec` (the CLI's ``--registered``,
    ``--ballots``, ``--valid``, ``--invalid``, ``--choice``, ``--region``, ``--station``).

Validation names the row and the column of each bad value.  Rows are numbered from 1 for
the first data row (the header is not counted).  With ``skip_bad_rows`` the bad rows are
dropped and counted instead of raising.

>>> spec = ColumnSpec(registered="n", ballots="b", valid="v", options=("yes", "no"))
>>> frame = pl.DataFrame({"n": [100, 200], "b": [60, 90], "v": [58, 90],
...                       "yes": [40, 50], "no": [18, 40]})
>>> table = table_from_frame(frame, columns=spec)
>>> table.stations, int(table.ballots.sum())
(2, 150)
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray

from referendum.errors import TableError

__all__ = [
    "ColumnSpec",
    "ResultsTable",
    "RowProblem",
    "read_frame",
    "read_table",
    "recognise_cec",
    "table_from_frame",
]

Layout = Literal["cec", "columns"]
IntArray = NDArray[np.int64]

_CEC_REGISTERED = ("Число избирателей", "Число участников голосования")
_CEC_REGISTERED_WORDS = ("включенных", "внесенных")
_CEC_ISSUED = "бюллетеней, выданных"
_CEC_INVALID = "недействительных"
_CEC_VALID = "действительных"
_CEC_COUNT_PREFIX = "Число"
_CEC_NON_COUNTS = ("url",)
_REGION_NAMES = ("region", "reg")
_STATION_KEYS = ("tik", "uik")
_SHOWN_PROBLEMS = 20
_OPTION_MAJORITY = 0.5


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """Which columns hold what, for a table that is not in the CEC layout.

    ``ballots`` may name several columns (summed: early, at the station, outside it).
    ``options`` lists the options' columns; when empty, every remaining numeric column is an
    option.  ``invalid`` may be absent (then the choice's share is of valid ballots only, and
    the report says so).  ``station`` names the column that identifies a station within its
    region, for the duplicate check.
    """

    registered: str
    ballots: tuple[str, ...] | str
    valid: str | None = None
    invalid: str | None = None
    options: tuple[str, ...] = ()
    region: str | None = None
    station: str | None = None

    def ballot_columns(self) -> tuple[str, ...]:
        """The ballots-issued columns as a tuple."""
        return (self.ballots,) if isinstance(self.ballots, str) else tuple(self.ballots)


ProblemKind = Literal[
    "empty_cell",
    "not_a_count",
    "negative_count",
    "ballots_above_registered",
    "ballots_without_voters",
    "votes_above_registered",
    "duplicated_station",
]
"""Why a row is bad: the keys of :attr:`ResultsTable.skipped_by_reason`."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One bad value: its 1-based data row, its column, why it is bad and the kind of fault."""

    row: int
    column: str
    reason: str
    kind: ProblemKind = "not_a_count"

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ResultsTable:
    """Validated counts per polling station, as numpy arrays of equal length.

    ``valid`` and ``invalid`` are the ballots counted valid and invalid; the choice's share
    is taken of their sum, as the Commission and Kobak et al. do.  ``region_codes`` index
    ``region_names``.  ``skipped_by_reason`` counts the bad rows left out (with
    ``skip_bad_rows``) by their first fault; ``no_results`` counts the rows whose every
    count is empty (stations whose results were never published), always left out and
    always reported.  ``apart`` sums the rows kept apart (aggregated electronic votes:
    ``rows``, ``registered``, ``ballots`` and each option's votes), ``None`` when no rows
    were asked to be kept apart; ``source`` records where the data come from.
    ``station_ids`` name each station (the territorial commission and station number of
    the CEC layout, the ``station`` column otherwise, else ``row N``) and ``rows`` hold
    each station's 1-based data row in the file; both are empty for tables built by hand.
    """

    registered: IntArray
    ballots: IntArray
    valid: IntArray
    invalid: IntArray
    options: dict[str, IntArray]
    region_codes: NDArray[np.int32]
    region_names: tuple[str, ...]
    layout: Layout
    has_invalid: bool = True
    skipped_rows: int = 0
    problems: tuple[RowProblem, ...] = field(default=())
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    no_results: int = 0
    apart: dict[str, int] | None = None
    source: str | None = None
    station_ids: tuple[str, ...] = ()
    rows: IntArray | None = None

    @property
    def stations(self) -> int:
        """Number of polling stations (rows kept)."""
        return int(self.registered.shape[0])

    @property
    def cast(self) -> IntArray:
        """Valid plus invalid ballots: the denominator of the choice's share."""
        return self.valid + self.invalid

    def subset(self, mask: NDArray[np.bool_]) -> ResultsTable:
        """The stations where ``mask`` is true (regions keep their codes)."""
        return ResultsTable(
            registered=self.registered[mask],
            ballots=self.ballots[mask],
            valid=self.valid[mask],
            invalid=self.invalid[mask],
            options={name: votes[mask] for name, votes in self.options.items()},
            region_codes=self.region_codes[mask],
            region_names=self.region_names,
            layout=self.layout,
            has_invalid=self.has_invalid,
            skipped_rows=self.skipped_rows,
            problems=self.problems,
            skipped_by_reason=self.skipped_by_reason,
            no_results=self.no_results,
            apart=self.apart,
            source=self.source,
            station_ids=tuple(np.asarray(self.station_ids, dtype=object)[mask])
            if self.station_ids
            else (),
            rows=self.rows[mask] if self.rows is not None else None,
        )

    def station_id(self, index: int) -> str:
        """The name of station ``index`` (``row N`` when the table has no identifiers)."""
        if self.station_ids:
            return self.station_ids[index]
        return f"row {int(self.rows[index]) if self.rows is not None else index + 1}"


def read_frame(path: Path) -> pl.DataFrame:
    """Read CSV, zipped CSV (one CSV member) or Parquet into a frame of the file's columns.

    CSV columns are read as text so that validation can name each non-numeric cell.
    """
    if not path.exists():
        raise TableError(str(path), "no such file")
    suffix = path.name.lower()
    try:
        if suffix.endswith(".parquet") or suffix.endswith(".pq"):
            return pl.read_parquet(path)
        if suffix.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if m.lower().endswith((".csv", ".txt"))]
                if len(members) != 1:
                    raise TableError(
                        str(path), f"expected one CSV file in the archive, found {len(members)}"
                    )
                data = archive.read(members[0])
            return _read_csv_bytes(data, str(path))
        return _read_csv_bytes(path.read_bytes(), str(path))
    except (pl.exceptions.PolarsError, zipfile.BadZipFile, OSError) as exc:
        raise TableError(str(path), f"cannot be read as a table: {exc}") from exc


def _read_csv_bytes(data: bytes, name: str) -> pl.DataFrame:
    separator = "\t" if data[:4096].count(b"\t") > data[:4096].count(b",") else ","
    frame = pl.read_csv(io.BytesIO(data), infer_schema=False, separator=separator)
    if frame.width < 2:
        raise TableError(name, "fewer than two columns: not a results table")
    return frame


def recognise_cec(headers: list[str]) -> ColumnSpec | None:
    """The column roles of the CEC layout, or ``None`` when the headers are not that layout.

    Registered voters: the "Число избирателей / участников голосования, включенных
    (внесенных)..." column; ballots issued: every column containing "бюллетеней, выданных";
    invalid: "недействительных"; valid: "действительных" (absent in the 2020 vote: valid is
    then the options' sum); options: the columns after the last "Число..." column, ``url``
    aside.
    """
    registered = [
        h
        for h in headers
        if h.startswith(_CEC_REGISTERED) and any(w in h for w in _CEC_REGISTERED_WORDS)
    ]
    issued = tuple(h for h in headers if _CEC_ISSUED in h)
    if not registered or not issued:
        return None
    invalid = [h for h in headers if _CEC_INVALID in h.lower()]
    valid = [h for h in headers if _CEC_VALID in h.lower() and _CEC_INVALID not in h.lower()]
    last_count = max(i for i, h in enumerate(headers) if h.startswith(_CEC_COUNT_PREFIX))
    options = tuple(h for h in headers[last_count + 1 :] if h.lower() not in _CEC_NON_COUNTS)
    if not options:
        return None
    region = next((h for h in headers if h.lower() in _REGION_NAMES), None)
    return ColumnSpec(
        registered=registered[0],
        ballots=issued,
        valid=valid[0] if valid else None,
        invalid=invalid[0] if invalid else None,
        options=options,
        region=region,
        station=None,
    )


def read_table(
    path: Path,
    *,
    columns: ColumnSpec | None = None,
    skip_bad_rows: bool = False,
    apart: tuple[str, tuple[str, ...]] | None = None,
    source: str | None = None,
) -> ResultsTable:
    """Read and validate a results table; the CEC layout is recognised when ``columns`` is None."""
    return table_from_frame(
        read_frame(path),
        columns=columns,
        skip_bad_rows=skip_bad_rows,
        apart=apart,
        source=source,
    )


def table_from_frame(
    frame: pl.DataFrame,
    *,
    columns: ColumnSpec | None = None,
    skip_bad_rows: bool = False,
    apart: tuple[str, tuple[str, ...]] | None = None,
    source: str | None = None,
) -> ResultsTable:
    """Validate a frame and turn it into a :class:`ResultsTable`.

    ``apart``: a column and its values marking rows kept apart (aggregated electronic
    votes): they are validated like the others, left out of the stations and summed in
    :attr:`ResultsTable.apart`.
    """
    layout: Layout = "columns"
    if columns is None:
        columns = recognise_cec(frame.columns)
        if columns is None:
            raise TableError(
                "columns",
                "the headers are not the CEC layout; name the columns with --registered, "
                "--ballots, --valid and --choice",
            )
        layout = "cec"
    spec = _complete_spec(frame, columns)
    count_columns = _count_columns(spec)
    present = ", ".join(frame.columns[:12]) + (", ..." if frame.width > 12 else "")
    for label in (*count_columns, spec.region, spec.station, apart[0] if apart else None):
        if label is not None and label not in frame.columns:
            raise TableError(f"column {label!r}", f"missing from the table (it has: {present})")

    counts, problems, empty = _parse_counts(frame, count_columns)
    # A row whose every count is empty is a station without published results: it is left
    # out and counted (``no_results``), not an error.
    no_results = np.logical_and.reduce(list(empty.values()))
    problems = [p for p in problems if not no_results[p.row - 1]]
    registered = counts[spec.registered]
    ballots = np.sum([counts[c] for c in spec.ballot_columns()], axis=0)
    options = {name: counts[name] for name in spec.options}
    invalid = counts[spec.invalid] if spec.invalid else np.zeros_like(registered)
    valid = counts[spec.valid] if spec.valid else np.sum(list(options.values()), axis=0)
    kept_apart = np.zeros(frame.height, dtype=bool)
    if apart is not None:
        marks = frame.get_column(apart[0]).cast(pl.String).str.strip_chars()
        kept_apart = marks.is_in(list(apart[1])).fill_null(False).to_numpy()
    bad = no_results | kept_apart
    for problem in problems:
        bad[problem.row - 1] = True
    problems.extend(_check_ballots(registered, ballots, valid + invalid, bad, spec))
    problems.extend(_check_duplicates(frame, spec, layout, bad))
    problems.sort(key=lambda p: p.row)
    first_kind: dict[int, ProblemKind] = {}
    for problem in problems:
        bad[problem.row - 1] = True
        first_kind.setdefault(problem.row, problem.kind)
    skipped = len(first_kind)
    if skipped and not skip_bad_rows:
        first = problems[0]
        raise TableError(
            f"row {first.row}, column {first.column!r}",
            f"{first.reason} ({skipped} bad row{'s' if skipped > 1 else ''} in all; "
            "--skip-bad-rows skips them and counts them in the report)",
        )
    keep = ~bad
    apart_sums = None
    if apart is not None:
        apart_sums = {
            "rows": int(kept_apart.sum()),
            "registered": int(registered[kept_apart].sum()),
            "ballots": int(ballots[kept_apart].sum()),
        } | {name: int(votes[kept_apart].sum()) for name, votes in options.items()}
    if not keep.any():
        raise TableError("rows", "no valid row left in the table")
    by_reason: dict[str, int] = {}
    for kind in first_kind.values():
        by_reason[kind] = by_reason.get(kind, 0) + 1
    region_codes, region_names = _regions(frame, spec.region)
    identifiers = _station_ids(frame, spec, layout)
    return ResultsTable(
        registered=registered[keep],
        ballots=ballots[keep],
        valid=valid[keep],
        invalid=invalid[keep],
        options={name: votes[keep] for name, votes in options.items()},
        region_codes=region_codes[keep],
        region_names=region_names,
        layout=layout,
        has_invalid=spec.invalid is not None,
        skipped_rows=skipped,
        problems=tuple(problems[:_SHOWN_PROBLEMS]),
        skipped_by_reason=dict(sorted(by_reason.items())),
        no_results=int(no_results.sum()),
        apart=apart_sums,
        source=source,
        station_ids=tuple(identifiers.filter(pl.Series(keep)).to_list()),
        rows=np.flatnonzero(keep).astype(np.int64) + 1,
    )


def _station_ids(frame: pl.DataFrame, spec: ColumnSpec, layout: Layout) -> pl.Series:
    """Each row's station name: ``tik / uik`` (CEC), the ``station`` column, or ``row N``."""
    if layout == "cec":
        keys = [c for c in _STATION_KEYS if c in frame.columns]
    else:
        keys = [spec.station] if spec.station is not None else []
    if not keys:
        return pl.Series([f"row {r}" for r in range(1, frame.height + 1)], dtype=pl.String)
    parts = [frame.get_column(c).cast(pl.String).fill_null("") for c in keys]
    return frame.select(pl.concat_str(parts, separator=" / ").alias("station")).to_series()


def _complete_spec(frame: pl.DataFrame, spec: ColumnSpec) -> ColumnSpec:
    if spec.options:
        return spec
    used = {
        spec.registered,
        *spec.ballot_columns(),
        spec.valid,
        spec.invalid,
        spec.region,
        spec.station,
    }
    options = []
    for name in frame.columns:
        if name in used:
            continue
        column = frame.get_column(name)
        # A text column is an option when most of its cells are counts: its bad cells are
        # then named by the validation instead of the column being silently left out.
        numeric = column.dtype.is_integer() or (
            column.dtype == pl.String and _count_fraction(column) > _OPTION_MAJORITY
        )
        if numeric:
            options.append(name)
    if not options:
        raise TableError("options", "no numeric column left for the options' votes")
    return ColumnSpec(
        registered=spec.registered,
        ballots=spec.ballots,
        valid=spec.valid,
        invalid=spec.invalid,
        options=tuple(options),
        region=spec.region,
        station=spec.station,
    )


def _count_fraction(column: pl.Series) -> float:
    """The fraction of a text column's cells that are whole numbers."""
    if column.len() == 0:
        return 0.0
    counts = column.str.strip_chars().str.contains(r"^-?\d+$").fill_null(False)
    return int(counts.sum()) / column.len()


def _count_columns(spec: ColumnSpec) -> list[str]:
    names = [spec.registered, *spec.ballot_columns()]
    names += [c for c in (spec.valid, spec.invalid) if c is not None]
    names += list(spec.options)
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


def _parse_counts(
    frame: pl.DataFrame, names: list[str]
) -> tuple[dict[str, IntArray], list[RowProblem], dict[str, NDArray[np.bool_]]]:
    """Each count column as int64 (bad cells become 0), the problems, the empty cells."""
    counts: dict[str, IntArray] = {}
    problems: list[RowProblem] = []
    empty: dict[str, NDArray[np.bool_]] = {}
    for name in names:
        column = frame.get_column(name)
        if column.dtype == pl.String:
            text = column.str.strip_chars()
            parsed = text.cast(pl.Int64, strict=False)
        elif column.dtype.is_float():
            whole = (column.round(0) == column).fill_null(False)
            parsed = column.cast(pl.Int64, strict=False).set(~whole, None)
            text = column.cast(pl.String)
        else:
            parsed = column.cast(pl.Int64, strict=False)
            text = column.cast(pl.String)
        missing = parsed.is_null().to_numpy()
        blank = (text.is_null() | (text == "")).fill_null(True).to_numpy()
        values = parsed.fill_null(0).to_numpy().astype(np.int64, copy=False)
        for row in np.flatnonzero(missing):
            if blank[row]:
                problems.append(RowProblem(int(row) + 1, name, "empty cell", "empty_cell"))
            else:
                cell = text[int(row)]
                problems.append(
                    RowProblem(int(row) + 1, name, f"not a count: {cell!r}", "not_a_count")
                )
        negative = np.flatnonzero(values < 0)
        problems.extend(
            RowProblem(int(r) + 1, name, f"negative count ({int(values[r])})", "negative_count")
            for r in negative
        )
        counts[name] = values
        empty[name] = blank & missing
    return counts, problems, empty


def _check_ballots(
    registered: IntArray,
    ballots: IntArray,
    cast: IntArray,
    bad: NDArray[np.bool_],
    spec: ColumnSpec,
) -> list[RowProblem]:
    """Ballots without voters, ballots issued or counted above the registered voters."""
    column = " + ".join(spec.ballot_columns())
    counted = " + ".join(c for c in (spec.valid or "the options", spec.invalid) if c)
    problems = [
        RowProblem(
            int(r) + 1,
            column,
            f"ballots without voters ({int(ballots[r])} issued, no registered voter)",
            "ballots_without_voters",
        )
        for r in np.flatnonzero((registered == 0) & ((ballots > 0) | (cast > 0)) & ~bad)
    ]
    problems += [
        RowProblem(
            int(r) + 1,
            column,
            f"ballots issued ({int(ballots[r])}) above registered voters ({int(registered[r])})",
            "ballots_above_registered",
        )
        for r in np.flatnonzero((ballots > registered) & (registered > 0) & ~bad)
    ]
    problems += [
        RowProblem(
            int(r) + 1,
            counted,
            f"more votes ({int(cast[r])} counted) than voters ({int(registered[r])})",
            "votes_above_registered",
        )
        for r in np.flatnonzero(
            (cast > registered) & (ballots <= registered) & (registered > 0) & ~bad
        )
    ]
    return problems


def _check_duplicates(
    frame: pl.DataFrame, spec: ColumnSpec, layout: Layout, bad: NDArray[np.bool_]
) -> list[RowProblem]:
    if layout == "cec":
        keys = [c for c in (spec.region, *_STATION_KEYS) if c is not None and c in frame.columns]
        if len(keys) < 2:
            keys = list(frame.columns)
    elif spec.station is not None:
        keys = [c for c in (spec.region, spec.station) if c is not None]
    else:
        keys = list(frame.columns)
    key = pl.struct([pl.col(c) for c in keys])
    repeated = frame.select((~key.is_first_distinct()).alias("repeated")).to_series().to_numpy()
    rows = np.flatnonzero(repeated & ~bad)
    label = ", ".join(keys) if len(keys) <= 4 else "all columns"
    return [
        RowProblem(
            int(r) + 1,
            label,
            "duplicated station (same key as an earlier row)",
            "duplicated_station",
        )
        for r in rows
    ]


def _regions(frame: pl.DataFrame, region: str | None) -> tuple[NDArray[np.int32], tuple[str, ...]]:
    if region is None:
        return np.zeros(frame.height, dtype=np.int32), ("all",)
    names = frame.get_column(region).cast(pl.String).fill_null("(none)")
    categories = names.unique(maintain_order=True)
    lookup = pl.DataFrame({"name": categories, "code": np.arange(len(categories), dtype=np.int32)})
    codes = (
        pl.DataFrame({"name": names})
        .join(lookup, on="name", how="left", maintain_order="left")
        .get_column("code")
        .to_numpy()
        .astype(np.int32)
    )
    return codes, tuple(categories.to_list())
