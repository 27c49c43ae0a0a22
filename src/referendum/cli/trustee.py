"""The trustees' commands: the key ceremony steps and the decryption share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from referendum.cli.common import DEFAULT_DB, DbOption, board_at, read_json, write_secret_json
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.crypto.random import SystemRandom
from referendum.errors import PhaseError
from referendum.services.keys import TrusteeSecrets, trustee_check, trustee_deal, trustee_setup
from referendum.services.state import load_state
from referendum.services.tally import publish_share

__all__ = ["trustee_app"]

trustee_app = typer.Typer(help="Trustee: key ceremony steps and decryption.")
app.add_typer(trustee_app, name="trustee")

KeyFile = Annotated[Path, typer.Option(help="The trustee's secret key file (kept private).")]


def _load(path: Path) -> TrusteeSecrets:
    return TrusteeSecrets.from_json(read_json(path, what="trustee key file"))


@trustee_app.command("setup")
def setup(
    trustee: Annotated[int, typer.Option(help="This trustee's number (1..n).")],
    key_file: KeyFile,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Step 1: create a transport key and publish its public half."""
    with board_at(db) as board:
        secrets = trustee_setup(board, trustee, SystemRandom(), system_clock)
    write_secret_json(key_file, secrets.to_json())
    typer.echo(f"trustee {trustee}: transport key published; secrets in {key_file}")


@trustee_app.command("deal")
def deal(key_file: KeyFile, db: DbOption = DEFAULT_DB) -> None:
    """Step 2 (after every trustee's step 1): deal encrypted shares to the others."""
    with board_at(db) as board:
        secrets = trustee_deal(board, _load(key_file), SystemRandom(), system_clock)
    write_secret_json(key_file, secrets.to_json())
    typer.echo(f"trustee {secrets.trustee}: shares dealt")


@trustee_app.command("check")
def check(key_file: KeyFile, db: DbOption = DEFAULT_DB) -> None:
    """Step 3 (after every trustee's step 2): check the shares received; complain about bad ones."""
    with board_at(db) as board:
        secrets = trustee_check(board, _load(key_file), SystemRandom(), system_clock)
        state = load_state(board)
    write_secret_json(key_file, secrets.to_json())
    complaints = state.checks[secrets.trustee]["complaints"]
    typer.echo(
        f"trustee {secrets.trustee}: {len(secrets.received)} shares good"
        + (f", complaints against {[c['dealer'] for c in complaints]}" if complaints else "")
    )


@trustee_app.command("decrypt")
def decrypt(key_file: KeyFile, db: DbOption = DEFAULT_DB) -> None:
    """After the tally: publish this trustee's decryption shares, with proofs."""
    secrets = _load(key_file)
    with board_at(db) as board:
        state = load_state(board)
        if state.election_key is None:
            raise PhaseError("no election key yet")
        share = secrets.secret_share(list(state.election_key["qualified"]))
        publish_share(board, secrets.trustee, share, SystemRandom(), system_clock)
    typer.echo(f"trustee {secrets.trustee}: decryption shares published")
