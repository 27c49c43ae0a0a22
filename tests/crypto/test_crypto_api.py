"""Every crypto module declares ``__all__``, and it lists exactly its public definitions."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import referendum.crypto

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(referendum.crypto.__path__, "referendum.crypto.")
    if not info.name.rsplit(".", 1)[-1].startswith("_")
)


def test_modules_found() -> None:
    assert "referendum.crypto.ballot" in MODULES
    assert "referendum.crypto.proofs.disjunctive" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_the_public_definitions(name: str) -> None:
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert all(hasattr(module, n) for n in exported)
    defined = {
        n
        for n, value in vars(module).items()
        if not n.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == name
    }
    assert defined <= exported, f"public but not in __all__: {sorted(defined - exported)}"


def test_package_reexports_nothing() -> None:
    assert referendum.crypto.__all__ == []
