"""``referendum verify``: the auditor's command."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from referendum.cli.main import app
from referendum.crypto.backend import BACKEND, slow_backend_note
from referendum.verify.log import read_given_checkpoints
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import EXIT_STATUS, Report, Status, Verdict

__all__ = ["print_report", "verdict_text", "verify"]

_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.SKIP: "yellow"}


def print_report(report: Report, console: Console) -> None:
    """Print the group backend, every check with its result, and the item that failed."""
    console.print(f"Group backend: {report.summary.get('backend', BACKEND)}")
    table = Table(title="Verification of the election record", show_lines=False)
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail")
    for r in report.results:
        detail = r.detail if r.item is None else f"{r.item}: {r.detail}"
        table.add_row(r.check.value, f"[{_STYLE[r.status]}]{r.status.value}[/]", escape(detail))
    console.print(table)
    console.print(verdict_text(report))


def verdict_text(report: Report) -> str:
    """The last line of the text report: the verdict (docs/spec/verification.md)."""
    if report.verdict is Verdict.VERIFIES:
        return "[bold green]The record verifies.[/]"
    if report.verdict is Verdict.VALID_SO_FAR:
        return (
            f"[bold yellow]The record is valid so far[/] (phase: {report.phase}): no check "
            "fails, but it stops before the results; it does NOT yet verify a count."
        )
    first = report.failures()[0]
    where = ", ".join(part for part in (first.item, first.field) if part)
    return f"[bold red]The record does NOT verify:[/] {first.check.value} failed on {escape(where)}"


@app.command()
def verify(
    record: Annotated[
        str,
        typer.Argument(
            help="Directory of the election record (record.json, events.jsonl), or the "
            "http(s) URL of one on a server that honours byte ranges."
        ),
    ],
    workers: Annotated[
        int, typer.Option(help="Processes checking ballots in parallel (0: every core).")
    ] = 0,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    dask: Annotated[
        str | None,
        typer.Option(
            help="Address of a Dask scheduler (tcp://host:8786) whose workers check the "
            "ballots; they must read the record at the same path, or at its URL."
        ),
    ] = None,
    checkpoints: Annotated[
        list[str] | None,
        typer.Option(
            "--checkpoints",
            help="Signed checkpoints of the board's log to check against the record too: a "
            "file (one note, a checkpoints.jsonl, or a /api/log/checkpoints page) or a URL "
            "(a board's .../api/log/checkpoints is followed page by page). Repeatable.",
        ),
    ] = None,
) -> None:
    """Verify a published election record: chain, manifest, key ceremony, credentials,
    window, every ballot's signature and proofs, revotes, tally, decryption, results,
    outcome, and the log (the Merkle tree and every signed checkpoint).  Exits 0 when the
    record is complete and every check passes, 1 when a check fails, 3 when no check fails
    but the record stops before the results (valid so far)."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("expected text or json", param_hint="--format")
    given = [read_given_checkpoints(source) for source in checkpoints or []]
    note = slow_backend_note()
    if note:
        typer.echo(note, err=True)
    report = verify_record(
        record,
        workers=workers if workers > 0 else (os.cpu_count() or 1),
        dask=dask,
        checkpoints=given,
    )
    if output_format == "json":
        typer.echo(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        print_report(report, Console())
    raise typer.Exit(EXIT_STATUS[report.verdict])
