"""The referendum manifest: questions, regions, voting window, trustees and outcome rule.

The manifest is the genesis event's payload.  Its fingerprint (a hash of its canonical JSON)
binds every proof and signature to this referendum.  Loading validates it with pydantic and
turns every validation error into a :class:`~referendum.errors.ManifestError` naming the field.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from referendum.errors import InputError, ManifestError
from referendum.record.bounded_json import DOCUMENT, value_depth
from referendum.record.canonical import parse_json_strict
from referendum.rules import Rule, rule_from_mapping

__all__ = [
    "LANGUAGE_TAG",
    "MAX_MANIFEST_BYTES",
    "Manifest",
    "ManifestFormat",
    "ManifestTexts",
    "Period",
    "Question",
    "QuestionTranslation",
    "Region",
    "Translation",
    "Trustees",
    "Witness",
    "Witnesses",
    "load_manifest",
    "manifest_from_mapping",
    "manifest_from_payload",
    "parse_manifest",
    "parse_timestamp",
]

_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_FRACTION = re.compile(r"(0|[1-9][0-9]{0,17})(/[1-9][0-9]{0,17})?")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")
LANGUAGE_TAG = r"[a-z]{2,3}"
"""An official language: an ISO 639 code in lower case (``"uk"``, ``"ru"``, ``"en"``)."""
_LANGUAGE = re.compile(LANGUAGE_TAG)
MAX_LANGUAGES = 8
_YAML_DROPPED = frozenset({"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"})
_RULE_FRACTIONS = ("majority", "turnout_quorum", "valid_quorum", "approval_quorum", "veto_quorum")


def parse_timestamp(value: str, *, field_name: str) -> dt.datetime:
    """Parse an ISO 8601 UTC timestamp ending in ``Z``."""
    if not isinstance(value, str) or _TIME.fullmatch(value) is None:
        raise InputError(
            field_name,
            f"expected a UTC time YYYY-MM-DDTHH:MM:SS[.ffffff]Z, got {str(value)[:40]!r}",
        )
    try:
        parsed = dt.datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError as exc:
        raise InputError(field_name, f"not an ISO 8601 time: {value!r}") from exc
    return parsed


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError(
            "lower-case letters, digits, '-' or '_', the first a letter or digit (at most 64)"
        )
    return value


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only spaces")
    return value


def _check_fraction(value: str) -> str:
    if not _FRACTION.fullmatch(value):
        raise ValueError(
            f"{value[:40]!r} is not a fraction 'p/q' or an integer 'p' (decimal digits, at "
            "most 18 each, no sign, decimal point or leading zero)"
        )
    if Fraction(value) <= 0:
        raise ValueError("must be positive")
    return value


def _check_language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError("a language is an ISO 639 code in lower case: 'uk', 'ru', 'en'")
    return value


Identifier = Annotated[StrictStr, AfterValidator(_check_id)]
"""An id of the manifest: lower-case letters, digits, '-' or '_' (at most 64)."""
Name = Annotated[StrictStr, Field(max_length=200), AfterValidator(_check_text)]
"""A name or an answer: 1 to 200 characters, not only spaces."""
Language = Annotated[StrictStr, AfterValidator(_check_language)]
QuestionText = Annotated[StrictStr, Field(max_length=10_000), AfterValidator(_check_text)]
Title = Annotated[StrictStr, Field(max_length=1000), AfterValidator(_check_text)]


class Question(_Model):
    """A question.  A referendum question has the answers ``yes``, ``no`` and optionally
    ``blank``; a multi-option question must name its ``status_quo`` answer."""

    id: Identifier
    text: QuestionText
    answers: tuple[Name, ...] = Field(min_length=2, max_length=32)
    min_selections: StrictInt = Field(default=1, ge=0, le=32)
    max_selections: StrictInt = Field(default=1, ge=1, le=32)
    status_quo: Name | None = None
    regions: tuple[Identifier, ...] | None = Field(default=None, min_length=1, max_length=512)
    # the regions whose ballot has it (None: all)

    @model_validator(mode="after")
    def _check(self) -> Question:
        if len(set(self.answers)) != len(self.answers):
            raise ValueError("answers must be distinct")
        if self.min_selections > self.max_selections:
            raise ValueError("min_selections exceeds max_selections")
        if self.max_selections > len(self.answers):
            raise ValueError("max_selections exceeds the number of answers")
        if self.is_referendum:
            if self.max_selections != 1:
                raise ValueError(
                    "a yes/no question takes one answer: max_selections must be 1 "
                    "(min_selections 0 lets a voter leave it unanswered)"
                )
            if self.status_quo not in (None, "no"):
                raise ValueError("in a yes/no question the status quo is 'no'")
        elif self.status_quo is None or self.status_quo not in self.answers:
            raise ValueError(
                "a multi-option question must name its status_quo, one of its answers "
                "(Venice Commission Code of Good Practice on Referendums, III.5)"
            )
        return self

    @property
    def is_referendum(self) -> bool:
        return set(self.answers) in ({"yes", "no"}, {"yes", "no", "blank"})


class Region(_Model):
    """A region: its own credential list and results; ``weight`` counts in a double majority."""

    id: Identifier
    name: Name
    weight: Annotated[StrictStr, AfterValidator(_check_fraction)] = "1"

    @property
    def weight_fraction(self) -> Fraction:
        return Fraction(self.weight)


class Period(_Model):
    """One voting period (a day, typically): ballots are accepted from ``opens`` to ``closes``."""

    opens: StrictStr
    closes: StrictStr

    @model_validator(mode="after")
    def _check(self) -> Period:
        try:
            opens = parse_timestamp(self.opens, field_name="opens")
            closes = parse_timestamp(self.closes, field_name="closes")
        except InputError as exc:
            raise ValueError(str(exc)) from None
        if closes <= opens:
            raise ValueError("closes must be after opens")
        return self

    def contains(self, moment: dt.datetime) -> bool:
        return (
            parse_timestamp(self.opens, field_name="opens")
            <= moment
            < parse_timestamp(self.closes, field_name="closes")
        )


class Trustees(_Model):
    """The trustees who hold the decryption key, ``threshold`` of whom can decrypt."""

    names: tuple[Name, ...] = Field(min_length=1, max_length=64)
    threshold: StrictInt = Field(ge=1, le=64)

    @model_validator(mode="after")
    def _check(self) -> Trustees:
        if self.threshold > len(self.names):
            raise ValueError("threshold exceeds the number of trustees")
        if len(set(self.names)) != len(self.names):
            raise ValueError("trustee names must be distinct")
        return self


class QuestionTranslation(_Model):
    """A question in another official language: its text and the labels of its answers
    (by answer; a yes/no question's answers may be left to the booth's own words)."""

    text: QuestionText
    answers: dict[Name, Name] = Field(default_factory=dict)


class Translation(_Model):
    """The manifest's texts in one more official language."""

    title: Title
    information: StrictStr = Field(default="", max_length=100_000)
    questions: dict[Identifier, QuestionTranslation]
    regions: dict[Identifier, Name] = Field(default_factory=dict)


