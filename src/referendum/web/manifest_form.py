"""The organiser's form: a manifest built from the fields of ``/organiser``.

The form asks what an organiser knows (regions one per line, answers separated by commas,
the voting periods in the local time of a named time zone) and this module turns it into the
manifest mapping that :func:`~referendum.record.manifest.manifest_from_mapping` validates.
An error names the form's field (``q2_answers``, ``period1_opens``), so the page can put it
beside that field.

>>> utc_of("2026-05-04T08:00", "Europe/Kyiv", field="period1_opens")
'2026-05-04T05:00:00Z'
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any, Final

from referendum.errors import InputError

__all__ = [
    "FORM_LANGUAGES",
    "FORM_PERIODS",
    "FORM_QUESTIONS",
    "form_field",
    "manifest_from_form",
    "utc_of",
]

FORM_QUESTIONS: Final = 3
"""Question blocks on the form (a manifest file takes up to 16)."""
FORM_PERIODS: Final = 3
"""Voting periods on the form (one per voting day)."""
FORM_LANGUAGES: Final = 3
"""Official languages the form takes texts in."""
_LOCAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?")
_RULE_QUORUMS: Final = ("turnout_quorum", "approval_quorum", "valid_quorum")


def utc_of(local: str, zone: str, *, field: str) -> str:
    """A local time of ``zone`` (``YYYY-MM-DDTHH:MM``, as a ``datetime-local`` field sends
    it) as the manifest's UTC time; a time the clocks skip or repeat is refused."""
    if not _LOCAL.fullmatch(local):
        raise InputError(field, "expected a date and time, YYYY-MM-DD HH:MM")
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            "timezone", f"{zone[:60]!r} is not a time zone (Europe/Kyiv, UTC...)"
        ) from None
    try:
        naive = dt.datetime.fromisoformat(local)
    except ValueError as exc:
        raise InputError(field, f"not a date and time: {exc}") from None
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise InputError(field, f"{local} does not exist in {zone} (the clocks change)")
    if first.utcoffset() != second.utcoffset():
        raise InputError(
            field, f"{local} happens twice in {zone} (the clocks change): choose another time"
        )
    return first.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(form: Mapping[str, str], name: str) -> str:
    return (form.get(name) or "").strip()


def _list(form: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in _text(form, name).split(",") if item.strip()]


def _regions(form: Mapping[str, str]) -> list[dict[str, str]]:
    regions = []
    for number, line in enumerate(_text(form, "regions").splitlines(), start=1):
        if not line.strip():
            continue
        rid, sep, name = line.partition(":")
        if not sep or not rid.strip() or not name.strip():
            raise InputError("regions", f"line {number}: write 'id: name' (east: Eastern region)")
        regions.append({"id": rid.strip(), "name": name.strip()})
    if not regions:
        raise InputError("regions", "at least one region, 'id: name' on each line")
    return regions


def _questions(form: Mapping[str, str]) -> list[tuple[int, dict[str, Any]]]:
    """The questions of the form, each with the number of its block on the form."""
    questions: list[tuple[int, dict[str, Any]]] = []
    for n in range(1, FORM_QUESTIONS + 1):
        text = _text(form, f"q{n}_text")
        if not text:
            if n == 1:
                raise InputError("q1_text", "the first question is required")
            continue
        answers = _list(form, f"q{n}_answers")
        if len(answers) < 2:
            raise InputError(f"q{n}_answers", "at least two answers, separated by commas")
        question: dict[str, Any] = {
            "id": _text(form, f"q{n}_id") or f"q{n}",
            "text": text,
            "answers": answers,
        }
        if status_quo := _text(form, f"q{n}_status_quo"):
            question["status_quo"] = status_quo
        if regions := _list(form, f"q{n}_regions"):
            question["regions"] = regions
        questions.append((n, question))
    return questions


def _window(form: Mapping[str, str]) -> list[dict[str, str]]:
    zone = _text(form, "timezone") or "UTC"
    periods = []
    for n in range(1, FORM_PERIODS + 1):
        opens, closes = _text(form, f"period{n}_opens"), _text(form, f"period{n}_closes")
        if not opens and not closes and n > 1:
            continue
        for name, value in ((f"period{n}_opens", opens), (f"period{n}_closes", closes)):
            if not value:
                raise InputError(name, "required (a date and time)")
        periods.append(
            {
                "opens": utc_of(opens, zone, field=f"period{n}_opens"),
                "closes": utc_of(closes, zone, field=f"period{n}_closes"),
            }
        )
    return periods


