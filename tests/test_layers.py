"""The package's layers: dependencies point one way (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "referendum"

# package -> packages it must never import
FORBIDDEN = {
    "crypto": {"record", "protocol", "board", "services", "verify", "cli", "web"},
    "rules": {"crypto", "record", "protocol", "board", "services", "verify", "cli", "web"},
    "record": {"protocol", "board", "services", "verify", "cli", "web"},
    "protocol": {"board", "services", "verify", "cli", "web"},
    "board": {"services", "verify", "cli", "web"},
    "services": {"verify", "cli", "web"},
    "verify": {"board", "services", "cli", "web"},
    "standards": {"board", "services", "cli", "web"},
    "observe": {"board", "services", "cli", "web"},
    "forensics": {"board", "services", "cli", "web", "crypto"},
    "audit": {"board", "services", "cli", "web", "crypto"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "referendum" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports(package: str) -> None:
    folder = SRC / package
    if not folder.exists():
        pytest.skip(f"{package}/ is not in the tree")
    offenders = {
        str(path.relative_to(SRC)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in folder.rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}
