"""Message catalogues of the legitimacy report (``en.json``, ``uk.json``).

Every text the report shows comes from a catalogue; the code holds only keys.

>>> catalogue("uk").text("status.fail")
'не пройдено'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from referendum.errors import UsageError
from referendum.standards.finding import Finding

__all__ = ["LANGUAGES", "Catalogue", "Language", "catalogue"]

Language = Literal["en", "uk"]
LANGUAGES: tuple[Language, ...] = ("en", "uk")

_TRANSLATED_PARAMS = {"decision": "decision", "declared": "decision"}


@dataclass(frozen=True)
class Catalogue:
    """The messages of one language, looked up by key."""

    language: Language
    messages: Mapping[str, str]

    def text(self, key: str, /, **params: Any) -> str:
        """The message ``key`` with ``params`` filled in."""
        try:
            template = self.messages[key]
        except KeyError:
            raise UsageError(f"no message {key!r} in the {self.language} catalogue") from None
        return template.format(**params)

    def _param(self, name: str, value: Any) -> Any:
        if name in _TRANSLATED_PARAMS:
            return self.text(f"{_TRANSLATED_PARAMS[name]}.{value}")
        if name == "conditions":
            return "; ".join(self._condition(c) for c in value)
        if isinstance(value, str) and f"value.{value}" in self.messages:
            return self.messages[f"value.{value}"]
        return value

    def _condition(self, condition: Mapping[str, Any]) -> str:
        name = condition["condition"]
        if name == "regional_majority":
            figures = f"{condition['value']:g} {self.text('condition.versus')} "
            figures += f"{condition['threshold']:g}"
        else:
            figures = f"{condition['value'] * 100:.2f}% {self.text('condition.versus')} "
            figures += f"{condition['threshold'] * 100:.4g}%"
        met = self.text("condition.met" if condition["passed"] else "condition.not_met")
        return f"{self.text('condition.' + name)} {figures}: {met}"

    def explain(self, finding: Finding) -> str:
        """A finding's one-line explanation in this language."""
        params = {k: self._param(k, v) for k, v in finding.params.items()}
        return self.text(finding.message, **params)

    def title(self, check_id: str) -> str:
        return self.text(f"{check_id}.title")


@cache
def catalogue(language: Language) -> Catalogue:
    """The catalogue of ``language`` (package data ``i18n/<language>.json``)."""
    if language not in LANGUAGES:
        raise UsageError(f"no catalogue for {language!r}; expected one of {LANGUAGES}")
    text = resources.files("referendum.standards.i18n").joinpath(f"{language}.json")
    messages: dict[str, str] = json.loads(text.read_text("utf-8"))
    return Catalogue(language, messages)
