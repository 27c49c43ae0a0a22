"""The trustees' commands: the key ceremony steps and the decryption share.

Each step runs either against the board (``--db``), or offline: ``--record DIR`` reads the
referendum's state from a published record (or the web board's download), and ``--out FILE``
writes the signed step for ``referendum trustee submit FILE`` or the trustee web page to
upload.  The key file never leaves the trustee's machine in the offline mode.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from referendum.cli.common import DEFAULT_DB, DbOption, board_at, read_json, write_secret_json
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.crypto.random import SystemRandom
from referendum.errors import InputError
from referendum.protocol.state import NON_BALLOT_TYPES, ElectionState, state_from_events
from referendum.record import messages as m
from referendum.record.io import read_record
from referendum.services.keys import (
    TrusteeSecrets,
    check_payload,
    deal_payload,
    decryption_payload,
    setup_payload,
    submit_trustee_event,
)
from referendum.services.state import load_state

__all__ = ["trustee_app"]

trustee_app = typer.Typer(help="Trustee: key ceremony steps and decryption.")
app.add_typer(trustee_app, name="trustee")

KeyFile = Annotated[Path, typer.Option(help="The trustee's secret key file (kept private).")]
RecordOption = Annotated[
    Path | None,
    typer.Option(help="Offline: read the referendum's state from this record directory."),
]
OutOption = Annotated[
    Path | None,
    typer.Option(help="Offline: write the signed step to this file instead of the board."),
]


def _load(path: Path) -> TrusteeSecrets:
    return TrusteeSecrets.from_json(read_json(path, what="trustee key file"))


def _run(
    event_type: str,
    make: Callable[[ElectionState], tuple[dict[str, Any], TrusteeSecrets | None]],
    *,
    db: str,
    record: Path | None,
    out: Path | None,
) -> TrusteeSecrets | None:
    """Make a step from the board's or the record's state; append it or write it to ``out``."""
    if (record is None) != (out is None):
        raise InputError("--out", "the offline mode takes both --record and --out")
    if record is not None and out is not None:
        events = (e for e in read_record(record).events() if e.type in NON_BALLOT_TYPES)
        payload, secrets = make(state_from_events(events))
        out.write_text(json.dumps({"type": event_type, "payload": payload}, indent=2) + "\n")
        typer.echo(f"{event_type} written to {out}: submit it with `referendum trustee submit`")
        return secrets
    with board_at(db) as board:
        payload, secrets = make(load_state(board))
        submit_trustee_event(board, event_type, payload, system_clock)
    return secrets


@trustee_app.command("setup")
def setup(
    trustee: Annotated[int, typer.Option(help="This trustee's number (1..n).")],
    key_file: KeyFile,
    db: DbOption = DEFAULT_DB,
    record: RecordOption = None,
    out: OutOption = None,
) -> None:
    """Step 1: create a transport key and publish its public half."""
    rng = SystemRandom()
    secrets = _run(
        m.TRUSTEE_TRANSPORT, lambda s: setup_payload(s, trustee, rng), db=db, record=record, out=out
    )
    assert secrets is not None
    write_secret_json(key_file, secrets.to_json())
    typer.echo(f"trustee {trustee}: transport key made; secrets in {key_file}")


@trustee_app.command("deal")
def deal(
    key_file: KeyFile, db: DbOption = DEFAULT_DB, record: RecordOption = None, out: OutOption = None
) -> None:
    """Step 2 (after every trustee's step 1): deal encrypted shares to the others."""
    rng = SystemRandom()
    secrets = _run(
        m.TRUSTEE_DEAL,
        lambda s: deal_payload(s, _load(key_file), rng),
        db=db,
        record=record,
        out=out,
    )
    assert secrets is not None
    write_secret_json(key_file, secrets.to_json())
    typer.echo(f"trustee {secrets.trustee}: shares dealt")


@trustee_app.command("check")
def check(
    key_file: KeyFile, db: DbOption = DEFAULT_DB, record: RecordOption = None, out: OutOption = None
) -> None:
    """Step 3 (after every trustee's step 2): check the shares received; complain about bad ones."""
    rng = SystemRandom()
    made: dict[str, Any] = {}

    def make(state: ElectionState) -> tuple[dict[str, Any], TrusteeSecrets | None]:
        payload, secrets = check_payload(state, _load(key_file), rng)
        made.update(payload)
        return payload, secrets

    secrets = _run(m.TRUSTEE_CHECK, make, db=db, record=record, out=out)
    assert secrets is not None
    write_secret_json(key_file, secrets.to_json())
    complaints = made["complaints"]
    typer.echo(
        f"trustee {secrets.trustee}: {len(secrets.received)} shares good"
        + (f", complaints against {[c['dealer'] for c in complaints]}" if complaints else "")
    )


@trustee_app.command("decrypt")
def decrypt(
    key_file: KeyFile, db: DbOption = DEFAULT_DB, record: RecordOption = None, out: OutOption = None
) -> None:
    """After the tally: publish this trustee's decryption shares, with proofs."""
    secrets = _load(key_file)
    rng = SystemRandom()
    _run(
        m.DECRYPTION_SHARE,
        lambda s: (decryption_payload(s, secrets, rng), None),
        db=db,
        record=record,
        out=out,
    )
    typer.echo(f"trustee {secrets.trustee}: decryption shares made")


@trustee_app.command("submit")
def submit(
    step: Annotated[Path, typer.Argument(help="A step written by a trustee command's --out.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Append a trustee's step made offline, after checking its proofs and signature."""
    data = read_json(step, what="trustee step")
    if not isinstance(data, dict) or set(data) != {"type", "payload"}:
        raise InputError(str(step), "expected {type, payload} as written by --out")
    if not isinstance(data["payload"], dict):
        raise InputError(f"{step}: payload", "expected an object")
    with board_at(db) as board:
        submit_trustee_event(board, str(data["type"]), data["payload"], system_clock)
    typer.echo(f"{data['type']} of trustee {data['payload'].get('trustee')} appended")
