"""Figures of the transparency log (issue 12, part 5), each measured in one run.

* :func:`tree_overhead`: what the Merkle tree adds to ingest, per ballot: the board's full
  ingest (each ballot verified, then appended with ``cast_many`` on SQLite, as
  :func:`referendum.bench.ingest.ingest` does) and the board's append alone, each run with the
  tree and without it (the same code with the tree's step skipped: no right-edge read, no
  hashing, no node inserted), alternately, ``rounds`` times; medians and their ratio.
* :func:`proof_figures`: a board's tree of ``events`` synthetic event hashes (SHA-256 of the
  height), built into the SQLite ``log_nodes`` table by a bulk path (a real board of ten
  million ballots takes hours to generate here); then inclusion and consistency proofs served
  from its stored nodes by the server's own code (``read_nodes`` and
  :func:`~referendum.protocol.merkle.inclusion_proof`, the HTTP layer left out), and an
  inclusion proof checked in Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import resource
import sqlite3
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from referendum.bench.payloads import ballot_payload
from referendum.board import _tree
from referendum.board.protocol import Draft
from referendum.board.sqlite import SqliteBoard
from referendum.protocol import merkle
from referendum.record.event import format_timestamp

__all__ = ["log_figures", "proof_figures", "tree_overhead", "without_tree"]

_BATCH = 200
_BULK_ROWS = 200_000


@contextlib.contextmanager
def without_tree() -> Iterator[None]:
    """In this process, boards append without growing their tree (for the comparison only:
    such a board serves no proofs until it is opened again and catches up)."""
    original = _tree.new_tree_rows
    _tree.new_tree_rows = lambda fetch, size, hashes: []  # type: ignore[assignment]
    try:
        yield
    finally:
        _tree.new_tree_rows = original


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _append_only(path: Path, ballots: int) -> tuple[float, float]:
    """Wall and CPU seconds per ballot of appending ``ballots`` ballot-sized events to a
    fresh SQLite board, ``_BATCH`` per transaction."""
    board = SqliteBoard(path)
    try:
        start, cpu = time.perf_counter(), _cpu()
        for first in range(0, ballots, _BATCH):
            head = board.head()
            drafts = [
                Draft("ballot", ballot_payload(i), (f"credential-{i}", f"tracking-{i}"))
                for i in range(first, min(first + _BATCH, ballots))
            ]
            board.append_many(
                drafts,
                expected_head=None if head is None else head.hash,
                timestamp=format_timestamp(dt.datetime.now(dt.UTC)),
            )
        return (time.perf_counter() - start) / ballots, (_cpu() - cpu) / ballots
    finally:
        board.close()


def _full_ingest(folder: Path, ballots: int, workers: int, tag: str) -> float:
    """Seconds per ballot of the full ingest (verification and append) on SQLite."""
    from referendum.bench.ingest import ingest

    figures = ingest(
        str(folder / f"ingest-{tag}.sqlite"),
        ballots=ballots,
        writers=1,
        workers=workers,
        batch=_BATCH,
        export_to=folder / f"export-{tag}",
    )
    return 1.0 / figures.ballots_per_second


def tree_overhead(
    folder: Path, *, ballots: int = 600, appends: int = 4000, rounds: int = 3, workers: int = 2
) -> dict[str, Any]:
    """The tree's share of ingest per ballot (module docstring); ``folder`` holds the boards."""
    folder.mkdir(parents=True, exist_ok=True)
    full: dict[str, list[float]] = {"tree": [], "no_tree": []}
    board_wall: dict[str, list[float]] = {"tree": [], "no_tree": []}
    board_cpu: dict[str, list[float]] = {"tree": [], "no_tree": []}
    for round_ in range(rounds):
        for variant in ("tree", "no_tree") if round_ % 2 == 0 else ("no_tree", "tree"):
            tag = f"{variant}-{round_}"
            context = without_tree() if variant == "no_tree" else contextlib.nullcontext()
            with context:
                full[variant].append(_full_ingest(folder, ballots, workers, tag))
                wall, cpu = _append_only(folder / f"append-{tag}.sqlite", appends)
            board_wall[variant].append(wall)
            board_cpu[variant].append(cpu)

    def ratio(series: dict[str, list[float]]) -> dict[str, float]:
        with_tree = statistics.median(series["tree"])
        without = statistics.median(series["no_tree"])
        return {
            "with_tree_ms": with_tree * 1000,
            "without_tree_ms": without * 1000,
            "overhead": with_tree / without - 1,
        }

    return {
        "ballots": ballots,
        "appends": appends,
        "rounds": rounds,
        "batch": _BATCH,
        "ingest_per_ballot": ratio(full),
        "append_per_ballot_wall": ratio(board_wall),
        "append_per_ballot_cpu": ratio(board_cpu),
    }


