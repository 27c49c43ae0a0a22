"""The voter's commands: vote (or challenge), check a challenged ballot, track a ballot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from referendum.cli.common import DEFAULT_DB, DbOption, board_at, read_json
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.crypto.random import SystemRandom
from referendum.errors import InputError
from referendum.protocol.state import credential_key, tracking_key
from referendum.record import messages as m
from referendum.record.io import read_record
from referendum.services.challenge import challenge_data, check_challenge_data
from referendum.services.state import load_state
from referendum.services.voter import encrypt_choices, public_credential_of, sign_ballot
from referendum.services.voting import cast

__all__ = ["check_challenge_cmd", "track", "vote"]


def _choices(pairs: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        question, sep, answer = pair.partition("=")
        if not sep or not question or not answer:
            raise InputError("--choice", f"expected QUESTION=ANSWER, got {pair!r}")
        out.setdefault(question, []).append(answer)
    return out


def _credential(credential: str | None, credential_file: Path | None) -> str:
    if (credential is None) == (credential_file is None):
        raise InputError("--credential", "give exactly one of --credential or --credential-file")
    if credential_file is not None:
        try:
            return credential_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(str(credential_file), f"cannot read: {exc.strerror}") from None
    assert credential is not None
    return credential


@app.command()
def vote(
    choice: Annotated[
        list[str], typer.Option(help="QUESTION=ANSWER, e.g. q1=yes (repeat for several).")
    ],
    credential: Annotated[
        str | None, typer.Option(help="Your private credential (prefer --credential-file).")
    ] = None,
    credential_file: Annotated[
        Path | None, typer.Option(help="A file holding your private credential.")
    ] = None,
    challenge: Annotated[
        Path | None,
        typer.Option(
            help="Do not cast: write the encrypted, unsigned ballot and its nonces to this "
            "file so that anyone can check what it encrypts (Benaloh challenge). A challenged "
            "ballot is never signed nor cast; vote again to cast a fresh one."
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Voter: encrypt your ballot on this machine, then sign and cast it (or challenge it).

    Casting prints the tracking code; a later vote under the same credential replaces this
    one (the last ballot counts)."""
    private = _credential(credential, credential_file)
    with board_at(db) as board:
        state = load_state(board)
        choices = _choices(choice)
        public = public_credential_of(state, private)
        encrypted = encrypt_choices(state, public, choices, SystemRandom())
        if challenge is not None:
            data = challenge_data(state, encrypted, choices)
            challenge.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            typer.echo(f"challenged ballot {encrypted.tracking_code} written to {challenge}")
            typer.echo(
                f"check it: referendum check-challenge {challenge}; it is not signed and "
                "can never be cast: vote again to cast a fresh ballot"
            )
            return
        submission = sign_ballot(state, private, encrypted, SystemRandom())
        receipt = cast(board, submission, system_clock, state=state)
    typer.echo(f"tracking code: {receipt.tracking_code}")
    if receipt.replaces:
        typer.echo(f"this ballot replaces your earlier ballot {receipt.replaces}; the last counts")


@app.command("check-challenge")
def check_challenge_cmd(
    file: Annotated[
        Path, typer.Argument(help="A challenged ballot written by `vote --challenge` or the booth.")
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Anyone: check that a challenged ballot encrypts the choices it claims."""
    data: Any = read_json(file, what="challenged ballot")
    with board_at(db) as board:
        state = load_state(board)
    check_challenge_data(state, data)
    style = state.manifest.ballot_style(data["region"])
    for question, row in zip(style, data["selections"], strict=True):
        chosen = [a for a, bit in zip(question.answers, row, strict=True) if bit]
        typer.echo(f"{question.id}: the ballot encrypts {chosen or ['(no answer)']}")
    typer.echo("the challenge checks out: the ballot encrypts exactly these choices")


@app.command()
def track(
    code: Annotated[str, typer.Argument(help="The tracking code shown when you cast.")],
    record: Annotated[
        Path | None, typer.Option(help="Look in a published record instead of a board.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Voter: find a ballot by its tracking code, and whether a later ballot replaced it."""
    if record is not None:
        found = replaced_by = None
        for event in read_record(record).events():
            if event.type != m.BALLOT_ACCEPTED:
                continue
            if event.payload["tracking_code"] == code:
                found = event
            elif found is not None and event.payload["replaces"] == code:
                replaced_by = event.payload["tracking_code"]
    else:
        with board_at(db) as board:
            hits = board.lookup(tracking_key(code))
            found = hits[0] if hits else None
            replaced_by = None
            if found is not None:
                later = board.lookup(credential_key(found.payload["credential"]))
                nxt = [e for e in later if e.height > found.height]
                replaced_by = nxt[0].payload["tracking_code"] if nxt else None
    if found is None:
        typer.echo(f"no accepted ballot has tracking code {code}")
        raise typer.Exit(1)
    typer.echo(
        f"accepted at {found.timestamp} (event {found.height}, region {found.payload['region']})"
    )
    if replaced_by:
        typer.echo(f"replaced by a later ballot {replaced_by}: the later one counts")
    else:
        typer.echo("this is the credential's last ballot: it counts")
