"""The case file schema: published copy, shipped examples, sources of every fact."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from referendum.standards.case import schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CASES = sorted(p.parent.name for p in EXAMPLES.glob("*/case.toml"))


def test_published_schema_is_the_shipped_one() -> None:
    published = json.loads((ROOT / "docs" / "standards" / "case.schema.json").read_text("utf-8"))
    assert published == schema()


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(schema())


def test_every_fact_requires_a_source() -> None:
    for name, section in schema()["properties"].items():
        if name in ("case", "sources"):
            continue
        for key, fact in section["properties"].items():
            assert fact["required"] == ["value", "source"], f"{name}.{key}"


@pytest.mark.parametrize("name", CASES)
def test_example_sources_are_cited(name: str) -> None:
    """Every fact cites a key of its [sources] table or a document named in full, and
    every source key is used."""
    data = tomllib.loads((EXAMPLES / name / "case.toml").read_text("utf-8"))
    keys = set(data.get("sources", {}))
    used = set()
    for section, body in data.items():
        if section in ("case", "sources"):
            continue
        for key, fact in body.items():
            source = fact["source"]
            assert source in keys or " " in source, f"{section}.{key} cites {source!r}"
            used.add(source)
    assert keys <= used, f"unused sources: {keys - used}"
    # the cases of STANDARDS.md's table cite it; the others cite documents found online
    assert any(
        "STANDARDS.md" in text or "https://" in text or "http://" in text
        for text in data["sources"].values()
    )


def test_example_names_contain_the_place() -> None:
    places = [
        "donetsk",
        "luhansk",
        "zaporizhzhia",
        "kherson",
        "crimea",
        "switzerland-2020",
        "italy-2016",
        "hungary",
        "denmark-2009",
        "denmark-1939",
        "ireland-2018",
        "uk-2016",
        "scotland-2014",
    ]
    for place in places:
        assert sum(place in name for name in CASES) == 1, place
