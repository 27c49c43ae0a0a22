"""Credential letters by e-mail, against an SMTP server (aiosmtpd) the test starts on the
loopback: each voter's message in their language with the letter attached; a recipient the
server refuses is reported and the others are sent; a server that fails a step is named by
that step; the state file records what was sent, and a second run sends only the rest."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from unittest import mock

import pypdf
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core.helpers import run_main
from record.test_manifest_languages import data
from referendum.crypto.random import DeterministicRandom
from referendum.services.credentials import issue_credentials

BOOTH = "https://vote.example/booth"


class Mailbox:
    """The server's handler: keeps what it accepts, refuses what the test says."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_rcpt: set[str] = set()
        self.refuse_data_after: int | None = None  # accept this many, then refuse DATA
        self.refuse_mail = False

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_mail:
            return "553 5.7.1 sender not allowed here"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data_after is not None and len(self.messages) >= self.refuse_data_after:
            return "554 5.3.4 message refused: quota exceeded"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def voters(tmp_path: Path) -> tuple[Path, Path, list[tuple[str, str, str]]]:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(data(), ensure_ascii=False), encoding="utf-8")
    issued = issue_credentials("bilingual", "west", 4, DeterministicRandom(b"mail"))
    rows = [
        (c.private, f"voter{i}@example.org" if i != 2 else "", ("uk", "ru")[i % 2])
        for i, c in enumerate(issued)
    ]
    private = tmp_path / "private.csv"
    private.write_text(
        "voter,region,credential,email,language\n"
        + "".join(f"v{i},west,{c},{e},{lang}\n" for i, (c, e, lang) in enumerate(rows)),
        encoding="utf-8",
    )
    return manifest, private, rows


def mail(manifest: Path, private: Path, port: int, *extra: str) -> tuple[int, str, str]:
    return run_main(
        "credentials", "mail", "--manifest", str(manifest), "--private", str(private),
        "--booth-url", BOOTH, "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
        "--smtp-security", "none", "--from", "authority@example.org",
        *extra, *(() if "--messages-language" in extra else ("--messages-language", "en")),
    )  # fmt: skip


def sent_to(path: Path) -> list[str]:
    return [json.loads(line)["to"] for line in path.read_text().splitlines()]


def test_each_voter_gets_their_letter_and_a_rerun_sends_only_the_rest(
    smtp: tuple[Mailbox, int], voters: tuple[Path, Path, list[tuple[str, str, str]]]
) -> None:
    mailbox, port = smtp
    manifest, private, rows = voters
    mailbox.refuse_rcpt = {"voter1@example.org"}
    code, stdout, stderr = mail(manifest, private, port)
    assert code == 1
    assert "2 sent, 1 without an address, 1 refused" in stdout
    assert "row 3: refused by the server: 550 5.1.1 no such mailbox" in stderr
    state = private.with_name("private.csv.sent.jsonl")
    assert oct(state.stat().st_mode)[-3:] == "600"
    assert sent_to(state) == ["voter0@example.org", "voter3@example.org"]
    text = state.read_text()
    assert all(credential not in text for credential, _, _ in rows)  # public halves only
    first = mailbox.messages[0]
    assert first["To"] == "voter0@example.org" and first["Content-Language"] == "uk"
    assert "Ваші облікові дані" in first["Subject"]
    body = first.get_body(("plain",))
    assert body is not None
    content = body.get_content()
    assert rows[0][0] in content and f"{BOOTH}?lang=uk#credential={rows[0][0]}" in content
    (attachment,) = first.iter_attachments()
    assert attachment.get_filename() == "letter-v0.pdf"
    (page,) = pypdf.PdfReader(__import__("io").BytesIO(attachment.get_content())).pages
    assert rows[0][0] in page.extract_text()
    assert "Ваши учётные данные" in mailbox.messages[1]["Subject"]  # voter 3 reads Russian

    # the mailbox exists now: a second run sends that letter only
    mailbox.refuse_rcpt = set()
    code, stdout, _ = mail(manifest, private, port)
    assert code == 0 and "1 sent, 2 sent before, 1 without an address" in stdout
    assert [m["To"] for m in mailbox.messages] == [
        "voter0@example.org", "voter3@example.org", "voter1@example.org",
    ]  # fmt: skip
    code, stdout, _ = mail(manifest, private, port)
    assert code == 0 and "0 sent, 3 sent before" in stdout and len(mailbox.messages) == 3


def test_a_server_that_fails_a_step_is_named_and_what_was_sent_is_kept(
    smtp: tuple[Mailbox, int], voters: tuple[Path, Path, list[tuple[str, str, str]]]
) -> None:
    mailbox, port = smtp
    manifest, private, _ = voters
    mailbox.refuse_data_after = 1
    code, _, stderr = mail(manifest, private, port)
    assert code == 1
    assert "error: DATA (row 3): 127.0.0.1:" in stderr and "554 5.3.4 message refused" in stderr
    assert "1 letters sent before the failure" in stderr and "Traceback" not in stderr
    state = private.with_name("private.csv.sent.jsonl")
    assert sent_to(state) == ["voter0@example.org"]
    mailbox.refuse_data_after = None
    mailbox.refuse_mail = True
    code, _, stderr = mail(manifest, private, port)
    assert code == 1 and "error: MAIL FROM: " in stderr and "553 5.7.1" in stderr
    mailbox.refuse_mail = False
    assert mail(manifest, private, port)[0] == 0
    assert sorted(sent_to(state)) == [f"voter{i}@example.org" for i in (0, 1, 3)]


