"""Message catalogues: the same keys and placeholders in every language."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from referendum.errors import UsageError
from referendum.standards import ALL_CHECKS, build_report, load_case, render
from referendum.standards.i18n import LANGUAGES, catalogue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    en, uk = catalogue("en").messages, catalogue("uk").messages
    assert set(en) == set(uk)
    for key in en:
        assert _fields(en[key]) == _fields(uk[key]), key
        assert en[key] != uk[key] or key.startswith("ui.standards"), key


def test_every_check_has_a_title_in_every_language() -> None:
    for language in LANGUAGES:
        for check in ALL_CHECKS:
            assert catalogue(language).title(check.id)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_example_renders_in_every_language_and_format(language: str) -> None:
    for case in sorted(EXAMPLES.glob("*/case.toml")):
        report = build_report(load_case(case))
        for form in ("text", "json", "markdown", "html"):
            assert render(report, format=form, language=language)  # type: ignore[arg-type]


def test_unknown_language_and_key_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        catalogue("fr")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="no message"):
        catalogue("en").text("nothing.here")


def test_ukrainian_explanations() -> None:
    report = build_report(load_case(EXAMPLES / "switzerland-2020-responsible-business"))
    text = catalogue("uk").explain(report.finding("OUTCOME"))
    assert text.startswith("відхилено (більшість дійсних голосів 50.73%")
    assert "більшість регіональних голосів 8.5 проти порогу 11.5: не виконано" in text
