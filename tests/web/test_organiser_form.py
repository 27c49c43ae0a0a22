"""The organiser creates a referendum from the form of /organiser, in Chromium: a field in
error is named and marked, the values are kept, the manifest is shown for review (times of the
chosen time zone in UTC, the fingerprint) and published only when confirmed, with axe-core
finding no serious violation at any step; the form's conversion is unit-tested below."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from typing import Any

import pytest

from core.helpers import AUTHORITY, BOARD_KEY, OPENS, ready_referendum
from referendum.board.open import open_board
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError
from referendum.protocol.state import Phase, manifest_fingerprint
from referendum.record import messages as m
from referendum.record.manifest import manifest_from_mapping
from referendum.services.ingest import cast
from referendum.services.voter import prepare_ballot
from referendum.web.actions import scheduled_step
from referendum.web.app import create_app
from referendum.web.context import Limits, WebContext
from referendum.web.manifest_form import form_field, manifest_from_form, utc_of

from .browser import chromium, need_chromium, running
from .conftest import ORGANISER, Served, TestClient, accounts
from .test_axe import AXE, context_of, violations

FORM = {
    "id": "statute-2026",
    "title": "Референдум про статут",
    "information": "Офіційна інформація.",
    "languages": "uk, ru",
    "regions": "east: Схід\nwest: Захід",
    "q1_text": "Чи схвалюєте ви статут?",
    "q1_answers": "yes, no, blank",
    "q2_text": "Яку мову обрати для вивісок?",
    "q2_answers": "both, local",
    "q2_status_quo": "local",
    "q2_regions": "west",
    "timezone": "Europe/Kyiv",
    "period1_opens": "2026-05-04T08:00",
    "period1_closes": "2026-05-04T20:00",
    "trustees": "Alice\nBohdan\nCatherine",
    "threshold": "2",
    "turnout_quorum": "1/4",
    "credential_authority": AUTHORITY.public.hex(),
    "l2_title": "Референдум об уставе",
    "l2_information": "Официальная информация.",
    "l2_q1_text": "Одобряете ли вы устав?",
    "l2_q2_text": "Какой язык выбрать для вывесок?",
    "l2_q2_answers": "Оба, Местный",
}


def fill(page: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        page.fill(f"#f-{name}", value)


@pytest.mark.slow
def test_the_organiser_creates_a_referendum_from_the_form(tmp_path: Path) -> None:
    need_chromium()
    if not AXE.exists():
        pytest.skip("axe-core is installed by `make booth` (npm ci in web/booth)")
    board = open_board(tmp_path / "board.sqlite")
    ctx = WebContext(
        board=board,
        accounts=accounts(),
        rng=DeterministicRandom(b"form"),
        limits=Limits(export_interval=0.0, export_wait=60.0),
        board_key=BOARD_KEY,
    )
    found: list[str] = []
    with running(ctx) as url, chromium() as browser:
        page = context_of(browser, "phone", "uk-UA", url, ORGANISER).new_page()
        page.goto(f"{url}/organiser?lang=uk")
        assert page.input_value("#f-board_key") == BOARD_KEY.public.hex()  # this board's own
        assert page.input_value("#f-q1_answers") == "yes, no, blank"
        found += [f"form: {v}" for v in violations(page)]
        fill(page, {k: v for k, v in FORM.items() if k not in ("l2_q2_text", "q1_answers")})
        page.click("#review-manifest")
        error = page.wait_for_selector("#flash-error")
        assert "l2_q2_text" in error.inner_text()
        assert page.get_attribute("#f-l2_q2_text", "aria-invalid") == "true"
        beside = page.inner_text("#e-l2_q2_text")  # the reason beside the field, on a phone too
        assert "питання 2 мовою ru обов'язкове" in beside  # the reason in the page's language
        assert "e-l2_q2_text" in (page.get_attribute("#f-l2_q2_text", "aria-describedby") or "")
        assert page.input_value("#f-title") == FORM["title"]  # nothing typed is lost
        found += [f"error: {v}" for v in violations(page)]
        assert board.count(m.MANIFEST) == 0

        fill(page, {"l2_q2_text": FORM["l2_q2_text"]})
        page.click("#review-manifest")
        page.wait_for_selector("#manifest-review")
        review = page.inner_text("#manifest-review")
        assert "2026-05-04 05:00:00 UTC" in review and "2026-05-04 17:00:00 UTC" in review
        assert "Alice, Bohdan, Catherine" in review and "Захід (west)" in review
        fingerprint = page.inner_text("#review-fingerprint")
        found += [f"review: {v}" for v in violations(page)]
        assert board.count(m.MANIFEST) == 0  # reviewing publishes nothing

        page.click("#publish-reviewed")
        ok = page.wait_for_selector("#flash-ok")
        assert ok.inner_text() == "Готово: референдум створено на дошці."
        assert page.get_attribute("[data-phase]", "data-phase") == "setup"
        found += [f"created: {v}" for v in violations(page)]
    (genesis,) = board.events(types={m.MANIFEST})
    assert manifest_fingerprint(genesis.payload).hex() == fingerprint
    created = manifest_from_mapping(genesis.payload)
    assert created.texts("ru").answers["q2"] == {"both": "Оба", "local": "Местный"}
    assert created.ballot_style("east") == created.questions[:1]
    assert created.rule == {"majority": "simple", "turnout_quorum": "1/4"} or created.rule
    board.close()
    assert found == []


def test_the_form_gives_the_manifest_it_shows() -> None:
    data = manifest_from_form(FORM, board_key=BOARD_KEY.public.hex())
    manifest = manifest_from_mapping(data)
    assert [q.id for q in manifest.questions] == ["q1", "q2"]
    assert manifest.questions[1].regions == ("west",)
    assert manifest.window[0].opens == "2026-05-04T05:00:00Z"
    assert manifest.trustees.threshold == 2 and manifest.board_key == BOARD_KEY.public.hex()
    assert manifest.languages == ("uk", "ru")
    # a multi-option first question takes no outcome rule
    multi = {**FORM, "q1_answers": "red, blue", "q1_status_quo": "red", "turnout_quorum": ""}
    multi |= {"languages": "", "q2_text": ""}
    multi_manifest = manifest_from_mapping(
        manifest_from_form(multi, board_key=BOARD_KEY.public.hex())
    )
    assert multi_manifest.rule == {}


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"q1_text": ""}, "q1_text", "required"),
        ({"q2_answers": "both"}, "q2_answers", "at least two answers"),
        ({"regions": "east Схід"}, "regions", "line 1: write 'id: name'"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not a time zone"),
        ({"period1_opens": "2026-03-29T03:30"}, "period1_opens", "does not exist in Europe/Kyiv"),
        ({"period1_closes": "2026-10-25T03:30"}, "period1_closes", "happens twice in Europe/Kyiv"),
        ({"period1_closes": ""}, "period1_closes", "required"),
        ({"threshold": "two"}, "threshold", "a number"),
        ({"languages": "uk, ru, en, de"}, "languages", "up to 3"),
        ({"l2_q2_answers": "Оба"}, "l2_q2_answers", "one label per answer (2)"),
    ],
)
def test_a_field_in_error_is_named(changes: dict[str, str], field: str, reason: str) -> None:
    with pytest.raises(InputError) as caught:
        manifest_from_form({**FORM, **changes}, board_key=None)
    assert caught.value.field == field and reason in caught.value.reason


@pytest.mark.parametrize(
    ("changes", "manifest_field", "form_name"),
    [
        ({"q2_answers": "both, both"}, "questions.1", "q2_text"),
        ({"q2_regions": "north"}, "manifest", "id"),
        ({"period1_closes": "2026-05-04T07:00"}, "window.0", "period1_opens"),
        ({"threshold": "5"}, "trustees", "trustees"),
        ({"turnout_quorum": "0.25"}, "rule.turnout_quorum", "turnout_quorum"),
        ({"credential_authority": "00"}, "credential_authority", "credential_authority"),
    ],
)
def test_a_manifest_error_points_at_its_form_field(
    changes: dict[str, str], manifest_field: str, form_name: str
) -> None:
    values = {**FORM, **changes}
    with pytest.raises(InputError) as caught:
        manifest_from_mapping(manifest_from_form(values, board_key=BOARD_KEY.public.hex()))
    assert caught.value.field.startswith(manifest_field), caught.value
    assert form_field(caught.value.field, values) == form_name


def test_utc_of_a_summer_and_a_winter_time() -> None:
    assert utc_of("2026-07-01T09:00", "Europe/Kyiv", field="f") == "2026-07-01T06:00:00Z"
    assert utc_of("2026-12-01T09:00", "Europe/Kyiv", field="f") == "2026-12-01T07:00:00Z"
    assert utc_of("2026-12-01T09:00:30", "UTC", field="f") == "2026-12-01T09:00:30Z"


def test_the_organiser_sees_the_ballots_of_each_region_while_voting_is_open(
    served: Served,
) -> None:
    setup = served.setup
    client = served.client
    client.cookies.set("referendum_session", ORGANISER)
    codes = []
    for region, voters, answer in (("east", 2, "yes"), ("west", 1, "no")):
        for credential in setup.credentials[region][:voters]:
            ballot = prepare_ballot(setup.state, credential.private, {"q1": [answer]}, setup.rng)
            codes.append(cast(setup.board, ballot.submission, setup.clock).tracking_code)
    first = setup.credentials["east"][0].private
    again = prepare_ballot(setup.state, first, {"q1": ["no"]}, setup.rng, replaces=codes[0])
    cast(setup.board, again.submission, setup.clock)  # a revote counts as a ballot accepted
    page = client.get("/organiser?lang=en").text
    cells = dict(re.findall(r'<td data-region="([a-z]+)">([0-9]+)</td>', page))
    assert cells == {"east": "3", "west": "1"}
    assert "<td>6</td><td>4</td>" in page  # all regions: 6 listed, 4 accepted
    ballot = prepare_ballot(
        setup.state, setup.credentials["west"][1].private, {"q1": ["yes"]}, setup.rng
    )
    cast(setup.board, ballot.submission, setup.clock)
    page = client.get("/organiser?lang=uk").text  # counted on from the last count
    assert dict(re.findall(r'<td data-region="([a-z]+)">([0-9]+)</td>', page))["west"] == "2"
    assert "Бюлетені за регіонами" in page


def test_a_scheduled_server_opens_and_closes_voting_at_the_manifests_times(
    tmp_path: Path,
) -> None:
    board = open_board(tmp_path / "board.sqlite")
    setup = ready_referendum(board, per_region=1, open_now=False)
    ctx = WebContext(
        board=board,
        accounts=accounts(),
        clock=setup.clock,
        limits=Limits(export_interval=0.0, export_wait=60.0),
        board_key=BOARD_KEY,
        schedule=True,
    )
    assert scheduled_step(ctx) is None  # two days early
    with TestClient(create_app(ctx)) as client:  # runs the app's lifespan, and its ticker
        client.cookies.set("referendum_session", ORGANISER)
        page = client.get("/organiser?lang=en")
        assert 'data-scheduled="yes"' in page.text and "2026-05-04 08:00:00 UTC" in page.text
        setup.clock.jump(OPENS)
        deadline = time.monotonic() + 20
        while ctx.state().phase is not Phase.OPEN and time.monotonic() < deadline:
            time.sleep(0.2)  # the server's own ticker opens it
        assert ctx.state().phase is Phase.OPEN
    assert scheduled_step(ctx) is None  # open, and the window runs on
    setup.clock.jump(dt.datetime(2026, 5, 5, 20, 0, tzinfo=dt.UTC))
    assert scheduled_step(ctx) == "close" and ctx.state().phase is Phase.CLOSED
    assert scheduled_step(ctx) is None
    board.close()


def test_a_server_without_a_schedule_says_how_to_set_one(served: Served) -> None:
    served.client.cookies.set("referendum_session", ORGANISER)
    page = served.client.get("/organiser?lang=ru").text
    assert 'data-scheduled="no"' in page and "referendum serve --schedule" in page
