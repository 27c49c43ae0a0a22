"""Hostile ballot bodies (issue 18, parts 1 and 2): every crafted body gets a 4xx with a
reason and a ``ballot.rejected`` event, the record verifies, and hostile bodies sent by many
clients alongside valid ballots never cost a valid ballot its acceptance."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.helpers import ready_referendum
from referendum.board.protocol import BulletinBoard
from referendum.errors import UnjudgedSubmission
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.services.ingest import CastQueue, cast_many
from referendum.services.voter import prepare_ballot
from referendum.verify.record_verifier import verify_record
from referendum.web.builds import export_record

from .browser import running
from .conftest import Served, serve

NESTED_ARRAYS = b"[" * 30_000 + b"]" * 30_000  # the 60 KB body
HOSTILE: dict[str, tuple[bytes, int, str]] = {
    # name: (body, status, words the reason holds)
    "nested arrays": (NESTED_ARRAYS, 400, "nested deeper than 32"),
    "nested objects": (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, 400, "nested deeper than 32"),
    "33 levels": (b"[" * 33 + b"]" * 33, 400, "nested deeper than 32"),
    "unclosed": (b"[" * 40_000, 400, "nested deeper than 32"),
    "huge number": (b"9" * 60_000, 400, "a number longer than 32"),
    "long number": (b'{"election":' + b"1" * 33 + b"}", 400, "a number longer than 32"),
    "big integer": (b'{"election":9007199254740992}', 400, "outside"),
    "duplicate keys": (b'{"region":"east","region":"west"}', 400, "duplicate key"),
    "invalid UTF-8": (b'{"region":"\xff\xfe"}', 400, "not valid UTF-8"),
    "lone surrogate": (b'{"region":"\\ud800"}', 400, "surrogate"),
    "NaN": (b'{"election":NaN}', 400, "NaN"),
    "Infinity": (b"[-Infinity]", 400, "Infinity"),
    "float": (b'{"election":1.5}', 400, "not an integer"),
    "byte order mark": (b'\xef\xbb\xbf{"election":"x"}', 400, "byte order mark"),
    "not JSON": (b"{'election': 1}", 400, "not JSON"),
    "empty": (b"", 400, "not JSON"),
    "array": (b"[1,2]", 400, "expected a JSON object"),
    "oversize": (b" " * (64 * 1024 + 1), 413, "at most 65536"),
}


def post(served: Served, body: bytes) -> httpx.Response:
    r: httpx.Response = served.client.post(
        "/api/ballots", content=body, headers={"Content-Type": "application/json"}
    )
    return r


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_body_is_refused_with_its_reason_and_logged(served: Served, name: str) -> None:
    body, status, words = HOSTILE[name]
    r = post(served, body)
    assert r.status_code == status, r.text
    answer = r.json()
    assert answer["error"] in ("malformed", "oversize") and words in answer["reason"]
    assert answer["receipt"]["kind"] == "refused"  # signed: the sender can show it
    (logged,) = [e.payload for e in served.setup.board.events(types=(m.BALLOT_REJECTED,))]
    assert logged["reason"] == answer["error"] and logged["field"] == answer["field"]
    assert logged["submission_size"] == len(body)


def test_every_hostile_body_is_on_the_board_and_the_record_verifies(
    served: Served, tmp_path: Path
) -> None:
    """The verifier re-decides each refusal from the record, with the same bounds."""
    for body, status, _ in HOSTILE.values():
        assert post(served, body).status_code == status
    good = prepare_ballot(
        served.setup.state,
        served.setup.credentials["east"][0].private,
        {"q1": ["yes"]},
        served.setup.rng,
    )
    assert post(served, canonical_json(good.submission)).status_code == 201
    assert served.setup.board.count(m.BALLOT_REJECTED) == len(HOSTILE)
    report = verify_record(export_record(served.ctx, tmp_path))
    assert report.sound, report.failures()  # valid so far: voting is still open


class _Unreadable(Mapping[str, Any]):
    """A submission object that fails when read (a caller's bug, not input a bound foresaw)."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("unreadable")

    def __iter__(self) -> Iterator[str]:
        return iter(["election"])

    def __len__(self) -> int:
        return 1


def test_an_error_judging_one_submission_refuses_that_one_only(board: BulletinBoard) -> None:
    setup = ready_referendum(board, per_region=2)
    valid = [
        prepare_ballot(setup.state, c.private, {"q1": ["no"]}, setup.rng).submission
        for c in setup.credentials["east"] + setup.credentials["west"]
    ]
    batch: list[Any] = [valid[0], _Unreadable(), NESTED_ARRAYS, valid[1], valid[2], valid[3]]
    outcomes = cast_many(board, batch, setup.clock, state=setup.state)
    assert [type(o).__name__ for o in outcomes] == [
        "Receipt",
        "UnjudgedSubmission",
        "BallotRejected",
        "Receipt",
        "Receipt",
        "Receipt",
    ]
    assert isinstance(outcomes[1], UnjudgedSubmission) and outcomes[1].cause == "RuntimeError"
    assert board.count(m.BALLOT_ACCEPTED) == 4 and board.count(m.BALLOT_REJECTED) == 1
    # through the queue, the unjudged caller alone gets the error
    queue = CastQueue(board, setup.clock, state=lambda: setup.state)
    with pytest.raises(UnjudgedSubmission):
        queue.cast(_Unreadable())  # type: ignore[arg-type]


def test_hostile_clients_mixed_with_voters_cost_no_valid_ballot(
    board: BulletinBoard, tmp_path: Path
) -> None:
    """16 clients over loopback: 64 valid ballots and 32 hostile bodies, interleaved; each
    valid ballot is accepted (201, on the board), each hostile body refused (4xx, logged),
    none answered 5xx or dropped."""
    setup = ready_referendum(board, per_region=32)
    served = serve(setup, burst=10_000)
    valid = [
        canonical_json(
            prepare_ballot(setup.state, c.private, {"q1": ["yes"]}, setup.rng).submission
        )
        for region in ("east", "west")
        for c in setup.credentials[region]
    ]
    hostile = [body for body, _, _ in HOSTILE.values()] * 2
    bodies = [(True, b) for b in valid] + [(False, b) for b in hostile[:32]]
    bodies = [bodies[(i * 37) % len(bodies)] for i in range(len(bodies))]  # interleaved
    answers: list[tuple[bool, bytes, int]] = []
    lock = threading.Lock()
    with running(served.ctx) as url:

        def client(k: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as http:
                for good, body in bodies[k::16]:
                    r = http.post(
                        "/api/ballots", content=body, headers={"Content-Type": "application/json"}
                    )
                    with lock:
                        answers.append((good, body, r.status_code))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert len(answers) == len(bodies)
    assert sorted(s for good, _, s in answers if good) == [201] * len(valid)
    assert all(400 <= s < 500 for good, _, s in answers if not good), answers
    accepted = {e.payload["credential"] for e in board.events(types=(m.BALLOT_ACCEPTED,))}
    assert len(accepted) == len(valid)
    assert board.count(m.BALLOT_REJECTED) == 32
    report = verify_record(export_record(served.ctx, tmp_path))
    assert report.sound, report.failures()
