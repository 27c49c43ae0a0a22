"""``track --receipt`` against a board: the receipt's event is in the checkpoint the manifest's
witnesses cosigned; a split view (to the witnesses, or between the witnesses and the voter)
and a forged inclusion proof are caught, with a statement."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from referendum.clock import SteppingClock
from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError
from referendum.observe.light import check_light
from referendum.observe.witness import Outcome, Witness
from referendum.observe.witness_state import WitnessState
from referendum.verify.split_view import check_statement

from .fake_log import START, FakeLog

KEYS = {"witness-a": Scalar.from_int(1001), "witness-b": Scalar.from_int(1002)}


def first_of(outcomes: list[Outcome]) -> Outcome:
    """What a poll did: its first outcome that is not "unchanged" (or "unchanged")."""
    return next((o for o in outcomes if o.status != "unchanged"), outcomes[-1])


def policy(threshold: int = 2) -> dict[str, object]:
    return {
        "threshold": threshold,
        "members": [
            {"name": n, "public_key": base_mul(k).hex(), "url": f"http://{n}.test"}
            for n, k in KEYS.items()
        ],
    }


class Network:
    """The board and two witnesses, each answering GETs by its host name."""

    def __init__(self, tmp_path: Path, threshold: int = 2) -> None:
        self.log = FakeLog(witnesses=policy(threshold))
        self.board_get: Callable[[str], tuple[int, bytes]] = self.log.get
        self.witnesses = {
            name: Witness(
                "http://board.test",
                name,
                secret,
                WitnessState(tmp_path / name),
                DeterministicRandom(name.encode()),
                clock=SteppingClock(START),
                get=lambda url: self.board_get(url),
            )
            for name, secret in KEYS.items()
        }

    def poll(self, *names: str) -> None:
        for name in names or self.witnesses:
            assert first_of(self.witnesses[name].poll()).status == "cosigned"

    def get(self, url: str) -> tuple[int, bytes]:
        host = url.split("://", 1)[1].split("/", 1)[0].removesuffix(".test")
        if host in self.witnesses:
            note = self.witnesses[host].cosigned(url.rsplit("/", 1)[1])
            return (404, b"{}") if note is None else (200, note.encode())
        return self.board_get(url)


def test_a_receipt_in_the_witnessed_log_holds(tmp_path: Path) -> None:
    net = Network(tmp_path)
    net.log.grow(30)
    net.poll()
    receipt = net.log.receipt(17)
    net.log.grow(9)  # the board went on: its checkpoint is larger than the witnessed one
    verdict = check_light(receipt, "http://board.test", get=net.get)
    assert verdict.holds, verdict.reason
    assert verdict.witnesses == ["witness-a", "witness-b"]
    assert "witnesses witness-a and witness-b have cosigned" in verdict.reason
    assert verdict.witnessed is not None and verdict.witnessed.checkpoint.size == 30


def test_witnesses_behind_the_receipt_is_not_yet(tmp_path: Path) -> None:
    net = Network(tmp_path)
    net.log.grow(10)
    net.poll()
    net.log.grow(10)
    net.poll("witness-a")  # b is behind: only a's checkpoint includes event 15
    verdict = check_light(net.log.receipt(15), "http://board.test", get=net.get)
    assert verdict.status == "not_yet" and "check again later" in verdict.reason
    net.poll("witness-b")
    assert check_light(net.log.receipt(15), "http://board.test", get=net.get).holds


def test_the_board_showing_the_voter_another_view_is_caught(tmp_path: Path) -> None:
    """The witnesses cosigned one view; the voter's receipt is in a fork the board shows
    only to this voter, with every hash recomputed."""
    net = Network(tmp_path)
    net.log.grow(20)
    net.poll()
    witnessed = net.log.fork(12)
    net.log.grow(15)  # the voter's view: 27 events, the first 12 shared
    receipt = net.log.receipt(22)
    # the board answers the voter from the fork; the witnesses keep what they cosigned
    verdict = check_light(receipt, "http://board.test", get=net.get)
    assert verdict.status == "misbehaviour", verdict.reason
    assert "split view" in verdict.reason
    statement = verdict.statement()
    assert statement["format"] == "referendum-misbehaviour/1"
    assert "could not prove that the second extends the first" in check_statement(
        statement["evidence"]
    )
    assert len(witnessed.events) == 20


def test_a_forged_inclusion_proof_is_caught(tmp_path: Path) -> None:
    net = Network(tmp_path)
    net.log.grow(25)
    net.poll()
    honest = net.log.get

    def forged(url: str) -> tuple[int, bytes]:
        status, body = honest(url)
        if "/inclusion" in url:
            data = json.loads(body)
            data["hashes"][1] = "11" * 32
            body = json.dumps(data).encode()
        return status, body

    net.board_get = forged
    verdict = check_light(net.log.receipt(5), "http://board.test", get=net.get)
    assert verdict.status == "misbehaviour" and "cannot prove it is in the log" in verdict.reason


def test_a_receipt_for_an_event_the_witnessed_log_lacks(tmp_path: Path) -> None:
    """The board signed a receipt for an event of a fork it showed this voter alone, then
    serves the witnessed view: the inclusion proof of the receipt's hash cannot hold."""
    net = Network(tmp_path)
    net.log.grow(20)
    net.poll()
    witnessed = net.log.fork(12)
    net.log.grow(8)
    receipt = net.log.receipt(15)
    net.log.view = witnessed
    verdict = check_light(receipt, "http://board.test", get=net.get)
    assert verdict.status == "misbehaviour" and "cannot prove it is in the log" in verdict.reason
    assert verdict.statement()["evidence"]["receipt"] == receipt.to_json()


def test_one_witness_unreachable_with_threshold_two(tmp_path: Path) -> None:
    net = Network(tmp_path)
    net.log.grow(8)
    net.poll("witness-a")
    verdict = check_light(net.log.receipt(3), "http://board.test", get=net.get)
    assert verdict.status == "not_yet" and "witness-b" in verdict.problems


def test_a_forged_receipt_proves_nothing(tmp_path: Path) -> None:
    net = Network(tmp_path)
    net.log.grow(8)
    net.poll()
    receipt = net.log.receipt(3)
    forged = dataclasses.replace(receipt, height=4)
    with pytest.raises(InputError, match="proves nothing"):
        check_light(forged, "http://board.test", get=net.get)
