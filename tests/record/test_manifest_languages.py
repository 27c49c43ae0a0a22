"""Multilingual manifests: the title, the information, every question and its answers in
every official language, covered by the fingerprint; a single-language manifest keeps the
payload it had before languages existed; a missing text is an error naming its field; a board
that alters a translation (and recomputes every hash) is caught by the verifier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.helpers import AUTHORITY, BOARD_KEY, payloads_of, ready_referendum, write_rehashed
from referendum.board.memory import MemoryBoard
from referendum.errors import ManifestError
from referendum.protocol.payloads import check_payload
from referendum.protocol.state import manifest_fingerprint
from referendum.record import messages as m
from referendum.record.manifest import manifest_from_mapping, manifest_from_payload
from referendum.verify.record_verifier import verify_record


def data(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "bilingual",
        "title": "Референдум про статут",
        "information": "Офіційна інформація.",
        "questions": [
            {"id": "q1", "text": "Чи схвалюєте ви статут?", "answers": ["yes", "no"]},
            {
                "id": "q2",
                "text": "Яку мову обрати для вивісок?",
                "answers": ["both", "local"],
                "status_quo": "local",
                "regions": ["west"],
            },
        ],
        "regions": [{"id": "east", "name": "Схід"}, {"id": "west", "name": "Захід"}],
        "window": [{"opens": "2026-05-04T08:00:00Z", "closes": "2026-05-04T20:00:00Z"}],
        "trustees": {"names": ["A", "B"], "threshold": 2},
        "credential_authority": AUTHORITY.public.hex(),
        "board_key": BOARD_KEY.public.hex(),
        "rule": {},
        "languages": ["uk", "ru"],
        "translations": {
            "ru": {
                "title": "Референдум об уставе",
                "information": "Официальная информация.",
                "questions": {
                    "q1": {"text": "Одобряете ли вы устав?"},
                    "q2": {
                        "text": "Какой язык выбрать для вывесок?",
                        "answers": {"both": "Оба", "local": "Местный"},
                    },
                },
                "regions": {"east": "Восток"},
            }
        },
    }
    base.update(overrides)
    return base


def test_texts_in_each_official_language_with_fallback() -> None:
    manifest = manifest_from_mapping(data())
    ru = manifest.texts("ru")
    assert ru.title == "Референдум об уставе" and ru.questions["q2"].startswith("Какой")
    assert ru.answers["q2"] == {"both": "Оба", "local": "Местный"}
    assert ru.regions == {"east": "Восток", "west": "Захід"}  # a name not translated: the first's
    assert manifest.text_language("ru") == "ru"
    assert manifest.text_language("en") == "uk"  # not official: the first official language
    assert manifest.texts("uk").title == "Референдум про статут"
    payload = manifest.to_payload()
    check_payload(m.MANIFEST, payload)
    assert manifest_from_payload(payload) == manifest


def test_a_single_language_manifest_keeps_its_payload() -> None:
    single = data()
    del single["languages"], single["translations"]
    manifest = manifest_from_mapping(single)
    payload = manifest.to_payload()
    assert "languages" not in payload and "translations" not in payload
    check_payload(m.MANIFEST, payload)
    assert manifest.text_language("ru") is None and manifest.texts("ru").title == single["title"]


def test_the_fingerprint_covers_every_translation() -> None:
    prints = set()
    for change in ("title", "information"):
        altered = data()
        altered["translations"]["ru"][change] += " (изменено)"
        prints.add(manifest_fingerprint(manifest_from_mapping(altered).to_payload()))
    altered = data()
    altered["translations"]["ru"]["questions"]["q2"]["answers"]["both"] = "Только местный"
    prints.add(manifest_fingerprint(manifest_from_mapping(altered).to_payload()))
    prints.add(manifest_fingerprint(manifest_from_mapping(data()).to_payload()))
    assert len(prints) == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["translations"]["ru"]["questions"].pop("q2"), "translations.ru.questions.q2"),
        (
            lambda d: d["translations"]["ru"]["questions"]["q2"]["answers"].pop("both"),
            "translations.ru.questions.q2.answers.both",
        ),
        (
            lambda d: d["translations"]["ru"]["questions"]["q1"].update(answers={"maybe": "?"}),
            "translations.ru.questions.q1.answers",
        ),
        (lambda d: d["translations"]["ru"].update(information=""), "translations.ru.information"),
        (lambda d: d.update(languages=["uk", "ru", "en"]), "translations.en"),
        (lambda d: d.update(languages=["uk"]), "translations.ru"),
        (lambda d: d.update(languages=["uk", "uk"]), "languages"),
        (lambda d: d.update(languages=["UK", "ru"]), "languages.0"),
        (lambda d: d.pop("languages"), "translations"),
        (
            lambda d: d["translations"]["ru"]["regions"].update(north="Север"),
            "translations.ru.regions.north",
        ),
        (lambda d: d["translations"]["ru"].pop("title"), "translations.ru.title"),
    ],
)
def test_a_missing_or_wrong_text_names_its_field(change: Any, field: str) -> None:
    broken = data()
    change(broken)
    with pytest.raises(ManifestError) as caught:
        manifest_from_mapping(broken)
    assert caught.value.field == field, caught.value


def test_a_board_that_alters_a_translation_is_caught(tmp_path: Path) -> None:
    """The board rewrites the Russian question (and recomputes every hash, as a cheating
    board would): the fingerprint changes, so no proof of the record holds any more."""
    multilingual = data(questions=data()["questions"][:1])
    del multilingual["translations"]["ru"]["questions"]["q2"]
    setup = ready_referendum(MemoryBoard(), m=manifest_from_mapping(multilingual))
    events = payloads_of(setup.board.events())
    events[0][2]["translations"]["ru"]["questions"]["q1"]["text"] = "Отвергаете ли вы устав?"
    record = write_rehashed(events, tmp_path / "record")
    report = verify_record(record)
    failed = {c["check"] for c in report.to_json()["checks"] if c["status"] == "fail"}
    assert report.verdict == "fails" and {"KEY_CEREMONY", "CREDENTIALS"} <= failed
    honest = write_rehashed(payloads_of(setup.board.events()), tmp_path / "honest")
    assert verify_record(honest).verdict == "valid_so_far"
