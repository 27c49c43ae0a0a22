"""Credential letters: a PDF page per voter whose extracted text holds the voter's credential,
the referendum's texts in the voter's language and the instructions; a QR code that decodes
(rendered from the PDF as a printer would) to the booth link with the credential in the
fragment; clear errors for a template missing a field, a CSV row in error or a bad booth URL."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdf
import pypdfium2
import pytest
import zxingcpp

from core.helpers import run_main
from record.test_manifest_languages import data
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError
from referendum.record.manifest import manifest_from_mapping
from referendum.services.credentials import issue_credentials
from referendum.services.letters import booth_link

BOOTH = "https://vote.example/booth"


@pytest.fixture
def authority_files(tmp_path: Path) -> tuple[Path, Path, list[tuple[str, str, str]]]:
    """A trilingual-ready manifest (uk, ru) and a CSV of four voters in two regions."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(data(), ensure_ascii=False), encoding="utf-8")
    rows = []
    for region, language in (("east", "uk"), ("east", "ru"), ("west", "ru"), ("west", "")):
        (issued,) = issue_credentials(
            "bilingual", region, 1, DeterministicRandom(f"{region}{language}".encode())
        )
        rows.append((region, issued.private, language))
    private = tmp_path / "private.csv"
    private.write_text(
        "region,credential,language,name\n"
        + "".join(f"{r},{c},{lang},Voter {i}\n" for i, (r, c, lang) in enumerate(rows)),
        encoding="utf-8",
    )
    return manifest, private, rows


def letters(manifest: Path, private: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    return run_main(
        "credentials", "letters", "--manifest", str(manifest), "--private", str(private),
        "--booth-url", BOOTH, "--out", str(out),
        *extra, *(() if "--messages-language" in extra else ("--messages-language", "en")),
    )  # fmt: skip


def test_a_letter_per_voter_in_the_voters_language(
    authority_files: tuple[Path, Path, list[tuple[str, str, str]]], tmp_path: Path
) -> None:
    manifest, private, rows = authority_files
    out = tmp_path / "letters.pdf"
    code, stdout, stderr = letters(manifest, private, out)
    assert code == 0, stderr
    assert "4 letters (2 in ru, 2 in uk)" in stdout
    assert oct(out.stat().st_mode)[-3:] == "600"
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages]
    assert len(pages) == len(rows)
    for text, (region, credential, language) in zip(pages, rows, strict=True):
        assert credential in text
        if language == "ru":
            assert "Референдум об уставе" in text and "Одобряете ли вы устав?" in text
            assert "Ваши личные учётные данные" in text  # the template's Russian
            assert "Никому не показывайте это письмо" in text
        else:  # Ukrainian: the row's own, or the first official language
            assert "Референдум про статут" in text and "Чи схвалюєте ви статут?" in text
            assert "Ваші особисті облікові дані" in text
            assert "Період голосування: 2026-05-04 08:00–20:00 UTC" in text
        # the regional question is on the letters of its region only
        assert ("вывесок" in text or "вивісок" in text) == (region == "west")
        assert "vote.example/booth" in text


def test_the_qr_code_opens_the_booth_with_the_credential_in_the_fragment(
    authority_files: tuple[Path, Path, list[tuple[str, str, str]]], tmp_path: Path
) -> None:
    manifest, private, rows = authority_files
    out = tmp_path / "letters.pdf"
    assert letters(manifest, private, out)[0] == 0
    document = pypdfium2.PdfDocument(out.read_bytes())
    for index, (_, credential, language) in enumerate(rows):
        image = document[index].render(scale=150 / 72).to_pil()  # 150 dpi, as a cheap printer
        (found,) = zxingcpp.read_barcodes(image)
        assert found.format == zxingcpp.BarcodeFormat.QRCode
        link = urlsplit(found.text)
        assert (link.scheme, link.netloc, link.path) == ("https", "vote.example", "/booth")
        assert parse_qs(link.query) == {"lang": [language or "uk"]}  # never the credential
        assert link.fragment == f"credential={credential}"


def test_booth_links_keep_the_credential_out_of_the_query() -> None:
    assert booth_link("https://v.example/booth?x=1&lang=en", "abcd", language="ru") == (
        "https://v.example/booth?x=1&lang=ru#credential=abcd"
    )
    assert booth_link("https://v.example", "abcd", language=None) == (
        "https://v.example/#credential=abcd"
    )
    for bad, reason in (
        ("https://v.example/booth#x", "fragment"),
        ("https://v.example/booth?credential=1", "query"),
        ("ftp://v.example/booth", "https://"),
        ("vote.example/booth", "https://"),
    ):
        with pytest.raises(InputError, match=reason) as caught:
            booth_link(bad, "abcd", language=None)
        assert caught.value.field == "booth-url"


