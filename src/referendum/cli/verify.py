"""``referendum verify``: the auditor's command."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from referendum.cli.main import app
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import Report, Status

__all__ = ["print_report", "verify"]

_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.SKIP: "yellow"}


def print_report(report: Report, console: Console) -> None:
    """Print every check with its result, and the item that failed."""
    table = Table(title="Verification of the election record", show_lines=False)
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail")
    for r in report.results:
        detail = r.detail if r.item is None else f"{r.item}: {r.detail}"
        table.add_row(r.check.value, f"[{_STYLE[r.status]}]{r.status.value}[/]", detail)
    console.print(table)
    if report.ok:
        console.print("[bold green]The record verifies.[/]")
    else:
        first = report.failures()[0]
        console.print(
            f"[bold red]The record does NOT verify:[/] {first.check.value} failed on {first.item}"
        )


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
) -> None:
    """Verify a published election record: chain, manifest, key ceremony, credentials,
    window, every ballot's signature and proofs, revotes, tally, decryption, results and
    outcome.  Exits 0 only when every check passes."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("expected text or json", param_hint="--format")
    report = verify_record(
        record, workers=workers if workers > 0 else (os.cpu_count() or 1), dask=dask
    )
    if output_format == "json":
        typer.echo(json.dumps(report.to_json(), indent=2, sort_keys=True))
    else:
        print_report(report, Console())
    raise typer.Exit(0 if report.ok else 1)
