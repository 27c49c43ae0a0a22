"""The organiser's commands: create, open, close, tally, results, publish, status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from referendum.cli.board import load_board_key
from referendum.cli.common import DEFAULT_DB, DbOption, board_at
from referendum.cli.demo import print_results
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.errors import InputError
from referendum.record import messages as m
from referendum.record.io import write_record
from referendum.record.manifest import load_manifest
from referendum.services.keys import publish_election_key
from referendum.services.state import load_state
from referendum.services.tally import publish_results, publish_tally
from referendum.services.voting import close_voting, create, open_voting

__all__ = [
    "close_cmd",
    "create_cmd",
    "election_key_cmd",
    "open_cmd",
    "publish_cmd",
    "results_cmd",
    "status_cmd",
    "tally_cmd",
]


@app.command("create")
def create_cmd(
    manifest: Annotated[Path, typer.Argument(help="The manifest (TOML or JSON).")],
    board_key: Annotated[
        Path | None,
        typer.Option(
            help="The board's key file (referendum board keygen): refuse a manifest whose "
            "board_key is not its public half."
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Organiser: publish a referendum's manifest as the first event of a new board."""
    loaded = load_manifest(manifest)
    if board_key is not None and load_board_key(board_key).public.hex() != loaded.board_key:
        raise InputError("board_key", "the manifest's board_key is not this board key's")
    with board_at(db) as board:
        state = create(board, loaded, system_clock)
    typer.echo(f"created {loaded.id!r}; fingerprint {state.fingerprint.hex()}")


@app.command("election-key")
def election_key_cmd(db: DbOption = DEFAULT_DB) -> None:
    """Organiser (or anyone): derive the election key once every trustee has checked its
    shares, and publish it."""
    with board_at(db) as board:
        payload = publish_election_key(board, system_clock)
    typer.echo(f"election key {payload['public_key']}; qualified trustees {payload['qualified']}")


@app.command("open")
def open_cmd(db: DbOption = DEFAULT_DB) -> None:
    """Organiser: open voting (freezes the credential lists and the election key)."""
    with board_at(db) as board:
        open_voting(board, system_clock)
    typer.echo("voting is open")


@app.command("close")
def close_cmd(db: DbOption = DEFAULT_DB) -> None:
    """Organiser: close voting (refused before the voting window has ended)."""
    with board_at(db) as board:
        close_voting(board, system_clock)
    typer.echo("voting is closed")


@app.command("tally")
def tally_cmd(db: DbOption = DEFAULT_DB) -> None:
    """Organiser: publish the encrypted tally (the last ballot of each credential, per region)."""
    with board_at(db) as board:
        publish_tally(board, system_clock)
        state = load_state(board)
    assert state.tally is not None
    counted = {r: v["ballots"] for r, v in state.tally["regions"].items()}
    typer.echo(f"tally published; ballots counted per region: {counted}")


@app.command("results")
def results_cmd(db: DbOption = DEFAULT_DB) -> None:
    """Organiser (or anyone): combine the trustees' decryption shares and publish the results."""
    with board_at(db) as board:
        results = publish_results(board, system_clock)
        manifest = load_state(board).manifest
    print_results(manifest, results, Console())


@app.command("publish")
def publish_cmd(
    out: Annotated[Path, typer.Option(help="Directory to write the election record to.")],
    db: DbOption = DEFAULT_DB,
    overwrite: Annotated[bool, typer.Option(help="Replace a record already in OUT.")] = False,
    board_key: Annotated[
        Path | None,
        typer.Option(
            "--board-key",
            help="The board's key file: sign a last checkpoint of the whole log first "
            "(without it, the record holds the checkpoints the board has published).",
        ),
    ] = None,
) -> None:
    """Organiser: export the board as an election record (record.json, events.jsonl, and the
    board's signed checkpoints in checkpoints.jsonl)."""
    from referendum.crypto.random import SystemRandom
    from referendum.services.checkpoints import CheckpointPublisher, stored_notes
    from referendum.services.receipts import ReceiptSigner

    key = None if board_key is None else load_board_key(board_key)
    with board_at(db) as board:
        if key is not None:
            CheckpointPublisher(ReceiptSigner(key, SystemRandom()), system_clock).publish(board)
        info = write_record(
            board.events(), out, overwrite=overwrite, checkpoints=stored_notes(board)
        )
    typer.echo(f"{info.event_count} events written to {out}")


@app.command("status")
def status_cmd(db: DbOption = DEFAULT_DB) -> None:
    """Anyone: the referendum's phase and what the board holds."""
    with board_at(db) as board:
        state = load_state(board)
        accepted = board.count(m.BALLOT_ACCEPTED)
        rejected = board.count(m.BALLOT_REJECTED)
        electorate = {r.id: state.electorate(r.id) for r in state.manifest.regions}
    man = state.manifest
    typer.echo(f"{man.title} ({man.id}): {state.phase.value}")
    typer.echo(f"  fingerprint {state.fingerprint.hex()}")
    typer.echo(
        f"  trustees: {len(state.transport)} keys, {len(state.deals)} deals, "
        f"{len(state.checks)} checks of {len(man.trustees.names)}; "
        f"threshold {man.trustees.threshold}"
    )
    for region in man.regions:
        typer.echo(f"  region {region.id}: {electorate[region.id]} credentials")
    for period in man.window:
        typer.echo(f"  voting period {period.opens} to {period.closes}")
    typer.echo(f"  ballots accepted {accepted}, rejected {rejected}")
