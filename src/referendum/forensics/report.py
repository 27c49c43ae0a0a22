"""Reports of a forensic analysis: text, one JSON document, a self-contained HTML page.

The HTML page embeds its plots as base64 PNG (matplotlib, Agg backend, no pyplot state),
so that it can be mailed or archived as one file; ``write_report`` writes it with the JSON
document beside it.
"""

from __future__ import annotations

import base64
import io
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
from matplotlib.figure import Figure

from referendum.forensics.analysis import ForensicsResult
from referendum.forensics.plots import fingerprint_plot, histogram_plot, series_of, shpilkin_plot
from referendum.forensics.rozenas import RozenasTest
from referendum.forensics.table import ResultsTable

if TYPE_CHECKING:
    from referendum.forensics.stations import StationList

__all__ = ["DRILL_DOWN", "drill_down", "render_html", "render_json", "render_text", "write_report"]

JSON_NAME = "forensics.json"
HTML_NAME = "forensics.html"
DRILL_DOWN = 10
"""Regions drilled into by default: the largest by electorate."""


def render_json(
    result: ForensicsResult, *, stations: StationList | None = None, top_stations: int = 25
) -> str:
    """The JSON document (UTF-8 text, names kept unescaped); with ``stations``, a
    ``stations_to_look_at`` member: each method's label and count of flagged stations, the
    ranking, and the rows of the ``top_stations`` first stations (the full list is
    ``--stations-out``'s)."""
    document = result.to_dict()
    if stations is not None:
        document["stations_to_look_at"] = {
            "stations": stations.stations,
            "rank_by": stations.rank_by,
            "methods": {
                method: {"label": stations.labels[method], "flagged": count}
                for method, count in stations.flagged.items()
            },
            "top": stations.top(top_stations).to_dicts(),
        }
    return json.dumps(document, ensure_ascii=False, indent=2)


def render_text(
    result: ForensicsResult,
    *,
    regions: int = 10,
    stations: StationList | None = None,
    top_stations: int = 5,
) -> str:
    """A plain-text summary for the terminal, with the ``regions`` most suspicious regions
    and the ``top_stations`` first stations of the ranked list when one is given."""
    lines = [
        f"stations          {result.stations:,}"
        + (
            f" ({result.skipped_rows} bad rows skipped: {_reasons(result)})"
            if result.skipped_rows
            else ""
        )
        + (f" ({result.no_results:,} rows without results left out)" if result.no_results else ""),
        *([f"source            {result.source}"] if result.source else []),
        *(
            [
                f"kept apart        {result.apart['rows']:,} rows (aggregated electronic votes): "
                + ", ".join(f"{k} {v:,}" for k, v in result.apart.items() if k != "rows")
            ]
            if result.apart
            else []
        ),
        f"registered        {result.registered:,}",
        f"ballots issued    {result.ballots:,}",
        f"turnout           {result.turnout:.2f}%",
        f"choice            {result.choice}: {result.choice_share:.2f}% of "
        f"{result.share_denominator} ballots",
        "",
    ]
    if (fit := result.fingerprint) is not None:
        lines.append(
            f"fingerprint       f_i = {fit.f_incremental:.3f}, f_e = {fit.f_extreme:.3f} "
            "(Klimek et al. 2012)"
        )
    lines += _integer_lines(result)
    if (excess := result.excess_votes) is not None:
        lines.append(
            f"excess votes      {excess.choice:,.0f} for {result.choice} (Shpilkin; mode "
            f"{excess.mode_turnout:.1f}%, sum over regions {excess.choice_sum_of_regions:,.0f})"
        )
    if (summary := result.summary) is not None:
        lines += [
            f"correlation       {summary.correlation:.3f} (turnout vs share)",
            "turnout above     "
            + ", ".join(f">{t}%: {v:.2f}%" for t, v in summary.turnout_above.items()),
            "share above       "
            + ", ".join(f">{t}%: {v:.2f}%" for t, v in summary.choice_share_above.items()),
        ]
    if result.digits is not None:
        lines.append(
            "second digits     "
            + ", ".join(
                f"{name}: mean {d.mean:.3f}, p = {d.p_value:.3g}"
                for name, d in result.digits.items()
            )
        )
    lines += _battery_lines(result)
    if (coarse := result.coarse_shares) is not None:
        top = ", ".join(
            f"{s.share:.3f} ({s.observed - s.expected:+.0f})" for s in coarse.spikes[:5]
        )
        lines.append(
            f"coarse shares     {coarse.fraud_percent:.2f}% of stations in excess at spikes "
            f"(Rozenas 2017; {coarse.resamples} resamples, seed {coarse.seed})"
            + (f"; largest: {top}" if top else "")
        )
    if (mix := result.mixture) is not None:
        lines.append(
            f"mixture model     fraud in {100 * mix.fraud_probability:.1f}% of stations "
            f"[{100 * mix.fraud_interval[0]:.1f}, {100 * mix.fraud_interval[1]:.1f}] "
            f"(incremental {100 * mix.incremental:.1f}%, extreme {100 * mix.extreme:.1f}%); "
            f"manufactured {mix.manufactured:,.0f} [{mix.manufactured_interval[0]:,.0f}, "
            f"{mix.manufactured_interval[1]:,.0f}], stolen {mix.stolen:,.0f} "
            f"[{mix.stolen_interval[0]:,.0f}, {mix.stolen_interval[1]:,.0f}] votes "
            f"({mix.level:.0%} bootstrap, {mix.replicates} replicates)"
        )
    lines += [f"not run           {name}: {why}" for name, why in result.not_run.items()]
    if len(result.regions) > 1:
        lines += ["", f"most suspicious regions (of {len(result.regions)}):"]
        for region in result.regions[:regions]:
            flags = ", ".join(region.flags) or "-"
            lines.append(
                f"  {region.name}: turnout {region.turnout:.1f}%, share "
                f"{region.choice_share:.1f}%, flags: {flags}"
            )
    if stations is not None:
        lines += _station_lines(stations, top_stations)
    return "\n".join(lines)


