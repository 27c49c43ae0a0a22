"""The tallying authority's commands (deniable revoting, docs/spec/coercion.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from referendum.cli.common import DEFAULT_DB, DbOption, board_at, read_json, write_secret_json
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.crypto.random import SystemRandom

__all__ = ["tallying_app"]

tallying_app = typer.Typer(
    help="Tallying authority (deniable revoting): its key, then dummies, mixes and filter."
)
app.add_typer(tallying_app, name="tallying")


@tallying_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the authority's secret key (0600).")],
) -> None:
    """Create the tallying authority's key; put the printed public key in the manifest as
    ``tallying_authority`` (with ``revoting = "deniable"``)."""
    from referendum.services.deniable import TallyingKey

    key = TallyingKey.generate(SystemRandom())
    write_secret_json(out, key.to_json())
    typer.echo(key.public.hex())


@tallying_app.command("tally")
def tally(
    key: Annotated[Path, typer.Option(help="The tallying authority's key file.")],
    db: DbOption = DEFAULT_DB,
    workers: Annotated[
        int,
        typer.Option(
            help="Local processes that make the rows' and groups' proofs and check the steps "
            "(they hold the key: this machine's only).",
            min=1,
        ),
    ] = 1,
) -> None:
    """After voting closes: add the dummies, mix, group, filter each voter's last ballot and
    check eligibility, with every proof, then publish the encrypted tally of the rows that
    count (refused, with nothing appended, unless every step passes the verifier's checks)."""
    from referendum.services.deniable import TallyingKey, publish_deniable_tally
    from referendum.services.state import load_state
    from referendum.verify.partition import open_runner

    secret = TallyingKey.from_json(read_json(key, what="tallying authority key"))
    runner = open_runner(workers=workers)
    try:
        with board_at(db) as board:
            pool = runner.map if workers > 1 else map
            dummies = publish_deniable_tally(board, secret, SystemRandom(), system_clock, pool=pool)
            state = load_state(board)
    finally:
        runner.close()
    assert state.tally is not None
    counted = {r: v["ballots"] for r, v in state.tally["regions"].items()}
    typer.echo(f"dummies added per region: {dummies}")
    typer.echo(f"tally published; voters counted per region: {counted}")
