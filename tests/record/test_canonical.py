"""Canonical JSON: fixed examples and property tests (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from referendum.errors import InputError, UsageError
from referendum.record.canonical import (
    MAX_SAFE_INTEGER,
    canonical_json,
    joined_members,
    leading_member,
    parse_canonical_json,
    parse_json_strict,
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=15,
)


@settings(deadline=None, max_examples=60)
@given(json_values)
def test_round_trip(value: Any) -> None:
    encoded = canonical_json(value)
    assert parse_json_strict(encoded) == value
    assert parse_canonical_json(encoded) == value
    assert canonical_json(parse_json_strict(encoded)) == encoded


@settings(deadline=None, max_examples=60)
@given(st.dictionaries(st.text(max_size=8), json_values, min_size=2, max_size=5), st.randoms())
def test_key_order_does_not_matter(obj: dict[str, Any], rng: Any) -> None:
    items = list(obj.items())
    rng.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(obj)


@settings(deadline=None, max_examples=60)
@given(json_values)
def test_any_whitespace_parses_to_the_same_canonical_bytes(value: Any) -> None:
    loose = json.dumps(value, indent=2, ensure_ascii=True).encode()
    assert canonical_json(parse_json_strict(loose)) == canonical_json(value)
    if loose != canonical_json(value):
        with pytest.raises(InputError, match="canonical form"):
            parse_canonical_json(loose)


@settings(deadline=None, max_examples=60)
@given(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5))
def test_floats_are_refused(number: float, key: str) -> None:
    with pytest.raises(InputError) as info:
        canonical_json({key: [number]})
    assert info.value.field == f"$.{key}[0]"
    with pytest.raises(InputError):
        parse_json_strict(json.dumps({key: [number]}))


@settings(deadline=None, max_examples=60)
@given(st.text(max_size=8), json_values, json_values)
def test_duplicate_keys_are_refused(key: str, first: Any, second: Any) -> None:
    text = "{" + json.dumps(key) + ":" + json.dumps(first) + "," + json.dumps(key) + ":"
    text += json.dumps(second) + "}"
    with pytest.raises(InputError, match="duplicate key"):
        parse_json_strict(text.encode())


@settings(deadline=None, max_examples=60)
@given(st.integers(min_value=MAX_SAFE_INTEGER + 1) | st.integers(max_value=-MAX_SAFE_INTEGER - 1))
def test_unsafe_integers_are_refused(number: int) -> None:
    with pytest.raises(InputError, match="outside"):
        canonical_json([number])
    long = len(str(number)) > 32  # refused by the bounds before it is parsed
    with pytest.raises(InputError, match="number longer than 32" if long else "outside"):
        parse_json_strict(str(number).encode())


def test_exact_bytes() -> None:
    value = {"é": 1, "b": [True, False, None], "a": 'tab\there "quoted" \\ \x01 \x7f ✓ 𝄞'}
    assert (
        canonical_json(value)
        == (
            '{"a":"tab\\there \\"quoted\\" \\\\ \\u0001 \x7f ✓ 𝄞","b":[true,false,null],"é":1}'
        ).encode()
    )


def test_keys_sorted_by_code_point() -> None:
    # U+E000 sorts before U+1D11E by code point (UTF-16 order would put it after)
    assert canonical_json({"\U0001d11e": 1, "\ue000": 2, "Z": 3, "a": 4}) == (
        '{"Z":3,"a":4,"\ue000":2,"\U0001d11e":1}'.encode()
    )


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"a": {"b": [1, 2.0]}}, "$.a.b[1]"),
        ({1: "x"}, "$"),
        ({"x": {1, 2}}, "$.x"),
        ({"x": b"bytes"}, "$.x"),
        ({"x": "\ud800"}, "$.x"),
    ],
)
def test_refusals_name_the_path(value: object, field: str) -> None:
    with pytest.raises(InputError) as info:
        canonical_json(value)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"a":1,"a":1}', "duplicate key 'a'"),
        (b"[1.0]", "not an integer"),
        (b"[1e3]", "not an integer"),
        (b"[NaN]", "NaN is not allowed"),
        (b"[-Infinity]", "-Infinity is not allowed"),
        (b"\xef\xbb\xbf{}", "byte order mark"),
        (b'["\xff"]', "not valid UTF-8 at byte 2"),
        (b'["\\ud800"]', "lone surrogate"),
        (b"{", "line 1 column 2"),
        (b"[1] [2]", "Extra data"),
    ],
)
def test_strict_parser_refusals(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason.replace("(", r"\(")):
        parse_json_strict(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"[1.0]", "not an integer"),
        (b'{"a":1,"a":1}', "duplicate key"),
        (b"[-0]", "canonical form"),
        (b'{"b":1,"a":2}', "canonical form"),
        (b'["\\u00e9"]', "canonical form"),
        (b'["\\/"]', "canonical form"),
        (b"[9007199254740992]", "outside"),
        (b'["\\ud800"]', "lone surrogate"),
        (b"[1] ", "canonical form"),
    ],
)
def test_canonical_parser_refusals(data: bytes, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        parse_canonical_json(data)


def test_string_escapes_follow_the_spec() -> None:
    short = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}
    for code in range(0x20):
        expected = short.get(code, f"\\u{code:04x}")
        assert canonical_json(chr(code)) == f'"{expected}"'.encode()
    for char in ["/", "\x7f", "\u2028", "\u2029", "é", "𝄞", "\ue000"]:
        assert canonical_json(char) == f'"{char}"'.encode()
    assert canonical_json('"\\') == b'"\\"\\\\"'
    assert canonical_json(0) == b"0"
    assert canonical_json(-5) == b"-5"


json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=6)


@given(json_objects)
def test_leading_member_cuts_the_first_value_and_joined_members_puts_it_back(
    obj: dict[str, Any],
) -> None:
    assume(obj)
    encoded = canonical_json(obj)
    first = min(obj)
    cut = leading_member(encoded, obj)
    assert cut == canonical_json(obj[first])
    rest = {k: v for k, v in obj.items() if k != first}
    assert joined_members(first, cut, rest) == encoded


def test_leading_member_and_joined_members_refuse_what_they_cannot_do() -> None:
    with pytest.raises(UsageError):
        leading_member(b'{"a":1,"b":2}', {"a": 1, "b": 3})  # not that object's bytes
    with pytest.raises(UsageError):
        joined_members("b", b"1", {"a": 2})  # "b" is not the first key
