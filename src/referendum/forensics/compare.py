"""Two elections of the same territory side by side (``referendum forensics A --compare B``).

Each election is analysed alone, with the same options and seed; the comparison puts
their headline figures in one table (:func:`headlines`: one row per figure, each method's
figures under its name), their fingerprints side by side on the same axes and colour
scale, their histograms and Shpilkin curves on the same axes
(:mod:`~referendum.forensics.plots`), their regions matched by name, and the stations each
method flags.  A figure a method did not compute (``--methods``) is left blank.

>>> from referendum.forensics.analysis import ForensicsOptions, analyse
>>> from referendum.forensics.synthetic import SYNTHETIC_COLUMNS, synthetic_frame
>>> from referendum.forensics.table import table_from_frame
>>> options = ForensicsOptions(methods=frozenset({"excess_votes", "summary"}))
>>> def election(label, seed, stuffed):
...     frame = synthetic_frame(2000, rng=np.random.default_rng(seed), stuffed=stuffed)
...     table = table_from_frame(frame, columns=SYNTHETIC_COLUMNS)
...     return Election(label, table, analyse(table, options=options, rng=np.random.default_rng(1)))
>>> rows = headlines(election("2018", 1, 0.0), election("2024", 2, 0.2))
>>> excess = next(r for r in rows if r.figure.startswith("excess votes for"))
>>> excess.values[0] < 0.05 * excess.values[1]
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import polars as pl

from referendum.forensics.analysis import ForensicsResult
from referendum.forensics.integer_peaks import PeakTest
from referendum.forensics.plots import fingerprint_plot, histogram_plot, series_of, shpilkin_plot
from referendum.forensics.stations import StationList
from referendum.forensics.table import ResultsTable

__all__ = [
    "COMPARE_HTML",
    "COMPARE_JSON",
    "Election",
    "Headline",
    "combined_stations",
    "headlines",
    "region_rows",
    "render_compare_html",
    "render_compare_json",
    "render_compare_text",
    "write_compare",
]

COMPARE_HTML = "forensics-compare.html"
COMPARE_JSON = "forensics-compare.json"


@dataclass(frozen=True, slots=True)
class Election:
    """One side of the comparison: its label (the file's name), table, result and list."""

    label: str
    table: ResultsTable
    result: ForensicsResult
    stations: StationList | None = None


@dataclass(frozen=True, slots=True)
class Headline:
    """One figure of both elections: its section (the method), name, unit and values."""

    section: str
    figure: str
    unit: str
    values: tuple[float | None, float | None]
    digits: int

    def formatted(self) -> tuple[str, str]:
        """Both values as text (blank when the method did not run)."""
        return (self._format(self.values[0]), self._format(self.values[1]))

    def _format(self, value: float | None) -> str:
        if value is None or not np.isfinite(value):
            return ""
        return f"{value:,.{self.digits}f}"


Row = tuple[str, str, str, int, float | None]
_FIT = "fingerprint (Klimek et al. 2012)"
_INT = "integer percentages (Kobak et al. 2016)"
_EXC = "excess votes (Shpilkin)"
_SUM = "correlation and tails"
_ROZ = "coarse vote shares (Rozenas 2017)"
_MIX = "mixture model (Klimek et al. 2012; Mebane)"


def _excess(test: PeakTest | None) -> float | None:
    return test.observed - test.expected if test is not None else None


def _figures(r: ForensicsResult) -> list[Row]:
    """One election's headline rows: (section, figure, unit, digits, value)."""
    fit, peaks, excess, summary = r.fingerprint, r.integer_peaks, r.excess_votes, r.summary
    either = peaks.either if peaks else None
    share = 100 * excess.choice / max(r.options[r.choice], 1) if excess else None
    high = summary.turnout_above.get(95) if summary else None
    on_whole = either.observed if either else None
    correlation = summary.correlation if summary else None
    coarse = r.coarse_shares.fraud_percent if r.coarse_shares else None
    mixture = r.mixture
    fraud = 100 * mixture.fraud_probability if mixture else None
    return [
        ("totals", "stations", "", 0, r.stations),
        ("totals", "registered voters", "", 0, r.registered),
        ("totals", "turnout", "%", 2, r.turnout),
        ("totals", "the choice's share", "% of valid + invalid", 2, r.choice_share),
        (_FIT, "incremental fraud f_i", "fraction", 3, fit.f_incremental if fit else None),
        (_FIT, "extreme fraud f_e", "fraction", 3, fit.f_extreme if fit else None),
        (_INT, "stations on a whole % (turnout or share)", "stations", 0, on_whole),
        (_INT, "excess over the binomial null, turnout or share", "stations", 1, _excess(either)),
        (_INT, "excess, turnout", "stations", 1, _excess(peaks.turnout if peaks else None)),
        (_INT, "excess, share", "stations", 1, _excess(peaks.choice_share if peaks else None)),
        (_INT, "z of the excess, turnout or share", "null SDs", 1, either.z if either else None),
        (_EXC, "excess votes for the choice", "votes", 0, excess.choice if excess else None),
        (_EXC, "excess votes", "% of the choice's", 1, share),
        (_EXC, "summed over regions", "votes", 0, excess.choice_sum_of_regions if excess else None),
        (_EXC, "mode turnout", "%", 1, excess.mode_turnout if excess else None),
        (_EXC, "clean share", "%", 1, excess.clean_choice_share if excess else None),
        (_SUM, "turnout-share correlation", "Pearson r", 3, correlation),
        (_SUM, "stations with turnout above 95%", "% of stations", 2, high),
        (_ROZ, "stations in excess at spikes", "% of stations", 2, coarse),
        (_MIX, "stations with fraud", "% of stations", 1, fraud),
        (_MIX, "votes manufactured", "votes", 0, mixture.manufactured if mixture else None),
        (_MIX, "votes stolen", "votes", 0, mixture.stolen if mixture else None),
    ]


def _battery(e: Election) -> dict[tuple[str, str], tuple[float, int]]:
    """The battery's statistics keyed by test and variable, the choice's name as ``leader``."""
    if e.result.battery is None:
        return {}
    choice = e.result.choice
    keyed: dict[tuple[str, str], tuple[float, int]] = {}
    for s in e.result.battery.statistics:
        keyed[(s.test, s.variable.replace(choice, "leader"))] = (s.value, 4 if s.value < 10 else 2)
    return keyed


def headlines(a: Election, b: Election) -> list[Headline]:
    """Every headline figure of both elections, method by method (see the module)."""
    rows = [
        Headline(first[0], first[1], first[2], (first[4], second[4]), first[3])
        for first, second in zip(_figures(a.result), _figures(b.result), strict=True)
    ]
    battery_a, battery_b = _battery(a), _battery(b)
    for key in [k for k in battery_a if k in battery_b]:
        test, variable = key
        rows.append(
            Headline(
                "digit and distribution tests (Election Forensics Toolkit)",
                f"{test}, {variable}",
                "",
                (battery_a[key][0], battery_b[key][0]),
                battery_a[key][1],
            )
        )
    if a.stations is not None and b.stations is not None:
        for method in [m for m in a.stations.flagged if m in b.stations.flagged]:
            rows.append(
                Headline(
                    "stations to look at",
                    f"flagged by {method}",
                    "stations",
                    (a.stations.flagged[method], b.stations.flagged[method]),
                    0,
                )
            )
    return rows


def region_rows(a: Election, b: Election) -> list[dict[str, Any]]:
    """The regions of either election matched by name, the larger electorate first
    (regions without a station with results are left out)."""
    first = {r.name: r for r in a.result.regions if r.stations}
    second = {r.name: r for r in b.result.regions if r.stations}
    names = sorted(
        set(first) | set(second),
        key=lambda n: (-max(getattr(first.get(n), "registered", 0), 0), n),
    )
    return [{"name": n, "a": first.get(n), "b": second.get(n)} for n in names]


def combined_stations(a: Election, b: Election) -> StationList:
    """Both elections' lists in one, an ``election`` column first (each keeps its ranks)."""
    frames = []
    labels: dict[str, str] = {}
    flagged: dict[str, int] = {}
    for e in (a, b):
        if e.stations is None:
            continue
        frames.append(e.stations.frame.select(pl.lit(e.label).alias("election"), pl.all()))
        labels |= e.stations.labels
        for method, n in e.stations.flagged.items():
            flagged[f"{e.label}: {method}"] = n
    frame = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    rank_by = a.stations.rank_by if a.stations is not None else "score"
    return StationList(frame=frame, labels=labels, flagged=flagged, rank_by=rank_by)


def render_compare_text(a: Election, b: Election) -> str:
    """The headline figures side by side, for the terminal."""
    rows = headlines(a, b)
    width = max(len(r.figure) + len(r.unit) + 3 for r in rows)
    column = max(14, len(a.label), len(b.label))
    lines = [f"{'':<{width}}  {a.label:>{column}}  {b.label:>{column}}"]
    lines.append(f"{'choice':<{width}}  {a.result.choice:>{column}}  {b.result.choice:>{column}}")
    section = ""
    for r in rows:
        if r.section != section:
            section = r.section
            lines.append(section)
        first, second = r.formatted()
        name = f"  {r.figure}" + (f" ({r.unit})" if r.unit else "")
        lines.append(f"{name:<{width}}  {first:>{column}}  {second:>{column}}")
    return "\n".join(lines)


def render_compare_json(a: Election, b: Election) -> str:
    """Both results and the headline table as one JSON document."""
    document = {
        "elections": [{"label": e.label, "result": e.result.to_dict()} for e in (a, b)],
        "headlines": [
            {
                "section": r.section,
                "figure": r.figure,
                "unit": r.unit,
                "values": [v if v is None or np.isfinite(v) else None for v in r.values],
            }
            for r in headlines(a, b)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def render_compare_html(a: Election, b: Election, *, top_stations: int = 10) -> str:
    """The self-contained comparison page."""
    text = resources.files("referendum.forensics").joinpath("templates/compare.html.j2")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(text.read_text())
    series = [series_of(e.table, e.result.choice, e.label) for e in (a, b)]
    plots = {
        "fingerprint": fingerprint_plot(series, width=5.2),
        "turnout": histogram_plot(series, "turnout", expected=False),
        "share": histogram_plot(series, "share", expected=False),
    }
    if a.result.excess_votes is not None and b.result.excess_votes is not None:
        plots["shpilkin"] = shpilkin_plot(series)
    tops = [
        e.stations.top(top_stations).unique("rank", keep="first", maintain_order=True).to_dicts()
        if e.stations is not None
        else None
        for e in (a, b)
    ]
    return template.render(
        a=a,
        b=b,
        headlines=headlines(a, b),
        regions=region_rows(a, b),
        plots=plots,
        tops=tops,
    )


def write_compare(
    a: Election, b: Election, out: Path, *, top_stations: int = 10
) -> tuple[Path, Path]:
    """Write ``forensics-compare.html`` and ``forensics-compare.json`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out / COMPARE_HTML, out / COMPARE_JSON
    html_path.write_text(render_compare_html(a, b, top_stations=top_stations), encoding="utf-8")
    json_path.write_text(render_compare_json(a, b) + "\n", encoding="utf-8")
    return html_path, json_path
