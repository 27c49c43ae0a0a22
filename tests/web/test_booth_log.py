"""The booth's light check in Chromium: after casting, the booth fetches the board's signed
checkpoint and proofs and each witness's cosigned checkpoint (from the witness's own origin)
and shows "your ballot is in the log that witnesses A and B have cosigned", in English and
Ukrainian; a board that shows the voter another view than the witnesses' is caught (split
view).  The log's endpoints and the witnesses are answered by the test, from the board's
real events (the tree of docs/spec/log.md, checkpoints signed with the board key; the
witnesses are the real witness code)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.helpers import manifest, ready_referendum
from observe.fake_log import START, FakeLog, View
from observe.test_light import KEYS, policy
from referendum.board.open import open_board
from referendum.clock import SteppingClock
from referendum.crypto.random import DeterministicRandom
from referendum.observe.witness import Witness
from referendum.observe.witness_state import WitnessState
from referendum.record.event import Event

from .browser import chromium, need_chromium, running
from .conftest import Served, serve
from .test_browser import encrypt, new_page

pytestmark = pytest.mark.slow


class Logs:
    """The board's log as the test serves it: the view shown to the voter's booth, and the
    one shown to the witnesses (the same, unless the test forks it)."""

    def __init__(self, served: Served, tmp_path: Path) -> None:
        self.served = served
        self.booth = FakeLog(witnesses=policy())
        self.seen = FakeLog(witnesses=policy())
        assert self.booth.fingerprint == served.setup.state.fingerprint
        self.alter: Callable[[list[Event]], list[Event]] = lambda events: events
        self.witnesses = {
            name: Witness(
                "http://board.test",
                name,
                secret,
                WitnessState(tmp_path / name),
                DeterministicRandom(name.encode()),
                clock=SteppingClock(START),
                get=self.witness_get,
            )
            for name, secret in KEYS.items()
        }

    def sync(self) -> None:
        events = list(self.served.setup.board.events())
        for log, shown in ((self.booth, events), (self.seen, self.alter(events))):
            log.view = View()
            log.view.extend(shown)

    def witness_get(self, url: str) -> tuple[int, bytes]:
        return self.seen.get(url)

    def route(self, page: Any) -> None:
        def board(route: Any) -> None:
            self.sync()
            status, body = self.booth.get(route.request.url)
            route.fulfill(status=status, body=body, content_type="text/plain")

        def witness(route: Any) -> None:
            self.sync()
            name = route.request.url.split("://", 1)[1].split(".test", 1)[0]
            self.witnesses[name].poll()
            note = self.witnesses[name].cosigned(self.booth.fingerprint.hex())
            route.fulfill(
                status=200 if note else 404,
                body=note or "{}",
                content_type="text/plain",
                headers={"Access-Control-Allow-Origin": "*"},
            )

        page.route("**/api/log/**", board)
        for name in KEYS:
            page.route(f"http://{name}.test/**", witness)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Served, str, Any]]:
    need_chromium()
    board = open_board(tmp_path / "board.sqlite")
    served = serve(ready_referendum(board, m=manifest(witnesses=policy())))
    with running(served.ctx) as url, chromium() as browser:
        yield served, url, browser
    board.close()


def cast(page: Any, url: str, private: str, answer: str) -> None:
    page.goto(f"{url}/booth#credential={private}")
    page.wait_for_function("() => window.location.hash === ''")
    encrypt(page, answer)
    page.click("#cast")
    page.wait_for_selector("#step-receipt:not([hidden])")


def test_the_booth_shows_the_ballot_is_in_the_witnessed_log(
    site: tuple[Served, str, Any], tmp_path: Path
) -> None:
    served, url, browser = site
    logs = Logs(served, tmp_path)
    page = new_page(browser, locale="en-GB")
    logs.route(page)
    cast(page, url, served.setup.credentials["east"][0].private, "Yes")
    page.wait_for_selector("#log-check.ok")
    text = page.inner_text("#log-check")
    assert "Your ballot is in the log that witnesses witness-a and witness-b have cosigned" in text
    head = served.setup.board.head()
    assert f"checkpoint of {head.height + 1} events" in text
    assert page.problems == []

    ukrainian = new_page(browser, locale="uk-UA")
    logs.route(ukrainian)
    ukrainian.goto(f"{url}/booth?lang=uk#credential={served.setup.credentials['west'][0].private}")
    ukrainian.wait_for_function("() => window.location.hash === ''")
    encrypt(ukrainian, "Так")
    ukrainian.click("#cast")
    ukrainian.wait_for_selector("#log-check.ok")
    assert "підписали свідки witness-a і witness-b" in ukrainian.inner_text("#log-check")


def test_the_booth_catches_a_board_that_shows_the_voter_another_view(
    site: tuple[Served, str, Any], tmp_path: Path
) -> None:
    """The witnesses are shown the log without the voter's ballot (its place taken by
    another event, every hash recomputed); the voter's booth is shown the log with it."""
    served, url, browser = site
    logs = Logs(served, tmp_path)
    fingerprint = served.setup.state.fingerprint.hex()

    def without_the_last_ballot(events: list[Event]) -> list[Event]:
        from referendum.record.event import make_event

        if events[-1].type != "ballot.accepted":
            return events
        last = events[-1]
        other = make_event(
            last.height, last.parent, last.type, last.timestamp, {**last.payload, "region": "x"}
        )
        return [*events[:-1], other]

    logs.alter = without_the_last_ballot
    page = new_page(browser, locale="en-GB")
    logs.route(page)
    cast(page, url, served.setup.credentials["east"][1].private, "No")
    page.wait_for_selector("#log-check.error")
    text = page.inner_text("#log-check")
    assert "cannot be true together with the one the witnesses cosigned" in text
    assert "split view" in text
    assert all(w.cosigned(fingerprint) for w in logs.witnesses.values())
