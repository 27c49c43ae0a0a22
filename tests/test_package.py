"""Every module of the package declares an explicit ``__all__`` naming things it defines."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import referendum

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(referendum.__path__, "referendum.")
    if not m.name.endswith(("__main__", "_build_decaf", "._decaf"))
)


def test_every_module_is_listed() -> None:
    assert len(MODULES) > 80


@pytest.mark.parametrize("name", MODULES)
def test_explicit_all(name: str) -> None:
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it lacks: {missing}"
