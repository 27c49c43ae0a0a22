"""The witness cosigns only checkpoints that extend the last one it cosigned, keeps its state
across restarts, refuses and keeps as evidence a split view, and refuses a corrupt state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.helpers import BOARD_KEY
from referendum.clock import SteppingClock
from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError
from referendum.observe.witness import Outcome, Witness
from referendum.observe.witness_state import STATE_FILE, WitnessState
from referendum.protocol.checkpoints import cosignatures, parse_note
from referendum.verify.split_view import check_statement

from .fake_log import START, FakeLog

SECRET = Scalar.from_int(424242)
NAME = "witness-a.example"


def first_of(outcomes: list[Outcome]) -> Outcome:
    """What a poll did: its first outcome that is not "unchanged" (or "unchanged")."""
    return next((o for o in outcomes if o.status != "unchanged"), outcomes[-1])


def witness(log: FakeLog, state: Path) -> Witness:
    return Witness(
        "http://board.test",
        NAME,
        SECRET,
        WitnessState(state),
        DeterministicRandom(b"witness"),
        clock=SteppingClock(START),
        get=log.get,
    )


def test_cosigns_a_growing_log_and_resumes_from_its_state(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(5)
    w = witness(log, tmp_path)
    first = first_of(w.poll())
    assert (first.status, first.size) == ("cosigned", 5)
    note = parse_note(w.cosigned(log.fingerprint.hex()) or "")
    assert [c.name for c in cosignatures(note, {NAME: base_mul(SECRET)})] == [NAME]
    assert first_of(w.poll()).status == "unchanged"
    for grow in (1, 2, 13, 64):
        log.grow(grow)
        assert first_of(w.poll()).status == "cosigned"
    again = witness(log, tmp_path)  # a restart reads the state
    assert again.state.logs[log.fingerprint.hex()].size == 85
    log.grow(3)
    outcome = first_of(again.poll())
    assert (outcome.status, outcome.size) == ("cosigned", 88)
    saved = json.loads((tmp_path / STATE_FILE).read_text())
    entry = saved["logs"][log.fingerprint.hex()]
    assert entry["size"] == 88 and entry["root"] == log.view.tree.root().hex()


def test_same_size_split_view_is_refused_and_kept_as_evidence(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(10)
    w = witness(log, tmp_path)
    assert first_of(w.poll()).status == "cosigned"
    log.fork(7)
    log.grow(3)  # size 10 again, another root
    outcome = first_of(w.poll())
    assert outcome.status == "split_view" and outcome.evidence
    statement = json.loads(Path(outcome.evidence).read_text())
    assert statement["format"] == "referendum-misbehaviour/1"
    assert statement["conflict"] == "same_size" and statement["board_key"] == BOARD_KEY.public.hex()
    assert "two checkpoints of size 10 with different roots" in check_statement(statement)
    log.grow(5)  # the fork goes on: still refused, now as not extending what was cosigned
    later = first_of(w.poll())
    assert later.status == "split_view"
    statement = json.loads(Path(later.evidence or "").read_text())
    assert statement["conflict"] == "inconsistent"
    assert "could not prove that the second extends the first" in check_statement(statement)
    assert w.state.logs[log.fingerprint.hex()].size == 10  # nothing inconsistent cosigned
    assert len(w.state.evidence()) == 2


def test_a_rollback_and_a_forged_signature_are_refused(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(12)
    w = witness(log, tmp_path)
    assert first_of(w.poll()).status == "cosigned"
    older = w.offer(log.note(size=9))  # a smaller tree at a later time
    assert older.status == "split_view"
    statement = json.loads(Path(older.evidence or "").read_text())
    assert "went backwards" in check_statement(statement)
    text = log.note()
    lines = text.split("\n")
    lines[1] = "13"  # a size the board did not sign
    forged = w.offer("\n".join(lines))
    assert forged.status == "refused" and "signature does not verify" in forged.reason
    other = FakeLog(id="other-vote")
    other.grow(12)
    foreign = w.offer(other.note())
    assert foreign.status == "refused" and "origin" in foreign.reason
    assert w.offer("not a checkpoint").status == "refused"
    tampered = dict(statement, checkpoints=[statement["checkpoints"][0]] * 2)
    with pytest.raises(InputError):
        check_statement(tampered)  # two equal checkpoints prove nothing


def test_a_forged_consistency_proof_is_not_cosigned(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(6)
    w = witness(log, tmp_path)
    assert first_of(w.poll()).status == "cosigned"
    log.grow(5)
    honest = log.get

    def forged(url: str) -> tuple[int, bytes]:
        status, body = honest(url)
        if "/consistency" in url:
            data = json.loads(body)
            data["hashes"][0] = "00" * 32
            body = json.dumps(data).encode()
        return status, body

    w.get = forged
    outcome = first_of(w.poll())
    assert outcome.status == "split_view" and w.state.logs[log.fingerprint.hex()].size == 6
    w.get = honest
    assert first_of(w.poll()).status == "cosigned"  # the same checkpoint, with an honest proof


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda text: text[: len(text) // 2],
        lambda text: text.replace('"size":', '"size": 1000 , "x":'),
        lambda text: "",
        lambda text: text.replace("referendum-witness-state/1", "referendum-witness-state/9"),
    ],
)
def test_a_corrupt_state_is_refused(tmp_path: Path, corrupt: object) -> None:
    log = FakeLog()
    log.grow(4)
    assert first_of(witness(log, tmp_path).poll()).status == "cosigned"
    path = tmp_path / STATE_FILE
    path.write_text(corrupt(path.read_text()))  # type: ignore[operator]
    with pytest.raises(InputError) as caught:
        WitnessState(tmp_path)
    assert STATE_FILE in str(caught.value)


def test_a_state_naming_another_size_than_its_note_is_refused(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(4)
    assert first_of(witness(log, tmp_path).poll()).status == "cosigned"
    path = tmp_path / STATE_FILE
    data = json.loads(path.read_text())
    data["logs"][log.fingerprint.hex()]["size"] = 2  # an attacker lowering the last size
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="differ from the cosigned note"):
        WitnessState(tmp_path)


def test_the_manifest_names_the_witnesses_under_its_fingerprint() -> None:
    from core.helpers import manifest
    from referendum.errors import ManifestError
    from referendum.protocol.state import manifest_fingerprint
    from referendum.record.manifest import manifest_from_payload

    plain = manifest().to_payload()
    assert "witnesses" not in plain  # absent, as in manifests written before it existed
    member = {"name": NAME, "public_key": base_mul(SECRET).hex(), "url": "https://w.example"}
    named = manifest(witnesses={"threshold": 1, "members": [member]}).to_payload()
    assert manifest_from_payload(named).witnesses is not None
    moved = json.loads(json.dumps(named))
    moved["witnesses"]["members"][0]["url"] = "https://elsewhere.example"
    assert len({manifest_fingerprint(p) for p in (plain, named, moved)}) == 3
    for bad, field in (
        ({"threshold": 2, "members": [member]}, "witnesses"),
        ({"threshold": 1, "members": [{**member, "name": "a b"}]}, "witnesses.members.0.name"),
        ({"threshold": 1, "members": [{**member, "public_key": "00" * 31}]}, "public_key"),
        ({"threshold": 1, "members": [{**member, "url": "ftp://x"}]}, "url"),
        ({"threshold": 1, "members": [member, {**member, "name": "other"}]}, "witnesses"),
    ):
        with pytest.raises(ManifestError) as caught:
            manifest(witnesses=bad)
        assert field in caught.value.field
    with pytest.raises(ManifestError, match="witnesses"):
        manifest_from_payload({**plain, "witnesses": None})


def test_a_board_serving_the_same_page_forever_does_not_hang_the_witness(tmp_path: Path) -> None:
    log = FakeLog()
    log.grow(5)
    w = witness(log, tmp_path)
    assert first_of(w.poll()).status == "cosigned"
    stale = log.note(size=5)
    honest = log.get

    def looping(url: str) -> tuple[int, bytes]:
        if "/api/log/checkpoints" in url:  # "more" for ever, nothing new
            return 200, json.dumps({"checkpoints": [stale], "more": True}).encode()
        return honest(url)

    w.get = looping
    outcomes = w.poll()
    assert [o.status for o in outcomes] == ["unchanged", "unchanged"]
