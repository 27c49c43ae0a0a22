"""The voter's commands: vote (or challenge), check a challenged ballot, track a ballot."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from referendum.cli.board import BoardKeyOption, load_board_key
from referendum.cli.common import DEFAULT_DB, DbOption, board_at, read_json
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.crypto.group import Point
from referendum.crypto.random import SystemRandom
from referendum.errors import BallotRejected, InputError, ProofError
from referendum.observe.light import LightVerdict, check_light, is_board
from referendum.protocol.receipts import (
    MAX_RECEIPT_BYTES,
    check_receipt_signature,
    parse_receipt,
)
from referendum.protocol.state import ElectionState, credential_key, tracking_key
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.io import read_record
from referendum.services.challenge import challenge_data, check_challenge_data
from referendum.services.checkpoints import CheckpointPublisher
from referendum.services.receipts import ReceiptSigner
from referendum.services.state import load_state
from referendum.services.voter import (
    check_last_ballot,
    encrypt_choices,
    encrypt_deniable_choices,
    public_credential_of,
    sign_ballot,
)
from referendum.services.voting import cast, last_tracking_code
from referendum.verify.receipt import ReceiptVerdict, check_receipt, find_short_code
from referendum.verify.source import is_url

__all__ = ["check_challenge_cmd", "track", "track_receipt", "track_short_code", "vote"]

OutputFormat = Literal["text", "json"]
DEFAULT_BOARD_KEY = Path("board.key")


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


_LAST_BALLOT_FORMAT = "referendum-last-ballot/1"


def _last_ballot_file(given: Path | None, credential_file: Path | None) -> Path | None:
    if given is not None:
        return given
    if credential_file is None:
        return None
    return credential_file.with_name(credential_file.name + ".last-ballot")


def _own_last(path: Path | None, election: str, credential: str) -> str | None:
    """The tracking code of the last ballot this device cast with ``credential``, if any."""
    if path is None or not path.exists():
        return None
    data: Any = read_json(path, what="last-ballot file")
    if not isinstance(data, dict) or data.get("format") != _LAST_BALLOT_FORMAT:
        raise InputError(str(path), f"not a {_LAST_BALLOT_FORMAT} file")
    if data.get("election") != election or data.get("credential") != credential:
        return None  # another referendum's or another credential's
    code = data.get("tracking_code")
    if not isinstance(code, str) or len(code) != 64:
        raise InputError(f"{path}: tracking_code", "expected 64 hex digits")
    return code


def _receipt_last(path: Path | None, state: ElectionState) -> str | None:
    """The tracking code of the ballot a board-signed receipt (``--receipt-out``) names,
    once the receipt is checked: of an accepted ballot, of this referendum, signed by its
    board key."""
    if path is None:
        return None
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read the receipt: {exc.strerror}") from None
    receipt = parse_receipt(raw)
    if receipt.kind != "accepted" or receipt.fingerprint != state.fingerprint.hex():
        raise InputError(str(path), "not the receipt of a ballot accepted in this referendum")
    try:
        check_receipt_signature(receipt, Point.from_hex(state.manifest.board_key))
    except ProofError:
        raise InputError(
            str(path), "the board's signature on this receipt does not verify"
        ) from None
    return receipt.subject


def _keep_last(path: Path, election: str, credential: str, code: str) -> None:
    data = {
        "format": _LAST_BALLOT_FORMAT,
        "election": election,
        "credential": credential,
        "tracking_code": code,
    }
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


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
    receipt_out: Annotated[
        Path | None,
        typer.Option(
            help="Write the board's signed receipt here (keep it: `referendum track --receipt` "
            "checks it against the published record)."
        ),
    ] = None,
    board_key: BoardKeyOption = DEFAULT_BOARD_KEY,
    last_ballot: Annotated[
        Path | None,
        typer.Option(
            help="Where this device keeps the tracking code of the last ballot it cast "
            "(default: beside --credential-file, with .last-ballot added to its name). The "
            "ballot signs the board's last ballot of your credential; when the two differ, "
            "the vote is refused: the board may have dropped your last ballot."
        ),
    ] = None,
    last_receipt: Annotated[
        Path | None,
        typer.Option(
            help="The board's signed receipt of the last ballot you cast with this credential "
            "(from --receipt-out): checked, then compared with the board's last ballot as the "
            "--last-ballot file is."
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Voter: encrypt your ballot on this machine, then sign and cast it (or challenge it).

    Casting prints the tracking code and the receipt's short code (write it down) and, with
    --receipt-out, saves the board's signed receipt; a later vote under the same credential
    replaces this one (the last ballot counts), and its signature names the ballot it
    replaces."""
    private = _credential(credential, credential_file)
    kept = _last_ballot_file(last_ballot, credential_file)
    signer = None if challenge else ReceiptSigner(load_board_key(board_key), SystemRandom())
    if signer is not None:  # the board's key is here: publish a checkpoint when one is due
        signer.on_append = CheckpointPublisher(signer, system_clock).publish_if_due
    with board_at(db) as board:
        state = load_state(board)
        choices = _choices(choice)
        public = public_credential_of(state, private)
        if challenge is not None:
            encrypt = encrypt_deniable_choices if state.manifest.deniable else encrypt_choices
            encrypted = encrypt(state, public, choices, SystemRandom())
            data = challenge_data(state, encrypted, choices)
            challenge.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            typer.echo(f"challenged ballot {encrypted.tracking_code} written to {challenge}")
            typer.echo(
                f"check it: referendum check-challenge {challenge}; it is not signed and "
                "can never be cast: vote again to cast a fresh ballot"
            )
            return
        assert signer is not None
        if state.manifest.deniable:
            _vote_deniable(board, state, private, choices, signer, receipt_out)
            return
        encrypted = encrypt_choices(state, public, choices, SystemRandom())
        election = state.fingerprint.hex()
        board_last = last_tracking_code(board, public)
        check_last_ballot(board_last, _receipt_last(last_receipt, state))
        replaces = check_last_ballot(board_last, _own_last(kept, election, public))
        submission = sign_ballot(state, private, encrypted, SystemRandom(), replaces=replaces)
        try:
            receipt = cast(board, submission, system_clock, state=state, signer=signer)
        except BallotRejected as exc:
            if receipt_out is not None and exc.receipt is not None:
                _write_receipt(receipt_out, exc.receipt)
                typer.echo(f"the board's refusal receipt is in {receipt_out}", err=True)
            raise
    if kept is not None:
        _keep_last(kept, election, public, receipt.tracking_code)
    assert receipt.signed is not None
    typer.echo(f"tracking code: {receipt.tracking_code}")
    typer.echo(f"receipt short code (write it down): {receipt.signed.short_code}")
    if receipt_out is not None:
        _write_receipt(receipt_out, receipt.signed.to_json())
        typer.echo(f"signed receipt written to {receipt_out}: keep it")
    if receipt.replaces:
        typer.echo(f"this ballot replaces your earlier ballot {receipt.replaces}; the last counts")


