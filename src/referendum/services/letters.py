"""Credential letters: one printable page per voter, from the authority's CSV.

The credential authority turns its CSV of private credentials (``region,credential`` and,
optionally, ``voter``, ``name``, ``email`` and ``language`` columns) into letters: a PDF page
per voter with the referendum's title and the questions of the voter's ballot in the voter's
language, the private credential, a QR code of the booth link that carries the credential in
its fragment (``https://board.example/booth?lang=uk#credential=...``: a browser never sends a
fragment to the server) and the instructions of a letter template.  Everything here runs on
the authority's machine: the board never sees a private credential.

>>> link = booth_link("https://vote.example/booth", "abcd-efgh", language="uk")
>>> link
'https://vote.example/booth?lang=uk#credential=abcd-efgh'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import string
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from referendum.crypto.credentials import (
    check_characters,
    derive_credential,
    normalize_private_credential,
)
from referendum.crypto.random import RandomSource
from referendum.errors import InputError
from referendum.record.manifest import Manifest, parse_timestamp
from referendum.services.credentials import issue_credentials

__all__ = [
    "FONT_DIRS",
    "TEMPLATE_FIELDS",
    "Letter",
    "LetterTemplate",
    "booth_link",
    "default_template",
    "letter_files",
    "letters_from_csv",
    "load_template",
    "reissue_rows",
    "render_letters",
    "select_voters",
]

TEMPLATE_FIELDS: Final = (
    "heading",
    "greeting",
    "instructions",
    "credential_label",
    "scan_label",
    "type_label",
    "period_label",
    "questions_label",
    "secrecy",
    "email_subject",
    "email_body",
)
"""The texts a letter template gives in each of its languages (all required)."""
PLACEHOLDERS: Final = frozenset(
    {"title", "region", "name", "voter", "booth", "link", "credential", "period", "greeting"}
)
"""What a template's text may refer to, as ``{name}``."""
OPTIONAL_COLUMNS: Final = ("voter", "name", "email", "language")
FONT_DIRS: Final = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian's fonts-dejavu-core
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
"""Where the DejaVu fonts (Latin, Cyrillic, Greek) are looked for."""
_FONTS: Final = {
    "sans": "DejaVuSans.ttf",
    "sans-bold": "DejaVuSans-Bold.ttf",
    "mono": "DejaVuSansMono.ttf",
}
MAX_CSV_BYTES: Final = 1 << 30


@dataclass(frozen=True)
class LetterTemplate:
    """The texts of a letter in each language (``texts[language][field]``)."""

    texts: Mapping[str, Mapping[str, str]]
    source: str

    def for_language(self, language: str) -> Mapping[str, str]:
        if language not in self.texts:
            raise InputError(
                f"template.{language}",
                f"the letter template ({self.source}) has no texts in this language; it has "
                + ", ".join(sorted(self.texts)),
            )
        return self.texts[language]


def _check_template(data: object, source: str) -> LetterTemplate:
    if not isinstance(data, dict) or not data:
        raise InputError("template", f"{source}: expected a table per language ([en], [uk]...)")
    texts: dict[str, dict[str, str]] = {}
    for language, table in data.items():
        where = f"template.{language}"
        if not isinstance(table, dict):
            raise InputError(where, "expected a table of texts")
        unknown = sorted(set(table) - set(TEMPLATE_FIELDS))
        if unknown:
            raise InputError(f"{where}.{unknown[0]}", "not a field of a letter template")
        for name in TEMPLATE_FIELDS:
            if name not in table:
                raise InputError(f"{where}.{name}", "missing (every language gives every field)")
            value = table[name]
            if not isinstance(value, str) or not value.strip():
                raise InputError(f"{where}.{name}", "expected a text that is not empty")
            try:
                used = {p for _, p, _, _ in string.Formatter().parse(value) if p is not None}
            except ValueError as exc:
                raise InputError(f"{where}.{name}", f"a '{{' or '}}' out of place: {exc}") from None
            for placeholder in sorted(used):
                if placeholder not in PLACEHOLDERS or (
                    name == "greeting" and placeholder == "greeting"
                ):
                    raise InputError(
                        f"{where}.{name}",
                        f"unknown placeholder {{{placeholder}}} (known: "
                        + ", ".join(sorted(PLACEHOLDERS))
                        + ")",
                    )
        texts[str(language)] = {name: table[name] for name in TEMPLATE_FIELDS}
    return LetterTemplate(texts=texts, source=source)


