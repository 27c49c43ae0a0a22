"""``referendum bench``: generate a large record and time every stage, peers side by side."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from referendum.cli.main import app
from referendum.errors import InputError

__all__ = ["bench", "print_backends", "print_figures", "print_forensics"]


class BenchInputError(InputError):
    """A bad option of ``referendum bench``."""


def _ratio(ours: float | None, theirs: float | None) -> str:
    if not ours or not theirs:
        return "n/a"
    return f"{theirs / ours:,.0f}x faster"


def _print_log(log: dict[str, Any], console: Console) -> None:
    over, proofs = log["tree_overhead"], log["proofs"]
    table = Table(title="Transparency log: the Merkle tree's share (one run, medians)")
    for column in ("per ballot", "with the tree", "without", "overhead"):
        table.add_column(column, justify="right" if column != "per ballot" else "left")
    for name, key in (
        ("ingest with verification, ms", "ingest_per_ballot"),
        ("board append alone, wall ms", "append_per_ballot_wall"),
        ("board append alone, CPU ms", "append_per_ballot_cpu"),
    ):
        row = over[key]
        table.add_row(
            name,
            f"{row['with_tree_ms']:.3f}",
            f"{row['without_tree_ms']:.3f}",
            f"{row['overhead']:+.1%}",
        )
    console.print(table)
    served = Table(title=f"Proofs on a tree of {proofs['events']:,} events ({proofs['proofs']})")
    for column in ("step", "median ms", "p99 ms"):
        served.add_column(column, justify="right" if column != "step" else "left")
    for name, key in (
        ("inclusion proof served", "inclusion_serve"),
        ("consistency proof served", "consistency_serve"),
        ("inclusion proof checked (Python)", "inclusion_check_python"),
    ):
        served.add_row(name, f"{proofs[key]['median_ms']:.3f}", f"{proofs[key]['p99_ms']:.3f}")
    console.print(served)


def print_figures(figures: dict[str, Any], console: Console) -> None:
    """The figures of one run as tables."""
    host = figures["machine"]
    console.print(
        f"[bold]Machine[/]: {host['cpu']}, {host['cores']} cores, {host['memory_gb']} GB, "
        f"Python {host['python']}, load average at start "
        f"{', '.join(f'{x:.1f}' for x in host['load_average'])}"
    )
    per = figures["per_ballot"]
    modp = figures.get("modp_baseline") or {}
    bel = figures.get("belenios") or {}
    table = Table(title=f"Per ballot, one core (CPU ms; {per['ballots']} ballots)")
    for column in ("step", "ours", "4096-bit MODP", "ours vs MODP", "Belenios", "ours vs Belenios"):
        table.add_column(column, justify="right" if column != "step" else "left")
    create, single, batched = (
        per["encrypt_prove_sign_ms"],
        per["verify_single_ms"],
        per["verify_batched_ms"],
    )
    rows = [
        ("encrypt + prove (+ sign)", create, modp.get("encrypt_prove_ms"), bel.get("create_ms")),
        ("verify, one by one", single, modp.get("verify_ms"), bel.get("verify_ms")),
        ("verify, batched", batched, modp.get("verify_ms"), bel.get("verify_ms")),
    ]
    if "c_check_one_ms" in per:
        rows += [
            ("  signatures+proofs, one per check", per["c_check_one_ms"], None, None),
            ("  signatures+proofs, one check", per["c_check_batched_ms"], None, None),
        ]
    for name, ours, base, peer in rows:
        table.add_row(
            name,
            f"{ours:.3f}",
            "n/a" if base is None else f"{base:.1f}",
            _ratio(ours, base),
            "n/a" if peer is None else f"{peer:.1f}",
            _ratio(ours, peer),
        )
    console.print(table)
    print_backends(figures.get("per_ballot_by_backend"), console)

    ingest = Table(title="Board ingest with verification, then export")
    for column in ("backend", "writers", "batch", "ballots", "ballots/s", "export events/s"):
        ingest.add_column(column, justify="right" if column != "backend" else "left")
    for row in figures["ingest"]:
        if "error" in row:
            error = f"[red]{row['error']}[/]"
            ingest.add_row(row["backend"], str(row["writers"]), "", "", error, "")
            continue
        ingest.add_row(
            row["backend"],
            str(row["writers"]),
            str(row.get("batch", 1)),
            str(row["ballots"]),
            f"{row['ballots_per_second']:,.0f}",
            f"{row['export_events_per_second']:,.0f}",
        )
    console.print(ingest)

    gen = figures["generate"]
    large = Table(
        title=(
            f"Record of {figures['ballots']:,} voters ({gen['ballots']:,} ballots, "
            f"{gen['mb']:,.0f} MB): generated in {gen['seconds']:.1f} s "
            f"({gen['cpu_seconds']:.0f} CPU s)"
            + (" by an earlier run" if gen.get("reused_from") else "")
        )
    )
    columns = (
        "verification",
        "wall s",
        "CPU s",
        "CPU ms/ballot",
        "peak MB (RSS sum)",
        "peak MB (PSS sum)",
        "verdict",
    )
    for column in columns:
        large.add_column(column, justify="right" if column != "verification" else "left")
    for run in figures["verify"]:
        large.add_row(
            f"workers: {run['workers']}",
            f"{run['seconds']:.1f}",
            f"{run['cpu_seconds']:.1f}",
            f"{run['cpu_seconds'] / gen['ballots'] * 1e3:.3f}",
            f"{run['peak_mb']:,.0f}",
            f"{run.get('peak_pss_mb', 0):,.0f}",
            "[green]verifies[/]" if run["ok"] else f"[red]FAILS[/] {run.get('error') or ''}",
        )
    console.print(large)
    if "log" in figures:
        _print_log(figures["log"], console)

    witness = Table(title="A witness following the board's checkpoints (cosigned, state fsync'd)")
    for column in ("checkpoint every", "checkpoints", "ms per checkpoint", "events/s"):
        witness.add_column(column, justify="right")
    for row in figures.get("witness", []):
        witness.add_row(
            f"{row['checkpoint_every']:,} events",
            str(row["checkpoints"]),
            f"{row['ms_per_checkpoint']:.2f}",
            f"{row['events_per_second']:,.0f}",
        )
    console.print(witness)


@app.command()
def bench(
    ballots: Annotated[int, typer.Option(help="Voters in the generated record.")] = 20_000,
    db: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL URL for the ingest benchmark (e.g. "
            "postgresql://postgres@127.0.0.1:5432/test); SQLite is always measured."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the records and bench.json (default: a temporary one)."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Processes (0: every core).")] = 0,
    ingest_ballots: Annotated[int, typer.Option(help="Ballots cast in the ingest runs.")] = 1000,
    peers: Annotated[
        bool,
        typer.Option(help="Also run the 4096-bit baseline and Belenios (installed with apt)."),
    ] = True,
    record: Annotated[
        Path | None,
        typer.Option(
            help="Reuse a record an earlier run generated instead of generating one (its "
            "generation figures are read from the bench.json beside it); --ballots is ignored."
        ),
    ] = None,
    log_events: Annotated[
        int,
        typer.Option(
            help="Events of the Merkle tree on which inclusion proofs are served (built from "
            "synthetic event hashes; 0: skip the transparency log's figures).",
            min=0,
        ),
    ] = 1_000_000,
    deniable: Annotated[
        list[int] | None,
        typer.Option(
            help="Instead of the rest: deniable against visible revoting, the tally's and the "
            "verifier's CPU ms per ballot for this many ballots (repeat for several sizes; "
            "one voter in fifty revotes; docs/performance.md).",
            min=100,
        ),
    ] = None,
    pages: Annotated[
        Path | None,
        typer.Option(
            help="Instead of the rest: public pages, tracking lookups, start-up and memory of "
            "`referendum serve` on a board of --pages-ballots ballots synthesised at the storage "
            "level, built once in this folder and reused (referendum.bench.board_pages).",
        ),
    ] = None,
    pages_ballots: Annotated[
        int, typer.Option(help="Ballots of the --pages board.", min=100)
    ] = 10_000_000,
    web_load: Annotated[
        bool,
        typer.Option(
            "--web-load",
            help="Instead of the rest: ballots cast over HTTP to `referendum serve` by wrk "
            "(installed with apt) on loopback, on SQLite and, with --db, on PostgreSQL: "
            "ballots/s, latency, CPU per ballot, the board checked (referendum.bench.web_load).",
        ),
    ] = False,
    web_voters: Annotated[
        int, typer.Option(help="Voters of the --web-load runs (one ballot each).", min=10)
    ] = 20_000,
    web_clients: Annotated[
        int, typer.Option(help="Concurrent connections of the --web-load runs.", min=1)
    ] = 64,
    web_workers: Annotated[
        list[int] | None,
        typer.Option(help="Server processes of a --web-load run (repeat for several).", min=1),
    ] = None,
    web_forged: Annotated[
        float,
        typer.Option(
            help="Share of forged submissions (proof fails) added in the --web-load runs.",
            min=0.0,
            max=1.0,
        ),
    ] = 0.01,
    forensics: Annotated[
        list[int] | None,
        typer.Option(
            help="Instead of the rest: `referendum forensics` with every method on a "
            "synthetic table of this many stations (repeat for several sizes; each in a "
            "fresh process): wall, CPU, peak memory and load, overall and per method "
            "(docs/performance.md).",
            min=100,
        ),
    ] = None,
) -> None:
    """Generate a valid record of BALLOTS voters in parallel, then time: per-ballot encrypt
    and verify (one by one and batched), ingest with verification (SQLite, and PostgreSQL
    with concurrent writers when --db is given), export, verification with 1 and N workers
    and on a Dask LocalCluster, peak memory; the same per-ballot work of the 4096-bit
    baseline and of Belenios, as ratios; and the transparency log's (the Merkle tree's share
    of ingest, with and without it, and proofs served on a tree of --log-events events); and
    the events per second a witness keeps up with."""
    from referendum.bench.run import run_bench

    if deniable:
        print_deniable(
            deniable, Console(), workers=workers if workers > 0 else (os.cpu_count() or 1)
        )
        return
    if forensics:
        print_forensics(forensics, Console())
        return
    if pages is not None:
        print_pages(pages, pages_ballots, Console())
        return
    if web_load:
        backends = ["sqlite"] if db is None else ["sqlite", "postgres"]
        print_web_load(
            backends,
            postgres=db,
            voters=web_voters,
            clients=web_clients,
            workers=web_workers or [1, 2],
            forged=web_forged,
            console=Console(),
        )
        return
    if ballots < 10:
        raise BenchInputError("ballots", "at least 10")
    if record is not None and not (record / "events.jsonl").is_file():
        raise BenchInputError("record", f"{record} holds no events.jsonl")
    if ingest_ballots < 2:
        raise BenchInputError("ingest_ballots", "at least 2")
    cores = workers if workers > 0 else (os.cpu_count() or 1)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="referendum-bench-") as scratch:
        folder = out or Path(scratch)
        figures = run_bench(
            ballots=ballots,
            out=folder,
            db=db,
            workers=cores,
            ingest_ballots=ingest_ballots,
            peers=peers,
            record=record,
            log_events=log_events,
            progress=lambda step: console.print(f"[dim]... {step}[/]"),
        )
    print_figures(figures, console)


def print_pages(folder: Path, ballots: int, console: Console) -> None:
    """Public pages on a large synthesised board (referendum.bench.board_pages), as JSON."""
    import json

    from referendum.bench.board_pages import BoardShape, build_board, page_figures
    from referendum.bench.serving import free_port

    shape = BoardShape(ballots)
    path, built = build_board(folder, shape, progress=lambda s: console.print(f"[dim]... {s}[/]"))
    figures = {"board": built, **page_figures(path, shape, port=free_port())}
    console.print_json(json.dumps(figures))


def print_web_load(
    backends: list[str],
    *,
    postgres: str | None,
    voters: int,
    clients: int,
    workers: list[int],
    forged: float,
    console: Console,
) -> None:
    """Casting over HTTP (referendum.bench.web_load) as a table, then the figures as JSON;
    exits 1 when a board disagrees with the answers its server gave."""
    import json

    from referendum.bench.web_load import web_load

    figures = web_load(
        backends,
        voters=voters,
        clients=clients,
        workers=workers,
        postgres=postgres,
        forged=forged,
        progress=lambda step: console.print(f"[dim]... {step}[/]"),
    )
    table = Table(
        title=f"Ballots cast over HTTP by wrk ({clients} connections, loopback; CPU ms per "
        "accepted ballot)"
    )
    for column in ("backend", "processes", "ballots/s", "p50 ms", "p99 ms", "server CPU ms"):
        table.add_column(column, justify="right" if column != "backend" else "left")
    for column in ("database CPU ms", "wrk CPU ms", "load", "board"):
        table.add_column(column, justify="right")
    for f in figures:
        sound = f["board_matches_201s"] and f["rejections_logged"] and f["record_verifies_so_far"]
        table.add_row(
            f["backend"],
            str(f["server_processes"]),
            f"{f['ballots_per_second']:,.0f}",
            f"{f['latency_ms']['p50']:.1f}",
            f"{f['latency_ms']['p99']:.1f}",
            f"{f['server_cpu_ms_per_ballot']:.3f}",
            f"{f['database_cpu_ms_per_ballot']:.3f}",
            f"{f['client_cpu_ms_per_ballot']:.3f}",
            f"{f['load_average']['before']:.1f}",
            "[green]exact[/]" if sound else "[red]WRONG[/]",
        )
    console.print(table)
    console.print_json(json.dumps(figures))
    if not all(
        f["board_matches_201s"] and f["rejections_logged"] and f["record_verifies_so_far"]
        for f in figures
    ):
        raise typer.Exit(1)


def print_forensics(sizes: list[int], console: Console) -> None:
    """The forensics battery at each size, one fresh process per size
    (referendum.forensics.bench): the totals, then each method's share."""
    from referendum.forensics.bench import run_in_fresh_process

    runs = []
    for size in sizes:
        console.print(f"[dim]... forensics, {size:,} stations (load {os.getloadavg()[0]:.1f})[/]")
        runs.append(run_in_fresh_process(size))
    totals = Table(title="referendum forensics, every method (synthetic table, CSV loaded)")
    for column in ("stations", "wall s", "CPU s", "peak MB", "load", "target"):
        totals.add_column(column, justify="right")
    for run in runs:
        totals.add_row(
            f"{run['stations']:,}",
            f"{run['total_seconds']:.1f}",
            f"{run['cpu_seconds']:.1f}",
            f"{run['peak_memory_mb']:,.0f} + {run['worker_peak_memory_mb']:,.0f}",
            f"{run['load_average_before']:.1f}-{run['load_average_after']:.1f}",
            ("[green]met[/]" if run["met_target"] else "[red]missed[/]")
            + f" ({run['target_seconds']:,.0f} s)",
        )
    console.print(totals)
    console.print(
        "CPU s: user + system of every thread and worker process; peak MB: the analysing "
        "process + its largest worker; load: the 1-minute load average before and after."
    )
    methods = Table(title="Per method: wall s / CPU s")
    methods.add_column("method")
    for run in runs:
        methods.add_column(f"{run['stations']:,} stations", justify="right")
    names = list(dict.fromkeys(name for run in runs for name in run["methods"]))
    for name in names:
        cells = []
        for run in runs:
            spent = run["methods"].get(name)
            cells.append(
                f"{spent['wall_seconds']:.1f} / {spent['cpu_seconds']:.1f}" if spent else ""
            )
        methods.add_row(name, *cells)
    console.print(methods)
    console.print(
        "draws, replicates, resamples, mixture replicates: "
        + "; ".join(
            f"{r['stations']:,}: {r['draws']}, {r['replicates']}, {r['resamples']}, "
            f"{r['mixture_replicates']}"
            for r in runs
        )
    )


