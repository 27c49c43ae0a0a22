"""The witness's and the light check's figures for ``referendum bench``.

:func:`witness_rate`: how many events per second a witness keeps up with.  A board of
``events`` events publishes a checkpoint every ``every`` events (its signed notes and the
consistency proofs between them made beforehand, so that only the witness's work is timed);
the real :class:`~referendum.observe.witness.Witness` then takes each in turn: it parses the
note, verifies the board's signature, fetches and verifies the consistency proof from the last
one it cosigned, cosigns, and writes its state to the disk crash-safely (``fsync``).  The rate
is the events those checkpoints cover per second of that work.

:func:`inclusion_case`: an inclusion proof in a tree of ``size`` leaves (for the browser's
check): its sibling hashes are random and the root is folded from them, so the proof is valid
for that root and costs exactly what a board's proof of that size costs to check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from referendum.clock import SteppingClock
from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.observe.witness import Witness
from referendum.observe.witness_state import WitnessState
from referendum.protocol.checkpoints import Checkpoint, origin_of, sign_checkpoint
from referendum.protocol.merkle import (
    MemoryTree,
    consistency_proof,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    verify_inclusion,
)
from referendum.record.event import format_timestamp

__all__ = ["inclusion_case", "witness_rate"]

_START = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


def _manifest(board_key: str) -> dict[str, Any]:
    return {
        "format": "referendum-manifest/2",
        "id": "bench",
        "title": "Bench",
        "information": "",
        "questions": [
            {
                "id": "q",
                "text": "?",
                "answers": ["yes", "no"],
                "min_selections": 1,
                "max_selections": 1,
                "status_quo": None,
                "regions": None,
            }
        ],
        "regions": [{"id": "r", "name": "R", "weight": "1"}],
        "window": [{"opens": "2026-05-04T08:00:00Z", "closes": "2026-05-04T20:00:00Z"}],
        "trustees": {"names": ["A"], "threshold": 1},
        "credential_authority": board_key,
        "board_key": board_key,
        "rule": {},
    }


def witness_rate(*, events: int = 200_000, every: int = 1000) -> dict[str, Any]:
    """The witness's rate over a board of ``events`` events with a checkpoint every
    ``every`` (module docstring)."""
    from referendum.protocol.state import manifest_fingerprint

    rng = DeterministicRandom(b"witness bench")
    board_secret = Scalar.random(rng)
    board_key = base_mul(board_secret)
    manifest = _manifest(board_key.hex())
    fingerprint = manifest_fingerprint(manifest)
    tree = MemoryTree()
    notes: list[str] = []
    proofs: dict[tuple[int, int], list[str]] = {}
    previous = 0
    for size in range(every, events + 1, every):
        tree.extend(leaf_hash(hashlib.sha256(b"%d" % i).digest()) for i in range(previous, size))
        checkpoint = Checkpoint(
            origin_of(fingerprint),
            size,
            tree.root(),
            format_timestamp(_START + dt.timedelta(milliseconds=size)),
        )
        notes.append(sign_checkpoint(checkpoint, board_secret, board_key, rng).text())
        if previous:
            proofs[(previous, size)] = [h.hex() for h in consistency_proof(previous, size, tree)]
        previous = size
    referendum = json.dumps({"manifest": manifest}).encode()

    def get(url: str) -> tuple[int, bytes]:
        if url.endswith("/api/referendum"):
            return 200, referendum
        query = dict(part.split("=") for part in url.split("?", 1)[1].split("&"))
        old, new = int(query["from"]), int(query["to"])
        body = {"from": old, "to": new, "hashes": proofs[(old, new)]}
        return 200, json.dumps(body).encode()

    with tempfile.TemporaryDirectory(prefix="referendum-witness-bench-") as scratch:
        witness = Witness(
            "http://board.bench",
            "witness.bench",
            Scalar.random(rng),
            WitnessState(Path(scratch)),
            rng,
            clock=SteppingClock(_START),
            get=get,
        )
        witness.log_key()
        started, cpu = time.perf_counter(), time.process_time()
        for text in notes:
            outcome = witness.offer(text)
            if outcome.status != "cosigned":
                raise RuntimeError(f"the bench's witness did not cosign: {outcome.reason}")
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    covered = len(notes) * every
    return {
        "events": covered,
        "checkpoint_every": every,
        "checkpoints": len(notes),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "events_per_second": covered / seconds,
        "ms_per_checkpoint": seconds / len(notes) * 1e3,
    }


def inclusion_case(size: int = 10_000_000, index: int | None = None) -> dict[str, Any]:
    """A valid inclusion proof of leaf ``index`` (default: the middle) in a tree of
    ``size`` leaves, as hex: ``{"index", "size", "leaf", "hashes", "root"}`` (module
    docstring)."""
    index = size // 2 + 1 if index is None else index
    rng = DeterministicRandom(b"inclusion bench")
    leaf = leaf_hash(rng.random_bytes(32))
    hashes = [rng.random_bytes(32) for _ in inclusion_ranges(index, size)]
    root = _fold(index, size, leaf, hashes)
    verify_inclusion(index, size, leaf, hashes, root)  # as a board's proof would
    return {
        "index": index,
        "size": size,
        "leaf": leaf.hex(),
        "hashes": [h.hex() for h in hashes],
        "root": root.hex(),
    }


def _fold(index: int, size: int, leaf: bytes, hashes: list[bytes]) -> bytes:
    """The root RFC 9162 section 2.1.3.2 computes from a proof."""
    fn, sn, value = index, size - 1, leaf
    for sibling in hashes:
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            value = node_hash(value, sibling)
        fn, sn = fn >> 1, sn >> 1
    return value
