"""The booth recomputes what the server says (web/booth/src/recompute.js, run with Node on
the data of a Python-made referendum): the fingerprint from the manifest and the election key
from the key ceremony; a cheating server that changes any of them, even recomputing what it
can, is caught with the right code."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.protocol.state import manifest_fingerprint

from .booth_tools import needs_node, run_tool
from .conftest import Served

pytestmark = needs_node

Served_ = tuple[dict[str, Any], dict[str, Any]]


@pytest.fixture
def board(tmp_path: Path) -> Iterator[BulletinBoard]:
    """What the API serves does not depend on the backend: SQLite only here."""
    b = open_board(tmp_path / "board.sqlite")
    yield b
    b.close()


def booth_check(info: dict[str, Any], ceremony: Any) -> dict[str, Any]:
    return run_tool("check-served", {"info": info, "ceremony": ceremony})


def served_values(served: Served) -> Served_:
    info = served.client.get("/api/referendum").json()
    ceremony = served.client.get("/api/ceremony").json()
    return info, ceremony


def events_of(ceremony: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["payload"] for e in ceremony["events"] if e["type"] == kind]


def attacker_key() -> Point:
    return base_mul(Scalar.from_int(987654321))


def test_the_honest_server_passes_and_the_booth_uses_its_own_values(served: Served) -> None:
    info, ceremony = served_values(served)
    state = served.ctx.state()
    assert [e["type"] for e in ceremony["events"]] == [
        *["trustee.deal"] * 3,
        *["trustee.check"] * 3,
        "election.key",
    ]
    out = booth_check(info, ceremony)
    assert out == {
        "ok": True,
        "fingerprint": state.fingerprint.hex(),
        "election_key": state.public_key.hex(),
    }


def _fingerprint(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    info["fingerprint"] = "00" * 32


def _manifest(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    info["manifest"]["title"] += " (amended)"


def _manifest_rehashed(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    # a cheating server changes the manifest and recomputes the fingerprint: the trustees'
    # proofs are bound to the true fingerprint, so the ceremony no longer checks
    info["manifest"]["title"] += " (amended)"
    info["fingerprint"] = manifest_fingerprint(info["manifest"]).hex()


def _served_key(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    info["election_key"] = attacker_key().hex()


def _key_event_too(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    info["election_key"] = attacker_key().hex()
    events_of(ceremony, "election.key")[0]["public_key"] = attacker_key().hex()


def _rogue_constant(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    # replace dealer 1's constant term so that the sum is the attacker's key, everywhere
    deals = events_of(ceremony, "trustee.deal")
    others = Point.from_hex(deals[1]["commitments"]["coefficients"][0]) + Point.from_hex(
        deals[2]["commitments"]["coefficients"][0]
    )
    deals[0]["commitments"]["coefficients"][0] = (attacker_key() - others).hex()
    events_of(ceremony, "election.key")[0]["public_key"] = attacker_key().hex()
    info["election_key"] = attacker_key().hex()


def _dropped_deal(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    ceremony["events"] = [
        e
        for e in ceremony["events"]
        if not (e["type"] == "trustee.deal" and e["payload"]["trustee"] == 2)
    ]


def _complaint(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    events_of(ceremony, "trustee.check")[0]["complaints"].append(
        {"dealer": "2", "recipient": 1, "shared": attacker_key().hex(), "proof": {}}
    )


def _fewer_qualified(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    deals = events_of(ceremony, "trustee.deal")
    key = Point.from_hex(deals[0]["commitments"]["coefficients"][0]) + Point.from_hex(
        deals[1]["commitments"]["coefficients"][0]
    )
    payload = events_of(ceremony, "election.key")[0]
    payload.update(qualified=[1, 2], disqualified=[3], public_key=key.hex())
    info["election_key"] = key.hex()


def _no_ceremony(info: dict[str, Any], ceremony: dict[str, Any]) -> None:
    ceremony.clear()
    ceremony.update(error="not_found")


CHEATS: dict[str, tuple[Callable[[dict[str, Any], dict[str, Any]], None], str, str]] = {
    "fingerprint": (_fingerprint, "fingerprint", "fingerprint"),
    "manifest": (_manifest, "fingerprint", "fingerprint"),
    "manifest and fingerprint": (_manifest_rehashed, "ceremony", "proof"),
    "served key": (_served_key, "key", "election_key"),
    "key event and served key": (_key_event_too, "key", "public_key"),
    "rogue constant term": (
        _rogue_constant,
        "ceremony",
        "event 0 (trustee.deal).commitments.proof",
    ),
    "a trustee's deal hidden": (_dropped_deal, "ceremony", "trustee 2 has not dealt"),
    "a complaint naming no dealer": (_complaint, "ceremony", "complaints[0].dealer"),
    "a trustee disqualified without a complaint": (
        _fewer_qualified,
        "key",
        "trustee 3, against whom no complaint was made",
    ),
    "no ceremony served": (_no_ceremony, "ceremony", "events"),
}


def test_every_cheat_of_the_server_is_caught(served: Served) -> None:
    honest = served_values(served)
    for name, (cheat, code, where) in CHEATS.items():
        info, ceremony = copy.deepcopy(honest)
        cheat(info, ceremony)
        out = booth_check(info, ceremony)
        assert not out["ok"], name
        assert out["code"] == code, (name, out)
        assert where in out["detail"], (name, out)
