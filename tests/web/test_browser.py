"""Browser tests (Playwright driving Debian's Chromium): a voter votes, challenges, revotes
and finds the tracking code on the board; an organiser opens voting, closes and tallies,
trustees decrypt from their pages; the record downloaded from the page verifies; the booth's
code passes the known-answer vectors inside Chromium.  Screenshots of the booth and the board
in English and Ukrainian go to the test's tmp dir (and to ``$REFERENDUM_SCREENSHOTS`` when
set)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from referendum.board.open import open_board
from referendum.protocol.receipts import parse_receipt
from referendum.record import messages as m
from referendum.record.io import write_record
from referendum.services.challenge import check_challenge_data
from referendum.verify.receipt import check_receipt

from .browser import chromium, need_chromium, running
from .conftest import ORGANISER, TRUSTEES, Served, after_window, bearer, serve

ROOT = Path(__file__).resolve().parents[2]
BOOTH = ROOT / "web" / "booth"
PHONE = {"width": 360, "height": 800}

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Served, str, Any]]:
    need_chromium()
    from core.helpers import manifest, ready_referendum

    board = open_board(tmp_path / "board.sqlite")
    information = (
        "Official information: the proposal would open every municipal library on Sundays. "
        "Vote yes to adopt it, no to keep the present opening hours."
    )
    served = serve(ready_referendum(board, m=manifest(information=information)))
    with running(served.ctx) as url, chromium() as browser:
        yield served, url, browser
    board.close()


def shots_dir(tmp_path: Path) -> Path:
    out = tmp_path / "screenshots"
    out.mkdir(exist_ok=True)
    return out


def shoot(page: Any, tmp_path: Path, name: str) -> None:
    target = shots_dir(tmp_path) / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    extra = os.environ.get("REFERENDUM_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(extra) / target.name)


def new_page(browser: Any, *, locale: str, viewport: dict[str, int] | None = None) -> Any:
    context = browser.new_context(
        locale=locale, viewport=viewport or {"width": 1000, "height": 900}
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.problems = problems
    return page


def encrypt(page: Any, answer: str) -> str:
    page.get_by_label(answer, exact=True).check()
    page.click("#encrypt")
    page.wait_for_selector("#step-review:not([hidden])")
    code: str = page.inner_text("#pending-code")
    return code


def test_voter_votes_challenges_revotes_and_tracks(
    site: tuple[Served, str, Any], tmp_path: Path
) -> None:
    served, url, browser = site
    private = served.setup.credentials["east"][0].private
    page = new_page(browser, locale="en-GB", viewport=PHONE)
    page.goto(f"{url}/booth#credential={private}")
    assert page.input_value("#credential") == private
    assert "municipal library" in page.inner_text(".information")
    page.wait_for_function("() => window.location.hash === ''")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, tmp_path, "booth-en")

    # a wrong credential is caught in the browser (checksum), before anything is sent
    page.fill("#credential", private[:-1] + ("0" if private[-1] != "0" else "1"))
    page.get_by_label("Yes", exact=True).check()
    page.click("#encrypt")
    page.wait_for_selector("#credential-error:has-text('not valid')")
    page.fill("#credential", private)

    # challenge: the nonces are shown and check; the challenged ballot is never signed nor
    # cast, and the ballot then cast for the same choice is a fresh encryption
    challenged_code = encrypt(page, "No")
    page.click("#challenge")
    page.wait_for_selector("#step-challenge:not([hidden])")
    assert "Checked" in page.inner_text("#challenge-result")
    challenge = json.loads(page.input_value("#challenge-output"))
    assert challenge["tracking_code"] == challenged_code
    assert "signature" not in json.dumps(challenge)
    assert check_challenge_data(served.ctx.state(), challenge) == "q1: no"
    # the /challenge page checks it too, and refuses it with a signature added
    checker = new_page(browser, locale="en-GB")
    checker.goto(f"{url}/challenge")
    for data, expected in ((challenge, "Checked"), ({**challenge, "signature": {}}, "FAILED")):
        checker.fill("#check-input", json.dumps(data))
        checker.click("#check-button")
        checker.wait_for_selector(f"#check-result:has-text('{expected}')")
    page.click("#restart")

    first = encrypt(page, "No")
    assert first != challenged_code
    page.click("#cast")
    page.wait_for_selector("#step-receipt:not([hidden])")
    assert page.inner_text("#tracking-code") == first
    (cast_first,) = served.setup.board.events(types=[m.BALLOT_ACCEPTED])
    cast_alphas = {s["alpha"] for s in cast_first.payload["ballot"]["questions"][0]["selections"]}
    assert not cast_alphas & {s["alpha"] for s in challenge["ballot"]["questions"][0]["selections"]}
    assert "only your last ballot counts" in page.inner_text("#revote-note")
    assert page.is_hidden("#replaced-note")

    page.click("#again")
    second = encrypt(page, "Yes")
    page.click("#cast")
    page.wait_for_selector("#replaced-note:not([hidden])")
    assert page.inner_text("#tracking-code") == second
    assert page.inner_text("#replaced-code") == first
    shoot(page, tmp_path, "booth-receipt-en")

    # the board's signed receipt: shown with its short code, saved as a file that
    # `referendum track --receipt` checks against the published record
    assert page.is_visible("#signed-receipt")
    with page.expect_download() as download:
        page.click("#save-receipt")
    saved = tmp_path / "receipt.json"
    download.value.save_as(str(saved))
    receipt = parse_receipt(saved.read_bytes())
    assert receipt.subject == second and page.inner_text("#short-code") == receipt.short_code
    assert download.value.suggested_filename == f"receipt-{receipt.height}.json"
    write_record(served.setup.board.events(), tmp_path / "record")
    assert check_receipt(receipt, tmp_path / "record").holds

    codes = [
        e.payload["tracking_code"] for e in served.setup.board.events(types=[m.BALLOT_ACCEPTED])
    ]
    assert codes == [first, second]  # the challenged ballot never reached the board

    page.click("#track-link")
    assert page.get_attribute("#track-result [data-counts]", "data-counts") == "yes"
    page.goto(f"{url}/track?code={first}")
    assert page.get_attribute("#track-result [data-counts]", "data-counts") == "no"
    page.goto(f"{url}/ballots")
    assert second in page.inner_text("#ballots-table")
    assert page.problems == []

    # Ukrainian, chosen by the browser's preference, then switched to English
    uk = new_page(browser, locale="uk-UA", viewport=PHONE)
    uk.goto(f"{url}/booth")
    assert uk.get_attribute("html", "lang") == "uk"
    assert "Кабіна" in uk.title() and "Ваш вибір" in uk.inner_text("main")
    assert uk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(uk, tmp_path, "booth-uk")
    uk.goto(f"{url}/")
    shoot(uk, tmp_path, "board-uk")
    uk.click("a[hreflang=en]")
    assert uk.get_attribute("html", "lang") == "en"
    uk.goto(f"{url}/ballots")
    assert uk.get_attribute("html", "lang") == "en"  # the choice is remembered
    assert uk.problems == []


def test_booth_refuses_to_vote_on_a_board_that_lost_its_last_ballot(
    site: tuple[Served, str, Any],
) -> None:
    """The booth keeps the tracking code of the last ballot it cast; when the board's last
    ballot of the credential is another (here: the board lost the one this browser cast), it
    casts nothing and says so.  Its revotes sign the board's last ballot."""
    served, url, browser = site
    voter = served.setup.credentials["east"][1]
    page = new_page(browser, locale="en-GB")
    page.goto(f"{url}/booth#credential={voter.private}")
    first = encrypt(page, "No")
    page.click("#cast")
    page.wait_for_selector("#step-receipt:not([hidden])")
    key = f"referendum-last-ballot:{served.setup.state.fingerprint.hex()}:{voter.public}"
    assert page.evaluate(f"localStorage.getItem({json.dumps(key)})") == first

    lost = "ab" * 32  # a ballot this browser cast, that the board no longer shows
    page.evaluate(f"localStorage.setItem({json.dumps(key)}, {json.dumps(lost)})")
    page.click("#again")
    encrypt(page, "Yes")
    page.click("#cast")
    page.wait_for_selector("#booth-status:has-text('may have dropped your last ballot')")
    status = page.inner_text("#booth-status")
    assert lost in status and first in status
    accepted = list(served.setup.board.events(types=[m.BALLOT_ACCEPTED]))
    assert [e.payload["tracking_code"] for e in accepted] == [first]  # nothing was cast

    page.evaluate(f"localStorage.setItem({json.dumps(key)}, {json.dumps(first)})")
    page.click("#cast")
    page.wait_for_selector("#replaced-note:not([hidden])")
    assert page.inner_text("#replaced-code") == first
    last = list(served.setup.board.events(types=[m.BALLOT_ACCEPTED]))[-1]
    assert last.payload["replaces"] == first
    assert page.problems == []