def template_text(**languages: dict[str, str]) -> str:
    fields = {
        "heading": "Credential", "greeting": "Dear {name},", "instructions": "Vote in {title}.",
        "credential_label": "Credential", "scan_label": "Scan", "type_label": "Or {booth}",
        "period_label": "{period}", "questions_label": "Ballot", "secrecy": "Keep it secret",
        "email_subject": "{title}", "email_body": "{greeting} {credential} {link}",
    }  # fmt: skip
    out = []
    for language, changes in languages.items():
        table = {**fields, **changes}
        lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in table.items() if v]
        out.append(f"[{language}]\n" + "".join(lines))
    return "\n".join(out)


@pytest.mark.parametrize(
    ("languages", "field", "reason"),
    [
        ({"uk": {"secrecy": None}, "ru": {}}, "template.uk.secrecy", "missing"),
        ({"uk": {}}, "template.ru", "no texts in this language"),
        (
            {"uk": {"heading": "{nom}"}, "ru": {}},
            "template.uk.heading",
            "unknown placeholder {nom}",
        ),
        ({"uk": {"footer": "x"}, "ru": {}}, "template.uk.footer", "not a field"),
        ({"uk": {"instructions": "{title"}, "ru": {}}, "template.uk.instructions", "out of place"),
    ],
)
def test_a_template_in_error_is_named(
    authority_files: tuple[Path, Path, list[tuple[str, str, str]]],
    tmp_path: Path,
    languages: dict[str, dict[str, str]],
    field: str,
    reason: str,
) -> None:
    manifest, private, _ = authority_files
    template = tmp_path / "letter.toml"
    template.write_text(template_text(**languages), encoding="utf-8")
    out = tmp_path / "letters.pdf"
    code, _, stderr = letters(manifest, private, out, "--template", str(template))
    assert code == 2
    assert f"error: {field}" in stderr and reason in stderr
    assert "Traceback" not in stderr and not out.exists()


def test_a_placeholder_without_its_column_is_named(
    authority_files: tuple[Path, Path, list[tuple[str, str, str]]], tmp_path: Path
) -> None:
    manifest, private, _ = authority_files
    lines = private.read_text(encoding="utf-8").splitlines()
    private.write_text(  # no name column; the template greets by {name}
        "\n".join(",".join(line.split(",")[:3]) for line in lines) + "\n", encoding="utf-8"
    )
    template = tmp_path / "letter.toml"
    template.write_text(template_text(uk={}, ru={}), encoding="utf-8")
    code, _, stderr = letters(manifest, private, tmp_path / "l.pdf", "--template", str(template))
    assert code == 2 and "template.uk.greeting: uses {name} but row 2 has no name" in stderr
    # the shipped template needs no name
    assert letters(manifest, private, tmp_path / "l.pdf")[0] == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("north,{c},uk", "private.csv row 3: region: 'north' is not a region"),
        ("east,{c}x,uk", "private.csv row 3: credential: expected 28 characters"),
        ("east,{c},de", "private.csv row 3: language: 'de' is not an official language"),
        ("east,{c0},uk", "private.csv row 3: credential: the same as row 2"),
        ("east,{c},uk,extra", "private.csv row 3: more values than the header"),
    ],
)
def test_a_csv_row_in_error_is_named(tmp_path: Path, row: str, message: str) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(data(), ensure_ascii=False), encoding="utf-8")
    first, second = issue_credentials("bilingual", "east", 2, DeterministicRandom(b"rows"))
    private = tmp_path / "private.csv"
    private.write_text(
        f"region,credential,language\neast,{first.private},uk\n"
        + row.format(c=second.private, c0=first.private)
        + "\n",
        encoding="utf-8",
    )
    code, _, stderr = letters(manifest, private, tmp_path / "l.pdf")
    assert code == 2 and message in stderr, stderr


def test_a_manifest_without_languages_uses_the_chosen_templates_language(tmp_path: Path) -> None:
    single = data()
    del single["languages"], single["translations"]
    single["title"] = "Statute referendum"
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(single), encoding="utf-8")
    (issued,) = issue_credentials("bilingual", "west", 1, DeterministicRandom(b"single"))
    private = tmp_path / "private.csv"
    private.write_text(f"region,credential\nwest,{issued.private}\n", encoding="utf-8")
    out = tmp_path / "letters.pdf"
    assert letters(manifest, private, out, "--language", "en")[0] == 0
    (page,) = pypdf.PdfReader(out).pages
    text = page.extract_text()
    assert "Your private credential" in text and issued.private in text
    assert "Statute referendum" in text
    assert manifest_from_mapping(single).languages is None


def test_the_letters_command_speaks_the_manifests_first_language(
    authority_files: tuple[Path, Path, list[tuple[str, str, str]]], tmp_path: Path
) -> None:
    manifest, private, _ = authority_files
    out = tmp_path / "letters.pdf"
    code, stdout, stderr = run_main(
        "credentials", "letters", "--manifest", str(manifest), "--private", str(private),
        "--booth-url", BOOTH, "--out", str(out),
    )  # fmt: skip
    assert code == 0, stderr
    assert "листів: 4 (2 мовою ru, 2 мовою uk) у " in stdout
    code, _, stderr = letters(
        manifest, private, out, "--messages-language", "ru", "--voter", "nobody"
    )
    assert code == 2 and "voter: 'nobody' не является избирателем из CSV" in stderr, stderr
