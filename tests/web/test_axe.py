"""Accessibility: axe-core (npm ``axe-core``, injected by Playwright into Debian's Chromium)
finds no serious or critical violation on any page, in any phase of the issue's two-region
referendum (in English, Ukrainian and Russian), at desktop and phone sizes (a test each; the
languages taken in turn by phase), nor in the booth's review, challenge and receipt steps on
a phone in every language.
Screenshots of the booth, the board and the organiser's page (its form on an empty board, and
while voting is open) in English, Ukrainian and Russian are refreshed in docs/img/ when
``REFERENDUM_SCREENSHOTS`` is set to that folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from core.helpers import BOARD_KEY
from referendum.board.open import open_board
from referendum.clock import SteppingClock
from referendum.crypto.random import DeterministicRandom
from referendum.services.credentials import IssuedCredential
from referendum.web.context import Limits, WebContext
from referendum.web.i18n import LANGUAGES

from .browser import chromium, need_chromium, running
from .conftest import ORGANISER, TRUSTEES, accounts
from .phases import clock_for, trilingual_manifest, walk

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "booth" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"width": 1200, "height": 900}, "phone": {"width": 360, "height": 740}}
PUBLIC = ["/", "/booth", "/challenge", "/track", "/ballots", "/rejections", "/verify", "/login"]
SIGNED_IN = {"/organiser": ORGANISER, "/trustee": TRUSTEES[1]}


def violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, as ``rule: target`` (axe is
    loaded into every page of the context by :func:`context_of`)."""
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


def step(page: Any, button: str, shown: str, label: str) -> list[str]:
    """Press the booth's ``button``, wait for its step ``shown`` and return axe's serious
    and critical violations there, each prefixed with ``label``."""
    page.click(f"#{button}")
    page.wait_for_selector(f"#step-{shown}:not([hidden])")
    return [f"{label}: {v}" for v in violations(page)]


def context_of(browser: Any, size: str, lang: str, url: str, token: str | None = None) -> Any:
    context = browser.new_context(viewport=SIZES[size], locale=lang, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    if token is not None:
        context.add_cookies([{"name": "referendum_session", "value": token, "url": url}])
    return context


def keep(page: Any, name: str, tmp_path: Path) -> None:
    """A full-page screenshot (also copied to ``$REFERENDUM_SCREENSHOTS``)."""
    target = tmp_path / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    extra = os.environ.get("REFERENDUM_SCREENSHOTS")
    if extra:
        Path(extra).mkdir(parents=True, exist_ok=True)
        shutil.copy(target, Path(extra) / target.name)


@pytest.mark.parametrize("size", list(SIZES))
def test_no_serious_violation_on_any_page_in_any_phase(size: str, tmp_path: Path) -> None:
    need_chromium()
    if not AXE.exists():
        pytest.skip("axe-core is installed by `make booth` (npm ci in web/booth)")
    manifest = trilingual_manifest()
    board = open_board(tmp_path / "board.sqlite")
    clock = clock_for(manifest)
    ctx = WebContext(
        board=board,
        accounts=accounts(),
        clock=clock,
        rng=DeterministicRandom(b"axe"),
        limits=Limits(export_interval=0.0, export_wait=60.0, cast_burst=1000),
        board_key=BOARD_KEY,
    )
    found: list[str] = []
    languages = list(LANGUAGES)
    with running(ctx) as url, chromium() as browser:
        turn = 0
        pages = {  # one page per account, axe loaded into each
            path: context_of(browser, size, "en-GB", url, SIGNED_IN.get(path or "")).new_page()
            for path in (False, *SIGNED_IN)
        }

        def look(
            phase: str, _: SteppingClock, credentials: dict[str, list[IssuedCredential]]
        ) -> None:
            nonlocal turn
            ctx.invalidate()
            if os.environ.get("AXE_PHASES") and phase not in os.environ["AXE_PHASES"].split(","):
                return
            lang = languages[turn % len(languages)]
            turn += 1
            for path in [*PUBLIC, *SIGNED_IN, "/no/such/page"]:
                page = pages[path in SIGNED_IN and path]
                page.goto(f"{url}{path}?lang={lang}")
                if path in ("/booth", "/challenge"):
                    page.wait_for_load_state("networkidle")  # the booth's checks done
                found.extend(f"{phase} {size} {lang} {path}: {v}" for v in violations(page))
            if size == "desktop" and phase in ("empty", "open"):
                # the organiser's form (empty board) and its running page, in every language
                for lang in languages:
                    page = pages["/organiser"]
                    page.goto(f"{url}/organiser?lang={lang}")
                    found.extend(f"{phase} {size} {lang} /organiser: {v}" for v in violations(page))
                    keep(
                        page, f"organiser-{'form' if phase == 'empty' else phase}-{lang}", tmp_path
                    )
            if size != "phone":
                return
            if phase == "open":
                found.extend(booth_steps(browser, url, credentials, tmp_path))
            if phase == "published":
                for lang in languages:
                    context = context_of(browser, "phone", lang, url)
                    page = context.new_page()
                    page.goto(f"{url}/?lang={lang}")
                    keep(page, f"board-{lang}", tmp_path)
                    context.close()

        walk(board, manifest, look, clock=clock, voters=3)
    board.close()
    assert found == []


def booth_steps(
    browser: Any, url: str, credentials: dict[str, list[IssuedCredential]], tmp_path: Path
) -> list[str]:
    """The booth's steps (review, challenge, receipt) at phone size, in each language, with
    a west voter (who gets the regional question); screenshots of the booth."""
    found = []
    for lang in LANGUAGES:
        context = context_of(browser, "phone", lang, url)
        page = context.new_page()
        voter = credentials["west"][-1]
        page.goto(f"{url}/booth?lang={lang}#credential={voter.private}")
        page.wait_for_selector("fieldset[data-question=q2]:not([hidden])")
        for question in ("q1", "q2"):
            page.locator(f"fieldset[data-question={question}] input").first.check()
        keep(page, f"booth-{lang}", tmp_path)
        found += step(page, "encrypt", "review", f"booth review {lang}")
        found += step(page, "challenge", "challenge", f"booth challenge {lang}")
        page.click("#restart")
        page.click("#encrypt")
        page.wait_for_selector("#step-review:not([hidden])")
        found += step(page, "cast", "receipt", f"booth receipt {lang}")
        keep(page, f"booth-receipt-{lang}", tmp_path)
        context.close()
    return found


def test_no_serious_violation_on_the_verify_page_while_its_report_is_prepared(
    tmp_path: Path,
) -> None:
    """``/verify`` answers 503 with a page of its own while the report is built in the
    background (the build held at a gate): its progress, in every language and size."""

    from .test_background_export import Server

    need_chromium()
    if not AXE.exists():
        pytest.skip("axe-core is installed by `make booth` (npm ci in web/booth)")
    server = Server(open_board(tmp_path / "board.sqlite"))
    server.gated.hold()
    found: list[str] = []
    try:
        with running(server.ctx) as url, chromium() as browser:
            for size in SIZES:
                for lang in LANGUAGES:
                    page = context_of(browser, size, lang, url).new_page()
                    answer = page.goto(f"{url}/verify?lang={lang}")
                    assert answer is not None and answer.status == 503
                    page.wait_for_selector("#verify-preparing")
                    found.extend(f"{size} {lang} /verify: {v}" for v in violations(page))
                    if size == "phone":
                        keep(page, f"verify-preparing-{lang}", tmp_path)
    finally:
        server.gated.release()
        server.exports.close()
    assert found == []
