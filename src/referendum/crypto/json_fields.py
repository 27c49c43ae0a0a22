"""Reading points and scalars out of parsed JSON, with errors that name the field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from referendum.crypto.group import Point, Scalar
from referendum.errors import EncodingError, InputError

__all__ = [
    "CryptoInputError",
    "get_index",
    "get_list",
    "get_object",
    "get_point",
    "get_scalar",
    "point",
    "scalar",
]


T = TypeVar("T")


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


def _decode(value: Any, field: str, decode: Callable[[str], T]) -> T:
    if not isinstance(value, str) or len(value) != 64 or value != value.lower():
        raise CryptoInputError(field, "expected 64 lowercase hex digits")
    try:
        return decode(value)
    except EncodingError as exc:
        raise CryptoInputError(field, str(exc)) from exc


def point(value: Any, field: str) -> Point:
    """Decode a hex point, naming ``field`` on failure."""
    return _decode(value, field, Point.from_hex)


def scalar(value: Any, field: str) -> Scalar:
    """Decode a hex scalar, naming ``field`` on failure."""
    return _decode(value, field, Scalar.from_hex)


def get_index(obj: Mapping[str, Any], key: str, field: str) -> int:
    """``obj[key]`` checked to be a positive integer (a trustee index)."""
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CryptoInputError(f"{field}.{key}", "expected a positive integer")
    return value


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