def build_tree(path: Path, events: int) -> float:
    """Fill a fresh SQLite ``log_nodes`` table (migration 0002's) with the tree of ``events``
    synthetic event hashes, SHA-256 of each height as 8 bytes: the bulk path.  Seconds."""
    start = time.perf_counter()
    SqliteBoard(path).close()  # the schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    stack: list[bytes] = []
    rows: list[tuple[int, bytes]] = []
    sha256, node_hash, node_key = hashlib.sha256, merkle.node_hash, _tree.node_key
    for index in range(events):
        value = merkle.leaf_hash(sha256(index.to_bytes(8, "big")).digest())
        rows.append((index, value))
        level, position = 0, index
        while position & 1:
            value = node_hash(stack.pop(), value)
            level, position = level + 1, position >> 1
            rows.append((node_key((level, position)), value))
        stack.append(value)
        if len(rows) >= _BULK_ROWS:
            conn.executemany("INSERT INTO log_nodes (node, hash) VALUES (?, ?)", rows)
            rows.clear()
    conn.executemany("INSERT INTO log_nodes (node, hash) VALUES (?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


class _Reader:
    """The server's node reads (``SqlReads.read_nodes``) on a tree-only database."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path)

    def read_nodes(self, wanted: Any) -> dict[merkle.Node, bytes]:
        return _tree.read_nodes(lambda q, p: self._conn.execute(q, p).fetchall(), wanted)

    def close(self) -> None:
        self._conn.close()


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def proof_figures(path: Path, *, events: int, proofs: int = 1000, seed: int = 12) -> dict[str, Any]:
    """Build the tree of ``events`` leaves at ``path`` (unless it is there), then time
    ``proofs`` inclusion proofs (random leaves, at the full size), as many consistency proofs
    (random older sizes), each served as its JSON answer, and Python's check of each
    inclusion proof."""
    figures: dict[str, Any] = {"events": events, "proofs": proofs}
    if not path.exists():
        figures["build_seconds"] = build_tree(path, events)
    figures["database_mb"] = os.path.getsize(path) / 2**20
    reader = _Reader(path)
    chooser = random.Random(seed)
    try:
        root = merkle.root_at(events, reader)
        serve, check, consistency = [], [], []
        for _ in range(proofs):
            index = chooser.randrange(events)
            start = time.perf_counter()
            leaf = reader.read_nodes([(0, index)])[(0, index)]
            hashes = merkle.inclusion_proof(index, events, reader)
            body = json.dumps(
                {
                    "index": index,
                    "size": events,
                    "leaf": leaf.hex(),
                    "hashes": [h.hex() for h in hashes],
                }
            )
            serve.append(time.perf_counter() - start)
            start = time.perf_counter()
            answer = json.loads(body)
            merkle.verify_inclusion(
                answer["index"],
                answer["size"],
                bytes.fromhex(answer["leaf"]),
                [bytes.fromhex(h) for h in answer["hashes"]],
                root,
            )
            check.append(time.perf_counter() - start)
            old = chooser.randrange(1, events)
            start = time.perf_counter()
            json.dumps([h.hex() for h in merkle.consistency_proof(old, events, reader)])
            consistency.append(time.perf_counter() - start)
        figures["proof_hashes"] = len(hashes)
        figures["inclusion_serve"] = _quantiles(serve)
        figures["consistency_serve"] = _quantiles(consistency)
        figures["inclusion_check_python"] = _quantiles(check)
    finally:
        reader.close()
    return figures


def log_figures(
    folder: Path, *, events: int, ballots: int = 600, rounds: int = 3, workers: int = 2
) -> dict[str, Any]:
    """Both figures, for ``referendum bench``."""
    return {
        "tree_overhead": tree_overhead(
            folder / "tree-overhead", ballots=ballots, rounds=rounds, workers=workers
        ),
        "proofs": proof_figures(folder / f"log-tree-{events}.sqlite", events=events),
    }
