"""``referendum check CASE``: the legitimacy report of a referendum case file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from referendum.cli.main import app
from referendum.errors import CaseFileError, InputError
from referendum.standards import build_report, case_from_record_facts, load_case, render
from referendum.standards.skeleton import write_skeleton

__all__ = ["check"]

FormatOption = Literal["text", "json", "markdown", "html"]
LanguageOption = Literal["en", "uk"]


@app.command()
def check(
    case: Annotated[
        Path | None,
        typer.Argument(help="A case file (TOML or YAML) or a directory holding case.toml."),
    ] = None,
    new: Annotated[
        Path | None,
        typer.Option(
            "--new",
            help="Write a case skeleton to DIR/case.toml instead: every fact the checks "
            "read, commented out, with its meaning, readers and values. Never overwrites.",
        ),
    ] = None,
    format: Annotated[FormatOption, typer.Option("--format", "-f", help="Output format.")] = "text",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report to this file.")
    ] = None,
    lang: Annotated[
        LanguageOption, typer.Option("--lang", help="Language of the report: en or uk.")
    ] = "en",
    record_facts: Annotated[
        Path | None,
        typer.Option(
            "--record-facts",
            help="A JSON file of facts extracted from an election record "
            "(docs/standards/record-hook.md); they replace the case file's.",
        ),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            help="An election record directory: it is verified, and its question, window, "
            "rule, results and verdict replace the case file's.",
        ),
    ] = None,
) -> None:
    """Check a referendum's conduct against the Venice Commission and OSCE standards.

    Exit status: 1 when any check fails, 0 otherwise, 2 on a bad case file.
    """
    if new is not None:
        if case is not None:
            raise InputError("--new", "give either a CASE to check or --new DIR, not both")
        written = write_skeleton(new)
        typer.echo(f"wrote {written}: fill in the facts a source supports (see its header)")
        return
    if case is None:
        raise InputError("CASE", "missing; give a case file or directory, or --new DIR")
    loaded = load_case(case)
    if record_facts is not None:
        try:
            facts = json.loads(record_facts.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise CaseFileError(str(record_facts), f"not a readable JSON file: {exc}") from exc
        if not isinstance(facts, dict):
            raise CaseFileError(str(record_facts), "expected a JSON object of record facts")
        loaded = case_from_record_facts(facts, base=loaded.to_mapping())
    if record is not None:
        from referendum.standards.record_facts import facts_from_record

        loaded = case_from_record_facts(facts_from_record(record), base=loaded.to_mapping())
    report = build_report(loaded)
    color = out is None and format == "text" and sys.stdout.isatty()
    text = render(report, format=format, language=lang, color=color)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, "utf-8")
    if report.failed:
        raise typer.Exit(1)
