"""Both group backends give every conformance record, valid and invalid, the same verify
report to the byte (text and JSON), but for the backend's name (issue 16).

Each backend runs in its own process (the backend is chosen once per process), verifying every
record of ``vectors/records/`` with the real command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from referendum.crypto.backend import BACKEND, available

HELPER = Path(__file__).with_name("reports_on_backend.py")

pytestmark = [
    pytest.mark.skipif(not available("decaf"), reason="the libdecaf extension is not built"),
    pytest.mark.skipif(BACKEND != "decaf", reason="run once, from the default test run"),
]


def reports_on(backend: str) -> dict[str, dict[str, Any]]:
    env = {**os.environ, "REFERENDUM_GROUP_BACKEND": backend, "COLUMNS": "120"}
    run = subprocess.run(
        [sys.executable, str(HELPER)], capture_output=True, text=True, env=env, timeout=1200
    )
    assert run.returncode == 0, run.stderr[-2000:]
    data: dict[str, dict[str, Any]] = json.loads(run.stdout)
    return data


def without_backend(entry: dict[str, Any], backend: str) -> dict[str, Any]:
    report = json.loads(entry["json"])
    assert report["summary"].pop("backend") == backend
    header = f"Group backend: {backend}\n"
    assert entry["text"].startswith(header)
    return {**entry, "json": report, "text": entry["text"][len(header) :]}


def test_every_record_gets_the_same_report_on_both_backends() -> None:
    fast, portable = reports_on("decaf"), reports_on("sodium")
    assert sorted(fast) == sorted(portable)
    assert len(fast) >= 40
    verdicts = set()
    for name in sorted(fast):
        a, b = without_backend(fast[name], "decaf"), without_backend(portable[name], "sodium")
        assert a == b, name
        verdicts.add(a["json_status"])
    assert verdicts >= {0, 1, 3}  # valid, invalid and incomplete records alike
