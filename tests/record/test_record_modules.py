"""Module hygiene of record/ and board/: docstring examples run, ``__all__`` is exact, and the
record's private field encoding is the crypto layer's ``encode_fields``."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.crypto.hashing import encode_fields as crypto_encode_fields
from referendum.crypto.hashing import sha256_fields
from referendum.record._fields import encode_fields
from referendum.record.event import event_hash

MODULES = [
    "referendum.record._fields",
    "referendum.record.canonical",
    "referendum.record.event",
    "referendum.record.chain",
    "referendum.record.io",
    "referendum.board.protocol",
    "referendum.board.memory",
    "referendum.board.sqlite",
    "referendum.board.postgres",
    "referendum.board.open",
    "referendum.board.migrations",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_exact(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert all(hasattr(module, item) for item in exported)
    defined = {
        key
        for key, value in vars(module).items()
        if not key.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == name
    }
    assert defined <= exported, defined - exported


@pytest.mark.parametrize(
    "name", ["referendum.record._fields", "referendum.record.canonical", "referendum.record.event"]
)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0


@settings(deadline=None, max_examples=50)
@given(st.lists(st.binary(max_size=40), max_size=6))
def test_encode_fields_is_the_crypto_one(parts: list[bytes]) -> None:
    assert encode_fields(*parts) == crypto_encode_fields(*parts)


def test_event_hash_is_sha256_fields_with_the_event_domain() -> None:
    parent = "cd" * 32
    expected = sha256_fields(
        "referendum/v1/event",
        (7).to_bytes(8, "big"),
        bytes.fromhex(parent),
        b"ballot",
        b"2026-03-01T08:00:00.000000Z",
        b'{"a":1}',
    )
    assert event_hash(7, parent, "ballot", "2026-03-01T08:00:00.000000Z", {"a": 1}) == (
        expected.hex()
    )
