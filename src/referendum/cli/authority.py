"""The credential authority's commands (separate from the board's operator)."""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from referendum.cli.common import DEFAULT_DB, DbOption, board_at, read_json, write_secret_json
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.crypto.random import SystemRandom
from referendum.errors import DeliveryError, InputError, ReferendumError
from referendum.protocol.state import manifest_fingerprint
from referendum.record.manifest import Manifest, load_manifest
from referendum.services.credentials import (
    AuthorityKey,
    credential_list_payload,
    issue_credentials,
    reissue_payload,
)
from referendum.services.letters import (
    Letter,
    LetterTemplate,
    default_template,
    letter_files,
    letters_by_language,
    letters_from_csv,
    load_template,
    reissue_rows,
    render_letters,
    select_voters,
)
from referendum.services.mailing import SmtpServer, mail_letters, sent_summary
from referendum.services.voting import publish_credentials
from referendum.web.i18n import Translator

__all__ = ["authority_app"]

authority_app = typer.Typer(help="Credential authority: keys, credentials, credential lists.")
app.add_typer(authority_app, name="credentials")


@authority_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the authority's secret key (0600).")],
) -> None:
    """Create the authority's signing key; put the printed public key in the manifest as
    ``credential_authority``."""
    key = AuthorityKey.generate(SystemRandom())
    write_secret_json(out, key.to_json())
    typer.echo(key.public.hex())


@authority_app.command("issue")
def issue(
    manifest: Annotated[Path, typer.Option(help="The referendum's manifest.")],
    authority_key: Annotated[Path, typer.Option(help="The authority's key file.")],
    region: Annotated[str, typer.Option(help="Region id of these voters.")],
    count: Annotated[int, typer.Option(help="Number of voters.", min=1)],
    private_out: Annotated[
        Path, typer.Option(help="CSV of private credentials (region, credential), to deliver.")
    ],
    list_out: Annotated[Path, typer.Option(help="The signed public list (JSON) to publish.")],
) -> None:
    """Issue private credentials for a region, and sign the list of their public halves."""
    loaded = load_manifest(manifest)
    loaded.region(region)
    key = AuthorityKey.from_json(read_json(authority_key, what="authority key"))
    if key.public.hex() != loaded.credential_authority:
        raise InputError("authority-key", "this key is not the manifest's credential authority")
    rng = SystemRandom()
    issued = issue_credentials(loaded.id, region, count, rng)
    fingerprint = manifest_fingerprint(loaded.to_payload())
    listing = credential_list_payload(fingerprint, region, [c.public for c in issued], key, rng)
    private_out.parent.mkdir(parents=True, exist_ok=True)
    with private_out.open("w", newline="", encoding="utf-8") as handle:
        private_out.chmod(0o600)
        writer = csv.writer(handle)
        writer.writerow(["region", "credential"])
        for cred in issued:
            writer.writerow([cred.region, cred.private])
    write_secret_json(list_out, listing)
    typer.echo(
        f"{count} credentials for region {region}: private in {private_out}, list in {list_out}"
    )


@authority_app.command("reissue")
def reissue(
    manifest: Annotated[Path, typer.Option(help="The referendum's manifest.")],
    authority_key: Annotated[Path, typer.Option(help="The authority's key file.")],
    private: Annotated[Path, typer.Option(help="The region's CSV of private credentials.")],
    out: Annotated[Path, typer.Option(help="The signed reissue (JSON) to publish.")],
    voter: Voters = None,
) -> None:
    """Reissue lost credentials before voting opens: new private credentials for these voters
    (rewritten in the CSV) and a signed reissue that takes their old public credentials off
    the region's list and puts the new ones on it; publish it like a list."""
    loaded = load_manifest(manifest)
    key = AuthorityKey.from_json(read_json(authority_key, what="authority key"))
    if key.public.hex() != loaded.credential_authority:
        raise InputError("authority-key", "this key is not the manifest's credential authority")
    rng = SystemRandom()
    region, revoked, added = reissue_rows(private, loaded, voter or [], rng)
    fingerprint = manifest_fingerprint(loaded.to_payload())
    write_secret_json(out, reissue_payload(fingerprint, region, revoked, added, key, rng))
    typer.echo(
        f"{len(added)} credentials of region {region} reissued: the new ones in {private}, "
        f"the signed reissue in {out} (publish it before voting opens: "
        f"referendum credentials publish {out}; then print the new letters with --voter)"
    )