def test_connection_and_tls_failures_name_the_step(
    smtp: tuple[Mailbox, int],
    voters: tuple[Path, Path, list[tuple[str, str, str]]],
) -> None:
    _, port = smtp
    manifest, private, _ = voters
    code, _, stderr = mail(manifest, private, free_port())
    assert code == 1 and "error: connect: 127.0.0.1:" in stderr
    # this server offers no STARTTLS: the credentials are never sent in clear instead
    code, _, stderr = mail(manifest, private, port, "--smtp-security", "starttls")
    assert code == 1 and "error: starttls: " in stderr and "STARTTLS" in stderr
    assert not private.with_name("private.csv.sent.jsonl").exists()


def test_the_password_comes_from_the_environment_or_a_file(
    voters: tuple[Path, Path, list[tuple[str, str, str]]], tmp_path: Path
) -> None:
    manifest, private, _ = voters
    args = ("--smtp-user", "authority", "--smtp-security", "ssl")
    with mock.patch.dict(os.environ, {}, clear=False):
        os.environ.pop("SMTP_SECRET", None)
        code, _, stderr = mail(manifest, private, 1, *args, "--smtp-password-env", "SMTP_SECRET")
    assert code == 2 and "smtp-password-env: the environment variable SMTP_SECRET" in stderr
    code, _, stderr = mail(manifest, private, 1, "--smtp-user", "authority")
    assert code == 2 and "smtp-user: a user name and a password go together" in stderr
    secret = tmp_path / "password"
    secret.write_text("hunter2\n")
    code, _, stderr = mail(
        manifest, private, 1, "--smtp-user", "a", "--smtp-password-file", str(secret)
    )
    assert code == 2 and "a password is never sent without TLS" in stderr
    assert "hunter2" not in stderr


def test_starttls_and_login_with_a_password_from_the_environment(
    voters: tuple[Path, Path, list[tuple[str, str, str]]], tmp_path: Path
) -> None:
    """A server that requires STARTTLS before AUTH (a self-signed certificate the test makes
    with openssl, trusted through --smtp-ca-file): the letters go, the password never in
    clear; a wrong password fails the login step."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl makes the test's certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins: list[tuple[str, bool]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login.decode(), session.ssl is not None))
        if data.password == b"s3cret-password":
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False, message="535 5.7.8 wrong password")

    mailbox, port = Mailbox(), free_port()
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        authenticator=authenticator, auth_require_tls=True, auth_exclude_mechanism=["LOGIN"],
    )  # fmt: skip
    controller.start()
    manifest, private, _ = voters
    args = ("--smtp-security", "starttls", "--smtp-ca-file", str(cert),
            "--smtp-user", "letters", "--smtp-password-env", "SMTP_SECRET")  # fmt: skip
    try:
        with mock.patch.dict(os.environ, {"SMTP_SECRET": "not-the-password"}):
            code, _, stderr = mail(manifest, private, port, *args)
        assert code == 1 and "error: login: " in stderr and "535 5.7.8 wrong password" in stderr
        assert "not-the-password" not in stderr
        with mock.patch.dict(os.environ, {"SMTP_SECRET": "s3cret-password"}):
            code, stdout, stderr = mail(manifest, private, port, *args)
        assert code == 0, stderr
        assert "3 sent" in stdout and len(mailbox.messages) == 3
        assert logins == [("letters", True), ("letters", True)]  # both over TLS
        # without the certificate to trust, nothing is sent
        private.with_name("private.csv.sent.jsonl").unlink()
        code, _, stderr = mail(manifest, private, port, "--smtp-security", "starttls")
        assert code == 1 and "error: starttls: " in stderr and "TLS failed" in stderr
        assert len(mailbox.messages) == 3
    finally:
        controller.stop()


def test_the_authority_reads_the_mailing_in_its_language(
    smtp: tuple[Mailbox, int], voters: tuple[Path, Path, list[tuple[str, str, str]]]
) -> None:
    """Without --messages-language: the manifest's first official language (Ukrainian); with
    it, Russian; a refusal's reason and the summary both."""
    mailbox, port = smtp
    manifest, private, _ = voters
    mailbox.refuse_rcpt = {"voter1@example.org"}
    code, stdout, stderr = mail(manifest, private, port, "--messages-language", "uk")
    assert code == 1 and "надіслано: 2, без адреси: 1, відхилено: 1 (записано в " in stdout
    assert "рядок 3: сервер відхилив: 550 5.1.1 no such mailbox" in stderr
    code, stdout, _ = run_main(
        "credentials", "mail", "--manifest", str(manifest), "--private", str(private),
        "--booth-url", BOOTH, "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
        "--smtp-security", "none", "--from", "authority@example.org",
    )  # fmt: skip
    assert code == 1 and "надіслано раніше: 2" in stdout  # the manifest's first language
    code, _, stderr = mail(
        manifest, private, port, "--messages-language", "ru", "--smtp-user", "someone"
    )
    assert code == 2 and "smtp-user: имя пользователя и пароль задаются вместе" in stderr