@dataclass(frozen=True)
class ManifestTexts:
    """The referendum's texts in one language (see :meth:`Manifest.texts`)."""

    language: str | None
    title: str
    information: str
    questions: Mapping[str, str]
    answers: Mapping[str, Mapping[str, str]]
    regions: Mapping[str, str]


_WITNESS_NAME = re.compile(r"[\x21-\x2a\x2c-\x7e]{1,256}")
_WITNESS_URL = re.compile(
    r"https?://(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?(/[\x21-\x7e]{0,1700})?"
)


class Witness(_Model):
    """A witness of the board's log: the key name it cosigns under (a C2SP signed-note key
    name), its public key and where it serves its cosignatures."""

    name: StrictStr
    public_key: StrictStr
    url: StrictStr

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _WITNESS_NAME.fullmatch(value):
            raise ValueError("1 to 256 printable ASCII characters, no space or '+'")
        return value

    @field_validator("public_key")
    @classmethod
    def _check_key(cls, value: str) -> str:
        from referendum.crypto.group import Point
        from referendum.errors import EncodingError

        try:
            Point.from_hex(value)
        except (EncodingError, ValueError) as exc:
            raise ValueError(f"the witness's public key (64 hex digits): {exc}") from None
        return value

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not _WITNESS_URL.fullmatch(value):
            raise ValueError(
                "an http:// or https:// URL: a host name or address, an optional port, an "
                "optional path of printable ASCII"
            )
        return value


