"""``referendum monitor``: the observer's command that follows a board as it runs."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from referendum.cli.main import app
from referendum.cli.verify import verdict_text
from referendum.errors import RecordError
from referendum.observe.monitor import Monitor
from referendum.verify.report import EXIT_STATUS, Verdict

__all__ = ["monitor", "print_status"]


def print_status(watch: Monitor, console: Console) -> None:
    """The running count of ballots per region and the verdict so far."""
    head = watch.head
    where = "no events" if head is None else f"event {head.height} ({head.hash[:16]}...)"
    table = Table(title=f"{escape(watch.url)}: {watch.events} events checked, head {where}")
    table.add_column("region")
    table.add_column("ballots accepted", justify="right")
    table.add_column("counting (last per credential)", justify="right")
    for region, count in sorted(watch.regions.items()):
        table.add_row(escape(region), str(count.accepted), str(count.counting))
    console.print(table)
    report = watch.report()
    console.print(verdict_text(report))
    if report.verdict is Verdict.FAILS:
        first = report.failures()[0]
        console.print(f"  {first.check.value}: {escape(first.detail)}")
    if watch.log_error is not None:
        console.print(
            f"[bold red]The board's log does NOT match its events:[/] {escape(watch.log_error)}"
        )
    elif watch.checkpoints:
        last = watch.checkpoints[-1]
        console.print(
            f"{len(watch.checkpoints)} signed checkpoints match the events (the last: size "
            f"{last.size}, {last.time})"
        )


@app.command()
def monitor(
    url: Annotated[str, typer.Argument(help="The board's address (http(s)://host:port).")],
    once: Annotated[
        bool, typer.Option(help="Check what the board has now, print, and stop.")
    ] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between two polls of the board.", min=0.1)
    ] = 2.0,
    keep: Annotated[
        Path | None,
        typer.Option(
            help="Keep the copy of the record here (record.json written when the monitor "
            "stops: `referendum verify` reads it); default: a temporary directory."
        ),
    ] = None,
    output: Annotated[
        Literal["text", "json"], typer.Option("--format", help="text, or json (one object).")
    ] = "text",
) -> None:
    """Observer: follow a board over its public API, checking every new event as the
    verifier does (ballot proofs included) and printing the running count of ballots per
    region and the verdict so far; Ctrl-C stops.  Exits as `referendum verify` does: 0 the
    record verifies, 1 a check fails (the first failure stops the monitor) or a signed
    checkpoint is not of the events, 3 valid so far."""
    if not url.startswith(("http://", "https://")):
        raise typer.BadParameter("expected an http(s) URL", param_hint="URL")
    console = Console()
    with tempfile.TemporaryDirectory(prefix="referendum-monitor-") as scratch:
        watch = Monitor(url, keep if keep is not None else Path(scratch))
        try:
            _follow(watch, console, once=once, interval=interval, output=output)
        except KeyboardInterrupt:
            console.print("stopped.")
        finally:
            if keep is not None:
                watch.write_record_json()
        verdict = watch.report().verdict
        status = 1 if watch.log_error is not None else EXIT_STATUS[verdict]
        if output == "json":
            typer.echo(json.dumps(watch.to_json(), indent=2, sort_keys=True))
        elif not once:
            print_status(watch, console)
    raise typer.Exit(status)


def _follow(watch: Monitor, console: Console, *, once: bool, interval: float, output: str) -> None:
    first = True
    while True:
        try:
            new = watch.poll()
        except RecordError as exc:
            if once:
                raise
            console.print(f"[yellow]{escape(str(exc))}[/]: trying again in {interval:g} s")
            new = 0
        if output == "text" and (new or first):
            print_status(watch, console)
        first = False
        if once or watch.report().verdict is Verdict.FAILS or watch.log_error is not None:
            return
        time.sleep(interval)
