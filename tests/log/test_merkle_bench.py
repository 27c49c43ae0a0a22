"""The transparency log's benchmark runs on tiny inputs and reports its figures (no speed is
asserted: the targets live in the benchmark, docs/performance.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from referendum.bench import merkle as bench
from referendum.board.sqlite import SqliteBoard
from referendum.protocol import merkle


def test_the_bulk_tree_is_the_boards_tree(tmp_path: Path) -> None:
    path = tmp_path / "tree.sqlite"
    bench.build_tree(path, 37)
    reader = bench._Reader(path)
    hashes = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(37)]
    leaves = [merkle.leaf_hash(h) for h in hashes]
    assert merkle.root_at(37, reader) == merkle.root_of(leaves)
    reader.close()


def test_proof_figures_are_reported(tmp_path: Path) -> None:
    figures = bench.proof_figures(tmp_path / "tree.sqlite", events=1000, proofs=20)
    assert figures["events"] == 1000 and figures["proof_hashes"] == 10
    for key in ("inclusion_serve", "consistency_serve", "inclusion_check_python"):
        assert figures[key]["median_ms"] > 0


def test_tree_overhead_compares_the_board_with_and_without_the_tree(tmp_path: Path) -> None:
    figures = bench.tree_overhead(tmp_path, ballots=4, appends=20, rounds=1, workers=1)
    for key in ("ingest_per_ballot", "append_per_ballot_wall", "append_per_ballot_cpu"):
        row = figures[key]
        assert row["with_tree_ms"] > 0 and row["without_tree_ms"] > 0
    # the board of the run with the tree serves proofs; the one without has no tree at all
    with_tree = SqliteBoard(tmp_path / "append-tree-0.sqlite")
    assert merkle.root_at(20, with_tree) == merkle.root_of(
        merkle.event_leaf(e.hash) for e in with_tree.events()
    )
    with_tree.close()
    with bench.without_tree():
        rows = bench._tree.new_tree_rows(lambda q, p: [], 0, ["00" * 32])
    assert rows == []
