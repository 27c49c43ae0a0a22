"""``referendum check --new``: the case skeleton holds every fact the checks read."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from referendum.errors import CaseFileError
from referendum.standards import Status, build_report, case_from_mapping, load_case
from referendum.standards.checks import ALL_CHECKS
from referendum.standards.skeleton import fact_readers, skeleton_text, write_skeleton

_FACT_LINE = re.compile(r"^# ([a-z_]+) = \{ value = ")
_SECTION = re.compile(r"^\[([a-z_]+)\]$")


def _facts_in(text: str) -> dict[str, str]:
    """Each commented fact line of a skeleton, by dotted path, with the comment above it."""
    facts: dict[str, str] = {}
    section, block = "", []
    for line in text.splitlines():
        if heading := _SECTION.match(line):
            section = heading[1]
        if fact := _FACT_LINE.match(line):
            facts[f"{section}.{fact[1]}"] = " ".join(block)
        block = [*block, line.lstrip("#").strip()] if line.startswith("#") else []
    return facts


def _uncommented(text: str) -> str:
    return "\n".join(line[2:] if _FACT_LINE.match(line) else line for line in text.splitlines())


def test_every_fact_any_check_reads_is_in_the_skeleton_with_its_readers() -> None:
    readers = fact_readers()  # derived from the checks' code
    facts = _facts_in(skeleton_text("demo"))
    assert set(readers) <= set(facts)
    for path, ids in readers.items():
        assert f"Read by: {', '.join(ids)}." in facts[path], path


def test_every_check_reads_some_fact() -> None:
    """The derivation sees every way a check names its facts: literals, module constants
    and paths bound by a factory (the campaign flags)."""
    reading = {check_id for ids in fact_readers().values() for check_id in ids}
    assert reading == {check.id for check in ALL_CHECKS}
    assert fact_readers()["campaign.media_equal_access"] == ("MEDIA_EQUALITY",)
    assert "FUNDING_DISCLOSED_BEFORE_VOTE" in fact_readers()["campaign.in_kind_disclosed"]
    assert fact_readers()["voting.days"][0] == "MIN_LEAD_TIME"


def test_skeleton_loads_with_every_finding_unknown(tmp_path: Path) -> None:
    written = write_skeleton(tmp_path / "my-case")
    assert written == tmp_path / "my-case" / "case.toml"
    case = load_case(tmp_path / "my-case")
    assert case.name == "my-case"
    report = build_report(case)
    assert {f.status for f in report.findings} == {Status.UNKNOWN}
    assert len(report.findings) == len(ALL_CHECKS)


def test_every_example_value_of_the_skeleton_is_valid() -> None:
    """Uncommenting every fact gives a case the schema accepts: each line shows a form the
    fact may take."""
    data = tomllib.loads(_uncommented(skeleton_text("demo")))
    case = case_from_mapping(data)
    assert all(case.fact(path) is not None for path in _facts_in(skeleton_text("demo")))


@pytest.mark.parametrize("existing", ["case.toml", "case.yaml", "case.yml"])
def test_an_existing_case_file_is_never_overwritten(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_text("kept", "utf-8")
    with pytest.raises(CaseFileError, match="never overwritten"):
        write_skeleton(tmp_path)
    assert (tmp_path / existing).read_text("utf-8") == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]


def test_a_file_in_place_of_the_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("kept", "utf-8")
    with pytest.raises(CaseFileError, match="not a directory"):
        write_skeleton(tmp_path / "x")
    assert (tmp_path / "x").read_text("utf-8") == "kept"
