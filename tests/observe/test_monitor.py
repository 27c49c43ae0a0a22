"""``referendum monitor``: an observer following a board over its public API checks every
new event incrementally (the verifier's checks, ballot proofs included) and keeps the running
count per region; a board that serves a rewritten event, even with every hash recomputed, is
caught at that event."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.helpers import payloads_of, run_main
from observe.fake_log import FakeLog, View
from referendum.observe.monitor import Monitor
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import GENESIS_PARENT, Event, make_event
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import Check, Verdict
from web.browser import running
from web.conftest import ORGANISER, TRUSTEES, Served, after_window, bearer
from web.test_web_api import ballot, post


def through(served: Served) -> Callable[[str], tuple[int, bytes]]:
    """GETs answered by the app (as the board's server would answer them)."""

    def get(url: str) -> tuple[int, bytes]:
        path = url.split("://", 1)[1].split("/", 1)[1]
        r = served.client.get("/" + path)
        return r.status_code, r.content

    return get


def serving(events: list[Event]) -> Callable[[str], tuple[int, bytes]]:
    """A board's ``/api/events`` serving ``events`` (as a cheating board would)."""

    def get(url: str) -> tuple[int, bytes]:
        if "/api/events?" not in url:
            return 404, b"{}"  # a board without a log
        query = dict(p.split("=") for p in url.split("?", 1)[1].split("&"))
        start, limit = int(query["after"]) + 1, int(query["limit"])
        page = events[start : start + limit]
        return 200, b"".join(canonical_json(e.to_json()) + b"\n" for e in page)

    return get


def rehashed(edited: list[tuple[str, str, dict[str, Any]]]) -> list[Event]:
    out: list[Event] = []
    for event_type, timestamp, payload in edited:
        parent = out[-1].hash if out else GENESIS_PARENT
        out.append(make_event(len(out), parent, event_type, timestamp, payload))
    return out


def test_monitor_follows_a_referendum_to_its_verified_result(
    served: Served, tmp_path: Path
) -> None:
    s = served.setup
    watch = Monitor("http://board.test", tmp_path / "copy", get=through(served), page=4)
    setup = watch.poll()
    assert setup == s.board.head().height + 1 and watch.events == setup
    assert watch.report().verdict is Verdict.VALID_SO_FAR
    assert watch.report().phase == "voting" and watch.regions == {}

    first = ballot(served, "east", 0, "yes")
    assert post(served, first.submission).status_code == 201
    assert post(served, ballot(served, "east", 1, "no").submission).status_code == 201
    assert post(served, ballot(served, "west", 0, "yes").submission).status_code == 201
    again = ballot(served, "east", 0, "no", replaces=first.tracking_code)
    assert post(served, again.submission).status_code == 201
    assert post(served, {"not": "a ballot"}).status_code >= 400  # refused and logged
    assert watch.poll() == 5  # four ballots and one refusal, checked incrementally
    counts = {r: c.to_json() for r, c in watch.regions.items()}
    assert counts == {
        "east": {"accepted": 3, "counting": 2},
        "west": {"accepted": 1, "counting": 1},
    }
    report = watch.report()
    assert report.verdict is Verdict.VALID_SO_FAR, report.failures()
    assert report.summary["accepted"] == 4 and report.summary["counted"] == 3
    assert watch.poll() == 0

    after_window(s)
    org = bearer(ORGANISER)
    served.client.post("/api/organiser/step/close", headers=org)
    served.client.post("/api/organiser/step/tally", headers=org)
    for secrets in s.secrets[:2]:
        served.client.post(
            f"/api/trustee/{secrets.trustee}/share",
            content=json.dumps(secrets.to_json()),
            headers=bearer(TRUSTEES[secrets.trustee]),
        )
    assert served.client.post("/api/organiser/step/results", headers=org).status_code == 200
    assert watch.poll() > 0
    assert watch.report().verdict is Verdict.VERIFIES, watch.report().failures()
    assert watch.events == s.board.head().height + 1
    watch.write_record_json()
    assert verify_record(tmp_path / "copy").ok  # the copy is the board's record


def test_a_rewritten_ballot_with_every_hash_recomputed_is_caught_at_its_event(
    served: Served, tmp_path: Path
) -> None:
    for region, i in (("east", 0), ("east", 1), ("west", 0)):
        assert post(served, ballot(served, region, i).submission).status_code == 201
    edited = payloads_of(served.setup.board.events())
    target = next(k for k, e in enumerate(edited) if e[0] == m.BALLOT_ACCEPTED) + 1
    selections = edited[target][2]["ballot"]["questions"][0]["selections"]
    selections[0], selections[1] = selections[1], selections[0]  # a yes made a no
    forged = rehashed(edited)
    watch = Monitor("http://board.test", tmp_path / "copy", get=serving(forged), page=3)
    watch.poll()
    report = watch.report()
    assert report.verdict is Verdict.FAILS
    failure = report.failures()[0]
    assert failure.check is Check.BALLOTS and failure.item == f"event {target}"
    assert watch.poll() == 0  # a failure is final: nothing more is read


def test_a_board_that_rewrites_history_between_polls_is_caught(
    served: Served, tmp_path: Path
) -> None:
    """The second poll's events do not link to what the monitor saw: the chain fails."""
    assert post(served, ballot(served, "east", 0).submission).status_code == 201
    events = list(served.setup.board.events())
    watch = Monitor("http://board.test", tmp_path / "copy", get=serving(events))
    watch.poll()
    assert watch.report().verdict is Verdict.VALID_SO_FAR
    assert post(served, ballot(served, "east", 1).submission).status_code == 201
    assert post(served, ballot(served, "west", 0).submission).status_code == 201
    fresh = list(served.setup.board.events())
    edited = payloads_of(fresh)
    del edited[len(events) - 1]  # the first ballot dropped, every later hash recomputed
    watch.get = serving(rehashed(edited))
    watch.poll()
    report = watch.report()
    assert report.verdict is Verdict.FAILS
    assert report.failures()[0].check is Check.CHAIN
    assert "line" in report.failures()[0].detail


def test_monitor_command_once_over_http(served: Served) -> None:
    for region, i in (("east", 0), ("west", 0), ("west", 1)):
        assert post(served, ballot(served, region, i).submission).status_code == 201
    with running(served.ctx) as url:
        code, out, err = run_main("monitor", url, "--once")
        assert code == 3, err
        assert "east" in out and "west" in out and "valid so far" in out
        code, out, err = run_main("monitor", url, "--once", "--format", "json")
    assert code == 3, err
    data = json.loads(out)
    assert data["regions"] == {
        "east": {"accepted": 1, "counting": 1},
        "west": {"accepted": 2, "counting": 2},
    }
    assert data["report"]["verdict"] == "valid_so_far"
    code, _, err = run_main("monitor", "http://127.0.0.1:9", "--once")
    assert code == 1 and "cannot be reached" in err
    code, _, err = run_main("monitor", "board.example", "--once")
    assert code == 2


def with_log(
    served: Served, log: FakeLog, alter: Callable[[list[Event]], list[Event]] | None = None
) -> Any:
    """GETs answered by the app, and the log's checkpoints signed by ``log`` over the board's
    events (or over ``alter`` of them, as a board whose log is not its record would sign)."""
    app = through(served)

    def get(url: str) -> tuple[int, bytes]:
        if "/api/log/" not in url:
            return app(url)
        events = list(served.setup.board.events())
        log.payload = served.setup.state.manifest_payload
        log.fingerprint = served.setup.state.fingerprint
        log.view = View()
        log.view.extend(alter(events) if alter else events)
        return log.get(url)

    return get


def test_monitor_checks_each_checkpoint_against_the_events(served: Served, tmp_path: Path) -> None:
    log = FakeLog()
    watch = Monitor("http://board.test", tmp_path / "copy", get=with_log(served, log))
    watch.poll()
    assert len(watch.checkpoints) == 1 and watch.log_error is None
    assert watch.checkpoints[-1].size == watch.events
    assert post(served, ballot(served, "east", 0).submission).status_code == 201
    watch.poll()
    assert len(watch.checkpoints) == 2 and watch.checkpoints[-1].size == watch.events

    def dropped(events: list[Event]) -> list[Event]:  # the log leaves the last ballot out
        return rehashed(payloads_of(events[:-2] + events[-1:]))

    assert post(served, ballot(served, "east", 1).submission).status_code == 201
    assert post(served, ballot(served, "west", 0).submission).status_code == 201
    watch.get = with_log(served, log, dropped)
    watch.poll()
    assert watch.report().verdict is Verdict.VALID_SO_FAR  # the events themselves verify
    assert watch.log_error is not None and "not the root of the tree" in watch.log_error
