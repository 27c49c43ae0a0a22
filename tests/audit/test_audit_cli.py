"""``referendum audit sample|plan|assess`` end to end, including bad input (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]
SIMPLE = ["--yes", "600", "--no", "400", "--ballots", "1000"]


def test_sample_prints_one_ballot_per_line(run: Run) -> None:
    code, out, _ = run(
        "audit",
        "sample",
        "--seed",
        "3546311556112163624615351222",
        "--ballots",
        "876",
        "--count",
        "33",
        "--without-replacement",
    )
    assert code == 0
    lines = out.split()
    assert lines[:3] == ["740", "180", "264"] and lines[31:] == ["251", "471"]
    assert "611" in lines and lines.count("611") == 1


def test_sample_is_reproducible(run: Run) -> None:
    args = ("audit", "sample", "--seed", "0123456789", "--ballots", "500", "--count", "20")
    assert run(*args) == run(*args)


def test_sample_json(run: Run) -> None:
    code, out, _ = run(
        "audit", "sample", "--seed", "0", "--ballots", "2", "--count", "3", "--format", "json"
    )
    data = json.loads(out)
    assert code == 0 and data["draws"] == [1, 1, 2] and data["replacement"] is True


def test_sample_with_manifest_and_pull_sheets(run: Run, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("batch,ballots\nbox<1>,400\nbox-2,476\n")
    csv_out, html_out = tmp_path / "pull.csv", tmp_path / "pull.html"
    code, out, _ = run(
        "audit",
        "sample",
        "--seed",
        "3546311556112163624615351222",
        "--ballots",
        "876",
        "--count",
        "5",
        "--manifest",
        str(manifest),
        "--pull-sheet-csv",
        str(csv_out),
        "--pull-sheet-html",
        str(html_out),
    )
    assert code == 0
    assert out.splitlines()[1] == "1,740,box-2,340"  # 740 - 400
    rows = csv_out.read_text().splitlines()
    assert rows[0] == "batch,position,ballot,region,draws"
    assert rows[1].startswith("box<1>,180,180,")  # sorted by batch, then position
    html = html_out.read_text()
    assert "box&lt;1&gt;" in html and "<td>340</td>" in html


def test_plan_json_keys(run: Run) -> None:
    code, out, _ = run("audit", "plan", *SIMPLE, "--risk-limit", "0.1", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["expected_sample_size"] == 119
    assert data["parameters"]["method"] == "bravo" and data["parameters"]["risk_limit"] == 0.1


@pytest.mark.parametrize(
    ("method", "extra", "expected"),
    [
        ("kaplan-markov", [], 51),  # 2 * 1.1 * ln(10) / 0.1 = 50.66
        ("kaplan-markov", ["--gamma", "1.03905"], None),
        ("alpha", [], None),
        ("alpha-comparison", [], None),
    ],
)
def test_plan_every_ballot_method(
    run: Run, method: str, extra: list[str], expected: int | None
) -> None:
    code, out, _ = run(
        "audit",
        "plan",
        "--yes",
        "5500",
        "--no",
        "4500",
        "--ballots",
        "10000",
        "--risk-limit",
        "0.1",
        "--method",
        method,
        *extra,
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and data["expected_sample_size"] > 0
    if expected is not None:
        assert data["expected_sample_size"] == expected
    if method == "kaplan-markov":
        assert data["parameters"]["gamma"] in (1.1, 1.03905)
        assert data["parameters"]["discrepancies"] == 0


def test_no_can_win(run: Run, tmp_path: Path) -> None:
    sample = tmp_path / "s.txt"
    sample.write_text("no\n" * 30)
    code, out, _ = run(
        "audit",
        "assess",
        "--yes",
        "400",
        "--no",
        "600",
        "--ballots",
        "1000",
        "--risk-limit",
        "0.1",
        "--sample",
        str(sample),
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0 and data["stop"] is True and data["reported_outcome"] == "rejected"


def test_assess_json_keys(run: Run, tmp_path: Path) -> None:
    sample = tmp_path / "s.txt"
    sample.write_text("yes\nno\ninvalid\n" * 5)
    code, out, _ = run(
        "audit",
        "assess",
        *SIMPLE,
        "--invalid",
        "0",
        "--risk-limit",
        "0.05",
        "--sample",
        str(sample),
        "--format",
        "json",
    )
    data = json.loads(out)
    assert code == 0
    assert data["stop"] is False and isinstance(data["stop"], bool)
    assert data["ballots_examined"] == 15
    assert 0 < data["risk"] <= 1 and data["more_ballots"] > 0


def test_assess_comparison(run: Run, tmp_path: Path) -> None:
    sample = tmp_path / "s.txt"
    sample.write_text("yes,yes\nno,no\n" * 40 + "yes,invalid\n")
    for method in ("kaplan-markov", "alpha-comparison"):
        code, out, _ = run(
            "audit",
            "assess",
            "--yes",
            "7000",
            "--no",
            "3000",
            "--ballots",
            "10000",
            "--risk-limit",
            "0.05",
            "--method",
            method,
            "--sample",
            str(sample),
            "--format",
            "json",
        )
        data = json.loads(out)
        assert code == 0 and data["stop"] is True, method


def test_two_region_walkthrough(run: Run, examples: Path) -> None:
    """The walk-through of docs/audit/walkthrough.md, figure for figure."""
    results = str(examples / "two-regions.yaml")
    code, out, _ = run(
        "audit", "plan", "--results", results, "--risk-limit", "0.05", "--format", "json"
    )
    plan = json.loads(out)
    assert code == 0 and plan["expected_sample_size"] == 817
    assert plan["regions"]["South"]["draws_in_whole_sample"] == 817
    code, out, _ = run(
        "audit",
        "assess",
        "--results",
        results,
        "--risk-limit",
        "0.05",
        "--sample",
        str(examples / "round1.txt"),
        "--format",
        "json",
    )
    first = json.loads(out)
    assert (first["stop"], first["ballots_examined"], first["more_ballots"]) == (False, 400, 437)
    code, out, _ = run(
        "audit",
        "assess",
        "--results",
        results,
        "--risk-limit",
        "0.05",
        "--sample",
        str(examples / "round2.txt"),
        "--format",
        "json",
    )
    second = json.loads(out)
    assert second["stop"] is True and second["ballots_examined"] == 837
    assert second["risk"] == pytest.approx(0.0253624, abs=1e-6)


def test_batch_comparison_cli(run: Run, tmp_path: Path) -> None:
    batches = tmp_path / "batches.csv"
    batches.write_text("batch,yes,no,invalid\nP1,300,180,20\nP2,320,170,10\nP3,280,200,20\n")
    counts = tmp_path / "counts.txt"
    counts.write_text("P2,320,170,10\nP1,300,180,20\n" * 20)
    args = [
        "--yes",
        "900",
        "--no",
        "550",
        "--invalid",
        "50",
        "--ballots",
        "1500",
        "--batches",
        str(batches),
        "--method",
        "batch-comparison",
        "--risk-limit",
        "0.1",
    ]
    code, out, _ = run("audit", "plan", *args, "--format", "json")
    plan = json.loads(out)
    assert code == 0 and plan["expected_sample_size"] > 0
    assert 0 < plan["expected_ballots_to_count"] <= 1500
    code, out, _ = run("audit", "assess", *args, "--sample", str(counts), "--format", "json")
    assert code == 0 and json.loads(out)["stop"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample", "--seed", "12x4", "--ballots", "10", "--count", "2"], "seed"),
        (
            [
                "sample",
                "--seed",
                "1234",
                "--ballots",
                "10",
                "--count",
                "11",
                "--without-replacement",
            ],
            "count",
        ),
        (
            ["plan", "--yes", "600", "--no", "400", "--ballots", "999", "--risk-limit", "0.1"],
            "tallies",
        ),
        (
            ["plan", "--yes", "500", "--no", "500", "--ballots", "1000", "--risk-limit", "0.1"],
            "tie",
        ),
        (["plan", *SIMPLE, "--risk-limit", "5"], "risk-limit"),
        (["plan", *SIMPLE, "--risk-limit", "0.1", "--method", "guess"], "method"),
    ],
)
def test_bad_input_exits_2(run: Run, args: list[str], message: str) -> None:
    code, _, err = run("audit", *args)
    assert code == 2 and message in err


def test_unknown_reading_exits_2(run: Run, tmp_path: Path) -> None:
    sample = tmp_path / "s.txt"
    sample.write_text("yes\nmaybe\n")
    code, _, err = run("audit", "assess", *SIMPLE, "--risk-limit", "0.1", "--sample", str(sample))
    assert code == 2 and "sample line 2" in err and "maybe" in err


def test_manifest_not_adding_up_exits_2(run: Run, tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("batch,ballots\nA,500\nB,400\n")
    code, _, err = run(
        "audit",
        "sample",
        "--seed",
        "1234",
        "--ballots",
        "1000",
        "--count",
        "3",
        "--manifest",
        str(manifest),
    )
    assert code == 2 and "900" in err and "1000" in err


def test_missing_sample_file_exits_2(run: Run, tmp_path: Path) -> None:
    code, _, err = run(
        "audit", "assess", *SIMPLE, "--risk-limit", "0.1", "--sample", str(tmp_path / "none")
    )
    assert code == 2 and "sample" in err


def test_every_command_has_help(run: Run) -> None:
    for command in ("sample", "plan", "assess"):
        code, out, _ = run("audit", command, "--help")
        assert code == 0 and "Usage" in out and len(out) > 200


def test_batch_comparison_per_region(run: Run, examples: Path) -> None:
    code, out, _ = run(
        "audit",
        "plan",
        "--results",
        str(examples / "two-regions.yaml"),
        "--batches",
        str(examples / "batches.csv"),
        "--method",
        "batch-comparison",
        "--risk-limit",
        "0.05",
        "--format",
        "json",
    )
    plan = json.loads(out)
    assert code == 0
    assert plan["expected_sample_size"] == plan["regions"]["South"]["draws_in_whole_sample"]
    assert 0 < plan["expected_ballots_to_count"] <= 38_000
