"""Print, as one JSON object, what ``referendum verify`` prints (exit status, text report,
JSON report) for every conformance record, on this process's group backend
(``REFERENDUM_GROUP_BACKEND``); run by test_backends_agree.py once per backend."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

from referendum.cli.main import main

RECORDS = Path(__file__).resolve().parents[2] / "vectors" / "records"


def run(args: list[str]) -> tuple[int, str]:
    """``referendum ARGS`` in this process: exit status and standard output."""
    out = io.StringIO()
    old = sys.argv
    sys.argv = ["referendum", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old
    return code, out.getvalue()


def reports() -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for folder in sorted(p.parent for p in RECORDS.glob("*/events.jsonl")):
        entry: dict[str, object] = {}
        for fmt in ("text", "json"):
            code, out = run(["verify", str(folder), "--format", fmt, "--workers", "1"])
            entry[fmt] = out
            entry[f"{fmt}_status"] = code
        found[folder.name] = entry
    return found


if __name__ == "__main__":
    json.dump(reports(), sys.stdout)
