"""Canonical JSON: the one byte encoding of JSON values that the record hashes and stores.

Rules (``docs/spec/record.md`` section "Canonical JSON"):

* values are objects with string keys, arrays, strings, integers, ``true``, ``false`` and
  ``null``; floating-point numbers (and NaN, Infinity) are refused;
* integers lie in the range -(2**53 - 1) .. 2**53 - 1, so that every JSON reader (a browser
  included) represents them exactly;
* strings are Unicode scalar values (no lone surrogates), written as UTF-8; only ``"``, ``\\``
  and the control characters U+0000..U+001F are escaped: ``\\b \\t \\n \\f \\r`` in short form,
  the others as ``\\u00xx`` with lowercase hex;
* object keys are sorted by Unicode code point, and are unique;
* separators are ``,`` and ``:``, with no whitespace anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from referendum.errors import InputError, UsageError
from referendum.record.bounded_json import RECORD_LINE, JsonBounds, check_bounds

__all__ = [
    "MAX_SAFE_INTEGER",
    "canonical_json",
    "joined_members",
    "leading_member",
    "parse_canonical_json",
    "parse_json_strict",
]

MAX_SAFE_INTEGER = 2**53 - 1
"""Largest integer magnitude allowed in canonical JSON (IEEE 754 doubles hold it exactly)."""

_ENCODER = json.JSONEncoder(
    ensure_ascii=False,
    sort_keys=True,
    separators=(",", ":"),
    allow_nan=False,
    check_circular=False,
)


def canonical_json(obj: object) -> bytes:
    """Encode ``obj`` as canonical JSON bytes (UTF-8).

    Raises :class:`~referendum.errors.InputError` naming the JSON path of the first value that
    canonical JSON cannot hold (a float, a non-string key, an integer out of range...).

    >>> canonical_json({"b": [1, True, None], "a": "é"})
    b'{"a":"\\xc3\\xa9","b":[1,true,null]}'
    """
    if not _plainly_valid(obj):
        _check(obj, "$")  # raises, naming the path, unless only harmless subclasses were seen
    try:
        return _ENCODER.encode(obj).encode("utf-8")
    except UnicodeEncodeError:
        _check(obj, "$")  # names the string holding a lone surrogate
        raise


def leading_member(encoded: bytes, obj: Mapping[str, Any]) -> bytes:
    """The canonical JSON of the value of ``obj``'s first key (in the canonical order), cut
    from ``encoded``, which must be ``canonical_json(obj)`` (as :func:`parse_canonical_json`
    checks): only the other members are encoded again, which is cheap when the first one is
    the large one (a submission's ``ballot``).

    >>> leading_member(b'{"a":[1,{"x":2}],"b":3}', {"a": [1, {"x": 2}], "b": 3})
    b'[1,{"x":2}]'
    """
    first = min(obj)
    head = b"{" + canonical_json(first) + b":"
    rest = {key: value for key, value in obj.items() if key != first}
    tail = b"," + canonical_json(rest)[1:] if rest else b"}"
    if not (encoded.startswith(head) and encoded.endswith(tail)):
        raise UsageError("leading_member: the bytes are not the canonical JSON of the object")
    return encoded[len(head) : len(encoded) - len(tail)]


def joined_members(key: str, value_json: bytes, rest: Mapping[str, Any]) -> bytes:
    """``canonical_json({key: value, **rest})`` given ``value_json``, the canonical JSON of
    ``value`` (as :func:`leading_member` cuts it): ``key`` must come before every key of
    ``rest`` in the canonical order.

    >>> joined_members("a", b'[1,{"x":2}]', {"b": 3})
    b'{"a":[1,{"x":2}],"b":3}'
    """
    if any(other <= key for other in rest):
        raise UsageError(f"joined_members: {key!r} is not before every other key")
    tail = b"," + canonical_json(dict(rest))[1:] if rest else b"}"
    return b"{" + canonical_json(key) + b":" + value_json + tail


def parse_json_strict(data: bytes | str, *, bounds: JsonBounds = RECORD_LINE) -> Any:
    """Parse JSON, refusing floats, NaN/Infinity, duplicate keys and out-of-range integers,
    and any text beyond ``bounds`` (its size, nesting depth, number length: record.md
    section 2.4), which is refused before it is parsed.

    Whitespace and key order are free (use :func:`parse_canonical_json` to demand the canonical
    form).  Raises :class:`~referendum.errors.InputError` with ``field`` ``"json"`` (or the JSON
    path of the offending value) and the reason.
    """
    check_bounds(data, bounds)
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("json", f"not valid UTF-8 at byte {exc.start}") from None
    else:
        text = data
    if text.startswith("\ufeff"):
        raise InputError("json", "starts with a byte order mark")
    try:
        obj = json.loads(
            text,
            object_pairs_hook=_unique_object,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as exc:
        raise InputError("json", f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # Python's limit on the digits of an integer
        raise InputError("json", str(exc)) from None
    _check(obj, "$")
    return obj


def parse_canonical_json(
    data: bytes, *, bounds: JsonBounds = RECORD_LINE, bounds_checked: bool = False
) -> Any:
    """Parse ``data`` and check that it is byte for byte the canonical encoding of the result.

    Same refusals as :func:`parse_json_strict` (``bounds`` included), plus any departure from
    the canonical form.
    """
    data = bytes(data)
    if not bounds_checked:  # the caller checked ``bounds`` on these very bytes
        check_bounds(data, bounds)
    try:
        # Fast path: the C parser (hooks refuse floats, NaN and unsafe integers), then the C
        # encoder.  Duplicate keys, -0, escapes or spacing that the canonical form does not
        # use make the bytes differ; a lone surrogate fails the UTF-8 encoding.
        obj = json.loads(
            data,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
            parse_int=_safe_int,
        )
        if _ENCODER.encode(obj).encode("utf-8") == data:
            return obj
    except (ValueError, InputError):
        pass
    parse_json_strict(data, bounds=bounds)  # raises the precise reason when there is one
    raise InputError("json", "not in canonical form (key order, spacing or escapes)")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise InputError("json", f"duplicate key {key!r}")
        obj[key] = value
    return obj


def _refuse_float(text: str) -> Any:
    raise InputError("json", f"number {text} is not an integer (floats are not allowed)")


def _safe_int(text: str) -> int:
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise InputError("json", f"integer {text} is outside ±(2**53 - 1)")
    return value


def _refuse_constant(text: str) -> Any:
    raise InputError("json", f"{text} is not allowed")


def _plainly_valid(obj: object) -> bool:
    """Fast walk without paths: True when ``obj`` is made of plain JSON types only.

    Strings are not inspected here (a lone surrogate fails the UTF-8 encoding later).
    """
    stack = [obj]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:  # type: ignore[operator]
                continue
            return False
        if kind is dict:
            for key, value in item.items():  # type: ignore[attr-defined]
                if type(key) is not str:
                    return False
                push(value)
        elif kind is list or kind is tuple:
            extend(item)  # type: ignore[arg-type]
        else:
            return False
    return True


def _check(obj: object, path: str) -> None:
    """Walk ``obj``; raise InputError at the first value canonical JSON cannot hold."""
    if obj is None or obj is True or obj is False:
        return
    if isinstance(obj, str):
        _check_string(obj, path)
    elif isinstance(obj, int):
        if not -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
            raise InputError(path, f"integer {obj} is outside ±(2**53 - 1)")
    elif isinstance(obj, float):
        raise InputError(path, f"float {obj!r} is not allowed (use an integer or a string)")
    elif isinstance(obj, list | tuple):
        for index, item in enumerate(obj):
            _check(item, f"{path}[{index}]")
    elif isinstance(obj, Mapping):
        if not isinstance(obj, dict):
            raise InputError(path, f"{type(obj).__name__} is not a dict")
        for key, value in obj.items():
            if not isinstance(key, str):
                raise InputError(path, f"key {key!r} is not a string")
            _check_string(key, f"{path} key {key!r}")
            _check(value, f"{path}.{key}")
    else:
        raise InputError(path, f"{type(obj).__name__} is not a JSON value")


def _check_string(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(path, f"lone surrogate at character {exc.start}") from None
