"""What people read: results per region and overall with percentages of a stated number of
ballots, turnout, the rule's conditions in words, an SVG chart without script; the
referendum's own texts in the reader's official language (else the first); times in UTC;
pages compressed; lists whose "Next page" never leads to an empty page; HTML 404 pages for
browsers and JSON for the API; the same results in the CLI."""

from __future__ import annotations

import os
import re
import warnings
from typing import Any
from unittest import mock

from core.helpers import run_main
from referendum.board.memory import MemoryBoard
from referendum.clock import SteppingClock
from referendum.services.readable import results_view, share

from .conftest import context_over
from .phases import trilingual_manifest, walk

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def published(voters: int = 4) -> tuple[MemoryBoard, SteppingClock]:
    board = MemoryBoard()
    seen: dict[str, SteppingClock] = {}

    def look(phase: str, clock: SteppingClock, _: Any) -> None:
        seen["clock"] = clock

    walk(board, trilingual_manifest(), look, voters=voters)
    return board, seen["clock"]


def client_of(board: MemoryBoard, clock: SteppingClock) -> TestClient:
    from referendum.web.app import create_app

    return TestClient(create_app(context_over(board, clock)))


def test_results_in_words_and_figures() -> None:
    from referendum.services.state import load_state

    board, clock = published()
    state = load_state(board)
    view = results_view(state.manifest, state.results)
    q1, q2 = view.questions
    # walk casts 3 of 4 voters' ballots in each region; q2 is asked in the west only
    assert [r.region for r in q1.rows] == ["east", "west"] and q1.total.ballots == 6
    assert [r.region for r in q2.rows] == ["west"] and q2.total.ballots == 3
    assert q1.total.electorate == 8 and q1.total.turnout == "75%"
    counts = {f.answer: f.count for f in q1.total.answers}
    assert sum(counts.values()) == 6
    for f in q1.total.answers:
        assert f.of == 6 and f.percent == share(f.fraction)
    turnout, majority = [c for c in view.conditions if c.region is None]
    assert {c.region for c in view.conditions} == {None, "east", "west"}
    assert majority.name == "majority" and majority.threshold == "50%"
    assert (turnout.name, turnout.passed, turnout.value, turnout.threshold) == (
        "turnout_quorum",
        True,
        "75%",
        "25%",
    )

    client = client_of(board, clock)
    html = client.get("/?lang=uk").text
    assert "Кворум явки: проголосували 75% виборців; потрібно понад 25%" in html
    assert '<svg class="chart" role="img"' in html and "<script" not in html.split("<footer")[0]
    yes = next(f for f in q1.total.answers if f.answer == "yes")
    assert f"{yes.count} ({yes.percent})" in html  # in the table and on the chart
    assert "Усього бюлетенів: 6" in html and "Усі регіони" in html
    west_only = html[html.index('data-question="q2"') :]
    west_only = west_only[: west_only.index("</section>")]
    assert ">Захід</th>" in west_only and ">Схід</th>" not in west_only
    assert "Чи має захід обирати власну раду?" in west_only
    ru = client.get("/?lang=ru").text
    assert "Региональный референдум" in ru and "Кворум явки" in ru and ">Запад</th>" in ru
    assert re.search(r'<time datetime="2026-05-04T08:00:00Z">2026-05-04 08:00:00 UTC</time>', ru)


def test_cli_results_read_like_the_page(tmp_path: Any) -> None:
    from referendum.board.open import open_board

    board = open_board(tmp_path / "board.sqlite")
    walk(board, trilingual_manifest(), lambda *_: None, voters=4, until="tallied")
    board.close()
    wide = mock.patch.dict(os.environ, {"COLUMNS": "200"})
    code, out, err = run_main("results", "--db", str(tmp_path / "board.sqlite"), patches=[wide])
    assert code == 0, err
    flat = " ".join(out.split())
    assert "q2: Should the west elect its own council?" in flat
    assert "all regions" in flat and "75%" in flat
    assert "Turnout quorum: 75% of the electorate voted; more than 25% is needed: met" in flat
    q2 = flat[flat.index("q2:") : flat.index("Outcome:")]
    assert "West" in q2 and "East" not in q2


def test_the_readers_language_or_the_first_official_one() -> None:
    board, clock = published(voters=2)
    client = client_of(board, clock)
    booth_ru = client.get("/booth?lang=ru").text
    assert "Одобряете ли вы устав?" in booth_ru and ">Да</label>" not in booth_ru
    assert "Да" in booth_ru
    en = client.get("/booth?lang=en").text
    assert "Approve the charter?" in en and 'lang="' not in en.split("<main")[1].split(">")[0]


def test_pages_are_compressed_lists_never_lead_to_empty_pages_and_404s() -> None:
    board, clock = published(voters=3)
    client = client_of(board, clock)
    script = client.get("/static/booth.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["content-encoding"] == "gzip"
    # the bytes sent (a script over 64 KB is streamed, without a content-length)
    assert script.num_bytes_downloaded < len(script.content) / 2
    assert (
        client.get("/api/referendum", headers={"Accept-Encoding": "gzip"}).headers.get(
            "content-encoding"
        )
        is None
    )

    from referendum.web import actions

    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    total = len(actions.accepted_page(ctx, limit=500)["ballots"])
    assert total == 4
    first = actions.accepted_page(ctx, limit=2)
    second = actions.accepted_page(ctx, after=first["next_after"], limit=2)
    assert len(second["ballots"]) == 2 and second["next_after"] is None
    assert actions.accepted_page(ctx, limit=4)["next_after"] is None
    html = client.get("/ballots").text
    assert "/ballots?after=" not in html  # one page holds them all: no link to an empty one

    page = client.get("/no/such/page?lang=ru", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "<h1>Ошибка 404</h1>" in page.text and "Такой страницы нет" in page.text
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.json()["error"] == "not_found"


def test_a_reader_of_a_language_that_is_not_official_gets_the_first() -> None:
    from referendum.services.voting import create

    from .phases import TRANSLATIONS, clock_for, styled_manifest

    manifest = styled_manifest(
        title="Регіональний референдум",
        languages=["uk", "ru"],
        translations={"ru": TRANSLATIONS["ru"]},
    )
    board = MemoryBoard()
    clock = clock_for(manifest)
    create(board, manifest, clock)
    client = client_of(board, clock)
    en = client.get("/?lang=en").text
    assert '<h1 lang="uk">Регіональний референдум</h1>' in en
    assert "<h1>Региональный референдум</h1>" in client.get("/?lang=ru").text
    assert "<h1>Регіональний референдум</h1>" in client.get("/?lang=uk").text
