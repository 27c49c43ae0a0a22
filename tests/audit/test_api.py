"""Module hygiene: ``__all__`` is accurate and every public docstring example runs."""

import doctest
import importlib
import pkgutil

import pytest

import referendum.audit

MODULES = [
    f"referendum.audit.{m.name}" for m in pkgutil.iter_modules(referendum.audit.__path__)
] + ["referendum.cli.audit"]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert hasattr(module, "__all__")
    for symbol in module.__all__:
        assert hasattr(module, symbol), f"{name}.{symbol}"


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