class Witnesses(_Model):
    """The witnesses of the board's log, ``threshold`` of whose cosignatures make a
    checkpoint witnessed."""

    threshold: StrictInt = Field(ge=1, le=32)
    members: tuple[Witness, ...] = Field(min_length=1, max_length=32)

    @model_validator(mode="after")
    def _check(self) -> Witnesses:
        if self.threshold > len(self.members):
            raise ValueError("threshold exceeds the number of witnesses")
        if len({w.name for w in self.members}) != len(self.members):
            raise ValueError("witness names must be distinct")
        if len({w.public_key for w in self.members}) != len(self.members):
            raise ValueError("witness public keys must be distinct")
        return self


class Manifest(_Model):
    """The whole manifest (the genesis event's payload)."""

    format: Literal["referendum-manifest/2"] = "referendum-manifest/2"
    id: Identifier
    title: Title
    information: StrictStr = Field(default="", max_length=100_000)
    questions: tuple[Question, ...] = Field(min_length=1, max_length=16)
    regions: tuple[Region, ...] = Field(min_length=1, max_length=512)
    window: tuple[Period, ...] = Field(min_length=1, max_length=31)
    trustees: Trustees
    credential_authority: StrictStr
    board_key: StrictStr
    """The board's public signing key: it signs the receipts of accepted and refused ballots."""
    rule: dict[str, Any] = Field(default_factory=dict)
    languages: tuple[Language, ...] | None = Field(
        default=None, min_length=1, max_length=MAX_LANGUAGES
    )
    """The official languages (``None``: one, unnamed); the texts above are in the first."""
    translations: dict[Language, Translation] | None = None
    """The texts in each other official language."""
    witnesses: Witnesses | None = None
    """The witnesses of the board's log and how many cosignatures a checkpoint needs
    (``None``: the manifest names none; the member is then absent from the payload)."""
    revoting: Literal["visible", "deniable"] = "visible"
    """``visible``: every ballot names its credential and the ballot it replaces (the
    default; the member is then absent from the payload).  ``deniable``: ballots carry their
    credential encrypted for the tallying authority, who adds dummies, mixes and filters
    (docs/spec/coercion.md)."""
    tallying_authority: StrictStr | None = None
    """The tallying authority's public key ``T`` (deniable revoting only)."""

    @field_validator("credential_authority", "board_key", "tallying_authority")
    @classmethod
    def _check_public_key(cls, value: str | None, info: ValidationInfo) -> str | None:
        from referendum.crypto.group import Point
        from referendum.errors import EncodingError

        if value is None:
            return None
        whose = {
            "credential_authority": "the credential authority",
            "board_key": "the board",
            "tallying_authority": "the tallying authority",
        }
        try:
            Point.from_hex(value)
        except (EncodingError, ValueError) as exc:
            raise ValueError(
                f"{whose[str(info.field_name)]}'s public key (64 hex digits): {exc}"
            ) from None
        return value

    @model_validator(mode="after")
    def _check(self) -> Manifest:
        for kind, items in (("questions", self.questions), ("regions", self.regions)):
            ids = [item.id for item in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind} ids must be distinct")
        moments = [
            (
                parse_timestamp(p.opens, field_name="opens"),
                parse_timestamp(p.closes, field_name="closes"),
            )
            for p in self.window
        ]
        for (_, prev_close), (next_open, _) in itertools.pairwise(moments):
            if next_open < prev_close:
                raise ValueError("window periods must be in order and must not overlap")
        region_ids = {r.id for r in self.regions}
        for i, q in enumerate(self.questions):
            if q.regions is not None:
                if i == 0:
                    raise ValueError(
                        "the first question (the one the rule decides) is on every ballot"
                    )
                unknown = sorted(set(q.regions) - region_ids)
                if unknown or not q.regions:
                    raise ValueError(f"question {q.id}: unknown or empty regions {unknown}")
        if self.revoting == "deniable" and self.tallying_authority is None:
            raise ValueError("deniable revoting needs the tallying authority's key")
        if self.revoting == "visible" and self.tallying_authority is not None:
            raise ValueError("a tallying authority serves deniable revoting only")
        if self.tallying_authority in (self.board_key, self.credential_authority):
            raise ValueError("the tallying authority's key must be its own")
        self.outcome_rule()  # validates the rule
        if not self.questions[0].is_referendum and self.rule:
            raise ValueError("an outcome rule applies to a yes/no first question")
        self._check_translations()
        return self

    def _check_translations(self) -> None:
        languages = self.languages or ()
        if len(set(languages)) != len(languages):
            raise InputError("languages", "must be distinct")
        given = self.translations or {}
        if self.translations is not None and self.languages is None:
            raise InputError("translations", "needs the list of official languages (languages)")
        for lang in languages[1:]:
            if lang not in given:
                raise InputError(
                    f"translations.{lang}",
                    "missing (every official language after the first has the title, the "
                    "information and every question)",
                )
        for lang, translation in given.items():
            where = f"translations.{lang}"
            if lang not in languages[1:]:
                raise InputError(where, "not an official language after the first")
            if self.information.strip() and not translation.information.strip():
                raise InputError(f"{where}.information", "missing (the official information)")
            for q in self.questions:
                if q.id not in translation.questions:
                    raise InputError(f"{where}.questions.{q.id}", "missing (the question's text)")
                labels = translation.questions[q.id].answers
                if unknown := sorted(set(labels) - set(q.answers)):
                    raise InputError(
                        f"{where}.questions.{q.id}.answers", f"{unknown[0]!r} is not an answer"
                    )
                if not q.is_referendum and (absent := [a for a in q.answers if a not in labels]):
                    raise InputError(
                        f"{where}.questions.{q.id}.answers.{absent[0]}",
                        "missing (the answer in this language)",
                    )
            if unknown := sorted(set(translation.questions) - {q.id for q in self.questions}):
                raise InputError(f"{where}.questions.{unknown[0]}", "not a question")
            if unknown := sorted(set(translation.regions) - {r.id for r in self.regions}):
                raise InputError(f"{where}.regions.{unknown[0]}", "not a region")

    def text_language(self, wanted: str) -> str | None:
        """The official language to show a reader of ``wanted``: that one if official, else
        the first (``None`` for a manifest that names no languages)."""
        if not self.languages:
            return None
        return wanted if wanted in self.languages else self.languages[0]

    def texts(self, language: str | None) -> ManifestTexts:
        """The referendum's texts in an official ``language`` (the first one's, which are
        the manifest's own, for ``None`` or a language that is not official)."""
        own = ManifestTexts(
            language=self.languages[0] if self.languages else None,
            title=self.title,
            information=self.information,
            questions={q.id: q.text for q in self.questions},
            answers={},
            regions={r.id: r.name for r in self.regions},
        )
        translation = (self.translations or {}).get(language or "")
        if translation is None:
            return own
        return ManifestTexts(
            language=language,
            title=translation.title,
            information=translation.information,
            questions={qid: q.text for qid, q in translation.questions.items()},
            answers={qid: dict(q.answers) for qid, q in translation.questions.items()},
            regions={**own.regions, **translation.regions},
        )

    @property
    def deniable(self) -> bool:
        """Whether revoting is deniable (docs/spec/coercion.md)."""
        return self.revoting == "deniable"

    def outcome_rule(self) -> Rule:
        return rule_from_mapping(self.rule)

    def region(self, region_id: str) -> Region:
        for region in self.regions:
            if region.id == region_id:
                return region
        raise InputError("region", f"unknown region {region_id!r}")

    def ballot_style(self, region_id: str) -> tuple[Question, ...]:
        """The questions on the ballot of a region, in the manifest's order."""
        return tuple(q for q in self.questions if q.regions is None or region_id in q.regions)

    def in_window(self, moment: dt.datetime) -> bool:
        return any(period.contains(moment) for period in self.window)

    def to_payload(self) -> dict[str, Any]:
        """The JSON form stored in the genesis event (no floats, canonical-ready)."""
        payload = self.model_dump(mode="json")
        payload["rule"] = self.outcome_rule().to_mapping()
        if self.languages is None:  # a single-language manifest: as before languages existed
            del payload["languages"], payload["translations"]
        elif self.translations is None:
            payload["translations"] = {}
        if self.witnesses is None:
            del payload["witnesses"]  # absent, as in manifests written before it existed
        if self.revoting == "visible":  # absent: today's records and fingerprints unchanged
            del payload["revoting"], payload["tallying_authority"]
        return payload