def load_template(path: Path) -> LetterTemplate:
    """A letter template from a TOML file (a table per language, every field in each)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read the letter template: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"the letter template is not valid TOML: {exc}") from None
    return _check_template(data, path.name)


def default_template() -> LetterTemplate:
    """The template shipped with the package (English, Ukrainian, Russian)."""
    text = resources.files("referendum.services").joinpath("letter_template.toml").read_text()
    return _check_template(tomllib.loads(text), "the default template")


def booth_link(booth_url: str, credential: str, *, language: str | None) -> str:
    """The booth link of a credential: ``lang`` in the query, the credential in the fragment
    (which a browser never sends); ``booth_url`` must be http(s) and have no fragment."""
    parts = urlsplit(booth_url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InputError("booth-url", "expected an https:// URL of the board's booth")
    if parts.fragment or booth_url.endswith("#"):
        raise InputError("booth-url", "must not have a fragment (the credential goes there)")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]
    if any(k == "credential" for k, _ in query):
        raise InputError("booth-url", "a credential never goes in the query")
    if language is not None:
        query.append(("lang", language))
    base = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))
    return f"{base}#credential={credential}"


@dataclass(frozen=True)
class Letter:
    """One voter's letter: where it goes and what it says (``fields`` fill the template)."""

    row: int
    region: str
    credential: str  # the grouped private credential
    public_credential: str
    language: str | None
    voter: str
    name: str | None
    email: str | None
    link: str


def _grouped(body: str) -> str:
    text = body + check_characters(body)
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def _period(manifest: Manifest) -> str:
    def moment(value: str) -> str:
        return parse_timestamp(value, field_name="window").strftime("%Y-%m-%d %H:%M")

    spans = []
    for period in manifest.window:
        opens, closes = moment(period.opens), moment(period.closes)
        same_day = opens[:10] == closes[:10]
        spans.append(f"{opens}–{closes[11:] if same_day else closes}")
    return "; ".join(spans) + " UTC"


def letters_from_csv(
    path: Path,
    manifest: Manifest,
    *,
    booth_url: str,
    language: str | None = None,
) -> list[Letter]:
    """The letters of a CSV of private credentials, checked row by row (an error names the
    file, the row and the column).  A row's ``language`` column, else ``language``, else the
    manifest's first official language, is the letter's; it must be an official one."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise InputError(str(path), "larger than 1 GiB: split it by region")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(str(path), f"cannot read the credentials: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "the credentials are not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    for needed in ("region", "credential"):
        if needed not in columns:
            raise InputError(f"{path.name}: column {needed}", "missing (the header names it)")
    official = manifest.languages
    default = language if language is not None else (official[0] if official else None)
    if official and default is not None and default not in official:
        raise InputError("language", f"{default!r} is not an official language ({official})")
    region_ids = {r.id for r in manifest.regions}
    letters: list[Letter] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        where = f"{path.name} row {number}"
        if None in row:
            raise InputError(where, "more values than the header has columns")
        region = (row.get("region") or "").strip()
        if region not in region_ids:
            raise InputError(f"{where}: region", f"{region[:40]!r} is not a region of the manifest")
        try:
            body = normalize_private_credential(row.get("credential") or "", field="credential")
        except InputError as exc:
            raise InputError(f"{where}: credential", exc.reason) from None
        if body in seen:
            raise InputError(f"{where}: credential", f"the same as row {seen[body]}")
        seen[body] = number
        chosen = (row.get("language") or "").strip() or default
        if official and chosen not in official:
            raise InputError(
                f"{where}: language", f"{chosen!r} is not an official language ({official})"
            )
        credential = _grouped(body)
        _, public = derive_credential(manifest.id, credential)
        letters.append(
            Letter(
                row=number,
                region=region,
                credential=credential,
                public_credential=public.hex(),
                language=chosen,
                voter=(row.get("voter") or "").strip() or str(number - 1),
                name=(row.get("name") or "").strip() or None,
                email=(row.get("email") or "").strip() or None,
                link=booth_link(booth_url, credential, language=chosen if official else None),
            )
        )
    if not letters:
        raise InputError(str(path), "no credentials (only a header)")
    return letters


def letter_texts(
    letter: Letter, manifest: Manifest, template: LetterTemplate, *, booth_url: str
) -> dict[str, str]:
    """The template's fields filled in for ``letter`` (an error names a field whose
    placeholder the letter's row has no value for)."""
    language = letter.language or "en"
    own = template.for_language(language)
    texts = manifest.texts(letter.language)
    values: dict[str, str | None] = {
        "title": texts.title,
        "region": texts.regions.get(letter.region, letter.region),
        "name": letter.name,
        "voter": letter.voter,
        "booth": urlunsplit(urlsplit(booth_url)._replace(query="", fragment="")),
        "link": letter.link,
        "credential": letter.credential,
        "period": _period(manifest),
    }
    filled: dict[str, str] = {}
    for name in ("greeting", *(n for n in TEMPLATE_FIELDS if n != "greeting")):
        text = own[name]
        used = {p for _, p, _, _ in string.Formatter().parse(text) if p}
        for placeholder in sorted(used):
            if placeholder != "greeting" and values.get(placeholder) is None:
                raise InputError(
                    f"template.{language}.{name}",
                    f"uses {{{placeholder}}} but row {letter.row} has no {placeholder} "
                    "(add the column to the CSV, or take the placeholder out)",
                )
        filled[name] = text.format(**{k: v or "" for k, v in values.items()}, **filled)
    return filled


