"""Run the examples in the crypto modules' docstrings."""

import doctest
import importlib

import pytest

MODULES = [
    "referendum.crypto.group",
    "referendum.crypto.hashing",
    "referendum.crypto.random",
    "referendum.crypto.elgamal",
    "referendum.crypto.proofs.linear",
    "referendum.crypto.proofs.schnorr",
    "referendum.crypto.proofs.shuffle",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