def _check_rule_fraction(where: str, given: object) -> None:
    if not isinstance(given, str):
        raise ManifestError(where, "a fraction 'p/q' as a string")
    try:
        _check_fraction(given)
    except ValueError as exc:
        raise ManifestError(where, str(exc)) from None


def _check_rule_form(rule: object) -> None:
    """The rule's fractions are ``"p/q"`` strings, bare or in a threshold table
    (``{"at_least": "3/5"}``), and its flags booleans (``rule_from_mapping`` also reads the
    looser forms of case files, ``"0.5"`` or ``"50%"``: not in a manifest)."""
    if not isinstance(rule, Mapping):
        return  # the model names it
    for key in (*_RULE_FRACTIONS, "double_majority"):
        if key not in rule:
            continue
        given = rule[key]
        if key == "majority" and given == "simple":
            continue
        if key == "double_majority" and isinstance(given, bool):
            continue
        if isinstance(given, Mapping):
            for comparison in ("at_least", "more_than"):
                if comparison in given:
                    _check_rule_fraction(f"rule.{key}.{comparison}", given[comparison])
            continue  # the rest of the table is the rule's (rule_from_mapping names it)
        if key == "double_majority":
            raise ManifestError(f"rule.{key}", "expected true, false or a threshold table")
        _check_rule_fraction(f"rule.{key}", given)
    if "per_region" in rule and not isinstance(rule["per_region"], bool):
        raise ManifestError("rule.per_region", "expected true or false")