def print_deniable(sizes: list[int], console: Console, *, workers: int = 1) -> None:
    """Deniable against visible revoting, one size after the other (referendum.bench.deniable),
    the steps verified in ``workers`` processes."""
    from referendum.bench.deniable import deniable_costs

    table = Table(
        title=f"Revoting, per ballot (CPU ms, {workers} verifying process(es); one voter in 50 "
        "revotes)"
    )
    for column in ("ballots", "dummies", "tally visible", "tally deniable", "verify visible"):
        table.add_column(column, justify="right")
    for column in ("verify deniable", "of which ballots", "of which steps"):
        table.add_column(column, justify="right")
    for column in ("tally wall s", "steps wall s", "peak MB", "load average"):
        table.add_column(column, justify="right")
    for size in sizes:
        console.print(f"[dim]... deniable revoting, {size:,} ballots[/]")
        c = deniable_costs(size, workers=workers)
        table.add_row(
            f"{c.ballots:,}",
            f"{c.dummies:,}",
            f"{c.visible_tally_ms:.3f}",
            f"{c.deniable_tally_ms:.2f}",
            f"{c.visible_verify_ms:.3f}",
            f"{c.deniable_verify_ms:.2f}",
            f"{c.deniable_ballot_check_ms:.2f}",
            f"{c.deniable_steps_verify_ms:.2f}",
            f"{c.tally_wall_s:.1f}",
            f"{c.steps_verify_wall_s:.1f}",
            f"{max(c.peak_mb, c.workers_peak_mb):,.0f}",
            " ".join(f"{x:.1f}" for x in os.getloadavg()),
        )
    console.print(table)


def print_backends(found: dict[str, Any] | None, console: Console) -> None:
    """The verifier's per-ballot times on each group backend, side by side."""
    if not found:
        return
    runs = {k: v for k, v in found.items() if k != "ratio" and v and "error" not in v}
    table = Table(
        title="Per ballot on each group backend, side by side in this run (CPU ms; "
        + ", ".join(f"{k}: {v['ballots']} ballots" for k, v in runs.items())
        + ")"
    )
    table.add_column("step")
    for name in runs:
        table.add_column(name, justify="right")
    if "ratio" in found:
        table.add_column("sodium / decaf", justify="right")
    for label, key in (
        ("verify (the verifier's path)", "verify_batched_ms"),
        ("verify, one by one", "verify_single_ms"),
        ("encrypt + prove + sign", "encrypt_prove_sign_ms"),
    ):
        cells = [f"{run[key]:.3f}" for run in runs.values()]
        if "ratio" in found:
            cells.append(f"{found['ratio'][key]:.1f}x")
        table.add_row(label, *cells)
    console.print(table)
    for name, run in found.items():
        if run is None:
            console.print(f"{name}: not installed here")
        elif name != "ratio" and "error" in run:
            console.print(f"[red]{name}: {run['error']}[/]")