def _rule(form: Mapping[str, str]) -> dict[str, Any]:
    rule: dict[str, Any] = {"majority": _text(form, "majority") or "simple"}
    for name in _RULE_QUORUMS:
        if value := _text(form, name):
            rule[name] = value
    if form.get("double_majority"):
        rule["double_majority"] = True
    return rule


def _translations(
    form: Mapping[str, str], languages: list[str], questions: list[tuple[int, dict[str, Any]]]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for index, language in enumerate(languages[1:], start=2):
        title = _text(form, f"l{index}_title")
        if not title:
            raise InputError(f"l{index}_title", f"the title in {language} is required")
        texts: dict[str, Any] = {}
        for n, question in questions:
            text = _text(form, f"l{index}_q{n}_text")
            if not text:
                raise InputError(f"l{index}_q{n}_text", f"question {n} in {language} is required")
            entry: dict[str, Any] = {"text": text}
            if labels := _list(form, f"l{index}_q{n}_answers"):
                if len(labels) != len(question["answers"]):
                    raise InputError(
                        f"l{index}_q{n}_answers",
                        f"one label per answer ({len(question['answers'])}), in their order",
                    )
                entry["answers"] = dict(zip(question["answers"], labels, strict=True))
            texts[question["id"]] = entry
        translation: dict[str, Any] = {"title": title, "questions": texts}
        if information := _text(form, f"l{index}_information"):
            translation["information"] = information
        if names := _text(form, f"l{index}_regions"):
            translation["regions"] = _region_names(names, f"l{index}_regions")
        out[language] = translation
    return out


def _region_names(text: str, field: str) -> dict[str, str]:
    names = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            rid, sep, name = line.partition(":")
            if not sep or not rid.strip() or not name.strip():
                raise InputError(field, f"line {number}: write 'id: name'")
            names[rid.strip()] = name.strip()
    return names


def form_field(manifest_field: str, form: Mapping[str, str]) -> str:
    """The form's field where a manifest's error (``questions.1.answers``) is to be fixed."""
    parts = manifest_field.split(".")
    head = parts[0]
    if head == "questions" and len(parts) > 1 and parts[1].isdigit():
        blocks = [n for n in range(1, FORM_QUESTIONS + 1) if _text(form, f"q{n}_text")]
        index = int(parts[1])
        n = blocks[index] if index < len(blocks) else 1
        member = parts[2] if len(parts) > 2 else "text"
        return (
            f"q{n}_{member}"
            if member in ("id", "answers", "regions", "status_quo")
            else (f"q{n}_text")
        )
    if head == "window" and len(parts) > 1 and parts[1].isdigit():
        return f"period{int(parts[1]) + 1}_opens"
    if head == "trustees":
        return "threshold" if "threshold" in manifest_field else "trustees"
    if head == "rule":
        return (
            parts[1] if len(parts) > 1 and parts[1] in (*_RULE_QUORUMS, "majority") else "majority"
        )
    if head in ("translations", "languages"):
        return "languages"
    return head if head in _FIELDS else "id"


_FIELDS: Final = frozenset(
    {"id", "title", "information", "regions", "credential_authority", "board_key", "languages"}
)


def manifest_from_form(form: Mapping[str, str], *, board_key: str | None) -> dict[str, Any]:
    """The manifest mapping of the organiser's form (``board_key``: the served board's own
    public key, used when the form leaves it empty)."""
    numbered = _questions(form)
    questions = [question for _, question in numbered]
    trustees = [line.strip() for line in _text(form, "trustees").splitlines() if line.strip()]
    threshold_text = _text(form, "threshold")
    if not threshold_text.isdigit():
        raise InputError("threshold", "how many trustees are needed to decrypt (a number)")
    data: dict[str, Any] = {
        "id": _text(form, "id"),
        "title": _text(form, "title"),
        "information": _text(form, "information"),
        "questions": questions,
        "regions": _regions(form),
        "window": _window(form),
        "trustees": {"names": trustees, "threshold": int(threshold_text)},
        "credential_authority": _text(form, "credential_authority"),
        "board_key": _text(form, "board_key") or board_key or "",
        "rule": _rule(form),
    }
    first = set(questions[0]["answers"])
    if first not in ({"yes", "no"}, {"yes", "no", "blank"}) and data["rule"] == {
        "majority": "simple"
    }:
        data["rule"] = {}  # a multi-option question: the outcome is the count itself
    languages = _list(form, "languages")
    if len(languages) > FORM_LANGUAGES:
        raise InputError("languages", f"the form takes up to {FORM_LANGUAGES} languages")
    if languages:
        data["languages"] = languages
        data["translations"] = _translations(form, languages, numbered)
    return data