def _vote_deniable(
    board: Any,
    state: ElectionState,
    private: str,
    choices: dict[str, list[str]],
    signer: Any,
    receipt_out: Path | None,
) -> None:
    """Cast a ballot of a referendum with deniable revoting (docs/spec/coercion.md): nothing
    names the credential on the board, and nothing is kept on this device (a file of the last
    ballot would show a coercer that the voter voted again)."""
    from referendum.services.voter import prepare_deniable_ballot

    prepared = prepare_deniable_ballot(state, private, choices, SystemRandom())
    receipt = cast(board, prepared.submission, system_clock, state=state, signer=signer)
    typer.echo(f"tracking code: {receipt.tracking_code}")
    if receipt.signed is not None:
        typer.echo(f"receipt short code (write it down): {receipt.signed.short_code}")
        if receipt_out is not None:
            _write_receipt(receipt_out, receipt.signed.to_json())
            typer.echo(f"signed receipt written to {receipt_out}: keep it where no one looks")
    typer.echo(
        "deniable revoting: you may vote again at any time before voting closes; the board "
        "shows no link between your ballots and only your last one counts; nothing is kept "
        "on this device"
    )


def _write_receipt(path: Path, receipt: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(canonical_json(receipt) + b"\n")


@app.command("check-challenge")
def check_challenge_cmd(
    file: Annotated[
        Path, typer.Argument(help="A challenged ballot written by `vote --challenge` or the booth.")
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Anyone: check that a challenged ballot encrypts the choices it claims."""
    data: Any = read_json(file, what="challenged ballot")
    with board_at(db) as board:  # the credential is looked up in the board's lists
        state = load_state(board)
        check_challenge_data(state, data)
    style = state.manifest.ballot_style(data["region"])
    for question, row in zip(style, data["selections"], strict=True):
        chosen = [a for a, bit in zip(question.answers, row, strict=True) if bit]
        typer.echo(f"{question.id}: the ballot encrypts {chosen or ['(no answer)']}")
    typer.echo("the challenge checks out: the ballot encrypts exactly these choices")


@app.command()
def track(
    target: Annotated[
        str,
        typer.Argument(
            metavar="CODE|RECORD",
            help="The tracking code shown when you cast; with --receipt, the published record "
            "(a directory or an http(s) URL of one), or the board's URL: then the light check "
            "(an inclusion proof in the checkpoint the manifest's witnesses cosigned).",
        ),
    ],
    receipt: Annotated[
        Path | None,
        typer.Option(
            help="The board's signed receipt (vote --receipt-out, or the booth's download): "
            "check that the record holds that event at that height."
        ),
    ] = None,
    short_code: Annotated[
        str | None,
        typer.Option(
            help="The short code you wrote down (HEIGHT-AAAA-BBBB-CCCC-KK): find your event in "
            "the record and see that its hash begins so (not evidence: the file is)."
        ),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="text, or json (the statement).")
    ] = "text",
    record: Annotated[
        Path | None, typer.Option(help="Look in a published record instead of a board.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Voter: find a ballot by its tracking code, and whether a later ballot replaced it; or,
    with --receipt FILE RECORD, check a signed receipt against a published record (exit 1
    with a statement of the board's misbehaviour when the record does not hold it); with
    --short-code CODE RECORD, find the event of a written-down short code."""
    if receipt is not None:
        track_receipt(receipt, target, output)
        return
    if short_code is not None:
        track_short_code(short_code, target)
        return
    code = target
    if record is not None:
        found = replaced_by = None
        for event in read_record(record).events():
            if event.type not in (m.BALLOT_ACCEPTED, m.BALLOT_DENIABLE):
                continue
            if event.payload["tracking_code"] == code:
                found = event
            elif found is not None and event.payload.get("replaces") == code:
                replaced_by = event.payload["tracking_code"]
    else:
        with board_at(db) as board:
            hits = board.lookup(tracking_key(code))
            found = hits[0] if hits else None
            replaced_by = None
            if found is not None and found.type == m.BALLOT_ACCEPTED:
                later = board.lookup(credential_key(found.payload["credential"]))
                nxt = [e for e in later if e.height > found.height]
                replaced_by = nxt[0].payload["tracking_code"] if nxt else None
    if found is None:
        typer.echo(f"no accepted ballot has tracking code {code}")
        raise typer.Exit(1)
    typer.echo(
        f"accepted at {found.timestamp} (event {found.height}, region {found.payload['region']})"
    )
    if found.type == m.BALLOT_DENIABLE:
        typer.echo(
            "deniable revoting: the board does not say whether a later ballot of yours "
            "replaced it (that is what keeps a revote hidden); your last ballot counts"
        )
    elif replaced_by:
        typer.echo(f"replaced by a later ballot {replaced_by}: the later one counts")
    else:
        typer.echo("this is the credential's last ballot: it counts")


def track_receipt(path: Path, record: str, output: OutputFormat) -> None:
    """``track --receipt``: exit 0 when the record holds the receipt's event, else 1 (with
    the statement); a malformed receipt, or one that does not verify, is exit 2."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_RECEIPT_BYTES + 1)
    except OSError as exc:
        raise InputError(str(path), f"cannot read the receipt: {exc.strerror}") from None
    receipt = parse_receipt(raw)
    verdict: ReceiptVerdict | LightVerdict
    if is_url(record) and is_board(record):  # a board: the light check with its witnesses
        verdict = check_light(receipt, record)
    else:
        verdict = check_receipt(receipt, record)
    if output == "json":
        typer.echo(json.dumps(verdict.statement(), indent=2, sort_keys=True))
    elif isinstance(verdict, LightVerdict):
        _print_light(verdict)
    else:
        _print_verdict(verdict)
    if not verdict.holds:
        raise typer.Exit(1)


def _print_light(verdict: LightVerdict) -> None:
    if verdict.holds:
        typer.echo(f"OK: {verdict.reason}")
    elif verdict.status == "not_yet":
        typer.echo(f"NOT YET: {verdict.reason}")
    else:
        typer.echo(f"BOARD MISBEHAVIOUR: {verdict.reason}")
        typer.echo("Statement (anyone can check it: the checkpoints verify under the board key):")
        typer.echo(json.dumps(verdict.statement(), indent=2, sort_keys=True))
    for name, problem in verdict.problems.items():
        typer.echo(f"witness {name} left out: {problem}", err=True)


def track_short_code(code: str, record: str) -> None:
    """``track --short-code``: exit 0 when the record's event at the code's height has a hash
    that begins as the code says, else 1."""
    found, matches = find_short_code(code, record)
    if found is None:
        typer.echo(f"the record has no event at the height of {code}: check with your receipt file")
        raise typer.Exit(1)
    what = found.payload.get("tracking_code") or found.payload.get("submission_sha256")
    if not matches:
        typer.echo(
            f"event {found.height} of the record ({found.type}) does not have the hash your "
            "code begins with: check your receipt file with --receipt (a short code is not "
            "evidence: anyone can write one)"
        )
        raise typer.Exit(1)
    typer.echo(f"event {found.height} is a {found.type} ({what}); its hash matches your code")


def _print_verdict(verdict: ReceiptVerdict) -> None:
    signed = verdict.receipt
    if verdict.holds:
        typer.echo(f"OK: {verdict.reason}")
        if verdict.replaced_by is not None:
            code = verdict.replaced_by.payload["tracking_code"]
            typer.echo(
                f"a later ballot of the same credential ({code}, event "
                f"{verdict.replaced_by.height}) replaced it: the later one counts"
            )
        elif signed.kind == "accepted":
            typer.echo("it is the credential's last ballot in this record: it counts")
        return
    if verdict.status == "not_yet":
        typer.echo(f"NOT YET: {verdict.reason}")
        return
    typer.echo(f"BOARD MISBEHAVIOUR: {verdict.reason}")
    typer.echo("Statement (anyone can check it: the receipt verifies under the board key):")
    typer.echo(json.dumps(verdict.statement(), indent=2, sort_keys=True))
