"""Refusal reasons in the reader's language (issue 13, parts 4 and 8): the reasons the
organiser's form, the manifest's checks and the pages give are in the catalogues (``why.*``,
their English text a pattern of the reason), with the same parts in every language; a refusal
on a Ukrainian or Russian page is shown in that language, and a reason not catalogued says it
is in English."""

from __future__ import annotations

import re
import string

import pytest

from core.helpers import BOARD_KEY
from referendum.errors import InputError
from referendum.record.manifest import manifest_from_mapping
from referendum.web.i18n import LANGUAGES, Translator, catalogue
from referendum.web.manifest_form import manifest_from_form

from .conftest import ORGANISER, Served
from .test_organiser_form import FORM
from .test_web_pages import csrf_of

# Each bad form: the form's own checks, then the manifest's (pydantic's and the rules').
BAD_FORMS = [
    {"q1_text": ""},
    {"q2_answers": "both"},
    {"regions": "east Схід"},
    {"regions": ""},
    {"timezone": "Mars/Olympus"},
    {"period1_opens": "2026-03-29T03:30"},
    {"period1_closes": "2026-10-25T03:30"},
    {"period1_closes": ""},
    {"period1_opens": "soon"},
    {"threshold": "two"},
    {"languages": "uk, ru, en, de"},
    {"l2_q2_answers": "Оба"},
    {"l2_title": ""},
    {"l2_q1_text": ""},
    {"q2_answers": "both, both"},
    {"q2_regions": "north"},
    {"period1_closes": "2026-05-04T07:00"},
    {"threshold": "5"},
    {"turnout_quorum": "0.25"},
    {"turnout_quorum": "0"},
    {"credential_authority": "00"},
    {"id": "Bad Id"},
    {"title": " "},
    {"trustees": "A\nA"},
    {"trustees": ""},
    {"threshold": "0"},
    {"languages": "xx-YY"},
    {"q2_status_quo": ""},
    {"regions": "east: A\neast: B"},
]


def _parts(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_reason_has_the_same_parts_in_every_language() -> None:
    en = {k: v for k, v in catalogue("en").items() if k.startswith("why.")}
    assert len(en) > 40
    for lang in LANGUAGES:
        found = catalogue(lang)
        for key, text in en.items():
            assert key in found, (lang, key)
            assert _parts(found[key]) <= _parts(text), (lang, key)


def _reason(changes: dict[str, str]) -> str:
    with pytest.raises(InputError) as caught:
        manifest_from_mapping(
            manifest_from_form({**FORM, **changes}, board_key=BOARD_KEY.public.hex())
        )
    return caught.value.reason


@pytest.mark.parametrize("changes", BAD_FORMS, ids=lambda c: ",".join(c))
def test_each_reason_of_the_form_is_translated(changes: dict[str, str]) -> None:
    reason = _reason(changes)
    for lang in ("uk", "ru"):
        shown = Translator(lang).reason(reason)
        assert shown.lang == lang and shown.text != reason, (lang, reason)
        assert not re.search(r"[a-z]{4,} [a-z]{4,} [a-z]{4,}", shown.text), shown.text
    assert Translator("en").reason(reason) == (reason, "en")


def test_a_refusal_on_a_ukrainian_or_russian_page_is_in_its_language(served: Served) -> None:
    served.client.cookies.set("referendum_session", ORGANISER)
    expected = {"uk": "щонайменше дві відповіді, через кому", "ru": "не менее двух ответов"}
    for lang, text in expected.items():
        csrf = csrf_of(served, f"/organiser?lang={lang}")
        answer = served.client.post(
            f"/organiser/form?lang={lang}",
            data={**FORM, "q2_answers": "both", "csrf_token": csrf},
        )
        assert answer.status_code == 400
        assert text in answer.text
        assert '<span lang="en">' not in answer.text
        assert "at least two answers" not in answer.text


def test_a_reason_not_catalogued_says_it_is_in_english(served: Served) -> None:
    page = served.client.get("/track?code=zz&lang=uk").text
    assert "код відстеження — це 64 шістнадцяткові цифри" in page
    shown = Translator("uk").reason("the SMTP server said no")
    assert shown.lang == "en" and shown.text == "the SMTP server said no"
    gone = served.client.get("/no-such-page?lang=ru").text
    assert "такой страницы нет" in gone and "на английском" not in gone
