"""Browser tests of the booth (Playwright driving Debian's Chromium) on the issue's
referendum: two regions, the second question asked in the west only.  The booth shows each
voter their region's questions only, the review step shows the answers chosen, the receipt
survives a reload; without its script, or with Enter pressed before the script has loaded,
nothing is sent: the server's access log holds no credential and no choice."""

from __future__ import annotations

import json
import re
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


def booth_page(browser: Any, url: str, after: str = "", **options: Any) -> Any:
    """A page with the booth loaded (``after``: a query or fragment) and ready."""
    page = page_of(browser, **options)
    page.goto(f"{url}/booth{after}")
    page.wait_for_selector("#encrypt:enabled")
    return page


def answer(page: Any, question: str, label: str) -> None:
    page.locator(f"fieldset[data-question={question}]").get_by_label(label, exact=True).check()


def test_each_voter_sees_their_regions_questions(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    served, url, browser, _ = styled
    east = served.setup.credentials["east"][0]
    page = booth_page(browser, url, f"#credential={east.private}")
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
    page = booth_page(browser, url, viewport=PHONE)
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
    page = booth_page(browser, url, viewport=PHONE)
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
        assert '"POST /booth' not in line, line
        query = re.search(r'"GET /booth\?(\S*) ', line)
        assert query is None or re.fullmatch(r"lang=[a-z]{2}", query.group(1)), line


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


def test_switching_language_keeps_the_booth_and_the_tracking_result(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    served, url, browser, log = styled
    west = served.setup.credentials["west"][2]
    page = booth_page(browser, url)
    page.fill("#credential", west.private)
    page.press("#credential", "Tab")  # the region is looked up: its question appears
    page.wait_for_selector("fieldset[data-question=q2]:not([hidden])")
    answer(page, "q1", "No")
    answer(page, "q2", "Yes")
    page.click("a[hreflang=ru]")
    page.wait_for_selector("#encrypt:enabled")
    assert page.get_attribute("html", "lang") == "ru"
    assert page.input_value("#credential") == west.private
    assert page.is_checked("fieldset[data-question=q1] input[value=no]")
    assert page.is_checked("fieldset[data-question=q2] input[value=yes]")
    page.click("#encrypt")
    page.wait_for_selector("#step-review:not([hidden])")
    assert "Нет" in page.inner_text("#review-choices")
    page.click("#cast")
    page.wait_for_selector("#step-receipt:not([hidden])")
    code = page.inner_text("#tracking-code")
    page.click("a[hreflang=uk]")
    page.wait_for_selector("#step-receipt:not([hidden])")
    assert page.inner_text("#tracking-code") == code and "бюлетень" in page.inner_text("main")
    assert page.evaluate("sessionStorage.getItem('referendum-booth-carry')") is None
    assert_nothing_sent(log, west.private)

    page.goto(f"{url}/track?code={code}")
    page.click("a[hreflang=en]")
    assert page.get_attribute("#track-result [data-counts]", "data-counts") == "yes"
    assert page.input_value("#code") == code


def test_the_booth_warns_when_the_voting_period_has_ended(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    served, url, browser, _ = styled
    east = served.setup.credentials["east"][2]
    page = page_of(browser)
    page.clock.install()
    page.goto(f"{url}/booth#credential={east.private}")
    page.wait_for_selector("#encrypt:enabled")
    answer(page, "q1", "Yes")
    page.click("#encrypt")
    page.wait_for_selector("#step-review:not([hidden])")
    page.clock.fast_forward("13:00:00")  # the window closes at 20:00, the board says 08:01
    page.click("#cast")
    page.wait_for_selector("#booth-status:has-text('voting period has ended')")
    assert page.is_hidden("#step-receipt")
    assert not list(served.setup.board.events(types=[m.BALLOT_ACCEPTED, m.BALLOT_REJECTED]))


def test_a_refusal_is_given_in_the_voters_language(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    """The board refuses a ballot cast after voting closed (the booth's clock is the
    server's, so the board's refusal is what the voter sees): its reason is in Ukrainian."""
    from referendum.services.voting import close_voting

    from .conftest import after_window

    served, url, browser, _ = styled
    east = served.setup.credentials["east"][2]
    page = booth_page(browser, url, f"?lang=uk#credential={east.private}")
    answer(page, "q1", "Так")
    page.click("#encrypt")
    page.wait_for_selector("#step-review:not([hidden])")
    after_window(served.setup)  # the board's clock, not the browser's, passes the window
    close_voting(served.setup.board, served.setup.clock)
    served.ctx.invalidate()
    page.click("#cast")
    page.wait_for_selector("#booth-status.error")
    assert "Дошка відхилила бюлетень" in page.inner_text("#booth-status")
    assert "голосування закрите" in page.inner_text("#booth-status")
    (refused,) = served.setup.board.events(types=[m.BALLOT_REJECTED])
    assert refused.payload["reason"] == "closed"


def test_times_are_shown_in_the_readers_zone_beside_utc(
    styled: tuple[Served, str, Any, AccessLog],
) -> None:
    _, url, browser, _ = styled
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(f"{url}/")
    window = page.inner_text("time[datetime='2026-05-04T08:00:00Z']")
    assert window.startswith("2026-05-04 08:00:00 UTC"), window
    assert re.search(r"(17:00|5:00\sPM)", window), window  # 08:00 UTC is 17:00 in Tokyo
    assert "(your time)" in window
    context.close()
