"""The Merkle tree and checkpoints of the SQL backends (tables ``log_nodes``, ``log_checkpoints``).

A node's key is ``level * 2**56 + index`` (:func:`node_key`): a leaf's key is its event's
height.  Every function takes a ``fetch`` (run a query with ``?`` placeholders, return its
rows) so that SQLite and PostgreSQL share them, inside or outside a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, Final

from referendum.errors import BoardCorrupted, BoardError
from referendum.protocol.merkle import MAX_LEVEL, Node, append_nodes, event_leaf, frontier

__all__ = [
    "CATCH_UP_BATCH",
    "Fetch",
    "checkpoint_rows",
    "key_node",
    "new_tree_rows",
    "node_key",
    "read_nodes",
    "tree_size",
]

Fetch = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]
"""Run one query (``?`` placeholders) and return all its rows."""

_SHIFT: Final = 56
_KEYS_PER_QUERY: Final = 500
CATCH_UP_BATCH: Final = 10_000
"""Events per step when a board that predates the tree computes its nodes."""


def node_key(node: Node) -> int:
    """The ``log_nodes.node`` of a perfect subtree."""
    level, index = node
    if not 0 <= level <= MAX_LEVEL or not 0 <= index < 1 << _SHIFT:
        raise BoardError(f"no Merkle tree node ({level}, {index})")
    return (level << _SHIFT) | index


def key_node(key: int) -> Node:
    """The perfect subtree of a ``log_nodes.node``."""
    return key >> _SHIFT, key & ((1 << _SHIFT) - 1)


def read_nodes(fetch: Fetch, wanted: Collection[Node]) -> dict[Node, bytes]:
    """The stored hash of each node in ``wanted``; :class:`BoardError` if one is missing."""
    keys = sorted({node_key(node) for node in wanted})
    found: dict[Node, bytes] = {}
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        part = keys[start : start + _KEYS_PER_QUERY]
        rows = fetch(
            f"SELECT node, hash FROM log_nodes WHERE node IN ({', '.join('?' * len(part))})", part
        )
        found.update((key_node(int(key)), bytes(value)) for key, value in rows)
    if len(found) != len(keys):
        missing = sorted(set(map(key_node, keys)) - set(found))[:3]
        raise BoardError(f"the Merkle tree has no node {missing} (beyond its size?)")
    return found


def tree_size(fetch: Fetch) -> int:
    """How many leaves the stored tree has (its last leaf's height + 1)."""
    rows = fetch("SELECT max(node) FROM log_nodes WHERE node < ?", [1 << _SHIFT])
    return 0 if rows[0][0] is None else int(rows[0][0]) + 1


def new_tree_rows(fetch: Fetch, size: int, event_hashes: Sequence[str]) -> list[tuple[int, bytes]]:
    """The ``log_nodes`` rows that appending events of ``event_hashes`` to the tree of ``size``
    leaves adds: O(log n) reads of the tree's right edge, O(log n) new nodes per event."""
    edge_nodes = frontier(size)
    try:
        edge = read_nodes(fetch, edge_nodes) if edge_nodes else {}
    except BoardError:
        raise BoardCorrupted(
            f"the Merkle tree of size {size} lacks nodes of its right edge"
        ) from None
    leaves = (event_leaf(h) for h in event_hashes)
    return [(node_key(node), value) for node, value in append_nodes(size, edge, leaves)]


def checkpoint_rows(fetch: Fetch, after: int, limit: int) -> list[tuple[int, str]]:
    """Up to ``limit`` stored checkpoints of size greater than ``after``, ascending."""
    rows = fetch(
        "SELECT size, note FROM log_checkpoints WHERE size > ? ORDER BY size LIMIT ?",
        [after, limit],
    )
    return [(int(size), str(note)) for size, note in rows]