def manifest_from_mapping(data: Mapping[str, Any]) -> Manifest:
    """Validate a mapping; errors name the field by its dotted path."""
    _check_rule_form(data.get("rule"))
    try:
        return Manifest.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or "manifest"
        message = first["msg"].removeprefix("Value error, ")
        raise ManifestError(loc, message) from None
    except InputError as exc:  # from the outcome rule, whose errors name rule.<key>
        raise ManifestError(exc.field, exc.reason) from None


def manifest_from_payload(payload: Mapping[str, Any]) -> Manifest:
    """The manifest of a record's genesis payload, which must be exactly its own canonical
    form (:meth:`Manifest.to_payload`): every member present, the rule as written by
    :meth:`~referendum.rules.Rule.to_mapping`; a ``ManifestError`` names the first member
    that differs."""
    manifest = manifest_from_mapping(payload)
    canonical = manifest.to_payload()
    if canonical != dict(payload):
        names = sorted(set(canonical) | set(payload))
        name = next(
            n
            for n in names
            if (n in canonical) != (n in payload) or canonical.get(n) != payload.get(n)
        )
        raise ManifestError(
            name, f"not in canonical form (the manifest writes {str(canonical.get(name))[:80]})"
        )
    return manifest


MAX_MANIFEST_BYTES: Final = 8 * 1024 * 1024
"""The largest manifest read (eight languages of the longest texts fit well within it)."""
ManifestFormat = Literal["toml", "yaml", "json"]
_SUFFIXES: Final[dict[str, ManifestFormat]] = {
    ".toml": "toml",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
}


