"""The timeline of a case (call, campaign, voting days) and its drawing as inline SVG,
to scale against the 28-day minimum lead time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from referendum.standards.case import Case
from referendum.standards.checks.timing import MIN_LEAD_DAYS
from referendum.standards.i18n import Catalogue

__all__ = ["Timeline", "VotingDay", "timeline", "timeline_svg"]


@dataclass(frozen=True)
class VotingDay:
    """One voting day and whether polling stations were open (``None``: not known)."""

    date: dt.date
    polling_stations: bool | None
    door_to_door: bool | None


@dataclass(frozen=True)
class Timeline:
    """The call, the start of the campaign and the voting days of a case."""

    called: dt.date
    campaign_start: dt.date
    days: tuple[VotingDay, ...]

    @property
    def span(self) -> int:
        """Days from the call to the last voting day."""
        return (self.days[-1].date - self.called).days

    @property
    def lead(self) -> int:
        """Days from the call to the first voting day."""
        return (self.days[0].date - self.called).days

    def to_mapping(self) -> dict[str, object]:
        return {
            "called": self.called.isoformat(),
            "campaign_start": self.campaign_start.isoformat(),
            "lead_days": self.lead,
            "minimum_days": MIN_LEAD_DAYS,
            "voting_days": [
                {
                    "date": d.date.isoformat(),
                    "polling_stations": d.polling_stations,
                    "door_to_door": d.door_to_door,
                }
                for d in self.days
            ],
        }


def timeline(case: Case) -> Timeline | None:
    """The case's timeline, or ``None`` when the call date or the voting days are missing."""
    called = case.fact("timing.called")
    days = case.fact("voting.days")
    if called is None or days is None:
        return None
    entries = sorted(days.as_list(), key=lambda d: str(d["date"]))
    voting = tuple(
        VotingDay(
            dt.date.fromisoformat(d["date"]), d.get("polling_stations"), d.get("door_to_door")
        )
        for d in entries
    )
    start = called.as_date()
    campaign = case.fact("timing.campaign_days")
    if campaign is not None:
        # a campaign longer than the calendar allows starts at the call
        span = max(0, min(campaign.as_int(), (voting[0].date - dt.date.min).days))
        start = max(start, voting[0].date - dt.timedelta(days=span))
    return Timeline(called.as_date(), start, voting)


_WIDTH, _LEFT, _RIGHT, _BAR_Y, _BAR_H = 720, 20, 20, 40, 24
_COLOURS = {
    "campaign": "#cfe0f3",
    "stations": "#2e7d32",
    "no_stations": "#e65100",
    "stations_unknown": "#757575",
}


def _legend(messages: Catalogue) -> list[str]:
    parts, x = [], float(_LEFT)
    for key, colour in _COLOURS.items():
        label = escape(messages.text(f"ui.timeline.{key}"))
        parts += [
            f'<rect x="{x:.0f}" y="100" width="10" height="10" fill="{colour}"/>',
            f'<text x="{x + 14:.0f}" y="109" font-size="11">{label}</text>',
        ]
        x += 14 + 7 * len(label) + 16
    return parts


def timeline_svg(line: Timeline, messages: Catalogue) -> str:
    """An inline SVG (no external references) of the timeline, one scale for all days."""
    total = max(line.span + 1, MIN_LEAD_DAYS + 1)
    inner = _WIDTH - _LEFT - _RIGHT
    per_day = inner / total

    def x(day: dt.date) -> float:
        return _LEFT + (day - line.called).days * per_day

    parts = [
        f'<svg role="img" viewBox="0 0 {_WIDTH} 120" width="{_WIDTH}" height="120" '
        f'aria-label="{escape(messages.text("ui.timeline"))}">',
        f'<line x1="{_LEFT}" y1="{_BAR_Y + _BAR_H}" x2="{_WIDTH - _RIGHT}" '
        f'y2="{_BAR_Y + _BAR_H}" stroke="#555"/>',
    ]
    campaign_w = max((line.days[0].date - line.campaign_start).days * per_day, 0.0)
    parts.append(
        f'<rect class="campaign" x="{x(line.campaign_start):.1f}" y="{_BAR_Y}" '
        f'width="{campaign_w:.1f}" height="{_BAR_H}" fill="{_COLOURS["campaign"]}"/>'
    )
    for day in line.days:
        colour = _COLOURS[
            {True: "stations", False: "no_stations", None: "stations_unknown"}[day.polling_stations]
        ]
        parts.append(
            f'<rect class="voting-day" x="{x(day.date):.1f}" y="{_BAR_Y}" '
            f'width="{max(per_day, 2.0):.1f}" height="{_BAR_H}" fill="{colour}">'
            f"<title>{day.date.isoformat()}</title></rect>"
        )
    minimum = _LEFT + MIN_LEAD_DAYS * per_day
    parts += [
        f'<line class="minimum" x1="{minimum:.1f}" y1="{_BAR_Y - 14}" x2="{minimum:.1f}" '
        f'y2="{_BAR_Y + _BAR_H + 6}" stroke="#c62828" stroke-dasharray="4 3"/>',
        f'<text x="{minimum:.1f}" y="{_BAR_Y - 18}" font-size="11" text-anchor="middle" '
        f'fill="#c62828">{escape(messages.text("ui.timeline.minimum"))}</text>',
        f'<line x1="{_LEFT}" y1="{_BAR_Y - 8}" x2="{_LEFT}" y2="{_BAR_Y + _BAR_H + 6}" '
        f'stroke="#000"/>',
        f'<text x="{_LEFT}" y="{_BAR_Y + _BAR_H + 22}" font-size="11">'
        f"{escape(messages.text('ui.timeline.call'))} {line.called.isoformat()}</text>",
        f'<text x="{_WIDTH - _RIGHT}" y="{_BAR_Y + _BAR_H + 22}" font-size="11" '
        f'text-anchor="end">{escape(messages.text("ui.timeline.voting"))} '
        f"{line.days[0].date.isoformat()} ({len(line.days)})</text>",
        *_legend(messages),
        "</svg>",
    ]
    return "\n".join(parts)
