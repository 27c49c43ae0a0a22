"""``referendum check`` through the real command line: one test in a subprocess, the rest
through the same ``main()`` entry point in-process (faster, same exit-code mapping)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from referendum.cli.main import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DONETSK = EXAMPLES / "donetsk-2022"


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``referendum check ARGS`` via :func:`referendum.cli.main.main`, as the console script."""

    def invoke(*args: str | Path) -> subprocess.CompletedProcess[str]:
        argv = ["referendum", "check", *map(str, args)]
        monkeypatch.setattr(sys, "argv", argv)
        with pytest.raises(SystemExit) as stopped:
            main()
        captured = capsys.readouterr()
        code = stopped.value.code
        return subprocess.CompletedProcess(
            argv, code if isinstance(code, int) else 1, captured.out, captured.err
        )

    return invoke


def test_donetsk_json_exits_1_in_a_subprocess(run: Run) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from referendum.cli.main import main; main()",
            "check",
            DONETSK,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    lead = next(f for f in json.loads(done.stdout)["findings"] if f["id"] == "MIN_LEAD_TIME")
    assert lead["status"] == "fail"


def test_donetsk_json_exits_1_with_failing_min_lead_time(run: Run) -> None:
    done = run(DONETSK, "--format", "json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    lead = next(f for f in report["findings"] if f["id"] == "MIN_LEAD_TIME")
    assert lead["status"] == "fail"
    assert "3 days" in lead["explanation"]
    assert lead["source"].startswith("Venice Commission, Code of Good Practice")
    assert {f["path"] for f in lead["facts"]} == {"timing.called", "voting.days"}
    assert report["summary"]["failed"] is True and report["summary"]["fail"] >= 1


def test_scotland_exits_0(run: Run) -> None:
    done = run(EXAMPLES / "scotland-2014-independence" / "case.toml", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["outcome"]["decision"] == "rejected"


def test_swiss_text_report_says_rejected_by_the_cantons(run: Run) -> None:
    done = run(EXAMPLES / "switzerland-2020-responsible-business")
    assert done.returncode == 0, done.stderr
    assert "rejected" in done.stdout
    assert "majority of regional votes 8.5 vs 11.5: not met" in " ".join(done.stdout.split())


def test_ukrainian_output_uses_the_uk_catalogue(run: Run) -> None:
    done = run(DONETSK, "--format", "markdown", "--lang", "uk")
    assert done.returncode == 1
    assert done.stdout.startswith("# Звіт про легітимність")
    assert "Лише 3 дн. від оголошення до першого дня голосування" in done.stdout
    assert "Legitimacy report" not in done.stdout
    assert "Only 3 days" not in done.stdout


def test_html_report_is_self_contained(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = run(DONETSK, "--format", "html", "--out", out)
    assert done.returncode == 1 and done.stdout == ""
    html = out.read_text("utf-8")
    assert html.startswith("<!doctype html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?[a-z]+:""", html, re.IGNORECASE)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "<script" not in html
    assert "<svg" in html and 'class="minimum"' in html
    assert "status-fail" in html and "MIN_LEAD_TIME" in html


def test_markdown_lists_facts_with_sources(run: Run) -> None:
    done = run(EXAMPLES / "italy-2016", "--format", "markdown")
    assert done.returncode == 0
    assert "`outcome.rule` =" in done.stdout
    assert "Constitution of the Italian Republic, Art. 75" in done.stdout


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("[case]\nplace = 'x'\n", "case.name", "missing"),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[timing]\n"
            "called = { value = 'soon', source = 's' }\n",
            "timing.called.value",
            "expected a date YYYY-MM-DD",
        ),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[timing]\ncalled = { value = 2022-09-20 }\n",
            "timing.called.source",
            "missing",
        ),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[timing]\nlead = { value = 3, source = 's' }\n",
            "timing.lead",
            "unknown field",
        ),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[voting]\nsecret = { value = 'yes', source = 's' }\n",
            "voting.secret.value",
            "expected boolean",
        ),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[outcome]\n"
            "declared = { value = 'passed', source = 's' }\n",
            "outcome.declared.value",
            "expected one of approved, rejected, void, tie",
        ),
        ("[case\nname = 'x'\n", "case.toml", "not valid TOML"),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[outcome]\n"
            "rule = { value = { majority = '2/5' }, source = 's' }\n",
            "outcome.rule.value.majority",
            "below one half",
        ),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[outcome]\n"
            "rule = { value = { turnout_quorum = { at_least = '150%' } }, source = 's' }\n",
            "outcome.rule.value.turnout_quorum",
            "outside 0 to 100%",
        ),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[outcome]\n"
            "rule = { value = { turnout_quorum = { above = '1/2' } }, source = 's' }\n",
            "outcome.rule.value.turnout_quorum.above",
            "unknown key",
        ),
        (
            "[case]\nname = 'x'\nplace = 'y'\n[outcome]\n"
            "rule = { value = { quorum = '1/2' }, source = 's' }\n",
            "outcome.rule.value.quorum",
            "unknown field",
        ),
    ],
)
def test_bad_case_files_exit_2_naming_the_field(
    run: Run, tmp_path: Path, text: str, field: str, reason: str
) -> None:
    case = tmp_path / "case.toml"
    case.write_text(text, "utf-8")
    done = run(tmp_path, "--format", "json")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert field in done.stderr and reason in done.stderr


def test_bad_yaml_value_exits_2(run: Run, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(
        "case: {name: x, place: y}\n"
        "administration:\n  added_during_voting: {value: -5, source: s}\n",
        "utf-8",
    )
    done = run(case)
    assert done.returncode == 2
    assert "administration.added_during_voting.value" in done.stderr


def test_missing_case_exits_2(run: Run, tmp_path: Path) -> None:
    done = run(tmp_path / "nowhere")
    assert done.returncode == 2
    assert "no such case file or directory" in done.stderr


def test_record_facts_option(run: Run, tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(
        json.dumps(
            {
                "window": {"opens": "2014-09-18T07:00:00", "closes": "2014-09-18T22:00:00"},
                "verified": True,
            }
        ),
        "utf-8",
    )
    done = run(EXAMPLES / "scotland-2014-independence", "--format", "json", "--record-facts", facts)
    assert done.returncode == 0, done.stderr
    found = {f["id"]: f for f in json.loads(done.stdout)["findings"]}
    assert found["RECONCILIATION"]["status"] == "pass"
    assert found["RECONCILIATION"]["facts"][0]["source"] == "referendum election record"


def test_help_text(run: Run) -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "Venice Commission" in done.stdout and "--lang" in done.stdout


def test_new_writes_a_skeleton_that_checks_as_all_unknown(run: Run, tmp_path: Path) -> None:
    made = run("--new", tmp_path / "case-dir")
    assert made.returncode == 0 and "case.toml" in made.stdout
    checked = run(tmp_path / "case-dir", "--format", "json")
    assert checked.returncode == 0
    assert {f["status"] for f in json.loads(checked.stdout)["findings"]} == {"unknown"}


def test_new_refuses_to_overwrite_and_needs_no_case(run: Run, tmp_path: Path) -> None:
    (tmp_path / "case.toml").write_text("kept", "utf-8")
    refused = run("--new", tmp_path)
    assert refused.returncode == 2 and "never overwritten" in refused.stderr
    assert (tmp_path / "case.toml").read_text("utf-8") == "kept"
    both = run(DONETSK, "--new", tmp_path / "other")
    assert both.returncode == 2 and "--new" in both.stderr
    assert not (tmp_path / "other").exists()
    neither = run()
    assert neither.returncode == 2 and "CASE" in neither.stderr
