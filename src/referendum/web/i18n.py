"""Message catalogues (``locales/*.json``) and the choice of language.

The language is the ``lang`` query parameter if given, else the ``referendum_lang`` cookie,
else the best match of the browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final, NamedTuple

__all__ = [
    "LANGUAGES",
    "LANG_COOKIE",
    "Reason",
    "Translator",
    "catalogue",
    "choose_language",
    "reason_patterns",
]

LANGUAGES: Final = {"en": "English", "uk": "Українська", "ru": "Русский"}
LANG_COOKIE: Final = "referendum_lang"
_DIR = Path(__file__).parent / "locales"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The messages of ``lang`` (English for any unknown language)."""
    if lang not in LANGUAGES:
        lang = "en"
    data: dict[str, str] = json.loads((_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    return data


class Reason(NamedTuple):
    """A refusal's reason as a page shows it: its text and the language of that text."""

    text: str
    lang: str


_PLACEHOLDER = re.compile(r"\\\{(\w+)\\\}")


@functools.cache
def reason_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The ``why.*`` messages: each English text as a pattern (its ``{name}`` parts match any
    text), longest first.  The layers below the web give reasons in English (the CLI and the
    API show them so); a page shows a reason that matches one of these in its language."""
    found = []
    for key, text in catalogue("en").items():
        if key.startswith("why."):
            pattern = _PLACEHOLDER.sub(r"(?P<\1>.+?)", re.escape(text))
            found.append((key, re.compile(pattern, re.DOTALL)))
    return tuple(sorted(found, key=lambda kv: -len(kv[1].pattern)))


def choose_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language to answer in (see the module docstring)."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    best, best_q = "en", -1.0
    for part in (accept or "").split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower().split("-")[0]
        q = 1.0
        for bit in bits[1:]:
            if bit.strip().startswith("q="):
                try:
                    q = float(bit.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES and q > best_q:
            best, best_q = tag, q
    return best


class Translator:
    """``t("key", name=value)``: the message in the chosen language, formatted."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self._messages = catalogue(self.lang)
        self._fallback = catalogue("en")

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages.get(key) or self._fallback.get(key) or key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        """Whether the catalogues hold ``key``."""
        return key in self._fallback

    def problem(self, error: Mapping[str, object]) -> str:
        """An error body's code in words: a ballot's refusal reason or a problem's title."""
        code = str(error.get("error", ""))
        for key in (f"reason.{code}", f"problem.{code}"):
            if self.has(key):
                return self(key)
        return self("problem.refused")

    def reason(self, english: object) -> Reason:
        """A refusal's English reason in this language when the catalogues hold its pattern
        (the parts that vary translated too when they are reasons themselves), else as it is,
        in English."""
        text = str(english)
        for key, pattern in reason_patterns():
            match = pattern.fullmatch(text)
            if match is not None:
                if key not in self._messages:
                    break
                values = {k: self.reason(v).text for k, v in match.groupdict().items()}
                return Reason(self(key, **values), self.lang)
        return Reason(text, "en")

    def messages(self, prefix: str) -> dict[str, str]:
        """Every message whose key starts with ``prefix`` (for the booth's script)."""
        keys = {k for k in self._fallback if k.startswith(prefix)}
        return {k: self(k) for k in sorted(keys)}
