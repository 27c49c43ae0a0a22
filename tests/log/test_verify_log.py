"""``referendum verify`` recomputes the record's Merkle tree and checks every checkpoint, the
record's own and those given with ``--checkpoints``, against it.  Attacks, as a cheating
board would mount them (every hash recomputed, checkpoints re-signed), are each caught and
named."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.helpers import run_main
from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.protocol import checkpoints as cp
from referendum.protocol import merkle
from referendum.record.canonical import canonical_json
from referendum.record.event import Event, make_event
from referendum.record.io import CHECKPOINTS_FILE, read_record, write_record
from referendum.services.demo import run_demo
from referendum.services.receipts import BoardKey
from referendum.verify.log import GivenCheckpoints
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import Check, Report, Status

RNG = DeterministicRandom(b"verify-log tests")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out, voters=12, seed=4)
    return out


def copy(demo: Path, tmp_path: Path) -> Path:
    target = tmp_path / "record"
    shutil.copytree(demo, target, ignore=shutil.ignore_patterns("board.sqlite*"))
    return target


def board_key(record: Path) -> BoardKey:
    return BoardKey.from_json(json.loads((record / "board.key").read_text()))


def notes(record: Path) -> list[cp.SignedNote]:
    lines = (record / CHECKPOINTS_FILE).read_text().splitlines()
    return [cp.parse_note(json.loads(line)) for line in lines]


def write_notes(record: Path, texts: list[str]) -> None:
    (record / CHECKPOINTS_FILE).write_bytes(b"".join(canonical_json(t) + b"\n" for t in texts))


def log_lines(report: Report) -> list[tuple[Status, str | None, str]]:
    return [(r.status, r.item, r.detail) for r in report.results if r.check is Check.LOG]


def failures(report: Report) -> list[str]:
    return [f"{r.item}: {r.detail}" for r in report.failures() if r.check is Check.LOG]


def events_of(record: Path) -> list[Event]:
    return list(read_record(record).events())


def rewrite(record: Path, height: int, change: Callable[[dict[str, Any]], None]) -> list[Event]:
    """Change the payload of event ``height`` and recompute every hash after it, as a board
    that rewrites its chain would; the record's files are rewritten (checkpoints kept)."""
    events = events_of(record)
    out: list[Event] = events[:height]
    for event in events[height:]:
        payload = json.loads(json.dumps(event.payload))
        if event.height == height:
            change(payload)
        parent = out[-1].hash if out else event.parent
        out.append(make_event(event.height, parent, event.type, event.timestamp, payload))
    kept = [n.text() for n in notes(record)]
    write_record(out, record, overwrite=True, checkpoints=kept)
    return out


def resign(note: cp.Checkpoint, secret: Scalar) -> str:
    return cp.sign_checkpoint(note, secret, base_mul(secret), RNG).text()


def rejected_height(record: Path) -> int:
    return next(
        e.height for e in events_of(record) if e.type == "ballot.rejected" and e.height > 20
    )


def test_the_demo_record_and_its_checkpoints_verify(demo: Path) -> None:
    report = verify_record(demo)
    assert report.ok, report.failures()
    ((status, _, detail),) = log_lines(report)
    assert status is Status.PASS
    count = len(events_of(demo))
    leaves = [merkle.event_leaf(e.hash) for e in events_of(demo)]
    assert merkle.root_of(leaves).hex() in detail
    sizes = [n.checkpoint.size for n in notes(demo)]
    assert sizes == sorted(set(sizes)) and sizes[-1] == count  # grows, covers the record


def test_a_rewritten_chain_under_the_old_checkpoints_is_caught(demo: Path, tmp_path: Path) -> None:
    record = copy(demo, tmp_path)
    height = rejected_height(record)
    rewrite(record, height, lambda p: p.update(reason="closed"))
    report = verify_record(record)
    found = failures(report)
    later = [n.checkpoint.size for n in notes(record) if n.checkpoint.size > height]
    assert len(found) >= len(later) > 0
    assert all("not that of the record's first" in f for f in found)
    assert f"checkpoint of size {later[0]}" in found[0]


def test_checkpoints_resigned_with_another_key_are_caught(demo: Path, tmp_path: Path) -> None:
    record = copy(demo, tmp_path)
    events = rewrite(record, rejected_height(record), lambda p: p.update(reason="closed"))
    other = Scalar.random(RNG)
    tree = merkle.MemoryTree()
    tree.extend(merkle.event_leaf(e.hash) for e in events)
    forged = []
    for note in notes(record):
        c = note.checkpoint
        forged.append(resign(cp.Checkpoint(c.origin, c.size, tree.root_at(c.size), c.time), other))
    write_notes(record, forged)
    found = failures(verify_record(record))
    assert len(found) == len(forged)
    assert all("no signature by the manifest's board key" in f for f in found)


