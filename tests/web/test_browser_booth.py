"""Browser tests of the booth (Playwright driving Debian's Chromium) on the issue's
referendum: two regions, the second question asked in the west only.  The booth shows each
voter their region's questions only, the review step shows the answers chosen, the receipt
survives a reload; without its script, or with Enter pressed before the script has loaded,
nothing is sent: the server's access log holds no credential and no choice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.helpers import ready_referendum
from referendum.board.open import open_board
from referendum.record import messages as m
from referendum.services.challenge import check_challenge_data

from .browser import AccessLog, chromium, need_chromium, running
from .conftest import Served, serve
from .phases import styled_manifest

pytestmark = pytest.mark.slow
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def styled(tmp_path: Path) -> Iterator[tuple[Served, str, Any, AccessLog]]:
    need_chromium()
    board = open_board(tmp_path / "board.sqlite")
    served = serve(ready_referendum(board, m=styled_manifest()))
    log = AccessLog()
    with running(served.ctx, log) as url, chromium() as browser:
        yield served, url, browser, log
    board.close()


def page_of(browser: Any, *, scripts: bool = True, viewport: dict[str, int] | None = None) -> Any:
    context = browser.new_context(
        locale="en-GB",
        java_script_enabled=scripts,
        viewport=viewport or {"width": 1000, "height": 900},
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    return page


def answer(page: Any, question: str, label: str) -> None:
    page.locator(f"fieldset[data-question={question}]").get_by_label(label, exact=True).check()


def test_each_voter_sees_their_regions_questions(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    served, url, browser, _ = styled
    east = served.setup.credentials["east"][0]
    page = page_of(browser)
    page.goto(f"{url}/booth#credential={east.private}")
    page.wait_for_selector("#encrypt:enabled")
    assert page.is_hidden("fieldset[data-question=q2]")
    answer(page, "q1", "No")
    page.click("#encrypt")
    page.wait_for_selector("#step-review:not([hidden])")
    assert page.inner_text("#review-choices") == "Approve the charter?\nNo"
    page.click("#challenge")
    page.wait_for_selector("#step-challenge:not([hidden])")
    challenge = json.loads(page.input_value("#challenge-output"))
    assert challenge["choices"] == {"q1": ["no"]}
    assert check_challenge_data(served.ctx.state(), challenge) == "q1: no"
    assert "Checked: the encrypted ballot holds no." in page.inner_text("#challenge-result")
    page.click("#restart")
    page.click("#encrypt")
    page.click("#cast")
    page.wait_for_selector("#step-receipt:not([hidden])")
    code = page.inner_text("#tracking-code")
    page.reload()
    page.wait_for_selector("#step-receipt:not([hidden])")
    assert page.inner_text("#tracking-code") == code and page.is_visible("#save-receipt")
    page.go_back()
    page.go_forward()
    page.wait_for_selector("#step-receipt:not([hidden])")

    # a west voter gets the second question once the credential is known, and must see it
    west = served.setup.credentials["west"][0]
    page = page_of(browser, viewport=PHONE)
    page.goto(f"{url}/booth")
    page.wait_for_selector("#encrypt:enabled")
    assert page.is_hidden("fieldset[data-question=q2]")
    page.fill("#credential", west.private)
    answer(page, "q1", "Yes")
    page.click("#encrypt")
    page.wait_for_selector("fieldset[data-question=q2]:not([hidden])")
    page.wait_for_selector("#booth-status:has-text('question')")  # nothing was encrypted
    assert page.is_hidden("#step-review")
    answer(page, "q2", "No")
    page.click("#encrypt")
    page.wait_for_selector("#step-review:not([hidden])")
    assert "Should the west elect its own council?\nNo" in page.inner_text("#review-choices")
    page.click("#cast")
    page.wait_for_selector("#step-receipt:not([hidden])")
    regions = [e.payload["region"] for e in served.setup.board.events(types=[m.BALLOT_ACCEPTED])]
    assert regions == ["east", "west"]
    assert page.problems == []


def test_a_wrong_credential_is_reported_on_a_phone_screen(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    _, url, browser, _ = styled
    page = page_of(browser, viewport=PHONE)
    page.goto(f"{url}/booth")
    page.wait_for_selector("#encrypt:enabled")
    page.fill("#credential", "AAAA-BBBB")
    answer(page, "q1", "Yes")
    page.click("#encrypt")
    page.wait_for_selector("#credential-error:has-text('not valid')")
    box = "document.getElementById('credential-error').getBoundingClientRect()"
    top, bottom = page.evaluate(f"[{box}.top, {box}.bottom]")
    assert top >= 0 and bottom <= PHONE["height"], (top, bottom)


def assert_nothing_sent(log: AccessLog, private: str) -> None:
    assert log.lines, "the access log is kept"
    compact = private.replace("-", "")
    for line in log.lines:
        assert private not in line and compact not in line, line
        assert "credential=" not in line and "q-q1" not in line, line
        assert '"GET /booth?' not in line and '"POST /booth' not in line, line


def test_without_script_the_booth_sends_nothing(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    served, url, browser, log = styled
    private = served.setup.credentials["east"][1].private
    page = page_of(browser, scripts=False)
    page.goto(f"{url}/booth")
    assert "needs JavaScript" in page.inner_text("main")
    page.fill("#credential", private)
    answer(page, "q1", "Yes")
    page.press("#credential", "Enter")
    page.click("#encrypt", force=True)
    page.wait_for_timeout(300)
    assert page.url == f"{url}/booth"
    assert page.input_value("#credential") == private
    assert_nothing_sent(log, private)
    assert not list(served.setup.board.events(types=[m.BALLOT_ACCEPTED, m.BALLOT_REJECTED]))


def test_enter_before_the_script_has_loaded_sends_nothing(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    served, url, browser, log = styled
    private = served.setup.credentials["east"][1].private
    page = page_of(browser)
    held: list[Any] = []
    page.route("**/static/booth.js", lambda route: held.append(route))
    page.goto(f"{url}/booth", wait_until="commit")
    page.wait_for_selector("#credential")
    page.fill("#credential", private)
    answer(page, "q1", "Yes")
    page.press("#credential", "Enter")
    page.click("#encrypt", force=True)
    page.wait_for_timeout(300)
    assert held, "the script was held back"
    assert page.is_disabled("#encrypt")
    held[0].continue_()
    page.wait_for_selector("#encrypt:enabled")
    assert page.url == f"{url}/booth" and page.input_value("#credential") == private
    assert_nothing_sent(log, private)
