"""``referendum demo``: a whole referendum end to end, then its results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from referendum.cli.main import app
from referendum.record.manifest import Manifest
from referendum.services.readable import results_view
from referendum.web.i18n import Translator

__all__ = ["demo", "print_results"]


def print_results(manifest: Manifest, results: dict[str, Any], console: Console) -> None:
    """Every question's counts per region and overall, with each answer's share of the
    ballots and the turnout; the outcome and the rule's conditions in words with their
    figures (the same as the board page, services.readable)."""
    view = results_view(manifest, results)
    words = Translator("en")
    for question in view.questions:
        text = manifest.texts(None).questions[question.id]
        table = Table(title=f"{question.id}: {text}", title_justify="left")
        table.add_column("region")
        for answer in question.answers:
            table.add_column(answer, justify="right")
        for column in ("ballots", "electorate", "turnout"):
            table.add_column(column, justify="right")
        rows = [*question.rows, question.total] if len(question.rows) > 1 else question.rows
        for row in rows:
            name = row.name if row.region is not None else "[bold]all regions[/]"
            table.add_row(
                name,
                *(f"{f.count} ({f.percent})" for f in row.answers),
                str(row.ballots),
                str(row.electorate),
                row.turnout,
            )
        table.caption = "(share of the ballots cast in the region; turnout: ballots / electorate)"
        console.print(table)
    if view.decision:
        console.print(f"Outcome: [bold]{words('decision.' + view.decision).upper()}[/]")
        for c in view.conditions:
            mark = "[green]met[/]" if c.passed else "[red]not met[/]"
            where = f"{manifest.region(c.region).name}: " if c.region else ""
            sentence = words(f"condition.{c.name}", value=c.value, threshold=c.threshold)
            console.print(f"  {where}{sentence}: {mark}")
        for rid, decision in view.regional:
            console.print(f"  {manifest.region(rid).name}: {words('decision.' + decision)}")
    console.print(f"Decrypted by trustees {list(view.trustees)}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Directory for the board and the election record.")],
    voters: Annotated[int, typer.Option(help="Number of registered voters.", min=6)] = 60,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same record.")] = 7,
    revoting: Annotated[
        str,
        typer.Option(
            help="visible: ballots name their credential (the default); deniable: a coercer "
            "cannot see a revote (docs/spec/coercion.md)."
        ),
    ] = "visible",
) -> None:
    """Run a whole multi-region, multi-day referendum on SQLite: key ceremony (3 trustees,
    threshold 2), credentials, three voting days with revotes and refused ballots, tally with
    one trustee absent, results.  Writes the election record to OUT.  With --revoting
    deniable, a coerced voter revotes unseen and the tallying authority pads, mixes and
    filters the ballots before the tally."""
    from referendum.errors import InputError
    from referendum.services.demo import run_demo

    if revoting not in ("visible", "deniable"):
        raise InputError("--revoting", f"expected visible or deniable, got {revoting!r}")

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

        summary = run_demo(out, voters=voters, seed=seed, progress=progress, revoting=revoting)
    if summary.coerced is not None:
        console.print(
            f"{summary.accepted} deniable ballots accepted ({summary.revotes} revotes, "
            "none visible on the board); the coerced voter "
            f"{summary.coerced[:16]}... voted yes in front of the coercer, then no alone; "
            f"the tallying authority added {sum(summary.dummies.values())} dummies"
        )
    else:
        console.print(
            f"{summary.accepted} ballots accepted "
            f"({summary.revotes} revotes replaced earlier ballots); "
            f"refused: {sum(summary.rejected.values())} "
            f"({', '.join(f'{k} {v}' for k, v in sorted(summary.rejected.items()))})"
        )
    print_results(summary.manifest, summary.results, console)
    console.print(f"Election record written to {out} (board: {summary.database})")
    console.print(f"Check it yourself: referendum verify {out}")
    if summary.receipt is not None:
        console.print(
            f"The last voter's signed receipt is {out / 'receipt.json'}: "
            f"referendum track --receipt {out / 'receipt.json'} {out}"
        )