def _font_paths(font_dir: Path | None) -> dict[str, Path]:
    dirs = (font_dir,) if font_dir is not None else FONT_DIRS
    for folder in dirs:
        paths = {style: folder / name for style, name in _FONTS.items()}
        if all(p.is_file() for p in paths.values()):
            return paths
    if font_dir is not None:
        missing = [n for n in _FONTS.values() if not (font_dir / n).is_file()]
        raise InputError("font-dir", f"{font_dir} has no {missing[0]}")
    raise InputError(
        "fonts",
        "the DejaVu fonts are not installed (Debian: apt-get install fonts-dejavu-core), or "
        "give --font-dir",
    )


def _draw_qr(pdf: object, data: str, x: float, y: float, size: float) -> None:
    """The QR code of ``data`` as filled rectangles (vector: sharp at any printer's
    resolution), in a square of ``size`` mm with its four-module quiet zone."""
    import segno

    code = segno.make(data, error="m", micro=False)
    matrix = code.matrix
    modules = len(matrix) + 8
    unit = size / modules
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(  # type: ignore[attr-defined]
                x + (4 + start) * unit, y + (4 + r) * unit, (c - start) * unit, unit, style="F"
            )


def render_letters(
    letters: Sequence[Letter],
    manifest: Manifest,
    template: LetterTemplate,
    *,
    booth_url: str,
    created: dt.datetime,
    font_dir: Path | None = None,
) -> bytes:
    """The PDF of ``letters``, one A4 page each (an error when a letter does not fit)."""
    from fpdf import FPDF

    fonts = _font_paths(font_dir)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(created)
    pdf.set_title(f"{manifest.title}: credential letters")
    pdf.set_auto_page_break(False)
    pdf.set_margins(20, 18, 20)
    pdf.add_font("sans", "", str(fonts["sans"]))
    pdf.add_font("sans", "B", str(fonts["sans-bold"]))
    pdf.add_font("mono", "", str(fonts["mono"]))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    footer_top = pdf.h - 40
    for letter in letters:
        texts = letter_texts(letter, manifest, template, booth_url=booth_url)
        titles = manifest.texts(letter.language)
        pdf.add_page()
        pdf.set_font("sans", "B", 16)
        pdf.multi_cell(width, 8, texts["heading"], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sans", "B", 13)
        pdf.multi_cell(width, 6.5, titles.title, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sans", "", 10)
        pdf.multi_cell(
            width,
            5,
            titles.regions.get(letter.region, letter.region),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(4)
        pdf.set_font("sans", "", 11)
        pdf.multi_cell(width, 5.5, texts["greeting"], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.multi_cell(width, 5.5, texts["instructions"], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(5)
        # the credential and its QR code, side by side
        top = pdf.get_y()
        qr = 48.0
        pdf.set_draw_color(60, 60, 60)
        pdf.rect(pdf.l_margin, top, width, qr + 8)
        pdf.set_xy(pdf.l_margin + 5, top + 6)
        pdf.set_font("sans", "B", 11)
        pdf.multi_cell(
            width - qr - 14, 6, texts["credential_label"], align="L", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_x(pdf.l_margin + 5)
        pdf.set_font("mono", "", 15)
        pdf.cell(width - qr - 14, 12, letter.credential, new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(pdf.l_margin + 5)
        pdf.set_font("sans", "", 9.5)
        pdf.multi_cell(
            width - qr - 14, 5, texts["period_label"], align="L", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_x(pdf.l_margin + 5)
        pdf.multi_cell(width - qr - 14, 5, texts["scan_label"] + " →", align="L", new_x="LMARGIN")
        _draw_qr(pdf, letter.link, pdf.l_margin + width - qr - 4, top + 4, qr)
        pdf.set_xy(pdf.l_margin, top + qr + 12)
        pdf.set_font("sans", "", 10)
        pdf.multi_cell(width, 5, texts["type_label"], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("sans", "B", 11)
        pdf.multi_cell(width, 6, texts["questions_label"], align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sans", "", 10.5)
        for number, question in enumerate(manifest.ballot_style(letter.region), start=1):
            text = titles.questions.get(question.id, question.text)
            pdf.multi_cell(
                width, 5.2, f"{number}. {text}", align="L", new_x="LMARGIN", new_y="NEXT"
            )
            pdf.ln(1.5)
        if pdf.get_y() > footer_top:
            raise InputError(
                f"{letter.region}: questions",
                "the questions of this region's ballot do not fit on the letter's page "
                "(shorten the template's instructions)",
            )
        pdf.set_xy(pdf.l_margin, footer_top + 4)
        pdf.set_font("sans", "B", 9.5)
        pdf.multi_cell(width, 4.8, texts["secrecy"], align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def letter_files(
    letters: Sequence[Letter],
    manifest: Manifest,
    template: LetterTemplate,
    *,
    booth_url: str,
    created: dt.datetime,
    font_dir: Path | None = None,
    chunk: int = 200,
) -> Iterator[bytes]:
    """A one-page PDF for each letter, in order (an e-mail's attachment): rendered ``chunk``
    letters at a time and split page by page, so that the fonts are read once a chunk, not
    once a letter."""
    import pypdf

    for start in range(0, len(letters), chunk):
        batch = letters[start : start + chunk]
        whole = pypdf.PdfReader(
            io.BytesIO(
                render_letters(
                    batch,
                    manifest,
                    template,
                    booth_url=booth_url,
                    created=created,
                    font_dir=font_dir,
                )
            )
        )
        for page in whole.pages:
            single = pypdf.PdfWriter()
            single.add_page(page)
            single.add_metadata({"/Title": f"{manifest.title}: credential letter"})
            out = io.BytesIO()
            single.write(out)
            yield out.getvalue()


def letters_by_language(letters: Iterable[Letter]) -> dict[str | None, int]:
    """How many letters there are in each language (for the command's summary)."""
    counts: dict[str | None, int] = {}
    for letter in letters:
        counts[letter.language] = counts.get(letter.language, 0) + 1
    return counts


def select_voters(letters: Sequence[Letter], voters: Sequence[str]) -> list[Letter]:
    """The letters of ``voters`` (the CSV's ``voter`` column, else the row's number among the
    voters, 1 for the first); all of them when ``voters`` is empty."""
    if not voters:
        return list(letters)
    by_voter = {letter.voter: letter for letter in letters}
    for voter in voters:
        if voter not in by_voter:
            raise InputError("voter", f"{voter!r} is not a voter of the CSV")
    return [by_voter[v] for v in dict.fromkeys(voters)]


def reissue_rows(
    path: Path, manifest: Manifest, voters: Sequence[str], rng: RandomSource
) -> tuple[str, list[str], list[str]]:
    """Give the rows of ``voters`` new private credentials, rewriting the CSV (through a
    temporary file, 0600, every other column kept); returns the region, the old public
    credentials and the new ones.  The voters must be of one region."""
    if not voters:
        raise InputError("voter", "name at least one voter whose credential to reissue")
    letters = letters_from_csv(path, manifest, booth_url="https://reissue.invalid/")
    chosen = select_voters(letters, voters)
    regions = sorted({letter.region for letter in chosen})
    if len(regions) > 1:
        raise InputError("voter", f"one region at a time (these are in {', '.join(regions)})")
    region = regions[0]
    fresh = issue_credentials(manifest.id, region, len(chosen), rng)
    replacing = {letter.row: new for letter, new in zip(chosen, fresh, strict=True)}
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(reader.fieldnames or []), lineterminator="\n")
    writer.writeheader()
    for number, row in enumerate(reader, start=2):
        if number in replacing:
            row["credential"] = replacing[number].private
        writer.writerow(row)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(out.getvalue())
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    return region, [letter.public_credential for letter in chosen], [c.public for c in fresh]