class _ManifestYaml(yaml.SafeLoader):
    """YAML as a manifest means it: ``yes``, ``no``, ``on`` and ``off`` are strings (only
    ``true`` and ``false`` are booleans, as in YAML 1.2), times such as
    ``2026-05-04T08:00:00Z`` stay strings, and aliases are refused (no "billion laughs")."""

    yaml_implicit_resolvers = {  # noqa: RUF012  (PyYAML's own class attribute)
        first: [(tag, regex) for tag, regex in resolvers if tag not in _YAML_DROPPED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted in a manifest", event.start_mark
            )
        return super().compose_node(parent, index)


_ManifestYaml.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _parse(text: str, form: ManifestFormat) -> Any:
    if form == "json":  # strict: duplicate names, NaN and floats refused, within the bounds
        return parse_json_strict(text, bounds=DOCUMENT)
    if form == "toml":
        return tomllib.loads(text)
    return yaml.load(text, Loader=_ManifestYaml)


def _errors(form: ManifestFormat) -> tuple[type[Exception], ...]:
    return {
        "json": (ValueError, InputError, RecursionError),
        "toml": (ValueError,),
        "yaml": (yaml.YAMLError, RecursionError),
    }[form]


def parse_manifest(
    text: str | bytes, *, source: str = "manifest", form: ManifestFormat | None = None
) -> Manifest:
    """A manifest from its TOML, YAML or JSON text (``form``, or the first that reads it:
    JSON for a text that starts with ``{``, else TOML, else YAML).  Every error is a
    :class:`ManifestError` naming ``source`` (a format error) or the field; the one loader of
    the CLI and the pages."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(source, f"larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MiB")
    try:
        decoded = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ManifestError(source, f"not UTF-8 text: {exc}") from None
    if not decoded.strip():
        raise ManifestError(source, "empty")
    if form is not None:
        tried: tuple[ManifestFormat, ...] = (form,)
    elif decoded.lstrip().startswith("{"):
        tried = ("json",)
    else:
        tried = ("toml", "yaml")
    failures = []
    data: Any = None
    for candidate in tried:
        try:
            data = _parse(decoded, candidate)
        except _errors(candidate) as exc:
            detail = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            failures.append(f"{candidate.upper()}: {' '.join(detail.split())[:300]}")
            continue
        if isinstance(data, dict):
            break
        failures.append(f"{candidate.upper()}: not a table of members")
    else:
        if len(tried) == 1:
            raise ManifestError(source, f"not valid {failures[0]}")
        raise ManifestError(
            source, "not a manifest in any accepted format (" + "; ".join(failures) + ")"
        )
    if value_depth(data) > DOCUMENT.max_depth:
        raise ManifestError(source, f"nested deeper than {DOCUMENT.max_depth} levels")
    return manifest_from_mapping(data)


def load_manifest(path: Path) -> Manifest:
    """Load a manifest from a TOML, YAML or JSON file (by its suffix; another suffix: the
    first format that reads it), as :func:`parse_manifest`."""
    try:
        raw = path.read_bytes() if path.stat().st_size <= MAX_MANIFEST_BYTES else None
    except OSError as exc:
        raise ManifestError(str(path), f"cannot read: {exc.strerror}") from None
    if raw is None:
        raise ManifestError(path.name, f"larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MiB")
    return parse_manifest(raw, source=path.name, form=_SUFFIXES.get(path.suffix.lower()))
