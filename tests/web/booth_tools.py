"""Running the booth's JavaScript tools (web/booth/tools/) with Node, for the cross-language
tests; the tests that need them skip when Node or the booth's packages are missing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

BOOTH = Path(__file__).resolve().parents[2] / "web" / "booth"

needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (BOOTH / "node_modules" / "@noble").is_dir(),
    reason="needs node and the booth's packages (make booth: npm ci in web/booth)",
)


def run_tool(name: str, request: Any) -> dict[str, Any]:
    """Run ``web/booth/tools/NAME.js`` with ``request`` as JSON on its input; its JSON output."""
    done = subprocess.run(
        ["node", str(BOOTH / "tools" / f"{name}.js")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    out: dict[str, Any] = json.loads(done.stdout)
    return out
