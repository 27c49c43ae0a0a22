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
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from referendum.forensics.analysis import ExcessVotes, ForensicsResult, station_rates
from referendum.forensics.fingerprint import fingerprint_histogram
from referendum.forensics.table import ResultsTable

if TYPE_CHECKING:
    from referendum.forensics.stations import StationList

__all__ = ["render_html", "render_json", "render_text", "write_report"]

JSON_NAME = "forensics.json"
HTML_NAME = "forensics.html"


def render_json(result: ForensicsResult) -> str:
    """The JSON document (UTF-8 text, names kept unescaped)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)


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
) -> str:
    """The self-contained HTML report; with ``stations``, its ``top_stations`` first
    stations as a table."""
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
        plots=_plots(table, result),
        problems=result.problems,
        stations=stations,
        top_stations=top,
    )


def write_report(
    table: ResultsTable,
    result: ForensicsResult,
    out: Path,
    *,
    title: str,
    stations: StationList | None = None,
    top_stations: int = 25,
) -> tuple[Path, Path]:
    """Write ``forensics.html`` and ``forensics.json`` into ``out`` (created if needed)."""
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / HTML_NAME
    json_path = out / JSON_NAME
    html = render_html(table, result, title=title, stations=stations, top_stations=top_stations)
    html_path.write_text(html, encoding="utf-8")
    json_path.write_text(render_json(result) + "\n", encoding="utf-8")
    return html_path, json_path


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _plots(table: ResultsTable, result: ForensicsResult) -> dict[str, Any]:
    turnout, share, usable = station_rates(table, result.choice)
    plots = {
        "fingerprint": _fingerprint_plot(turnout[usable], share[usable], result.choice),
        "turnout": _histogram_plot(100.0 * turnout[usable], "turnout, %"),
        "share": _histogram_plot(100.0 * share[usable], f"{result.choice}, % of ballots"),
    }
    if result.excess_votes is not None:
        plots["shpilkin"] = _shpilkin_plot(table, result, result.excess_votes)
    return plots


def _fingerprint_plot(turnout: np.ndarray, share: np.ndarray, choice: str) -> str:
    counts = fingerprint_histogram(turnout, share, bins=100)
    figure = Figure(figsize=(6, 5), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(
        counts.T + 0.0,
        origin="lower",
        extent=(0, 100, 0, 100),
        norm=LogNorm(vmin=1, vmax=max(float(counts.max()), 2.0)),
        cmap="viridis",
        aspect="auto",
    )
    axes.set_xlabel("turnout, %")
    axes.set_ylabel(f"{choice}, %")
    figure.colorbar(image, ax=axes, label="stations")
    return _png(figure)


def _histogram_plot(percent: np.ndarray, label: str) -> str:
    counts, edges = np.histogram(percent, bins=1000, range=(0.0, 100.0))
    figure = Figure(figsize=(10, 3.2), layout="constrained")
    axes = figure.add_subplot()
    axes.plot(edges[:-1] + 0.05, counts, linewidth=0.6, color="#1f4e79")
    # Whole percentages as short marks under the axis, multiples of 5 as dotted lines: two
    # line collections, not a hundred tick artists.
    below = axes.get_xaxis_transform()
    axes.vlines(
        range(1, 100), -0.04, 0.0, transform=below, clip_on=False, color="#c00000", linewidth=0.6
    )
    axes.vlines(
        range(5, 100, 5),
        0.0,
        1.0,
        transform=below,
        color="#c00000",
        linewidth=0.4,
        linestyles=":",
        alpha=0.7,
    )
    axes.set_xlim(0, 100)
    axes.set_xlabel(label + " (0.1% bins)")
    axes.set_ylabel("stations")
    return _png(figure)


def _shpilkin_plot(table: ResultsTable, result: ForensicsResult, excess: ExcessVotes) -> str:
    votes = table.options[result.choice]
    others = table.cast - votes
    usable = table.registered > 0
    turnout = 100.0 * table.ballots[usable] / table.registered[usable]
    edges = np.arange(0.0, 101.0, 1.0)
    choice_votes, _ = np.histogram(turnout, bins=edges, weights=votes[usable])
    other_votes, _ = np.histogram(turnout, bins=edges, weights=others[usable])
    share = excess.clean_choice_share / 100.0
    ratio = share / (1.0 - share) if share < 1.0 else 0.0
    centres = edges[:-1] + 0.5
    figure = Figure(figsize=(10, 3.6), layout="constrained")
    axes = figure.add_subplot()
    axes.plot(centres, choice_votes, label=result.choice, color="#1f4e79")
    axes.plot(centres, other_votes, label="other ballots", color="#7f7f7f")
    axes.plot(
        centres, ratio * other_votes, label="choice at clean ratio", color="#c00000", linestyle="--"
    )
    axes.axvline(excess.mode_turnout, color="black", linewidth=0.6)
    axes.set_xlabel("turnout, % (1% bins)")
    axes.set_ylabel("votes")
    axes.legend(frameon=False)
    return _png(figure)