def sign_in(browser: Any, url: str, token: str) -> Any:
    page = new_page(browser, locale="en-GB")
    page.goto(f"{url}/login")
    page.fill("#token", token)
    page.click("button[type=submit]:has-text('Sign in')")
    return page


def serve_altered(page: Any, path: str, alter: Any) -> None:
    """Have the page see ``path``'s JSON changed by ``alter``, as a cheating server sends it."""

    def handle(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        alter(body)
        route.fulfill(response=response, json=body)

    page.route(f"**{path}", handle)


def test_booth_refuses_a_key_or_fingerprint_it_cannot_recompute(
    site: tuple[Served, str, Any],
) -> None:
    served, url, browser = site
    other_key = served.setup.state.credentials["east"][0]  # a valid point, not the key

    def wrong_key(info: dict[str, Any]) -> None:
        info["election_key"] = other_key

    def wrong_fingerprint(info: dict[str, Any]) -> None:
        info["fingerprint"] = "ab" * 32

    def key_in_ceremony(ceremony: dict[str, Any]) -> None:
        ceremony["events"][-1]["payload"]["public_key"] = other_key

    cases = [
        ("/api/referendum", wrong_key, "en-GB", "election key the server sent is not"),
        ("/api/referendum", wrong_fingerprint, "en-GB", "fingerprint the server sent"),
        ("/api/ceremony", key_in_ceremony, "en-GB", "election key the server sent is not"),
        ("/api/referendum", wrong_key, "uk-UA", "ключ виборів, надісланий сервером"),
    ]
    for path, alter, locale, text in cases:
        page = new_page(browser, locale=locale)
        serve_altered(page, path, alter)
        page.goto(f"{url}/booth")
        page.wait_for_selector("#booth[data-refused]")
        assert text in page.inner_text("#booth-status"), (path, locale)
        assert page.is_disabled("#encrypt")
        assert page.problems == []
    assert served.setup.board.count(m.BALLOT_ACCEPTED) == 0


def test_organiser_closes_tallies_and_record_verifies(
    site: tuple[Served, str, Any], tmp_path: Path
) -> None:
    served, url, browser = site
    page = new_page(browser, locale="en-GB", viewport=PHONE)
    for region, index, answer in (("east", 0, "Yes"), ("east", 1, "Yes"), ("west", 0, "No")):
        page.goto(f"{url}/booth")
        page.fill("#credential", served.setup.credentials[region][index].private)
        encrypt(page, answer)
        page.click("#cast")
        page.wait_for_selector("#step-receipt:not([hidden])")

    # a voter's credential is no account
    voter = sign_in(browser, url, served.setup.credentials["east"][2].private)
    assert "not valid" in voter.inner_text("main")

    after_window(served.setup)
    organiser = sign_in(browser, url, ORGANISER)
    assert organiser.url.endswith("/organiser")
    organiser.click("#step-close")
    assert organiser.get_attribute("[data-phase]", "data-phase") == "closed"
    organiser.click("#step-tally")
    assert organiser.get_attribute("[data-phase]", "data-phase") == "tallied"

    for secrets in served.setup.secrets[:2]:
        key_file = tmp_path / f"trustee-{secrets.trustee}.json"
        key_file.write_text(json.dumps(secrets.to_json()))
        trustee = sign_in(browser, url, TRUSTEES[secrets.trustee])
        assert trustee.url.endswith("/trustee")
        trustee.set_input_files("#key-share", str(key_file))
        trustee.click("#trustee-share")
        trustee.wait_for_selector("#flash-ok")

    organiser.reload()
    organiser.click("#step-results")
    assert organiser.get_attribute("[data-phase]", "data-phase") == "published"

    board = new_page(browser, locale="en-GB")
    board.goto(f"{url}/")
    assert board.get_attribute("[data-decision]", "data-decision") == "approved"
    shoot(board, tmp_path, "board-en")
    with board.expect_download() as download:
        board.click("a[href='/api/record.tar.gz']")
    archive = tmp_path / "record.tar.gz"
    download.value.save_as(str(archive))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "downloaded", filter="data")
    done = subprocess.run(
        [sys.executable, "-m", "referendum.cli", "verify", str(tmp_path / "downloaded" / "record")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    board.goto(f"{url}/verify")
    assert board.get_attribute("#verify-verdict", "data-ok") == "yes"
    assert board.problems == [] and organiser.problems == []


def test_booth_code_passes_the_vectors_inside_chromium(tmp_path: Path) -> None:
    need_chromium()
    esbuild = BOOTH / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        pytest.skip("needs the booth's packages (make booth)")
    bundle = tmp_path / "vectors.js"
    subprocess.run(
        [
            str(esbuild),
            "test/run-vectors.js",
            "--bundle",
            "--format=iife",
            "--global-name=BoothVectors",
            f"--outfile={bundle}",
        ],
        cwd=BOOTH,
        check=True,
        capture_output=True,
        timeout=60,
    )
    vectors = {
        name: json.loads((ROOT / "vectors" / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("proofs", "ballot", "credentials", "deniable_ballot")
    }
    with chromium() as browser:
        page = browser.new_page()
        page.set_content("<p>vectors</p>")
        page.add_script_tag(path=str(bundle))
        out = page.evaluate("(v) => BoothVectors.runVectors(v)", vectors)
    assert out["failures"] == []
    assert out["passed"] >= 38  # 24 visible, 14 deniable


def test_organiser_opens_voting(tmp_path: Path) -> None:
    need_chromium()
    from core.helpers import ready_referendum

    board = open_board(tmp_path / "board.sqlite")
    served = serve(ready_referendum(board, open_now=False))
    try:
        with running(served.ctx) as url, chromium() as browser:
            organiser = sign_in(browser, url, ORGANISER)
            assert organiser.get_attribute("[data-phase]", "data-phase") == "ready"
            organiser.click("#step-open")
            assert organiser.get_attribute("[data-phase]", "data-phase") == "open"
            shoot(organiser, tmp_path, "organiser-opened-en")
    finally:
        board.close()


def test_booth_saves_the_refusal_receipt(site: tuple[Served, str, Any], tmp_path: Path) -> None:
    """Voting closes between encrypting and casting: the board refuses the ballot, logs the
    refusal, and the booth offers the board's signed refusal receipt."""
    import httpx

    served, url, browser = site
    private = served.setup.credentials["west"][1].private
    page = new_page(browser, locale="en-GB", viewport=PHONE)
    page.goto(f"{url}/booth#credential={private}")
    encrypt(page, "No")
    after_window(served.setup)
    closed = httpx.post(f"{url}/api/organiser/step/close", headers=bearer(ORGANISER))
    assert closed.status_code == 200, closed.text
    page.click("#cast")
    page.wait_for_selector("#refusal-receipt:not([hidden])")
    assert "refused" in page.inner_text("#booth-status")
    with page.expect_download() as download:
        page.click("#save-refusal")
    saved = tmp_path / "refusal.json"
    download.value.save_as(str(saved))
    receipt = parse_receipt(saved.read_bytes())
    assert receipt.kind == "refused"
    write_record(served.setup.board.events(), tmp_path / "record")
    verdict = check_receipt(receipt, tmp_path / "record")
    assert verdict.holds and verdict.found is not None
    assert verdict.found.payload["reason"] == "closed"
    assert [p for p in page.problems if "409 (Conflict)" not in p] == []  # the refusal
