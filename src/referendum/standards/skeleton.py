"""Case file skeletons: every fact the checks read, commented, for an observer to fill in.

``referendum check --new DIR`` writes ``DIR/case.toml`` from :func:`skeleton_text`. The
facts come from the case schema; which checks read each fact is derived from the checks'
own code (:func:`fact_readers`), so a fact a check starts to read appears in the skeleton
with its reader. Every fact is written commented out: the skeleton loads as it is, every
finding unknown, and an observer uncomments the facts a source supports.

>>> readers = fact_readers()
>>> readers["timing.called"]
('MIN_LEAD_TIME',)
>>> "# called = { value = 2024-01-31" in skeleton_text("demo")
True
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from referendum.errors import CaseFileError
from referendum.standards.case import CASE_FILE_NAMES, schema

__all__ = ["fact_readers", "skeleton_text", "write_skeleton"]

_SKIPPED = ("case", "sources")
_EXAMPLE_DATE = "2024-01-31"
_RULE_EXAMPLE = '{ majority = "simple" }'


def _sections() -> list[str]:
    return [name for name in schema()["properties"] if name not in _SKIPPED]


def _fact_pattern() -> re.Pattern[str]:
    return re.compile(rf"^(?:{'|'.join(_sections())})\.[a-z_]+$")


def _paths_read(
    func: Callable[..., Any], pattern: re.Pattern[str], seen: set[Callable[..., Any]]
) -> set[str]:
    """The fact paths written in ``func``'s code and in the package functions it calls."""
    if func in seen:
        return set()
    seen.add(func)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError):
        return set()
    names = getattr(inspect.getmodule(func), "__dict__", {})
    # paths bound when the function was made (a check built by a factory) count too
    cells = [cell.cell_contents for cell in func.__closure__ or ()]
    found = {s for value in cells for s in _strings(value) if pattern.match(s)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if pattern.match(node.value):
                found.add(node.value)
        elif isinstance(node, ast.Name) and node.id in names:
            named = names[node.id]
            if inspect.isfunction(named):
                if named.__module__.startswith("referendum.standards"):
                    found |= _paths_read(named, pattern, seen)
            else:  # a module constant: a path or a table of paths
                found |= {s for s in _strings(named) if pattern.match(s)}
    return found


def _strings(value: object) -> list[str]:
    """The strings a constant holds (itself, or the members or keys of a collection)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list | set | frozenset | dict):
        return [s for item in value for s in _strings(item)]
    return []


@cache
def fact_readers() -> Mapping[str, tuple[str, ...]]:
    """Every fact path any check reads, with the ids of the checks that read it (in the
    order of the report), derived from the checks' code."""
    from referendum.standards.checks import ALL_CHECKS  # the checks import this package

    pattern = _fact_pattern()
    readers: dict[str, list[str]] = {}
    for check in ALL_CHECKS:
        if check.run is None:
            continue
        for path in sorted(_paths_read(check.run, pattern, set())):
            readers.setdefault(path, []).append(check.id)
    return {path: tuple(ids) for path, ids in sorted(readers.items())}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _EXAMPLE_DATE if value == _EXAMPLE_DATE else json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def _example(rules: Mapping[str, Any], *, every_key: bool = True) -> Any:
    """A value the schema accepts, to show the form a fact takes."""
    if "enum" in rules:
        return rules["enum"][0]
    kind = rules.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    if kind == "boolean":
        return True
    if kind == "integer":
        return max(int(rules.get("minimum", 0)), 0)
    if kind == "number":
        return rules.get("minimum", 0)
    if kind == "string":
        return _EXAMPLE_DATE if "pattern" in rules else "..."
    if kind == "array":
        return [_example(rules.get("items", {"type": "string"}), every_key=False)]
    if kind == "object":
        props: Mapping[str, Any] = rules.get("properties", {})
        wanted = [k for k in props if k != "note"] if every_key else rules.get("required", [])
        return {k: "..." if k == "source" else _example(props[k]) for k in wanted if k in props}
    return "..."


def _allowed(rules: Mapping[str, Any]) -> str:
    """The allowed values of a fact, in words."""
    if "enum" in rules:
        return "one of " + ", ".join(rules["enum"])
    kind = rules.get("type")
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        return "a date YYYY-MM-DD" if "pattern" in rules else "text"
    if kind in ("integer", "number"):
        word = "a whole number" if kind == "integer" else "a number"
        low, high = rules.get("minimum"), rules.get("maximum")
        if low is not None and high is not None:
            return f"{word} from {low} to {high}"
        return f"{word} of at least {low}" if low is not None else word
    if kind == "array":
        items = rules.get("items", {})
        if items.get("type") == "object":
            keys = ", ".join(items.get("properties", {}))
            return (
                f"a list of tables with {keys} (required: {', '.join(items.get('required', []))})"
            )
        return "a list of " + _allowed(items)
    if kind == "object":
        props = rules.get("properties", {})
        return "a table with " + ", ".join(props) if props else "a table"
    return "see docs/standards/case-format.md"


def _fact_block(section: str, key: str, rules: Mapping[str, Any], readers: tuple[str, ...]) -> str:
    value_rules: Mapping[str, Any] = rules.get("properties", {}).get("value", {})
    path = f"{section}.{key}"
    what = rules.get("description") or value_rules.get("description") or key.replace("_", " ")
    read = ", ".join(readers) if readers else "no check (it describes the vote)"
    example = _RULE_EXAMPLE if path == "outcome.rule" else _toml(_example(value_rules))
    notes = [f"{key}: {what}.", f"Read by: {read}.", f"Value: {_allowed(value_rules)}."]
    if path == "outcome.rule":
        notes.append("Keys and comparisons (at_least / more_than, counts): docs/rules.md.")
    lines = [
        textwrap.fill(
            text, 92, initial_indent="# " if i == 0 else "#   ", subsequent_indent="#     "
        )
        for i, text in enumerate(notes)
    ]
    lines.append(f'# {key} = {{ value = {example}, source = "..." }}')
    return "\n".join(lines)


_HEADER = """\
# Case file skeleton written by `referendum check --new` (docs/standards/case-format.md).
#
# Every fact the checks read is below, commented out, with what it means, the checks that
# read it and the values it takes. Uncomment a fact only when a source supports it and fill
# in its value and source; leave the others commented: a fact left out is reported as
# unknown, never assumed. A fact is a table
#     key = { value = ..., source = "...", note = "..." }        (note is optional)
# where source names the document and the page, article or paragraph the fact comes from
# (a URL where there is one), or a key of the [sources] table. See your progress with
#     referendum check DIR --format markdown
"""


def skeleton_text(name: str) -> str:
    """The skeleton of a case file named ``name``: it loads as it is (every fact unknown)."""
    readers = fact_readers()
    props: Mapping[str, Any] = schema()["properties"]
    parts = [
        _HEADER,
        "[case]",
        f"name = {json.dumps(name)}  # required: the referendum's name",
        'place = "to be filled in"  # required: the country, region or town',
        "# year = 2024",
        '# description = "..."',
        "",
        "[sources]",
        "# Short keys for the documents you cite, each with the page or section, e.g.",
        '# results = "Central Electoral Commission, final results, https://..., table 2"',
    ]
    for section in _sections():
        body: Mapping[str, Any] = props[section]
        parts += ["", f"[{section}]"]
        if body.get("description"):
            parts.append(f"# {body['description']}")
        for key, rules in body.get("properties", {}).items():
            parts += ["", _fact_block(section, key, rules, readers.get(f"{section}.{key}", ()))]
    return "\n".join(parts) + "\n"


def write_skeleton(directory: Path) -> Path:
    """Write ``directory/case.toml`` (creating the directory); never overwrite: an existing
    case file in ``directory``, or ``directory`` being a file, is a :class:`CaseFileError`."""
    if directory.exists() and not directory.is_dir():
        raise CaseFileError(str(directory), "exists and is not a directory")
    for existing in CASE_FILE_NAMES:
        if (directory / existing).exists():
            raise CaseFileError(
                str(directory / existing), "already exists; it is never overwritten"
            )
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "case.toml"
    name = directory.resolve().name or "new case"
    try:
        with target.open("x", encoding="utf-8") as out:
            out.write(skeleton_text(name))
    except FileExistsError as exc:
        raise CaseFileError(str(target), "already exists; it is never overwritten") from exc
    return target
