"""Bounds on the JSON this project reads: size, nesting depth and the length of a number.

Every JSON text read from outside (a ballot submission, an upload, a line of a record, a
receipt) is checked against its :class:`JsonBounds` *before* it is parsed, so that no input
makes the parser recurse without limit (Python's parser raises ``RecursionError`` a thousand
levels down), convert a number of thousands of digits, or hold more than the bound in memory.
The bounds are part of the format (docs/spec/record.md, section 2.4): a verifier applies the
same ones, so a board and a verifier agree on what is refused.

The check does not parse: it blanks out the strings (whose contents may hold any bracket or
digit), then counts brackets and measures runs of number characters, in time linear in the
size of the text.  Duplicate names, floats, ``NaN`` and invalid UTF-8 are refused by the
strict reader itself (:func:`referendum.record.canonical.parse_json_strict`).

>>> check_bounds(b'{"a":[[1]]}', JsonBounds(max_bytes=100, max_depth=3))
>>> check_bounds(b'[[[[1]]]]', JsonBounds(max_bytes=100, max_depth=3))
Traceback (most recent call last):
...
referendum.errors.InputError: json: nested deeper than 3 levels (arrays and objects)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from referendum.errors import InputError

__all__ = [
    "DOCUMENT",
    "MAX_NUMBER_CHARS",
    "RECORD_LINE",
    "SUBMISSION",
    "JsonBounds",
    "check_bounds",
    "value_depth",
]

MAX_NUMBER_CHARS: Final = 32
"""The longest number token accepted (a canonical integer has at most 17 characters)."""


@dataclass(frozen=True, slots=True)
class JsonBounds:
    """The most a JSON text may hold: ``max_bytes`` bytes (of UTF-8), arrays and objects
    nested ``max_depth`` deep (``[]`` is depth 1, ``[[]]`` depth 2; a bare scalar depth 0),
    number tokens of ``max_number_chars`` characters."""

    max_bytes: int
    max_depth: int
    max_number_chars: int = MAX_NUMBER_CHARS


SUBMISSION: Final = JsonBounds(max_bytes=64 * 1024, max_depth=32)
"""A ballot submission's body (a real one is 9 levels deep)."""

RECORD_LINE: Final = JsonBounds(max_bytes=64 * 1024 * 1024, max_depth=64)
"""A line of ``events.jsonl`` and every other JSON file of a record (an event holds a
refused submission 3 levels below its top: 35 levels at most)."""

DOCUMENT: Final = JsonBounds(max_bytes=64 * 1024 * 1024, max_depth=32)
"""An uploaded document: a manifest, a credential list, a trustee's key or step file."""

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


def check_bounds(data: bytes | str, bounds: JsonBounds) -> None:
    """Raise :class:`~referendum.errors.InputError` (field ``json``) saying which bound the
    JSON text ``data`` exceeds; return when it keeps all of them (it may still not be JSON:
    the parser says so)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > bounds.max_bytes:
        raise InputError("json", f"{len(raw)} bytes; at most {bounds.max_bytes}")
    # outside the strings: without a backslash, every other piece between quotes
    bare = _STRING.sub(b'""', raw) if b"\\" in raw else b"".join(raw.split(b'"')[::2])
    if _too_deep(bare.translate(_SQUARE, _NOT_BRACKETS), bounds.max_depth):
        raise InputError(
            "json", f"nested deeper than {bounds.max_depth} levels (arrays and objects)"
        )
    if _number_run(bounds.max_number_chars).search(bare) is not None:
        raise InputError("json", f"a number longer than {bounds.max_number_chars} characters")


def _too_deep(brackets: bytes, limit: int) -> bool:
    """Whether the brackets (``[`` and ``]`` only) nest deeper than ``limit``: each pass
    removes the innermost pairs, so a pair left after ``limit`` passes is deeper.  Brackets
    that do not pair (the parser refuses them) are counted one by one."""
    left = brackets
    for _ in range(limit):
        if not left:
            return False
        fewer = left.replace(b"[]", b"")
        if len(fewer) == len(left):
            return _running_depth(brackets, limit)
        left = fewer
    return b"[]" in left or _running_depth(brackets, limit)


def _running_depth(brackets: bytes, limit: int) -> bool:
    depth = 0
    for byte in brackets:
        depth += 1 if byte == 0x5B else -1
        if depth > limit:
            return True
    return False


_RUNS: dict[int, re.Pattern[bytes]] = {}


def _number_run(limit: int) -> re.Pattern[bytes]:
    pattern = _RUNS.get(limit)
    if pattern is None:
        pattern = _RUNS[limit] = re.compile(rb"[-+.0-9eE]{%d}" % (limit + 1))
    return pattern


def value_depth(value: Any) -> int:
    """How deep arrays and objects nest in a parsed JSON value (as :class:`JsonBounds`
    counts), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        else:
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
    return deepest
