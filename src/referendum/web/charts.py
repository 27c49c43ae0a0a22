"""Bar charts of results as SVG written by the server (no script needed to see them).

A chart is a labelled ``<svg role="img">``: its title names the question, each answer's
label stands above its bar and the figures (count and share of the ballots) beside it, so
that a screen reader reads the figures too and a long label is never cut on a phone.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from referendum.services.readable import AnswerFigure

__all__ = ["bar_chart"]

_WIDTH = 320
_LABEL = 16  # the label's line above each bar
_BAR = 18
_GAP = 10
_FIGURES = 90  # room right of the longest bar for "1234 (56.7%)"
_COLOURS = ("#1f5fa8", "#a8321f", "#555555", "#2f7d32", "#7b3fa0", "#8a6d00")


def bar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, AnswerFigure]]) -> Markup:
    """A horizontal bar per answer (``(label, figure)``), its length the answer's share of
    the ballots; ``chart_id`` is unique on the page (the page says, beside the chart, what
    the shares are of)."""
    row = _LABEL + _BAR + _GAP
    height = len(bars) * row
    span = _WIDTH - _FIGURES
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{escape(chart_id)}">',
        f'<title id="{escape(chart_id)}">{escape(title)}</title>',
    ]
    for i, (label, figure) in enumerate(bars):
        top = i * row
        fraction = figure.fraction or 0
        length = max(2.0, float(fraction) * span) if figure.count else 0.0
        colour = _COLOURS[i % len(_COLOURS)]
        bar_top = top + _LABEL
        parts.append(
            f'<text x="0" y="{top + 12}" font-size="12" fill="#111111">{escape(label)}</text>'
            f'<rect x="0" y="{bar_top}" width="{length:.1f}" height="{_BAR}" fill="{colour}">'
            f"<title>{escape(label)}: {figure.count} ({figure.percent})</title></rect>"
            f'<text x="{length + 6:.1f}" y="{bar_top + 13}" font-size="12" fill="#111111">'
            f"{figure.count} ({figure.percent})</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
