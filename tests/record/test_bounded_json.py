"""The bounds on JSON texts (docs/spec/record.md section 2.4): depth counted outside strings,
number tokens measured, sizes, and the same depth as the parsed value's."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from referendum.errors import InputError
from referendum.record.bounded_json import (
    RECORD_LINE,
    SUBMISSION,
    JsonBounds,
    check_bounds,
    value_depth,
)
from referendum.record.canonical import parse_canonical_json, parse_json_strict

TIGHT = JsonBounds(max_bytes=1000, max_depth=3, max_number_chars=5)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        (b"[[[1]]]", None),
        (b"[[[[1]]]]", "nested deeper than 3"),
        (b'{"a":{"b":{"c":1}}}', None),
        (b'{"a":{"b":{"c":{}}}}', "nested deeper than 3"),
        (b'"[[[[[[[[[["', None),  # brackets inside a string do not nest
        (b'["\\"[[[[[[", 1]', None),  # nor after an escaped quote
        (b'["\\\\", [[[1]]]]', "nested deeper than 3"),  # an escaped backslash ends nothing
        (b"[" * 900, "nested deeper than 3"),  # unclosed: counted one by one
        (b"]]]]][[[", None),  # unbalanced, not deep: the parser refuses it
        (b"[12345]", None),
        (b"[123456]", "a number longer than 5"),
        (b'["1234567890"]', None),  # digits in a string are no number
        (b"[1e999]", None),  # short: the strict parser refuses the float
        (b" " * 1001, "1001 bytes; at most 1000"),
    ],
)
def test_bounds(text: bytes, refusal: str | None) -> None:
    if refusal is None:
        check_bounds(text, TIGHT)
        return
    with pytest.raises(InputError, match=refusal):
        check_bounds(text, TIGHT)


def test_the_issues_bodies_are_refused_before_parsing() -> None:
    """Python's parser recurses once per level: 30,000 levels would raise RecursionError."""
    for body in (b"[" * 30_000 + b"]" * 30_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000):
        with pytest.raises(InputError, match="nested deeper than 32"):
            parse_json_strict(body, bounds=SUBMISSION)
        with pytest.raises(InputError, match="nested deeper than 64"):
            parse_canonical_json(body)  # a record line's bounds
    with pytest.raises(InputError, match="a number longer than 32"):
        parse_json_strict(b"9" * 4000)  # no int conversion of thousands of digits


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values, st.integers(min_value=0, max_value=8))
def test_the_check_counts_the_depth_of_the_value(value: Any, limit: int) -> None:
    """Any JSON text of a value (escapes, spacing) keeps a depth bound exactly when the value
    is that deep: the check and the parsed value agree."""
    bounds = JsonBounds(max_bytes=RECORD_LINE.max_bytes, max_depth=limit)
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        deep = value_depth(value) > limit
        try:
            check_bounds(text, bounds)
        except InputError as exc:
            assert deep and "nested deeper" in exc.reason
        else:
            assert not deep
