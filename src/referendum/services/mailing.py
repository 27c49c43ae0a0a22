"""Credential letters by e-mail, through the credential authority's own SMTP server.

Each voter with an ``email`` gets a message in their language (the template's
``email_subject`` and ``email_body``) with their one-page letter attached.  A state file
records each message the server accepted, by the voter's *public* credential (never the
private one), as soon as it is accepted: after a failure, running the mailing again sends only
the letters not yet sent.
"""

from __future__ import annotations

import email.utils
import json
import os
import smtplib
import ssl
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Final, Literal

from referendum.clock import Clock, format_timestamp
from referendum.errors import DeliveryError, InputError
from referendum.record.manifest import Manifest
from referendum.services.letters import Letter, LetterTemplate, letter_texts

__all__ = [
    "MailReport",
    "SmtpServer",
    "mail_letters",
    "read_sent",
    "sent_summary",
]

Security = Literal["starttls", "ssl", "none"]
STATE_FORMAT: Final = "referendum-mailing/1"


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send: ``security`` is ``starttls`` (the default: the connection is
    upgraded before anything is sent, and refused if the server cannot), ``ssl`` (TLS from the
    start, port 465) or ``none`` (a relay on the same machine only)."""

    host: str
    port: int
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in ("starttls", "ssl", "none"):
            raise InputError("smtp-security", "one of starttls, ssl, none")
        if not 0 < self.port < 65536:
            raise InputError("smtp-port", "a port from 1 to 65535")
        if (self.username is None) != (self.password is None):
            raise InputError("smtp-user", "a user name and a password go together")
        if self.security == "none" and self.password is not None:
            raise InputError(
                "smtp-security", "a password is never sent without TLS (use starttls or ssl)"
            )


@dataclass
class MailReport:
    """What a mailing did: letters sent now, already sent before, without an address, and
    refused by the server (by row, with the server's reply)."""

    sent: int = 0
    already: int = 0
    no_address: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


def read_sent(path: Path) -> set[str]:
    """The public credentials whose letter the state file records as sent."""
    if not path.exists():
        return set()
    sent: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read the mailing state: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if entry.get("format") != STATE_FORMAT:
                raise ValueError(f"not a {STATE_FORMAT} line")
            sent.add(str(entry["public_credential"]))
        except (ValueError, KeyError, AttributeError) as exc:
            if number == len(lines):
                continue  # a last line cut short by a crash: its message was not recorded
            raise InputError(f"{path.name} line {number}", f"not a mailing record: {exc}") from None
    return sent


def _record_sent(path: Path, letter: Letter, clock: Clock) -> None:
    entry = {
        "format": STATE_FORMAT,
        "public_credential": letter.public_credential,
        "row": letter.row,
        "to": letter.email,
        "sent_at": format_timestamp(clock()),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _message(
    letter: Letter,
    manifest: Manifest,
    template: LetterTemplate,
    *,
    booth_url: str,
    sender: str,
    pdf: bytes,
    clock: Clock,
) -> EmailMessage:
    texts = letter_texts(letter, manifest, template, booth_url=booth_url)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = letter.email or ""
    message["Subject"] = texts["email_subject"]
    message["Date"] = email.utils.format_datetime(clock())
    message["Message-ID"] = email.utils.make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(texts["email_body"])
    message.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=f"letter-{letter.voter}.pdf"
    )
    if letter.language:  # after the attachment (which moves the Content-* headers down)
        message["Content-Language"] = letter.language
    return message


def _step(step: str, server: SmtpServer, exc: Exception) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error
        detail = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        reason = f"the server answered {exc.smtp_code} {detail}"
    elif isinstance(exc, ssl.SSLError | ssl.CertificateError):
        reason = f"TLS failed: {exc}"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        reason = str(exc)
    else:
        reason = str(exc) or type(exc).__name__
    return DeliveryError(step, f"{server.host}:{server.port}: {reason}")


def _connect(server: SmtpServer) -> smtplib.SMTP:
    context = ssl.create_default_context(
        cafile=str(server.ca_file) if server.ca_file is not None else None
    )
    try:
        connection: smtplib.SMTP
        if server.security == "ssl":
            connection = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        connection.ehlo()
    except (OSError, smtplib.SMTPException) as exc:
        raise _step("connect", server, exc) from None
    try:
        if server.security == "starttls":
            try:
                connection.starttls(context=context)
                connection.ehlo()
            except (OSError, smtplib.SMTPException) as exc:
                raise _step("starttls", server, exc) from None
        if server.username is not None and server.password is not None:
            try:
                connection.login(server.username, server.password)
            except (OSError, smtplib.SMTPException) as exc:
                raise _step("login", server, exc) from None
    except DeliveryError:
        connection.close()
        raise
    return connection


def mail_letters(
    letters: Sequence[Letter],
    manifest: Manifest,
    template: LetterTemplate,
    *,
    booth_url: str,
    server: SmtpServer,
    sender: str,
    state: Path,
    render: Callable[[Sequence[Letter]], Iterator[bytes]],
    clock: Clock,
    progress: Callable[[Letter], None] | None = None,
) -> MailReport:
    """Send each letter with an address that the state file does not record as sent; a
    recipient the server refuses is reported (and tried again next time), any other failure
    raises :class:`DeliveryError` naming the step, after recording what was sent.
    ``render`` gives the attachment of each letter to send, in order."""
    if "@" not in sender:
        raise InputError("from", "an e-mail address")
    done = read_sent(state)
    report = MailReport()
    todo: list[Letter] = []
    for letter in letters:
        if letter.email is None:
            report.no_address += 1
        elif letter.public_credential in done:
            report.already += 1
        else:
            if "@" not in letter.email or any(c in letter.email for c in "\r\n<>, "):
                raise InputError(f"row {letter.row}: email", f"not an address: {letter.email!r}")
            todo.append(letter)
    if not todo:
        return report
    for letter in todo:  # every message can be built before the first is sent
        letter_texts(letter, manifest, template, booth_url=booth_url)
    connection = _connect(server)
    try:
        for letter, pdf in zip(todo, render(todo), strict=True):
            message = _message(
                letter,
                manifest,
                template,
                booth_url=booth_url,
                sender=sender,
                pdf=pdf,
                clock=clock,
            )
            try:
                connection.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()))
                report.refused.append((letter.row, f"{code} {reply.decode('utf-8', 'replace')}"))
                continue  # smtplib has reset the transaction
            except smtplib.SMTPSenderRefused as exc:
                raise _step("MAIL FROM", server, exc) from None
            except smtplib.SMTPDataError as exc:
                raise _step(f"DATA (row {letter.row})", server, exc) from None
            except (OSError, smtplib.SMTPException) as exc:
                raise _step(f"sending row {letter.row}", server, exc) from None
            _record_sent(state, letter, clock)
            report.sent += 1
            if progress is not None:
                progress(letter)
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    return report


def sent_summary(report: MailReport, say: Callable[..., str]) -> str:
    """A line for the command's output, in the language of ``say`` (a
    :class:`~referendum.web.i18n.Translator`: the ``cli.mail.*`` messages)."""
    parts = [say("cli.mail.sent", n=report.sent)]
    if report.already:
        parts.append(say("cli.mail.already", n=report.already))
    if report.no_address:
        parts.append(say("cli.mail.no_address", n=report.no_address))
    if report.refused:
        parts.append(say("cli.mail.refused", n=len(report.refused)))
    return ", ".join(parts)
