"""The log's HTTP endpoints over a real board: signed checkpoints published as ballots come
in and at phase changes, inclusion and consistency proofs that check against them, and bad
parameters refused naming the parameter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.helpers import BOARD_KEY
from referendum.protocol import checkpoints as cp
from referendum.protocol import merkle
from referendum.services.checkpoints import CheckpointPolicy

from .conftest import ORGANISER, Served, after_window, bearer, serve
from .test_web_api import ballot, post


def checkpoint(served: Served) -> cp.Checkpoint:
    r = served.client.get("/api/log/checkpoint")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    note = cp.parse_note(r.text)
    return cp.verify_checkpoint(
        note, fingerprint=served.setup.state.fingerprint, board_key=BOARD_KEY.public
    )


def hashes(body: dict[str, Any]) -> list[bytes]:
    return [bytes.fromhex(h) for h in body["hashes"]]


def test_checkpoints_and_proofs_over_http(served: Served) -> None:
    served.ctx.publisher.policy = CheckpointPolicy(every=1000, seconds=3600)  # type: ignore[union-attr]
    first = checkpoint(served)  # the setup events make one due at once
    board_size = served.setup.board.head().height + 1  # type: ignore[union-attr]
    assert first.size == board_size
    heights = []
    for region, i in (("east", 0), ("east", 1), ("west", 0)):
        r = post(served, ballot(served, region, i).submission)
        assert r.status_code == 201, r.text
        heights.append(r.json()["height"])
    assert checkpoint(served) == first  # not due yet: three ballots, a few seconds
    served.setup.clock.jump(served.setup.clock() + dt.timedelta(hours=2))
    second = checkpoint(served)  # older than the policy's seconds and grown: a new one
    assert second.size == first.size + 3
    for height in heights:
        body = served.client.get(f"/api/log/inclusion?index={height}&size={second.size}").json()
        assert body["index"] == height and body["size"] == second.size
        event = served.setup.board.get(height)
        assert body["leaf"] == merkle.event_leaf(event.hash).hex()
        merkle.verify_inclusion(
            height, second.size, bytes.fromhex(body["leaf"]), hashes(body), second.root
        )
    body = served.client.get(f"/api/log/consistency?from={first.size}&to={second.size}").json()
    assert (body["from"], body["to"]) == (first.size, second.size)
    merkle.verify_consistency(first.size, second.size, first.root, second.root, hashes(body))
    page = served.client.get("/api/log/checkpoints").json()
    assert page["more"] is False
    sizes = [cp.parse_note(n).checkpoint.size for n in page["checkpoints"]]
    assert sizes == [first.size, second.size]
    later = served.client.get(f"/api/log/checkpoints?after={first.size}").json()
    assert [cp.parse_note(n).checkpoint.size for n in later["checkpoints"]] == [second.size]


def test_a_phase_change_publishes_a_checkpoint(served: Served) -> None:
    before = checkpoint(served)
    after_window(served.setup)
    r = served.client.post("/api/organiser/step/close", headers=bearer(ORGANISER))
    assert r.status_code == 200, r.text
    latest = served.ctx.board.latest_checkpoint()
    assert latest is not None
    closed = cp.parse_note(latest[1]).checkpoint
    assert closed.size == before.size + 1  # the voting.close event, signed at once
    assert closed.time >= before.time


def test_every_n_ballots_publishes_a_checkpoint(board: Any) -> None:
    from core.helpers import ready_referendum

    served = serve(ready_referendum(board))
    served.ctx.publisher.policy = CheckpointPolicy(every=2, seconds=3600)  # type: ignore[union-attr]
    start = checkpoint(served).size
    for region, i in (("east", 0), ("east", 1), ("west", 0), ("west", 1)):
        assert post(served, ballot(served, region, i).submission).status_code == 201
    sizes = [size for size, _ in served.ctx.board.checkpoints()]
    assert sizes == [start, start + 2, start + 4]


def test_bad_parameters_name_the_parameter(served: Served) -> None:
    size = checkpoint(served).size
    cases = [
        (f"/api/log/inclusion?index={size}&size={size}", "index"),
        ("/api/log/inclusion?index=-1&size=1", "index"),
        (f"/api/log/inclusion?index=0&size={size + 1}", "size"),
        ("/api/log/inclusion?index=0&size=0", "size"),
        (f"/api/log/consistency?from=2&to={size + 5}", "to"),
        ("/api/log/consistency?from=3&to=2", "to"),
        ("/api/log/consistency?from=-1&to=2", "from"),
        ("/api/log/checkpoints?after=-2", "after"),
        (f"/api/log/inclusion?index=0&size={2**63}", "size"),
        (f"/api/log/inclusion?index={2**64}&size={size}", "index"),
        (f"/api/log/consistency?from={2**63}&to={2**64}", "to"),
        (f"/api/log/consistency?from=-{2**64}&to=2", "from"),
    ]
    for url, field in cases:
        r = served.client.get(url)
        assert r.status_code == 400, (url, r.text)
        assert r.json()["field"] == field, (url, r.text)
    for after in (size, 2**63 - 1, 2**63, 10**30):  # beyond the board, or any integer column
        r = served.client.get(f"/api/log/checkpoints?after={after}")
        assert r.status_code == 200 and r.json() == {"checkpoints": [], "more": False}, r.text
    r = served.client.get("/api/log/inclusion?index=x&size=1")
    assert r.status_code == 422 and "index" in r.json()["field"]


def test_the_server_publishes_a_checkpoint_due_by_time_on_its_own(board: Any) -> None:
    """A log that has grown gets its checkpoint within the policy's time, with no append and
    no request after the ballot: the server's background task (only while it runs)."""
    import time

    from core.helpers import ready_referendum

    served = serve(ready_referendum(board))
    assert served.ctx.publisher is not None
    served.ctx.publisher.policy = CheckpointPolicy(every=1000, seconds=3600)
    start = checkpoint(served).size
    assert post(served, ballot(served, "east", 0).submission).status_code == 201
    grown = served.ctx.board.head().height + 1  # type: ignore[union-attr]
    assert grown > start
    served.ctx.publisher.policy = CheckpointPolicy(every=1000, seconds=0.2)

    def latest() -> int:
        stored = served.ctx.board.latest_checkpoint()
        assert stored is not None
        return stored[0]

    served.setup.clock.jump(served.setup.clock() + dt.timedelta(hours=1))  # it is due now
    time.sleep(0.5)  # without the server's task running, nothing publishes it
    assert latest() == start
    with served.client:  # the application's lifespan: the background task runs
        deadline = time.monotonic() + 10
        while latest() < grown and time.monotonic() < deadline:
            time.sleep(0.05)
    assert latest() == grown


def test_an_event_not_a_ballot_makes_a_checkpoint_due_at_once(served: Served) -> None:
    """After a checkpoint, ballots alone do not make one due before the policy says so; an
    event of another kind, appended by anyone (here: voting closed on the board itself, not
    through the server), does."""
    from referendum.services.voting import close_voting

    publisher = served.ctx.publisher
    assert publisher is not None
    publisher.policy = CheckpointPolicy(every=1000, seconds=3600)
    checkpoint(served)
    board = served.setup.board
    for i in range(2):
        assert post(served, ballot(served, "east", i).submission).status_code == 201
    assert not publisher.due(board)
    after_window(served.setup)
    close_voting(board, served.setup.clock)
    assert publisher.due(board)
