"""docs/standards explains every check with its source, and every CLI option."""

from __future__ import annotations

import re
from pathlib import Path

from referendum.standards import ALL_CHECKS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "standards"


def test_every_check_is_documented_with_its_source() -> None:
    text = (DOCS / "checks.md").read_text("utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| ([A-Z_]+) \|.*$", text, re.M)}
    assert set(rows) == {c.id for c in ALL_CHECKS}
    for check in ALL_CHECKS:
        row = rows[check.id]
        source = row.rstrip(" |").rsplit("|", 1)[1].strip()
        assert source, check.id


def test_cli_options_are_documented() -> None:
    text = (DOCS / "README.md").read_text("utf-8")
    for option in ("--format", "--out", "--lang", "--record-facts"):
        assert option in text


def test_docs_cite_standards_relative_to_the_repository() -> None:
    for page in DOCS.glob("*.md"):
        text = page.read_text("utf-8")
        assert "/work/" not in text and "/root/" not in text, page.name
    assert "../shared/STANDARDS.md" in (DOCS / "checks.md").read_text("utf-8")
