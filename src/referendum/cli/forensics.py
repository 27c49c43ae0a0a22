"""``referendum forensics FILE``: statistical forensics of results per polling station."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from referendum.cli.main import app
from referendum.errors import TableError
from referendum.forensics.defaults import DEFAULT_MIN_SIZE, DEFAULT_WINDOW

__all__ = ["forensics"]

if TYPE_CHECKING:
    from referendum.forensics.analysis import MethodName
    from referendum.forensics.compare import Election
    from referendum.forensics.table import ColumnSpec


class IntegerMethod(StrEnum):
    """How ``referendum forensics`` tests integer percentages."""

    kobak2016 = "kobak2016"
    window = "window"


class RankBy(StrEnum):
    """How ``--stations-out`` ranks the stations."""

    score = "score"
    methods = "methods"


class OutputFormat(StrEnum):
    """What ``referendum forensics`` prints."""

    text = "text"
    json = "json"
    html = "html"


def _column_spec(
    registered: str | None,
    ballots: list[str] | None,
    valid: str | None,
    invalid: str | None,
    region: str | None,
    station: str | None,
    options: list[str] | None,
) -> ColumnSpec | None:
    given = [registered, ballots, valid, invalid, region, station, options]
    if all(not value for value in given):
        return None
    if registered is None:
        raise TableError("--registered", "needed when the columns are named by options")
    if not ballots:
        raise TableError("--ballots", "needed when the columns are named by options")
    from referendum.forensics.table import ColumnSpec

    return ColumnSpec(
        registered=registered,
        ballots=tuple(ballots),
        valid=valid,
        invalid=invalid,
        options=tuple(options or ()),
        region=region,
        station=station,
    )


def _methods(text: str | None) -> frozenset[MethodName]:
    from referendum.forensics.analysis import METHODS

    if text is None:
        return frozenset(METHODS)
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in METHODS]
    if unknown or not names:
        raise TableError(
            "--methods",
            f"unknown method {', '.join(unknown) or '(none given)'}; choose from "
            + ", ".join(METHODS),
        )
    return frozenset(name for name in METHODS if name in names)


@app.command("forensics")
def forensics(
    file: Annotated[Path, typer.Argument(help="Results per station: CSV, zipped CSV or Parquet.")],
    registered: Annotated[
        str | None, typer.Option(help="Column of registered voters (not needed for CEC tables).")
    ] = None,
    ballots: Annotated[
        list[str] | None,
        typer.Option(help="Column(s) of ballots issued; repeat to sum several."),
    ] = None,
    valid: Annotated[
        str | None, typer.Option(help="Column of valid ballots (default: the options' sum).")
    ] = None,
    invalid: Annotated[str | None, typer.Option(help="Column of invalid ballots.")] = None,
    choice: Annotated[
        str | None, typer.Option(help="The option studied (default: the most voted).")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Column of the region's name.")] = None,
    station: Annotated[
        str | None, typer.Option(help="Column identifying a station within its region.")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(help="Column of one option's votes; repeat (default: other numeric columns)."),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="What to print: text, json or html.")
    ] = OutputFormat.text,
    out: Annotated[
        Path | None, typer.Option(help="Directory to write forensics.html and forensics.json.")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="TOML file naming the table's columns, its source, leader and rows kept apart."
        ),
    ] = None,
    methods: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated methods to run (default all): fingerprint, integer_peaks, "
            "excess_votes, summary, digits, distribution, coarse_shares, mixture."
        ),
    ] = None,
    replicates: Annotated[
        int, typer.Option(min=10, help="Bootstrap replicates of the battery's intervals.")
    ] = 1000,
    resamples: Annotated[
        int | None,
        typer.Option(
            min=2,
            help="Resamples of Rozenas' coarse-share test (default 1,000; fewer above "
            "50,000 stations).",
        ),
    ] = None,
    mixture_replicates: Annotated[
        int, typer.Option(min=2, help="Bootstrap refits of the mixture model's intervals.")
    ] = 20,
    skip_bad_rows: Annotated[
        bool, typer.Option(help="Skip bad rows (and count them) instead of stopping.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the Monte Carlo and model fit.")] = 0,
    integer_method: Annotated[
        IntegerMethod,
        typer.Option(
            help="Integer-peak test: kobak2016 (as published, default) or window (variant)."
        ),
    ] = IntegerMethod.kobak2016,
    draws: Annotated[
        int | None,
        typer.Option(
            min=2,
            help="Monte Carlo draws (default 1,000; the window variant: fewer for big tables).",
        ),
    ] = None,
    window: Annotated[
        float,
        typer.Option(
            min=0.0, max=0.5, help="Window variant: half-width around whole percentages, points."
        ),
    ] = DEFAULT_WINDOW,
    min_size: Annotated[
        int, typer.Option(min=1, help="Window variant: smallest denominator tested.")
    ] = DEFAULT_MIN_SIZE,
    stations_out: Annotated[
        Path | None,
        typer.Option(
            help="Write the ranked stations to look at: FILE.csv or FILE.parquet (one row per "
            "station and method flagging it, with the reason, score, identifiers and counts)."
        ),
    ] = None,
    rank_by: Annotated[
        RankBy,
        typer.Option(
            help="Rank the stations by their summed score (default) or by how many methods "
            "flag them first."
        ),
    ] = RankBy.score,
    top_stations: Annotated[
        int, typer.Option(min=0, help="Stations of the ranked list shown in the report.")
    ] = 25,
    drill_down: Annotated[
        int,
        typer.Option(
            min=0,
            help="Regions drilled into in the HTML report (the largest by electorate, each "
            "with its own fingerprint and histograms; 0 for none).",
        ),
    ] = 10,
    compare: Annotated[
        Path | None,
        typer.Option(
            help="A second election of the same territory (same layout or columns): report "
            "both side by side (headline figures, fingerprints and histograms on the same axes, "
            "regions matched by name)."
        ),
    ] = None,
) -> None:
    """Look for statistical signs of falsification in results per polling station.

    Runs the turnout x share fingerprint (Klimek et al. 2012), integer-percentage peaks
    (Kobak et al. 2016, as published), Shpilkin's excess votes, correlations and tails, and
    the Election Forensics Toolkit's digit and distribution tests with bootstrap intervals,
    Rozenas' resampled kernel density test of coarse vote shares (2017) and a finite mixture
    model of incremental and extreme fraud with per-station posteriors.
    Tables of the Russian CEC layout (github.com/dkobak/elections) need no column options;
    others take a TOML column mapping (--mapping) or the column options.
    """
    spec = _column_spec(registered, ballots, valid, invalid, region, station, option)
    from referendum.forensics.table import read_table

    source = None
    apart = None
    if mapping is not None:
        if spec is not None:
            raise TableError("--mapping", "give the columns either in the mapping or by options")
        from referendum.forensics.mapping import read_mapping

        parsed = read_mapping(mapping)
        spec = parsed.column_spec()
        source = parsed.source
        choice = choice or parsed.leader
        if parsed.apart is not None:
            apart = (parsed.apart.column, tuple(parsed.apart.values))
    chosen = _methods(methods)
    if stations_out is not None:
        from referendum.forensics.stations import check_stations_path

        check_stations_path(stations_out)
    table = read_table(file, columns=spec, skip_bad_rows=skip_bad_rows, apart=apart, source=source)
    other = None
    if compare is not None:
        other = read_table(
            compare, columns=spec, skip_bad_rows=skip_bad_rows, apart=apart, source=source
        )
    import numpy

    from referendum.forensics.analysis import ForensicsOptions, analyse
    from referendum.forensics.report import render_html, render_json, render_text, write_report

    options = ForensicsOptions(
        choice=choice,
        integer_method=integer_method.value,
        draws=draws,
        seed=seed,
        window=window,
        min_size=min_size,
        methods=chosen,
        replicates=replicates,
        resamples=resamples,
        mixture_replicates=mixture_replicates,
    )
    result = analyse(table, options=options, rng=numpy.random.default_rng(seed))
    from referendum.forensics.stations import station_list, write_stations

    stations = station_list(table, result, rank_by=rank_by.value)
    if other is not None and compare is not None:
        from referendum.forensics.compare import Election, combined_stations

        other_result = analyse(other, options=options, rng=numpy.random.default_rng(seed))
        first = Election(file.name, table, result, stations)
        second = Election(
            compare.name,
            other,
            other_result,
            station_list(other, other_result, rank_by=rank_by.value),
        )
        if stations_out is not None:
            both = combined_stations(first, second)
            write_stations(both, stations_out)
            typer.echo(
                f"wrote the stations of both elections ({both.frame.height:,} flags) to "
                f"{stations_out}",
                err=True,
            )
        _print_comparison(first, second, out, output_format, top_stations)
        return
    if stations_out is not None:
        write_stations(stations, stations_out)
        typer.echo(
            f"wrote {stations.stations:,} stations ({stations.frame.height:,} flags) to "
            f"{stations_out}",
            err=True,
        )
    title = file.name
    if out is not None:
        html_path, json_path = write_report(
            table,
            result,
            out,
            title=title,
            stations=stations,
            top_stations=top_stations,
            regions=drill_down,
        )
        typer.echo(f"wrote {html_path} and {json_path}", err=True)
    if output_format is OutputFormat.json:
        typer.echo(render_json(result, stations=stations, top_stations=top_stations))
    elif output_format is OutputFormat.html:
        typer.echo(
            render_html(
                table,
                result,
                title=title,
                stations=stations,
                top_stations=top_stations,
                regions=drill_down,
            )
        )
    else:
        typer.echo(render_text(result, stations=stations))


def _print_comparison(
    first: Election, second: Election, out: Path | None, output_format: OutputFormat, top: int
) -> None:
    from referendum.forensics.compare import (
        render_compare_html,
        render_compare_json,
        render_compare_text,
        write_compare,
    )

    if out is not None:
        html_path, json_path = write_compare(first, second, out, top_stations=top)
        typer.echo(f"wrote {html_path} and {json_path}", err=True)
    if output_format is OutputFormat.json:
        typer.echo(render_compare_json(first, second))
    elif output_format is OutputFormat.html:
        typer.echo(render_compare_html(first, second, top_stations=top))
    else:
        typer.echo(render_compare_text(first, second))
