"""Reading points and scalars out of parsed JSON, with errors that name the field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from referendum.crypto.group import Point, Scalar
from referendum.errors import EncodingError, InputError

__all__ = [
    "CryptoInputError",
    "get_list",
    "get_object",
    "get_point",
    "get_scalar",
    "point",
    "scalar",
]


class CryptoInputError(InputError):
    """Malformed cryptographic JSON (a missing key, a non-canonical point or scalar...)."""


def get_object(obj: Any, field: str) -> Mapping[str, Any]:
    """``obj`` itself, checked to be a JSON object."""
    if not isinstance(obj, Mapping):
        raise CryptoInputError(field, "expected a JSON object")
    return obj


def get_list(
    obj: Mapping[str, Any], key: str, field: str, *, length: int | None = None
) -> Sequence[Any]:
    """``obj[key]`` checked to be a list (of ``length`` items when given)."""
    value = obj.get(key)
    if not isinstance(value, list):
        raise CryptoInputError(f"{field}.{key}", "expected a JSON list")
    if length is not None and len(value) != length:
        raise CryptoInputError(f"{field}.{key}", f"expected {length} items, got {len(value)}")
    return value


def point(value: Any, field: str) -> Point:
    """Decode a hex point, naming ``field`` on failure."""
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise CryptoInputError(field, "expected 64 lowercase hex digits")
    try:
        return Point.from_hex(value)
    except EncodingError as exc:
        raise CryptoInputError(field, str(exc)) from exc


def scalar(value: Any, field: str) -> Scalar:
    """Decode a hex scalar, naming ``field`` on failure."""
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise CryptoInputError(field, "expected 64 lowercase hex digits")
    try:
        return Scalar.from_hex(value)
    except EncodingError as exc:
        raise CryptoInputError(field, str(exc)) from exc


def get_point(obj: Mapping[str, Any], key: str, field: str) -> Point:
    """``obj[key]`` decoded as a point."""
    if key not in obj:
        raise CryptoInputError(f"{field}.{key}", "missing")
    return point(obj[key], f"{field}.{key}")


def get_scalar(obj: Mapping[str, Any], key: str, field: str) -> Scalar:
    """``obj[key]`` decoded as a scalar."""
    if key not in obj:
        raise CryptoInputError(f"{field}.{key}", "missing")
    return scalar(obj[key], f"{field}.{key}")