def _station_lines(stations: StationList, top: int) -> list[str]:
    counts = ", ".join(f"{method} {n:,}" for method, n in stations.flagged.items())
    lines = ["", f"stations to look at: {stations.stations:,} flagged ({counts})"]
    for rank, rows in stations.top(top).group_by("rank", maintain_order=True):
        first = rows.row(0, named=True)
        lines.append(
            f"  {rank[0]}. {first['region']}, {first['station']} (row {first['row']}): score "
            f"{first['total_score']:.1f}, {', '.join(rows.get_column('method'))}"
        )
        lines += [f"       {reason}" for reason in rows.get_column("reason")]
    return lines


def _battery_lines(result: ForensicsResult) -> list[str]:
    battery = result.battery
    if battery is None:
        return []
    lines = [
        f"battery           Election Forensics Toolkit tests, {battery.level:.0%} bootstrap "
        f"intervals ({battery.replicates} replicates, seed {battery.seed}); * = expected "
        "value outside the interval"
    ]
    for s in battery.statistics:
        interval = (
            f"[{s.ci_low:.4g}, {s.ci_high:.4g}]"
            if s.ci_low is not None and s.ci_high is not None
            else ""
        )
        expected = f" expected {s.expected:.4g}" if s.expected is not None else ""
        p_value = f" p = {s.p_value:.3g}" if s.p_value is not None else ""
        mark = " *" if s.departs else ""
        lines.append(
            f"  {s.test:<14}{s.variable}: {s.value:.4g} {interval}{expected}{p_value}{mark}"
        )
    return lines


def _integer_lines(result: ForensicsResult) -> list[str]:
    peaks = result.integer_peaks
    if peaks is None:
        return []
    rows = [("integer turnout", peaks.turnout), ("integer share", peaks.choice_share)]
    if peaks.either is not None:
        rows.insert(0, ("integer either", peaks.either))
    lines = [
        f"{label:<18}{test.observed} stations on round % vs {test.expected:.1f} expected "
        f"(excess {test.observed - test.expected:+.1f}), p = {test.p_value:.3g}"
        for label, test in rows
    ]
    if peaks.method == "kobak2016":
        lines.append(
            f"                  Kobak et al. 2016 as published: {peaks.turnout.stations:,} "
            f"stations included, {peaks.excluded:,} left out, {peaks.turnout.draws} "
            f"binomial draws, seed {peaks.seed}"
        )
    else:
        lines.append(
            f"                  window variant: ±{peaks.window} points, denominators "
            f">= {peaks.min_size}, {peaks.turnout.draws} draws"
        )
    return lines


def _reasons(result: ForensicsResult) -> str:
    return ", ".join(
        f"{count} {kind.replace('_', ' ')}" for kind, count in result.skipped_by_reason.items()
    )