def test_a_checkpoint_of_another_tree_signed_by_the_board_is_caught(
    demo: Path, tmp_path: Path
) -> None:
    record = copy(demo, tmp_path)
    key = board_key(record)
    own = notes(record)
    c = own[len(own) // 2].checkpoint
    other_tree = cp.Checkpoint(c.origin, c.size, bytes(32), c.time)
    texts = [n.text() for n in own]
    texts[len(own) // 2] = resign(other_tree, key.secret)
    write_notes(record, texts)
    found = failures(verify_record(record))
    assert found == [
        f"checkpoints.jsonl checkpoint of size {c.size}: its root is not that of the record's "
        f"first {c.size} events: the board signed another tree than the record"
    ]


def test_a_split_view_given_with_checkpoints_is_caught(demo: Path, tmp_path: Path) -> None:
    """The board showed a voter a log of the same size with another root: the checkpoint it
    signed for that voter, given to the verifier, convicts it."""
    key = board_key(demo)
    c = notes(demo)[-1].checkpoint
    fork = resign(cp.Checkpoint(c.origin, c.size, merkle.leaf_hash(b"fork"), c.time), key.secret)
    report = verify_record(demo, checkpoints=[GivenCheckpoints("voter.txt", [fork])])
    found = failures(report)
    assert any(
        f.startswith(f"voter.txt checkpoint of size {c.size}") and "split view" in f for f in found
    )
    # and given checkpoints that agree with the record pass, a later larger one is noted
    later = resign(
        cp.Checkpoint(c.origin, c.size + 5, bytes(32), "2027-01-01T00:00:00.000000Z"), key.secret
    )
    agree = [n.text() for n in notes(demo)] + [later]
    report = verify_record(demo, checkpoints=[GivenCheckpoints("witness", agree)])
    ((status, _, detail),) = log_lines(report)
    assert status is Status.PASS and "1 given checkpoints are of a later, larger log" in detail


def test_sizes_and_times_that_go_backwards_are_caught(demo: Path, tmp_path: Path) -> None:
    record = copy(demo, tmp_path)
    key = board_key(record)
    own = notes(record)
    texts = [n.text() for n in own]
    texts[2], texts[3] = texts[3], texts[2]  # out of order: the later one first
    a = own[5].checkpoint
    texts[5] = resign(
        cp.Checkpoint(a.origin, a.size, a.root, "2026-01-01T00:00:00.000000Z"), key.secret
    )
    write_notes(record, texts)
    found = "\n".join(failures(verify_record(record)))
    assert f"checkpoint of size {own[2].checkpoint.size}: does not grow" in found
    assert f"checkpoint of size {a.size}: goes back in time" in found


def test_other_referendums_and_malformed_lines_are_named(demo: Path, tmp_path: Path) -> None:
    record = copy(demo, tmp_path)
    key = board_key(record)
    own = notes(record)
    c = own[0].checkpoint
    texts = [n.text() for n in own]
    texts[0] = resign(cp.Checkpoint(cp.origin_of(bytes(32)), c.size, c.root, c.time), key.secret)
    texts[1] = texts[1].replace("\n\n", "\n")
    write_notes(record, texts)
    found = failures(verify_record(record))
    assert "origin" in found[0] and "not this referendum's" in found[0]
    assert found[1].startswith("checkpoints.jsonl checkpoint 2: malformed")


def test_a_record_without_checkpoints_skips_the_log_check(demo: Path, tmp_path: Path) -> None:
    record = copy(demo, tmp_path)
    (record / CHECKPOINTS_FILE).unlink()
    report = verify_record(record)
    assert report.ok
    assert [s for s, _, _ in log_lines(report)] == [Status.SKIP]


def _cli(*args: str) -> tuple[int, str]:
    code, out, _ = run_main(*args)
    return code, out


def test_the_cli_takes_checkpoints_from_files(demo: Path, tmp_path: Path) -> None:
    key = board_key(demo)
    c = notes(demo)[-1].checkpoint
    fork = tmp_path / "fork.txt"
    fork.write_text(resign(cp.Checkpoint(c.origin, c.size, bytes(32), c.time), key.secret))
    code, out = _cli(
        "verify", str(demo), "--workers", "1", "--format", "json", "--checkpoints", str(fork)
    )
    assert code == 1
    failed = [r for r in json.loads(out)["checks"] if r["status"] == "fail"]
    assert {r["check"] for r in failed} == {"LOG"} and "split view" in failed[0]["detail"]
    code, _ = _cli(
        "verify", str(demo), "--workers", "1", "--checkpoints", str(demo / CHECKPOINTS_FILE)
    )
    assert code == 0
    code, _ = _cli("verify", str(demo), "--checkpoints", str(tmp_path / "missing.txt"))
    assert code == 2
