"""Case files: the facts about one referendum, each with its source.

A case file is TOML or YAML (or a directory holding ``case.toml`` / ``case.yaml``), validated
against ``schema.json`` (published as docs/standards/case.schema.json).  Every fact is a
small table ``{value = ..., source = "..."}``; a fact left out is *unknown*, never assumed.

>>> case = case_from_mapping({"case": {"name": "demo", "place": "Nowhere"},
...     "timing": {"called": {"value": "2022-09-20", "source": "STANDARDS.md"}}})
>>> case.fact("timing.called").as_date().isoformat()
'2022-09-20'
>>> case.fact("timing.campaign_days") is None
True
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from referendum.errors import CaseFileError, UsageError

__all__ = ["CASE_FILE_NAMES", "Case", "Fact", "case_from_mapping", "load_case", "schema"]

_T = TypeVar("_T")

CASE_FILE_NAMES = ("case.toml", "case.yaml", "case.yml")


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of case files (package data ``schema.json``)."""
    text = resources.files("referendum.standards").joinpath("schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@dataclass(frozen=True)
class Fact:
    """One fact of a case: where it sits (``path``), its value and its source."""

    path: str
    value: object
    source: str
    note: str | None = None

    def _typed(self, kind: type[_T]) -> _T:
        if isinstance(self.value, bool) and kind is not bool:
            raise UsageError(f"{self.path} is a boolean, not {kind.__name__}")
        if not isinstance(self.value, kind):
            raise UsageError(f"{self.path} holds {self.value!r}, not {kind.__name__}")
        return self.value

    def as_bool(self) -> bool:
        return self._typed(bool)

    def as_int(self) -> int:
        return self._typed(int)

    def as_text(self) -> str:
        return self._typed(str)

    def as_date(self) -> dt.date:
        return dt.date.fromisoformat(self._typed(str))

    def as_number(self) -> Fraction:
        """A number as an exact fraction (``31.19`` is 3119/100)."""
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise UsageError(f"{self.path} holds {self.value!r}, not a number")
        return Fraction(str(self.value)) if isinstance(self.value, float) else Fraction(self.value)

    def as_mapping(self) -> Mapping[str, Any]:
        return self._typed(dict)

    def as_list(self) -> Sequence[Any]:
        return self._typed(list)


class Case:
    """A validated case: facts looked up by dotted path (``"timing.called"``)."""

    def __init__(self, data: Mapping[str, Any], *, origin: str = "<mapping>") -> None:
        self.data = data
        self.origin = origin

    @property
    def name(self) -> str:
        return str(self.data["case"]["name"])

    @property
    def place(self) -> str:
        return str(self.data["case"]["place"])

    @property
    def sources(self) -> Mapping[str, str]:
        found: Mapping[str, str] = self.data.get("sources", {})
        return found

    def fact(self, path: str) -> Fact | None:
        """The fact at ``path`` or ``None`` when the case file leaves it out."""
        section, _, key = path.partition(".")
        entry = self.data.get(section, {}).get(key)
        if entry is None:
            return None
        source = str(entry["source"])
        return Fact(
            path=path,
            value=entry["value"],
            source=self.sources.get(source, source),
            note=entry.get("note"),
        )

    def to_mapping(self) -> Mapping[str, Any]:
        return self.data


def _plain(value: Any) -> Any:
    """Dates to ISO strings, recursively: TOML and YAML both parse bare dates."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _describe(error: ValidationError) -> tuple[str, str]:
    """The field path and a plain reason for one schema error."""
    path = ".".join(str(p) for p in error.absolute_path)
    instance = error.instance
    wanted: Any = error.validator_value
    rules: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "required" and isinstance(instance, Mapping):
        missing = [k for k in wanted if k not in instance]
        field = ".".join(filter(None, [path, missing[0] if missing else ""]))
        expected = rules.get("properties", {}).get(missing[0], {}) if missing else {}
        what = expected.get("description") or "a value"
        return field, f"missing; expected {what}"
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        known = sorted(rules.get("properties", {}))
        extra = [k for k in instance if k not in known]
        field = ".".join(filter(None, [path, extra[0] if extra else ""]))
        return field, f"unknown field; expected one of {', '.join(known)}"
    if error.validator == "pattern":
        return path, f"expected a date YYYY-MM-DD, got {instance!r}"
    if error.validator == "type":
        return path, f"expected {wanted}, got {instance!r}"
    if error.validator == "enum":
        options = ", ".join(map(str, wanted))
        return path, f"expected one of {options}, got {instance!r}"
    return path, error.message


def case_from_mapping(data: Mapping[str, Any], *, origin: str = "<mapping>") -> Case:
    """Validate a parsed case file; raise :class:`CaseFileError` naming the field on error."""
    plain = _plain(data)
    if not isinstance(plain, dict):
        raise CaseFileError("", "a case file must be a table of sections")
    error = best_match(Draft202012Validator(schema()).iter_errors(plain))
    if error is not None:
        field, reason = _describe(error)
        raise CaseFileError(field or "(top level)", reason)
    return Case(plain, origin=origin)


def _locate(path: Path) -> Path:
    if path.is_dir():
        for name in CASE_FILE_NAMES:
            if (path / name).is_file():
                return path / name
        raise CaseFileError(
            str(path), f"a case directory needs one of {', '.join(CASE_FILE_NAMES)}"
        )
    if not path.is_file():
        raise CaseFileError(str(path), "no such case file or directory")
    return path


def load_case(path: str | Path) -> Case:
    """Read and validate a case file (TOML or YAML) or a directory holding one."""
    file = _locate(Path(path))
    text = file.read_text("utf-8")
    try:
        if file.suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif file.suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise CaseFileError(str(file), "expected a .toml, .yaml or .yml file")
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError(str(file), f"not valid TOML: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CaseFileError(str(file), f"not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise CaseFileError(str(file), "a case file must be a table of sections")
    return case_from_mapping(data, origin=str(file))
