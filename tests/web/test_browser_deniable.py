"""The browser booth casts deniable ballots (issue 17, docs/spec/coercion.md): a referendum
with deniable revoting served by ``referendum serve``; in Chromium, a voter casts in English,
challenges a ballot and casts again in Ukrainian (the revote), another voter casts in Russian.
The booth keeps nothing in the browser's storage, the board's answers never link a credential
to its ballots, the board page counts the deniable ballots per region, and the signed receipts
are of the ``deniable`` kind.  Then the tallying authority tallies (``referendum tallying
tally``), two trustees decrypt, and the record verifies with each voter's last ballot counted.
axe-core finds no serious or critical violation on the deniable booth's steps, in each
language."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import pytest

from core.helpers import BOARD_KEY, manifest, ready_referendum, run_main
from core.test_deniable_record import TALLYING
from referendum.bench.serving import start_server
from referendum.board.open import open_board
from referendum.clock import SteppingClock
from referendum.protocol.receipts import parse_receipt
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.io import write_record
from referendum.services.challenge import check_challenge_data
from referendum.services.state import load_state
from referendum.services.tally import publish_results, publish_share
from referendum.services.voting import close_voting
from referendum.verify.receipt import check_receipt
from referendum.verify.record_verifier import verify_record

from .browser import _free_port, chromium, need_chromium
from .test_axe import AXE, context_of, step, violations

pytestmark = pytest.mark.slow


TRANSLATIONS = {
    "uk": {
        "title": "Тестовий референдум",
        "questions": {"q1": {"text": "Схвалити?"}},
        "regions": {"east": "Схід", "west": "Захід"},
    },
    "ru": {
        "title": "Тестовый референдум",
        "questions": {"q1": {"text": "Одобрить?"}},
        "regions": {"east": "Восток", "west": "Запад"},
    },
}


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def cast_in_booth(
    browser: Any,
    url: str,
    lang: str,
    private: str,
    answer: str,
    *,
    challenge_first: bool = False,
    switch_to: str | None = None,
) -> tuple[dict[str, Any], list[str], dict[str, Any] | None]:
    """Cast ``answer`` in the booth (page language ``lang``), challenging one ballot first
    when asked, then switching the receipt page to language ``switch_to`` if given; returns
    the receipt saved from the page, axe's findings on each step and the challenge (or
    ``None``)."""
    found: list[str] = []
    context = context_of(browser, "phone", lang, url)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.goto(f"{url}/booth?lang={lang}#credential={private}")
    page.wait_for_selector("#encrypt:enabled")
    page.wait_for_load_state("networkidle")
    found.extend(f"booth {lang}: {v}" for v in violations(page))
    page.locator(f"fieldset[data-question=q1] input[value={answer}]").check()
    challenge = None
    if challenge_first:
        page.click("#encrypt")
        page.wait_for_selector("#step-review:not([hidden])")
        found += step(page, "challenge", "challenge", f"booth challenge {lang}")
        assert page.get_attribute("#challenge-result", "class") == "ok"
        challenge = json.loads(page.input_value("#challenge-output"))
        page.click("#restart")
    found += step(page, "encrypt", "review", f"booth review {lang}")
    found += step(page, "cast", "receipt", f"booth receipt {lang}")
    assert page.is_visible("#save-receipt") and page.is_hidden("#replaced-note")
    receipt = page.evaluate(
        "async () => await (await fetch(document.getElementById('save-receipt').href)).json()"
    )
    code = page.inner_text("#tracking-code")
    assert receipt["tracking_code"] == code
    if switch_to is not None:  # the receipt shown is carried over, though nothing is kept
        page.click(f"a[hreflang={switch_to}]")
        page.wait_for_selector(f"html[lang={switch_to}]")
        page.wait_for_selector("#step-receipt:not([hidden])")
        assert page.inner_text("#tracking-code") == code and page.is_visible("#save-receipt")
    # nothing of the ballot is kept in the browser: a coercer who takes the device later
    # finds no trace of a revote
    kept = page.evaluate(
        "() => [Object.keys(localStorage).length, Object.keys(sessionStorage).length]"
    )
    assert kept == [0, 0], kept
    page.reload()
    page.wait_for_selector("#encrypt:enabled")
    assert page.is_hidden("#step-receipt")
    assert problems == []
    context.close()
    return receipt, found, challenge


def test_the_booth_casts_deniable_ballots_end_to_end(tmp_path: Path) -> None:
    need_chromium()
    if not AXE.exists():
        pytest.skip("axe-core is installed by `make booth` (npm ci in web/booth)")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    closes = now + dt.timedelta(hours=1)
    window = [{"opens": _stamp(now - dt.timedelta(hours=1)), "closes": _stamp(closes)}]
    deniable = manifest(
        window=window,
        revoting="deniable",
        tallying_authority=TALLYING.public.hex(),
        languages=["en", "uk", "ru"],
        translations=TRANSLATIONS,
    )
    db = f"sqlite:///{tmp_path / 'board.sqlite'}"
    board = open_board(db)
    setup = ready_referendum(board, m=deniable)
    board.close()
    key = tmp_path / "board.key"
    key.write_text(json.dumps(BOARD_KEY.to_json()), encoding="utf-8")
    os.chmod(key, 0o600)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    coerced, other = setup.credentials["east"][0], setup.credentials["east"][1]
    server = start_server(db, port, tokens=tmp_path / "no-tokens.json", board_key=key)
    try:
        with chromium() as browser:
            first, found, _ = cast_in_booth(browser, url, "en", coerced.private, "yes")
            again, more, challenge = cast_in_booth(
                browser, url, "uk", coerced.private, "no", challenge_first=True, switch_to="en"
            )
            found += more
            third, more, _ = cast_in_booth(browser, url, "ru", other.private, "blank")
            found += more
            # the challenge checks on the /challenge page too
            context = context_of(browser, "phone", "en", url)
            page = context.new_page()
            page.goto(f"{url}/challenge")
            page.wait_for_selector("#check-button:enabled")
            page.fill("#check-input", json.dumps(challenge))
            page.click("#check-button")
            page.wait_for_selector("#check-result.ok")
            found.extend(f"challenge page: {v}" for v in violations(page))
            context.close()
            for lang in ("en", "uk", "ru"):
                context = context_of(browser, "phone", lang, url)
                page = context.new_page()
                page.goto(f"{url}/?lang={lang}")
                found.extend(f"board {lang}: {v}" for v in violations(page))
                if lang == "en":
                    assert "East: 3, West: 0" in page.inner_text("#by-region")
                    assert "3 ballots accepted" in page.inner_text("main")
                page.goto(f"{url}/track?code={first['tracking_code']}&lang={lang}")
                found.extend(f"track {lang}: {v}" for v in violations(page))
                assert page.locator('[data-counts="hidden"]').count() == 1
                context.close()
        assert found == []
        # the board never tells which ballot is a credential's last
        answer = httpx.get(f"{url}/api/credentials/{coerced.public}", timeout=10).json()
        assert answer["region"] == "east" and answer["last_tracking_code"] is None
        listed = httpx.get(f"{url}/api/ballots", timeout=10).json()["ballots"]
        assert [b["tracking_code"] for b in listed] == [
            r["tracking_code"] for r in (first, again, third)
        ]
        assert all(b["replaces"] is None for b in listed)
    finally:
        server.terminate()
        server.wait(timeout=30)

    board = open_board(db)
    state = load_state(board)
    assert challenge is not None
    assert challenge["format"] == "referendum-challenge/3"
    assert check_challenge_data(state, challenge) == "q1: no"
    ballots = list(board.events(types=(m.BALLOT_DENIABLE,)))
    codes = [e.payload["tracking_code"] for e in ballots]
    assert challenge["tracking_code"] not in codes  # a challenged ballot is never cast
    assert all("credential" not in e.payload for e in ballots)
    assert {parse_receipt(canonical_json(r)).kind for r in (first, again, third)} == {"deniable"}

    clock = SteppingClock(closes + dt.timedelta(minutes=1), dt.timedelta(seconds=1))
    close_voting(board, clock)
    tallying_key = tmp_path / "tallying.key"
    tallying_key.write_bytes(canonical_json(TALLYING.to_json()))
    code, out, err = run_main(
        "tallying", "tally", "--key", str(tallying_key), "--db", db,
        patches=[mock.patch("referendum.cli.tallying.system_clock", clock)],
    )  # fmt: skip
    assert code == 0, err
    assert "voters counted per region: {'east': 2, 'west': 0}" in out
    for secret in setup.secrets[:2]:
        publish_share(board, secret, setup.rng, clock)
    results = publish_results(board, clock)
    # the coerced voter's yes was replaced by the no cast alone; the other voter's blank
    assert results["regions"]["east"]["questions"]["q1"] == {"yes": 0, "no": 1, "blank": 1}
    write_record(board.events(), tmp_path / "record")
    board.close()
    report = verify_record(tmp_path / "record")
    assert report.ok, [r.to_json() for r in report.failures()]
    for receipt in (first, again, third):
        verdict = check_receipt(parse_receipt(canonical_json(receipt)), tmp_path / "record")
        assert verdict.found is not None
        assert verdict.found.payload["tracking_code"] == receipt["tracking_code"]