@authority_app.command("publish")
def publish(
    listing: Annotated[Path, typer.Argument(help="A signed public credential list (JSON).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Publish a region's signed credential list, or a signed reissue, on the board (before
    voting opens)."""
    payload = read_json(listing, what="credential list")
    if not isinstance(payload, dict):
        raise InputError(str(listing), "expected the credential authority's JSON object")
    with board_at(db) as board:
        publish_credentials(board, payload, system_clock)
    if "revoked" in payload:
        typer.echo(
            f"revoked {len(payload['revoked'])} credentials of {payload['region']} and listed "
            f"{len(payload['public_credentials'])} new ones"
        )
        return
    typer.echo(f"published {len(payload['public_credentials'])} credentials of {payload['region']}")


BoothUrl = Annotated[
    str,
    typer.Option(
        help="The board's booth, e.g. https://vote.example/booth: the letter's link and QR code "
        "open it with the credential in the fragment (#credential=...), never in the query."
    ),
]
Language = Annotated[
    str | None,
    typer.Option(
        help="The letters' language where the CSV has no language column (default: the "
        "manifest's first official language)."
    ),
]
Speaks = Annotated[
    str | None,
    typer.Option(
        help="The language of this command's messages and errors: en, uk or ru (default: "
        "--language, else the manifest's first official language)."
    ),
]
Template = Annotated[
    Path | None,
    typer.Option(help="A letter template (TOML, a table per language; default: the shipped one)."),
]

Voters = Annotated[
    list[str] | None,
    typer.Option(
        "--voter",
        help="Only this voter (the CSV's voter column, else the row's number among the voters); "
        "repeat it for several.",
    ),
]
FontDir = Annotated[
    Path | None, typer.Option(help="A folder with the DejaVu fonts (default: Debian's).")
]


def _letters_of(
    manifest: Path,
    template: Path | None,
    private: Path,
    booth_url: str,
    language: str | None,
    voters: list[str] | None,
) -> tuple[Manifest, LetterTemplate, list[Letter]]:
    loaded = load_manifest(manifest)
    chosen = load_template(template) if template is not None else default_template()
    found = letters_from_csv(private, loaded, booth_url=booth_url, language=language)
    return loaded, chosen, select_voters(found, voters or [])


@authority_app.command("letters")
def letters(
    manifest: Annotated[Path, typer.Option(help="The referendum's manifest.")],
    private: Annotated[
        Path,
        typer.Option(
            help="CSV of private credentials (region, credential; optional voter, name, email, "
            "language columns)."
        ),
    ],
    booth_url: BoothUrl,
    out: Annotated[Path, typer.Option(help="The PDF to write (0600: it holds credentials).")],
    language: Language = None,
    template: Template = None,
    font_dir: FontDir = None,
    voter: Voters = None,
    messages_language: Speaks = None,
) -> None:
    """Print the credential letters: a PDF page per voter with the referendum's title and
    questions in the voter's language, the private credential, the QR code of the booth link
    and the instructions.  Runs offline: the board never sees a private credential."""
    t = _translator(manifest, messages_language or language)
    with _in_language(t):
        loaded, chosen, found = _letters_of(manifest, template, private, booth_url, language, voter)
        pdf = render_letters(
            found, loaded, chosen, booth_url=booth_url, created=system_clock(), font_dir=font_dir
        )
        write_secret_bytes(out, pdf)
    counts = ", ".join(
        t(
            "cli.letters.in_language",
            n=n,
            language=lang or t("cli.letters.manifest_language"),
        )
        for lang, n in sorted(letters_by_language(found).items(), key=lambda kv: str(kv[0]))
    )
    typer.echo(t("cli.letters.written", n=len(found), counts=counts, path=out))


def _translator(manifest: Path, language: str | None) -> Translator:
    """The authority's language: the one asked, else the manifest's first official one
    (English when the manifest names none or cannot be read: its error says why, and for a
    language without a catalogue)."""
    if language is None:
        try:
            languages = load_manifest(manifest).languages
        except ReferendumError:
            languages = None
        language = languages[0] if languages else "en"
    return Translator(language)


@contextlib.contextmanager
def _in_language(t: Translator) -> Iterator[None]:
    """Errors of letters and mailing raised within, their reasons in ``t``'s language (the
    field, step and values named stay as they are)."""
    try:
        yield
    except InputError as exc:
        raise InputError(exc.field, t.reason(exc.reason).text) from None
    except DeliveryError as exc:
        raise DeliveryError(exc.step, t.reason(exc.reason).text) from None


def write_secret_bytes(path: Path, data: bytes) -> None:
    """Write a file only its owner can read, through a temporary file (no half-written PDF)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    partial.replace(path)


_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


def _password(env: str | None, file: Path | None) -> str | None:
    if env is not None and file is not None:
        raise InputError("smtp-password-env", "give the password one way only (env or file)")
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise InputError("smtp-password-env", f"the environment variable {env} is not set")
        return value
    if file is not None:
        try:
            return file.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError("smtp-password-file", f"cannot read {file}: {exc}") from None
    return None


@authority_app.command("mail")
def mail(
    manifest: Annotated[Path, typer.Option(help="The referendum's manifest.")],
    private: Annotated[
        Path,
        typer.Option(help="CSV of private credentials with an email column (see `letters`)."),
    ],
    booth_url: BoothUrl,
    smtp_host: Annotated[str, typer.Option(help="The authority's SMTP server.")],
    sender: Annotated[str, typer.Option("--from", help="The sender's address.")],
    smtp_port: Annotated[
        int | None, typer.Option(help="Its port (default 587 for starttls, 465 for ssl).")
    ] = None,
    smtp_security: Annotated[
        str, typer.Option(help="starttls (default), ssl, or none (a relay on this machine).")
    ] = "starttls",
    smtp_user: Annotated[str | None, typer.Option(help="The user name to log in with.")] = None,
    smtp_password_env: Annotated[
        str | None, typer.Option(help="The environment variable holding the password.")
    ] = None,
    smtp_password_file: Annotated[
        Path | None, typer.Option(help="A file holding the password (never on the command line).")
    ] = None,
    smtp_ca_file: Annotated[
        Path | None, typer.Option(help="Certificates to trust for the server (PEM).")
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(help="The record of letters sent (default: the CSV's name + .sent.jsonl)."),
    ] = None,
    language: Language = None,
    template: Template = None,
    font_dir: FontDir = None,
    voter: Voters = None,
    messages_language: Speaks = None,
) -> None:
    """E-mail each voter with an address their letter (text in their language, the PDF
    attached).  Letters the state file records as sent are skipped: after a failure, run it
    again to send the rest."""
    t = _translator(manifest, messages_language or language)
    state_path = state if state is not None else private.with_name(private.name + ".sent.jsonl")
    sent_now = 0

    def count(_: object) -> None:
        nonlocal sent_now
        sent_now += 1

    with _in_language(t):
        loaded, chosen, found = _letters_of(manifest, template, private, booth_url, language, voter)
        server = SmtpServer(
            host=smtp_host,
            port=smtp_port if smtp_port is not None else _DEFAULT_PORTS.get(smtp_security, 0),
            security=smtp_security,  # type: ignore[arg-type]  # checked by SmtpServer
            username=smtp_user,
            password=_password(smtp_password_env, smtp_password_file),
            ca_file=smtp_ca_file,
        )
        try:
            report = mail_letters(
                found,
                loaded,
                chosen,
                booth_url=booth_url,
                server=server,
                sender=sender,
                state=state_path,
                render=lambda todo: letter_files(
                    todo,
                    loaded,
                    chosen,
                    booth_url=booth_url,
                    created=system_clock(),
                    font_dir=font_dir,
                ),
                clock=system_clock,
                progress=count,
            )
        except DeliveryError:
            typer.echo(t("cli.mail.failed", n=sent_now, path=state_path), err=True)
            raise
    typer.echo(t("cli.mail.recorded", summary=sent_summary(report, t), path=state_path))
    for row, reply in report.refused:
        typer.echo(t("cli.mail.refused_row", row=row, reply=reply), err=True)
    if report.refused:
        raise typer.Exit(1)
