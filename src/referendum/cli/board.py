"""The board operator's key: it signs the receipt of every ballot the board accepts or refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from referendum.cli.common import read_json, write_secret_json
from referendum.cli.main import app
from referendum.crypto.random import SystemRandom
from referendum.services.receipts import BoardKey

__all__ = ["BoardKeyOption", "board_app", "keygen", "load_board_key"]

board_app = typer.Typer(help="The board's receipt-signing key.")
app.add_typer(board_app, name="board")

BoardKeyOption = Annotated[
    Path,
    typer.Option(
        "--board-key",
        envvar="REFERENDUM_BOARD_KEY",
        help="The board's key file (referendum board keygen): it signs voters' receipts.",
    ),
]


def load_board_key(path: Path) -> BoardKey:
    """Read a board key file (its secret never appears in an error)."""
    return BoardKey.from_json(read_json(path, what="board key"))


@board_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the board's secret key (0600).")],
) -> None:
    """Create the board's receipt-signing key; put the printed public key in the manifest as
    ``board_key`` (before publishing it: the fingerprint then fixes it)."""
    key = BoardKey.generate(SystemRandom())
    write_secret_json(out, key.to_json())
    typer.echo(key.public.hex())
