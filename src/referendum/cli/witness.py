"""``referendum witness``: run a witness of a board's log, make its key, print its evidence.

``referendum witness URL --key FILE --state DIR`` is ``referendum witness follow URL ...``.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from referendum.cli.common import read_json, write_secret_json
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.crypto.random import SystemRandom
from referendum.errors import InputError, RecordError
from referendum.observe.client import fetch
from referendum.observe.witness import Witness, board_manifest
from referendum.observe.witness_state import WitnessState
from referendum.services.signing_key import WitnessKey
from referendum.verify.split_view import check_statement

__all__ = ["evidence", "follow", "keygen", "witness_app"]


class _FollowByDefault(TyperGroup):
    """``witness URL ...`` runs ``witness follow URL ...``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["follow", *args]
        return super().parse_args(ctx, args)


witness_app = typer.Typer(
    cls=_FollowByDefault,
    help="A witness of a board's log: it cosigns checkpoints that extend the last one it "
    "cosigned (referendum witness URL --key FILE --state DIR).",
    no_args_is_help=True,
)
app.add_typer(witness_app, name="witness")

StateOption = Annotated[
    Path,
    typer.Option(
        "--state",
        help="The witness's directory: state.json (the last checkpoint cosigned of each "
        "referendum) and evidence/ (split views). Keep it: a witness that lost it must "
        "not start again afresh.",
    ),
]


@witness_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the witness's secret key (0600).")],
) -> None:
    """Create a witness's cosigning key; give the printed public key to the organiser, who
    names it with the witness's name and URL in the manifest's ``witnesses``."""
    key = WitnessKey.generate(SystemRandom())
    write_secret_json(out, key.to_json())
    typer.echo(key.public.hex())


def _name_of(given: str | None, public: str, board: str) -> str:
    if given is not None:
        return given
    _, manifest = board_manifest(fetch, board)
    members = [] if manifest.witnesses is None else manifest.witnesses.members
    for member in members:
        if member.public_key == public:
            return member.name
    raise InputError(
        "--name", "this witness's key is not among the manifest's witnesses: give --name"
    )


@witness_app.command("follow")
def follow(
    board: Annotated[str, typer.Argument(metavar="URL", help="The board's address.")],
    key: Annotated[Path, typer.Option(help="The witness's key file (witness keygen).")],
    state: StateOption,
    name: Annotated[
        str | None,
        typer.Option(
            help="The key name to cosign under (default: the manifest's name for this key)."
        ),
    ] = None,
    listen: Annotated[
        str | None,
        typer.Option(
            help="HOST:PORT to serve the cosigned checkpoints on (GET /checkpoint/"
            "FINGERPRINT, GET /evidence)."
        ),
    ] = None,
    interval: Annotated[
        float, typer.Option(help="Seconds between two polls of the board.", min=0.0)
    ] = 2.0,
    once: Annotated[bool, typer.Option(help="Poll once, print the outcome, stop.")] = False,
) -> None:
    """Witness: follow a board, cosigning each new checkpoint once its signature is the
    manifest's board key and the board's consistency proof from the last checkpoint
    cosigned holds; a split view is refused and kept in DIR/evidence. Exits 1 after a
    split view with --once, else runs until Ctrl-C."""
    if not board.startswith(("http://", "https://")):
        raise InputError("URL", "expected the board's http(s) URL")
    secret = WitnessKey.from_json(read_json(key, what="witness key"))
    witness = Witness(
        board,
        _name_of(name, secret.public.hex(), board),
        secret.secret,
        WitnessState(state),  # a corrupt state stops here, before anything is cosigned
        SystemRandom(),
        clock=system_clock,
    )
    server = _serve(witness, listen) if listen else None
    split = False
    try:
        while True:
            try:
                outcomes = witness.poll()
            except RecordError as exc:
                if once:
                    raise
                typer.echo(f"board unreachable: {exc}", err=True)
                outcomes = []
            for outcome in outcomes:
                split = split or outcome.status == "split_view"
                if outcome.status not in ("unchanged", "older") or once:
                    typer.echo(
                        f"{outcome.status}: {outcome.reason}", err=outcome.status != "cosigned"
                    )
                    if outcome.evidence:
                        typer.echo(f"evidence kept in {outcome.evidence}", err=True)
            if once:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        typer.echo("stopped.")
    finally:
        if server is not None:
            server.should_exit = True
    if split:
        raise typer.Exit(1)


def _serve(witness: Witness, listen: str) -> Any:
    import uvicorn

    from referendum.web.witness import create_witness_app

    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("--listen", f"expected HOST:PORT, got {listen!r}")
    config = uvicorn.Config(
        create_witness_app(witness), host=host, port=int(port), log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RecordError(f"the witness's server did not start on {listen}")
        time.sleep(0.02)
    typer.echo(f"serving cosigned checkpoints on http://{host}:{port}/")
    return server


@witness_app.command("evidence")
def evidence(
    state: Annotated[Path, typer.Argument(metavar="DIR", help="The witness's --state directory.")],
) -> None:
    """Print every split view this witness kept, each a self-contained statement
    (referendum-misbehaviour/1) re-checked here: the two checkpoints the board signed and
    why they cannot both be true. Exits 1 when there is any, 0 when none."""
    kept = WitnessState(state).evidence()
    if not kept:
        typer.echo("no split view seen")
        return
    for path, statement in kept:
        typer.echo(f"{path.name}: {check_statement(statement)}", err=True)
        typer.echo(json.dumps(statement, indent=2, sort_keys=True))
    raise typer.Exit(1)
