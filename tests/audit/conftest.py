"""Helpers for the audit tests: run the ``referendum`` CLI in-process."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from referendum.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "audit"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``run("audit", "plan", ...)`` -> (exit code, stdout, stderr)."""

    def _run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["referendum", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return _run


@pytest.fixture
def examples() -> Path:
    if not EXAMPLES.is_dir():
        pytest.skip(f"example files not found at {EXAMPLES}")
    return EXAMPLES
