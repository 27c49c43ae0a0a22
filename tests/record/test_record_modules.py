"""Module hygiene of record/ and board/: docstring examples run, ``__all__`` is exact, and the
the event hash is the crypto layer's ``sha256_fields`` with the event domain."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

from referendum.crypto.hashing import sha256_fields
from referendum.record.event import event_hash

MODULES = [
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


@pytest.mark.parametrize("name", ["referendum.record.canonical", "referendum.record.event"])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0


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
