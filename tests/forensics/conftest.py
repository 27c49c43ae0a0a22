"""Fixtures of the forensics tests: the shared data (paths and parsed tables) and a CLI runner.

The three real files are read from ``../shared/data`` at run time, never copied into the
project, and each is parsed once per test session (``table_2018`` and the others); a test
that needs one skips with the reason when the file is absent.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from referendum.cli.main import main
from referendum.forensics.table import ResultsTable, read_table

REPO = Path(__file__).resolve().parents[2]
DATA_NAME = "russia-2020-constitutional-vote.csv.zip"

CliResult = tuple[int, str, str]


DATA_2018 = "russia-2018-presidential.csv.zip"
DATA_2024 = "russia-2024-presidential.csv.zip"


def shared_data_path(name: str = DATA_NAME) -> Path:
    """``../shared/data/NAME`` next to the repository, or in ``$REFERENDUM_SHARED_DATA``."""
    configured = os.environ.get("REFERENDUM_SHARED_DATA")
    base = Path(configured) if configured else REPO.parent / "shared" / "data"
    return base / name


def _shared(name: str) -> Path:
    path = shared_data_path(name)
    if not path.exists():
        pytest.skip(
            f"real data absent: {name} not found in ../shared/data "
            "(set REFERENDUM_SHARED_DATA to its directory)"
        )
    return path


@pytest.fixture(scope="session")
def russia_2020() -> Path:
    """The 2020 vote's results per station (skips when the shared data are absent)."""
    return _shared(DATA_NAME)


@pytest.fixture(scope="session")
def russia_2018() -> Path:
    """The 2018 presidential election's results per station (skips when absent)."""
    return _shared(DATA_2018)


@pytest.fixture(scope="session")
def russia_2024() -> Path:
    """The 2024 presidential election's results per station (skips when absent)."""
    return _shared(DATA_2024)


@pytest.fixture(scope="session")
def table_2018(russia_2018: Path) -> ResultsTable:
    """The 2018 file parsed once per session (Commission layout recognised).  Shared:
    tests must not modify its arrays."""
    return read_table(russia_2018)


@pytest.fixture(scope="session")
def table_2020(russia_2020: Path) -> ResultsTable:
    """The 2020 file parsed once per session (shared: not to be modified)."""
    return read_table(russia_2020)


@pytest.fixture(scope="session")
def table_2024(russia_2024: Path) -> ResultsTable:
    """The 2024 file parsed once per session (shared: not to be modified)."""
    return read_table(russia_2024)


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliResult]:
    """Run ``referendum ARGS...`` in-process through ``main``; returns (exit code, out, err)."""

    def run(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["referendum", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run
