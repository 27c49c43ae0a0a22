"""``referendum demo``: a whole referendum end to end, then its results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from referendum.cli.main import app
from referendum.rules import percent_text

__all__ = ["demo", "print_results"]


def print_results(results: dict[str, Any], console: Console) -> None:
    """Per-region and overall counts of the first question, and the outcome."""
    regions = results["regions"]
    first_region = next(iter(regions.values()))
    qid, counts = next(iter(first_region["questions"].items()))
    answers = list(counts)
    table = Table(title=f"Results ({qid})")
    table.add_column("region")
    for answer in answers:
        table.add_column(answer, justify="right")
    table.add_column("ballots", justify="right")
    table.add_column("electorate", justify="right")
    table.add_column("turnout", justify="right")
    totals = dict.fromkeys(answers, 0)
    ballots = electorate = 0
    for rid, entry in regions.items():
        row = entry["questions"][qid]
        for a in answers:
            totals[a] += row[a]
        ballots += entry["ballots"]
        electorate += entry["electorate"]
        table.add_row(
            rid,
            *(str(row[a]) for a in answers),
            str(entry["ballots"]),
            str(entry["electorate"]),
            f"{entry['ballots'] / entry['electorate']:.1%}" if entry["electorate"] else "-",
        )
    table.add_row(
        "[bold]all[/]",
        *(f"[bold]{totals[a]}[/]" for a in answers),
        f"[bold]{ballots}[/]",
        f"[bold]{electorate}[/]",
        f"[bold]{ballots / electorate:.1%}[/]" if electorate else "-",
    )
    console.print(table)
    outcome = results.get("outcome")
    if outcome:
        console.print(f"Outcome: [bold]{outcome['decision'].upper()}[/]")
        for check in outcome["checks"]:
            mark = "[green]met[/]" if check["passed"] else "[red]not met[/]"
            value, threshold = percent_text(check["value"]), percent_text(check["threshold"])
            console.print(f"  {check['name']}: {mark} ({value}; threshold {threshold})")
        for rid, sub in outcome.get("regions", {}).items():
            console.print(f"  region {rid}: {sub['decision']}")
    console.print(f"Decrypted by trustees {results['trustees']}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Directory for the board and the election record.")],
    voters: Annotated[int, typer.Option(help="Number of registered voters.", min=6)] = 60,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same record.")] = 7,
) -> None:
    """Run a whole multi-region, multi-day referendum on SQLite: key ceremony (3 trustees,
    threshold 2), credentials, three voting days with revotes and refused ballots, tally with
    one trustee absent, results.  Writes the election record to OUT."""
    from referendum.services.demo import run_demo

    console = Console()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        summary = run_demo(out, voters=voters, seed=seed, progress=progress)
    console.print(
        f"{summary.accepted} ballots accepted "
        f"({summary.revotes} revotes replaced earlier ballots); "
        f"refused: {sum(summary.rejected.values())} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(summary.rejected.items()))})"
    )
    print_results(summary.results, console)
    console.print(f"Election record written to {out} (board: {summary.database})")
    console.print(f"Check it yourself: referendum verify {out}")
    console.print(
        f"The last voter's signed receipt is {out / 'receipt.json'}: "
        f"referendum track --receipt {out / 'receipt.json'} {out}"
    )
