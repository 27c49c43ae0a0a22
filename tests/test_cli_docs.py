"""Every command has --help text and is documented (README or docs/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from referendum.cli.main import _register, app

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[tuple[str, str]]:
    _register()
    root = typer.main.get_command(app)
    found = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        if sub:
            for sub_name, sub_command in sub.items():
                found.append((f"{name} {sub_name}", sub_command.help or ""))
        else:
            found.append((name, command.help or ""))
    return found


def test_every_command_has_help_and_docs() -> None:
    docs = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md")
    )
    commands = _commands()
    assert len(commands) >= 20
    undocumented = [name for name, _ in commands if f"referendum {name}" not in docs]
    assert not undocumented
    assert not [name for name, text in commands if len(text.strip()) < 20]


def test_help_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "referendum.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "verify" in result.stdout
