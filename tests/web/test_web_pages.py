"""Server-rendered pages: both languages, sign-in, CSRF on every state-changing form, the
organiser and trustee pages refused to others, error pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.record import messages as m
from referendum.web.i18n import catalogue, choose_language
from referendum.web.security import CSRF_COOKIE

from .conftest import ORGANISER, TRUSTEES, Served, after_window


@pytest.fixture
def board(tmp_path: Path) -> Iterator[BulletinBoard]:
    """Pages do not depend on the backend: SQLite only."""
    b = open_board(tmp_path / "board.sqlite")
    yield b
    b.close()


PAGES = ["/", "/booth", "/challenge", "/track", "/ballots", "/rejections", "/verify", "/login"]


def csrf_of(served: Served, path: str) -> str:
    html = served.client.get(path).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def sign_in(served: Served, token: str) -> int:
    csrf = csrf_of(served, "/login")
    r = served.client.post(
        "/login", data={"token": token, "csrf_token": csrf}, follow_redirects=False
    )
    return r.status_code


def test_every_page_in_both_languages(served: Served) -> None:
    for path in PAGES:
        en = served.client.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
        uk = served.client.get(path, headers={"Accept-Language": "uk-UA,uk;q=0.9,en;q=0.5"})
        assert en.status_code == uk.status_code == 200, path
        assert '<html lang="en"' in en.text and '<html lang="uk"' in uk.text
        assert "Референдум" in uk.text and "Skip to the content" in en.text
        assert "<script>" not in en.text and " on" + "click" not in en.text  # no inline script
    switched = served.client.get("/ballots?lang=uk", headers={"Accept-Language": "en"})
    assert '<html lang="uk"' in switched.text
    assert served.client.get("/", headers={"Accept-Language": "en"}).text.count('lang="uk"') >= 1


def test_catalogues_have_the_same_messages() -> None:
    en = catalogue("en")
    for other in (catalogue("uk"), catalogue("ru")):
        assert set(en) == set(other)
        for key in en:
            assert re.findall(r"\{\w+\}", en[key]) == re.findall(r"\{\w+\}", other[key]), key
    assert choose_language(None, None, "de-DE,uk;q=0.8,en;q=0.7") == "uk"
    assert choose_language(None, "uk", "en") == "uk"
    assert choose_language("en", "uk", "uk") == "en"
    assert choose_language(None, None, None) == "en"


def test_board_pages_show_ballots_rejections_and_track(served: Served) -> None:
    from .test_web_api import ballot, post

    made = ballot(served)
    assert post(served, made.submission).status_code == 201
    assert post(served, b"not json").status_code == 400
    assert made.tracking_code in served.client.get("/ballots").text
    rejections = served.client.get("/rejections", headers={"Accept-Language": "uk"}).text
    assert 'data-reason="malformed"' in rejections and "пошкоджений" in rejections
    found = served.client.get(f"/track?code={made.tracking_code}").text
    assert 'data-counts="yes"' in found
    assert "No ballot with this" in served.client.get(f"/track?code={'0' * 64}").text
    assert "64 hexadecimal" in served.client.get("/track?code=nonsense").text
    booth = served.client.get("/booth").text
    assert 'src="/static/booth.js"' in booth and 'id="booth-messages"' in booth
    messages = re.search(r'id="booth-messages">([^<]*)</script>', booth)
    assert messages and "booth.cast" in json.loads(messages.group(1))


def test_sign_in_and_csrf(served: Served) -> None:
    # a voter's credential is no account
    voter = served.setup.credentials["east"][0].private
    assert sign_in(served, voter) == 401
    assert served.client.get("/organiser").status_code == 401
    # a form without its CSRF token is refused, even with the right token
    r = served.client.post("/login", data={"token": ORGANISER})
    assert r.status_code == 403 and "security token" in r.text
    assert sign_in(served, ORGANISER) == 303
    page = served.client.get("/organiser")
    assert page.status_code == 200 and "Close voting" in page.text
    after_window(served.setup)
    r = served.client.post("/organiser/step/close")
    assert r.status_code == 403
    r = served.client.post("/organiser/step/close", data={"csrf_token": "x" * 32})
    assert r.status_code == 403
    assert served.setup.board.count(m.VOTING_CLOSE) == 0
    token = served.client.cookies[CSRF_COOKIE]
    r = served.client.post("/organiser/step/close", data={"csrf_token": token})
    assert r.status_code == 200 and 'data-phase="closed"' in r.text
    assert served.setup.board.count(m.VOTING_CLOSE) == 1
    # the organiser is no trustee
    assert served.client.get("/trustee").status_code == 403
    r = served.client.post("/trustee/share", data={"csrf_token": token})
    assert r.status_code == 403


def test_trustee_page_publishes_a_share(served: Served, tmp_path: Path) -> None:
    after_window(served.setup)
    from .conftest import bearer

    for step in ("close", "tally"):
        r = served.client.post(f"/api/organiser/step/{step}", headers=bearer(ORGANISER))
        assert r.status_code == 200
    assert sign_in(served, TRUSTEES[2]) == 303
    assert served.client.get("/organiser").status_code == 403
    token = served.client.cookies[CSRF_COOKIE]
    key = served.setup.secrets[1].to_json()
    wrong = served.setup.secrets[0].to_json()
    r = served.client.post(
        "/trustee/share",
        data={"csrf_token": token},
        files={"key_file": ("key.json", json.dumps(wrong), "application/json")},
    )
    assert r.status_code == 400 and "trustee 1" in r.text
    r = served.client.post(
        "/trustee/share",
        data={"csrf_token": token},
        files={"key_file": ("key.json", json.dumps(key), "application/json")},
    )
    assert r.status_code == 200 and 'id="flash-ok"' in r.text
    assert served.setup.board.count(m.DECRYPTION_SHARE) == 1


def test_error_pages_keep_their_status(served: Served) -> None:
    r = served.client.get("/ballots?after=nonsense")
    assert r.status_code == 422 and "<html" in r.text
    r = served.client.get("/no-such-page")
    assert r.status_code == 404


def test_no_secret_is_logged(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    voter = served.setup.credentials["east"][0].private
    sign_in(served, voter)
    sign_in(served, TRUSTEES[1])
    token = served.client.cookies[CSRF_COOKIE]
    key = served.setup.secrets[0].to_json()
    served.client.post(
        "/trustee/share",
        data={"csrf_token": token},
        files={"key_file": ("key.json", json.dumps(key), "application/json")},
    )
    served.client.post("/api/organiser/step/close", headers={"Authorization": f"Bearer {voter}"})
    text = caplog.text
    assert "PhaseError" in text or "referendum.web" in text  # the refusal was logged...
    for secret in (voter, TRUSTEES[1], token, key["transport_secret"]):
        assert secret not in text  # ...without any secret


def test_organiser_creates_the_referendum_on_the_page(tmp_path: Path) -> None:
    from core.helpers import manifest
    from referendum.web.app import create_app
    from referendum.web.context import WebContext

    from .conftest import TestClient, accounts

    board = open_board(tmp_path / "empty.sqlite")
    client = TestClient(create_app(WebContext(board=board, accounts=accounts())))
    html = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf
    client.post("/login", data={"token": ORGANISER, "csrf_token": csrf.group(1)})
    page = client.get("/organiser").text
    assert "Publish the manifest" in page
    r = client.post(
        "/organiser/upload/manifest",
        data={"csrf_token": csrf.group(1), "text": "title: [unclosed"},
    )
    assert r.status_code == 400 and 'id="flash-error"' in r.text
    r = client.post(
        "/organiser/upload/manifest",
        data={"csrf_token": csrf.group(1)},
        files={"upload": ("m.json", json.dumps(manifest().to_payload()), "application/json")},
    )
    assert r.status_code == 200 and 'data-phase="setup"' in r.text and 'id="flash-ok"' in r.text
    assert board.count(m.MANIFEST) == 1
    board.close()


def test_trustee_key_ceremony_pages(tmp_path: Path) -> None:
    from core.helpers import manifest
    from referendum.clock import SteppingClock
    from referendum.services.voting import create
    from referendum.web.app import create_app
    from referendum.web.context import WebContext

    from .conftest import TestClient, accounts

    board = open_board(tmp_path / "ceremony.sqlite")
    clock = SteppingClock(dt.datetime(2026, 5, 1, tzinfo=dt.UTC))
    create(board, manifest(), clock)
    client = TestClient(create_app(WebContext(board=board, accounts=accounts(), clock=clock)))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf
    client.post("/login", data={"token": TRUSTEES[1], "csrf_token": csrf.group(1)})
    assert "Trustee 1" in client.get("/trustee").text
    r = client.post("/trustee/setup", data={"csrf_token": csrf.group(1)})
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    assert r.headers["cache-control"] == "no-store"
    key = r.json()
    assert key["format"] == "referendum-trustee-key/1" and key["trustee"] == 1
    assert board.count(m.TRUSTEE_TRANSPORT) == 1
    # dealing waits for every trustee's transport key: refused on the page, nothing appended
    r = client.post(
        "/trustee/deal",
        data={"csrf_token": csrf.group(1)},
        files={"key_file": ("k.json", json.dumps(key), "application/json")},
    )
    assert r.status_code == 409 and 'id="flash-error"' in r.text
    assert board.count(m.TRUSTEE_DEAL) == 0
    board.close()


def test_trustee_page_takes_a_step_made_offline(served: Served) -> None:
    """The page's upload form takes the CLI's --out file (the key file stays at home)."""
    from referendum.crypto.random import DeterministicRandom
    from referendum.services.keys import decryption_payload
    from referendum.services.state import load_state

    from .conftest import bearer

    after_window(served.setup)
    for step in ("close", "tally"):
        served.client.post(f"/api/organiser/step/{step}", headers=bearer(ORGANISER))
    assert sign_in(served, TRUSTEES[2]) == 303
    assert "/trustee/submit" in served.client.get("/trustee").text
    token = served.client.cookies[CSRF_COOKIE]
    state = load_state(served.setup.board)
    payload = decryption_payload(state, served.setup.secrets[1], DeterministicRandom(b"page"))
    step = json.dumps({"type": m.DECRYPTION_SHARE, "payload": payload})
    r = served.client.post("/trustee/submit", data={"csrf_token": token})
    assert r.status_code == 400  # no file chosen
    r = served.client.post(
        "/trustee/submit",
        data={"csrf_token": token},
        files={"step_file": ("step.json", step, "application/json")},
    )
    assert r.status_code == 200 and 'id="flash-ok"' in r.text, r.text
    assert served.setup.board.count(m.DECRYPTION_SHARE) == 1


def test_errors_are_headlined_in_the_page_language(served: Served) -> None:
    assert sign_in(served, TRUSTEES[2]) == 303
    token = served.client.cookies[CSRF_COOKIE]
    r = served.client.post(
        "/trustee/submit", data={"csrf_token": token}, headers={"Accept-Language": "uk"}
    )
    assert r.status_code == 400
    assert "Ці дані не можна використати" in r.text and '<span lang="en">' in r.text
