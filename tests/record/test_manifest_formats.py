"""One manifest loader for the CLI and the pages: TOML, YAML and JSON give the same manifest
(YAML's unquoted yes/no and times read as the strings they are), with the same errors from
both; a text in no accepted format names each format's complaint; a failed manifest creates
no board."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.helpers import AUTHORITY, BOARD_KEY, run_main
from referendum.errors import ManifestError
from referendum.record.manifest import load_manifest, manifest_from_mapping, parse_manifest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "manifest.toml"

YAML = f"""
id: formats
title: Referendum on the statute
questions:
  - id: q1
    text: Do you approve the statute?
    answers: [yes, no, blank]
regions:
  - {{id: east, name: East}}
  - {{id: west, name: West}}
window:
  - opens: 2026-05-04T08:00:00Z
    closes: 2026-05-04T20:00:00Z
trustees: {{names: [A, B], threshold: 2}}
credential_authority: {AUTHORITY.public.hex()}
board_key: {BOARD_KEY.public.hex()}
rule: {{majority: simple, turnout_quorum: 1/4, per_region: false}}
"""

TOML = f"""
id = "formats"
title = "Referendum on the statute"
credential_authority = "{AUTHORITY.public.hex()}"
board_key = "{BOARD_KEY.public.hex()}"

[[questions]]
id = "q1"
text = "Do you approve the statute?"
answers = ["yes", "no", "blank"]

[[regions]]
id = "east"
name = "East"

[[regions]]
id = "west"
name = "West"

[[window]]
opens = "2026-05-04T08:00:00Z"
closes = "2026-05-04T20:00:00Z"

[trustees]
names = ["A", "B"]
threshold = 2

[rule]
majority = "simple"
turnout_quorum = "1/4"
per_region = false
"""


def test_the_three_formats_give_one_manifest(tmp_path: Path) -> None:
    from_toml = parse_manifest(TOML)
    from_yaml = parse_manifest(YAML)
    from_json = parse_manifest(json.dumps(from_toml.to_payload()))
    assert from_toml == from_yaml
    assert from_json.to_payload() == from_toml.to_payload()
    assert from_yaml.questions[0].answers == ("yes", "no", "blank")
    assert from_yaml.window[0].opens == "2026-05-04T08:00:00Z"
    for name, text in (("m.toml", TOML), ("m.yaml", YAML), ("m.yml", YAML), ("m.txt", YAML)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert load_manifest(path) == from_toml
    assert parse_manifest(EXAMPLE.read_bytes()) == load_manifest(EXAMPLE)


@pytest.mark.parametrize(
    ("text", "form", "message"),
    [
        ("title = [unclosed", None, r"not a manifest in any accepted format \(TOML: .*; YAML: "),
        ('{"id": "x",}', None, r"not valid JSON: "),
        ("- a list\n- of things", None, r"YAML: not a table of members"),
        ("a: &x [1]\nb: *x\n", "yaml", r"aliases \(\*name\) are not accepted"),
        ("", None, "empty"),
        (b"\xff\xfe title", None, "not UTF-8 text"),
        ("[" * 5000, "json", "nested deeper than"),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 60)), "yaml", "nested deeper"),
    ],
)
def test_a_text_in_no_accepted_format_is_named(
    text: str | bytes, form: str | None, message: str
) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(text, form=form)  # type: ignore[arg-type]
    assert caught.value.field == "manifest"
    assert re.search(message, caught.value.reason), caught.value.reason


def test_the_cli_and_the_page_give_the_same_error(tmp_path: Path) -> None:
    from referendum.web.app import create_app
    from referendum.web.context import WebContext
    from web.conftest import ORGANISER, TestClient, accounts

    bad = YAML.replace("answers: [yes, no, blank]", "answers: [yes, yes]")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    db = tmp_path / "never.sqlite"
    code, _, stderr = run_main("create", str(path), "--db", str(db))
    assert code == 2 and "error: questions.0: answers must be distinct" in stderr
    assert not db.exists()  # a failed manifest creates no board
    code, _, stderr = run_main("credentials", "issue", "--manifest", str(path),
                               "--authority-key", "k", "--region", "east", "--count", "1",
                               "--private-out", "p", "--list-out", "l")  # fmt: skip
    assert code == 2 and "questions.0: answers must be distinct" in stderr

    from referendum.board.open import open_board
    from referendum.record import messages as m

    board = open_board(tmp_path / "empty.sqlite")
    client = TestClient(create_app(WebContext(board=board, accounts=accounts())))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf
    client.post("/login", data={"token": ORGANISER, "csrf_token": csrf.group(1)})
    r = client.post("/organiser/upload/manifest", data={"csrf_token": csrf.group(1), "text": bad})
    assert r.status_code == 400 and "questions.0" in r.text and "answers must be distinct" in r.text
    assert board.count(m.MANIFEST) == 0
    for text in (YAML, TOML):  # either reads; the first creates the referendum
        r = client.post(
            "/organiser/upload/manifest", data={"csrf_token": csrf.group(1), "text": text}
        )
        if text is YAML:
            assert r.status_code == 200 and 'data-phase="setup"' in r.text, r.text[-2000:]
    assert board.count(m.MANIFEST) == 1
    state_manifest = manifest_from_mapping(next(iter(board.events())).payload)
    assert state_manifest.to_payload() == parse_manifest(TOML).to_payload()
    board.close()
