"""The legitimacy report: findings of every check on a case, rendered as text (rich),
JSON, Markdown or one self-contained HTML file (jinja2), in English or Ukrainian."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import jinja2
from rich.console import Console
from rich.table import Table

from referendum.standards.case import Case
from referendum.standards.checks import run_checks
from referendum.standards.finding import AREAS, Finding, Status
from referendum.standards.i18n import Catalogue, Language, catalogue
from referendum.standards.timeline import Timeline, timeline, timeline_svg

__all__ = ["FORMATS", "Format", "Report", "build_report", "render", "to_mapping"]

Format = Literal["text", "json", "markdown", "html"]
FORMATS: tuple[Format, ...] = ("text", "json", "markdown", "html")

_STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.UNKNOWN: "dim",
}


@dataclass(frozen=True)
class Report:
    """Every finding on one case, in the order of ../shared/STANDARDS.md."""

    case: Case
    findings: tuple[Finding, ...]
    timeline: Timeline | None

    def count(self, status: Status) -> int:
        return sum(1 for f in self.findings if f.status is status)

    @property
    def failed(self) -> bool:
        """True when any check failed (``referendum check`` exits 1)."""
        return self.count(Status.FAIL) > 0

    def finding(self, check_id: str) -> Finding:
        """The finding of one check (``KeyError`` if there is none)."""
        for found in self.findings:
            if found.id == check_id:
                return found
        raise KeyError(check_id)

    @property
    def outcome(self) -> Mapping[str, Any] | None:
        """The computed outcome (decision, conditions, regions) when it could be computed."""
        details = self.finding("OUTCOME").details
        return details or None


def build_report(case: Case) -> Report:
    """Run every check on ``case``."""
    return Report(case, tuple(run_checks(case)), timeline(case))


def _summary(report: Report, messages: Catalogue) -> str:
    return messages.text(
        "ui.summary",
        fail=report.count(Status.FAIL),
        warn=report.count(Status.WARN),
        passed=report.count(Status.PASS),
        unknown=report.count(Status.UNKNOWN),
        total=len(report.findings),
    )


def _verdict(report: Report, messages: Catalogue) -> str:
    return messages.text("ui.verdict.fail" if report.failed else "ui.verdict.ok")


def _outcome_line(report: Report, messages: Catalogue) -> str:
    outcome = report.outcome
    if outcome is None:
        return f"{messages.text('ui.outcome')}: {messages.text('ui.outcome.none')}"
    return f"{messages.text('ui.outcome')}: {messages.explain(report.finding('OUTCOME'))}"


def _finding_mapping(finding: Finding, messages: Catalogue) -> dict[str, Any]:
    return {
        "id": finding.id,
        "area": finding.area,
        "title": messages.title(finding.id),
        "status": finding.status.value,
        "explanation": messages.explain(finding),
        "source": finding.source,
        "facts": [{"path": f.path, "value": f.value, "source": f.source} for f in finding.facts],
        **({"details": dict(finding.details)} if finding.details else {}),
    }


def to_mapping(report: Report, language: Language = "en") -> dict[str, Any]:
    """The report as plain data (the JSON format)."""
    messages = catalogue(language)
    return {
        "case": {"name": report.case.name, "place": report.case.place},
        "language": language,
        "summary": {
            "total": len(report.findings),
            **{s.value: report.count(s) for s in Status},
            "failed": report.failed,
            "text": _summary(report, messages),
        },
        "outcome": report.outcome,
        "timeline": report.timeline.to_mapping() if report.timeline else None,
        "findings": [_finding_mapping(f, messages) for f in report.findings],
    }


def _text(report: Report, messages: Catalogue, *, color: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=color, no_color=not color)
    console.print(f"[bold]{messages.text('ui.title')}: {report.case.name}[/bold]")
    console.print(f"{messages.text('ui.place')}: {report.case.place}")
    console.print(_summary(report, messages))
    console.print(_verdict(report, messages))
    console.print(_outcome_line(report, messages))
    for area in AREAS:
        table = Table(title=messages.text(f"area.{area}"), show_lines=False, expand=True)
        table.add_column(messages.text("ui.check"), no_wrap=True)
        table.add_column(messages.text("ui.status"), no_wrap=True)
        table.add_column(messages.text("ui.explanation"), ratio=3)
        table.add_column(messages.text("ui.source"), ratio=2)
        for f in report.findings:
            if f.area == area:
                status = messages.text(f"status.{f.status.value}")
                table.add_row(
                    f.id,
                    f"[{_STYLE[f.status]}]{status}[/]",
                    messages.explain(f),
                    f.source,
                )
        console.print(table)
    return out.getvalue()


def _markdown(report: Report, messages: Catalogue) -> str:
    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# {messages.text('ui.title')}: {report.case.name}",
        "",
        f"{messages.text('ui.place')}: {report.case.place}",
        "",
        f"**{_summary(report, messages)}**. {_verdict(report, messages)}",
        "",
        _outcome_line(report, messages),
        "",
    ]
    for area in AREAS:
        lines += [
            f"## {messages.text(f'area.{area}')}",
            "",
            f"| {messages.text('ui.check')} | {messages.text('ui.status')} | "
            f"{messages.text('ui.explanation')} | {messages.text('ui.source')} |",
            "|---|---|---|---|",
        ]
        for f in report.findings:
            if f.area == area:
                status = messages.text(f"status.{f.status.value}")
                lines.append(
                    f"| {f.id} | {status} | {cell(messages.explain(f))} | {cell(f.source)} |"
                )
        lines.append("")
    lines += [f"## {messages.text('ui.facts')}", ""]
    for f in report.findings:
        for used in f.facts:
            value = json.dumps(used.value, ensure_ascii=False)
            lines.append(
                f"- {f.id}: `{used.path}` = {cell(value)} "
                f"({messages.text('ui.fact_source')}: {cell(used.source)})"
            )
    lines += ["", messages.text("ui.standards"), ""]
    return "\n".join(lines)


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("referendum.standards", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("report.html.j2")


def _html(report: Report, messages: Catalogue) -> str:
    template = _template()
    areas = [
        (messages.text(f"area.{area}"), [f for f in report.findings if f.area == area])
        for area in AREAS
    ]
    return template.render(
        t=messages.text,
        explain=messages.explain,
        title=messages.title,
        language=messages.language,
        case=report.case,
        summary=_summary(report, messages),
        verdict=_verdict(report, messages),
        failed=report.failed,
        areas=areas,
        outcome=report.outcome,
        explanation=messages.explain(report.finding("OUTCOME")),
        timeline=report.timeline,
        svg=timeline_svg(report.timeline, messages) if report.timeline else None,
        dumps=lambda v: json.dumps(v, ensure_ascii=False),
    )


def render(
    report: Report, *, format: Format = "text", language: Language = "en", color: bool = False
) -> str:
    """The report in one of :data:`FORMATS`, in ``language``."""
    messages = catalogue(language)
    if format == "json":
        return json.dumps(to_mapping(report, language), ensure_ascii=False, indent=2) + "\n"
    if format == "markdown":
        return _markdown(report, messages)
    if format == "html":
        return _html(report, messages)
    return _text(report, messages, color=color)