def render_html(
    table: ResultsTable,
    result: ForensicsResult,
    *,
    title: str,
    stations: StationList | None = None,
    top_stations: int = 25,
    regions: int = DRILL_DOWN,
) -> str:
    """The self-contained HTML report; with ``stations``, its ``top_stations`` first
    stations as a table; the ``regions`` largest regions drilled into."""
    template_text = (
        resources.files("referendum.forensics").joinpath("templates/report.html.j2").read_text()
    )
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(template_text)
    top = None
    if stations is not None:
        top = [
            {"rank": rank[0], "rows": rows.to_dicts()}
            for rank, rows in stations.top(top_stations).group_by("rank", maintain_order=True)
        ]
    return template.render(
        title=title,
        r=result,
        plots=_plots(table, result, title),
        problems=result.problems,
        stations=stations,
        top_stations=top,
        drill=drill_down(table, result, regions=regions, stations=stations),
        drill_total=sum(1 for region in result.regions if region.stations),
    )


def write_report(
    table: ResultsTable,
    result: ForensicsResult,
    out: Path,
    *,
    title: str,
    stations: StationList | None = None,
    top_stations: int = 25,
    regions: int = DRILL_DOWN,
) -> tuple[Path, Path]:
    """Write ``forensics.html`` and ``forensics.json`` into ``out`` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / HTML_NAME
    json_path = out / JSON_NAME
    html = render_html(
        table, result, title=title, stations=stations, top_stations=top_stations, regions=regions
    )
    html_path.write_text(html, encoding="utf-8")
    json_path.write_text(
        render_json(result, stations=stations, top_stations=top_stations) + "\n", encoding="utf-8"
    )
    return html_path, json_path


def _plots(table: ResultsTable, result: ForensicsResult, title: str) -> dict[str, Any]:
    series = [series_of(table, result.choice, title)]
    plots = {
        "fingerprint": fingerprint_plot(series),
        "turnout": histogram_plot(series, "turnout"),
        "share": histogram_plot(series, "share"),
    }
    if result.excess_votes is not None:
        plots["shpilkin"] = shpilkin_plot(series)
    if result.coarse_shares is not None:
        plots["coarse_shares"] = _coarse_plot(table, result, result.coarse_shares)
    return plots


def _coarse_plot(table: ResultsTable, result: ForensicsResult, test: RozenasTest) -> str:
    """The share's distribution with the spikes the resamples do not explain."""
    votes = table.options[result.choice]
    counted = table.cast > 0
    share = votes[counted] / table.cast[counted]
    counts, edges = np.histogram(100.0 * share, bins=test.grid, range=(-0.05, 100.05))
    figure = Figure(figsize=(10, 3.2), layout="constrained")
    axes = figure.add_subplot()
    axes.plot(edges[:-1] + 0.05, counts, linewidth=0.6, color="#1f4e79", label="observed")
    expected = np.zeros(test.grid)
    for spike in test.spikes:
        expected[round(spike.share * (test.grid - 1))] = spike.expected
    marked = np.flatnonzero(expected > 0)
    axes.scatter(
        100.0 * marked / (test.grid - 1),
        counts[marked],
        s=10,
        color="#c00000",
        label="spike above every resample",
        zorder=3,
    )
    axes.scatter(
        100.0 * marked / (test.grid - 1),
        expected[marked],
        s=6,
        marker="_",
        color="#555555",
        label="expected without fraud (resample mean)",
        zorder=3,
    )
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"{result.choice}, % of ballots (0.1% bins)")
    axes.set_ylabel("stations per bin")
    axes.set_title(
        "Coarse shares: red dots are spikes no resample without fraud reaches", fontsize=9
    )
    axes.legend(frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def drill_down(
    table: ResultsTable,
    result: ForensicsResult,
    *,
    regions: int,
    stations: StationList | None = None,
) -> list[dict[str, Any]]:
    """The ``regions`` largest regions by electorate, each with its figures and its own
    fingerprint and histograms (none when the table has a single region)."""
    if len(table.region_names) < 2 or regions <= 0:
        return []
    by_name = {r.name: r for r in result.regions if r.stations}
    flagged: dict[str, int] = {}
    if stations is not None and stations.frame.height:
        firsts = stations.frame.unique("rank", keep="first")
        for name, count in firsts.group_by("region").len().iter_rows():
            flagged[str(name)] = int(count)
    largest = sorted(by_name.values(), key=lambda r: (-r.registered, r.name))[:regions]
    out = []
    for region in largest:
        code = table.region_names.index(region.name)
        part = table.subset(table.region_codes == code)
        series = [series_of(part, result.choice, region.name)]
        out.append(
            {
                "region": region,
                "flagged": flagged.get(region.name, 0),
                "fingerprint": fingerprint_plot(series, width=4.6),
                "turnout": histogram_plot(series, "turnout", height=2.8),
                "share": histogram_plot(series, "share", height=2.8),
            }
        )
    return out
