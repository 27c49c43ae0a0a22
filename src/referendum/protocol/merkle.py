"""The Merkle tree over the board's events (RFC 9162 section 2.1) and its proofs.

The tree's leaves are the events in height order; the leaf of an event is the SHA-256 of a
zero byte and the event's 32-byte hash, an interior node the SHA-256 of a one byte and its two
children, and the tree of no leaves has the SHA-256 of nothing as its root::

    leaf(event)       = SHA-256(0x00 || bytes.fromhex(event.hash))
    node(left, right) = SHA-256(0x01 || left || right)
    MTH({})           = SHA-256("")
    MTH(D[n])         = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

This is RFC 9162's tree (the same as RFC 6962's) with each leaf's data the event hash, so an
implementation of either RFC checks our proofs unchanged.  The spec is ``docs/spec/log.md``.

Proofs are built from *perfect subtrees*: the node ``(level, index)`` is the root of the
``2**level`` leaves from ``index * 2**level``.  A board stores every perfect subtree once it is
complete (:func:`append_nodes` gives the new ones per appended leaf, O(log n) of them at worst
and two on average), and every proof hash and every root is a fold of O(log n) stored nodes
(:func:`inclusion_proof`, :func:`consistency_proof`, :func:`root_at`, over a
:class:`NodeReader`).  :func:`verify_inclusion` and :func:`verify_consistency` are RFC 9162's
sections 2.1.3.2 and 2.1.4.2; they raise :class:`~referendum.errors.ProofError` naming what
failed.

>>> leaves = [leaf_hash(bytes([i])) for i in range(5)]
>>> tree = MemoryTree()
>>> tree.extend(leaves)
>>> root = tree.root()
>>> verify_inclusion(3, 5, leaves[3], inclusion_proof(3, 5, tree), root)
>>> verify_consistency(2, 5, tree.root_at(2), root, consistency_proof(2, 5, tree))
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final, Protocol

from referendum.errors import InputError, ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_LEVEL",
    "MemoryTree",
    "Node",
    "NodeReader",
    "append_nodes",
    "consistency_proof",
    "consistency_ranges",
    "event_leaf",
    "frontier",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_nodes",
    "range_hash",
    "root_at",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
EMPTY_ROOT: Final = hashlib.sha256(b"").digest()
"""The root of the tree of no leaves."""
MAX_LEVEL: Final = 53
"""Levels go up to 53: a board holds fewer than 2**53 events (the largest JSON-safe height)."""

Node = tuple[int, int]
"""A perfect subtree: ``(level, index)`` covers leaves ``index * 2**level`` up to (excluded)
``(index + 1) * 2**level``."""

Range = tuple[int, int]
"""Leaves ``start`` up to (excluded) ``end``."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``: the hash of a leaf holding ``data``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf(event_hash: str) -> bytes:
    """The leaf hash of the event whose hash (64 hex digits) is ``event_hash``."""
    return leaf_hash(bytes.fromhex(event_hash))


class NodeReader(Protocol):
    """Where proofs read stored perfect subtrees from (a board's tree, :class:`MemoryTree`)."""

    def read_nodes(self, wanted: Collection[Node]) -> Mapping[Node, bytes]:
        """The hash of each perfect subtree in ``wanted`` (all of them must be complete)."""
        ...


# -- ranges, perfect subtrees and folds ------------------------------------------------------


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (``size`` >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees whose concatenation, left to right, is leaves ``start:end``.

    For the ranges of RFC 9162's recursion (``start`` a multiple of a power of two at least
    ``end - start``) they are one per binary digit of ``end - start``, largest first.
    """
    nodes: list[Node] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else MAX_LEVEL
        while start + (1 << level) > end:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def frontier(size: int) -> list[Node]:
    """The perfect subtrees of the whole tree of ``size`` leaves (what appending needs)."""
    return perfect_nodes(0, size)


def range_hash(start: int, end: int, nodes: Mapping[Node, bytes]) -> bytes:
    """``MTH(D[start:end])`` from the stored perfect subtrees (``nodes`` must hold them)."""
    if start >= end:
        return EMPTY_ROOT
    parts = perfect_nodes(start, end)
    value = nodes[parts[-1]]
    for part in reversed(parts[:-1]):
        value = node_hash(nodes[part], value)
    return value


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose tree hashes are ``PATH(index, D[size])`` (RFC 9162 2.1.3.1), in order:
    from the leaf's sibling up to the root's other child."""
    _check_index(index, size)
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """The ranges whose tree hashes are ``PROOF(old_size, D[new_size])`` (RFC 9162 2.1.4.1);
    empty when ``old_size`` is 0 or equals ``new_size``."""
    _check_sizes(old_size, new_size)
    if old_size in (0, new_size):
        return []
    ranges: list[Range] = []
    start, end, whole = 0, new_size, True
    while old_size != end:
        k = _split(end - start)
        if old_size - start <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
            whole = False
    if not whole:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def _needed(ranges: Iterable[Range]) -> set[Node]:
    return {node for start, end in ranges for node in perfect_nodes(start, end)}


def _hashes(ranges: Sequence[Range], reader: NodeReader) -> list[bytes]:
    nodes = reader.read_nodes(_needed(ranges))
    return [range_hash(start, end, nodes) for start, end in ranges]


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``size`` leaves."""
    return _hashes(inclusion_ranges(index, size), reader)


def consistency_proof(old_size: int, new_size: int, reader: NodeReader) -> list[bytes]:
    """The consistency proof from the tree of ``old_size`` leaves to that of ``new_size``."""
    return _hashes(consistency_ranges(old_size, new_size), reader)


def root_at(size: int, reader: NodeReader) -> bytes:
    """The root of the tree of the first ``size`` leaves."""
    if size < 0:
        raise InputError("size", f"must be at least 0, got {size}")
    return range_hash(0, size, reader.read_nodes(frontier(size)))


def _check_index(index: int, size: int) -> None:
    if size < 1:
        raise InputError("size", f"an inclusion proof needs a tree of at least 1 leaf, got {size}")
    if not 0 <= index < size:
        raise InputError("index", f"must be from 0 to {size - 1} (size {size}), got {index}")


def _check_sizes(old_size: int, new_size: int) -> None:
    if old_size < 0:
        raise InputError("from", f"must be at least 0, got {old_size}")
    if new_size < old_size:
        raise InputError("to", f"must be at least from ({old_size}), got {new_size}")


# -- appending ---------------------------------------------------------------------------------


def append_nodes(
    size: int, edge: Mapping[Node, bytes], leaves: Iterable[bytes]
) -> list[tuple[Node, bytes]]:
    """The perfect subtrees completed by appending ``leaves`` to the tree of ``size`` leaves,
    in the order they complete (each leaf, then the nodes it closes).  ``edge`` holds the
    nodes of :func:`frontier` (``size``); the cost is O(log n) per leaf, nothing is rebuilt."""
    stack = [edge[node] for node in frontier(size)]
    new: list[tuple[Node, bytes]] = []
    index = size
    for leaf in leaves:
        value, level, position = leaf, 0, index
        new.append(((0, position), value))
        while position & 1:
            value = node_hash(stack.pop(), value)
            level, position = level + 1, position >> 1
            new.append(((level, position), value))
        stack.append(value)
        index += 1
    return new


def root_of(leaves: Iterable[bytes]) -> bytes:
    """``MTH`` of the given leaf hashes (for a verifier holding every event)."""
    tree = MemoryTree()
    tree.extend(leaves)
    return tree.root()


class MemoryTree:
    """A tree kept in memory, one list of hashes per level (a :class:`NodeReader`)."""

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = [[]]

    @property
    def size(self) -> int:
        """How many leaves."""
        return len(self._levels[0])

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append leaf hashes."""
        edge = {node: self._levels[node[0]][node[1]] for node in frontier(self.size)}
        for (level, _), value in append_nodes(self.size, edge, leaves):
            if level == len(self._levels):
                self._levels.append([])
            self._levels[level].append(value)

    def read_nodes(self, wanted: Collection[Node]) -> dict[Node, bytes]:
        """The stored perfect subtrees ``wanted``."""
        try:
            return {(level, index): self._levels[level][index] for level, index in wanted}
        except IndexError:
            raise InputError("size", f"beyond the tree's {self.size} leaves") from None

    def root(self) -> bytes:
        """The root of the whole tree."""
        return root_at(self.size, self)

    def root_at(self, size: int) -> bytes:
        """The root of the tree of the first ``size`` leaves."""
        if size > self.size:
            raise InputError("size", f"the tree has {self.size} leaves, not {size}")
        return root_at(size, self)


# -- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ----------------------------------------------


def _check_hashes(what: str, proof: Sequence[bytes]) -> None:
    for position, value in enumerate(proof):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ProofError(f"{what}: hash {position} is not {HASH_SIZE} bytes")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows leaf hash ``leaf`` at ``index`` in the
    tree of ``size`` leaves whose root is ``root`` (RFC 9162 section 2.1.3.2)."""
    what = f"inclusion proof of leaf {index} in the tree of size {size}"
    if not 0 <= index < size:
        raise ProofError(f"{what}: the index is not below the size")
    _check_hashes(what, [leaf, *proof])
    expected = len(inclusion_ranges(index, size))
    if len(proof) != expected:
        raise ProofError(f"{what}: {len(proof)} hashes where the tree shape needs {expected}")
    fn, sn, value = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise ProofError(f"{what}: more hashes than levels")
        if fn & 1 or fn == sn:
            value = node_hash(sibling, value)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            value = node_hash(value, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"{what}: fewer hashes than levels")
    if value != root:
        raise ProofError(f"{what}: the computed root {value.hex()} is not {root.hex()}")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows that the tree of ``old_size`` leaves
    with root ``old_root`` is a prefix of the tree of ``new_size`` leaves with root
    ``new_root`` (RFC 9162 section 2.1.4.2; sizes 0 and equal sizes as stated in the spec)."""
    what = f"consistency proof from size {old_size} to size {new_size}"
    if not 0 <= old_size <= new_size:
        raise ProofError(f"{what}: the tree went backwards")
    _check_hashes(what, [old_root, new_root, *proof])
    expected = 0 if old_size in (0, new_size) else len(consistency_ranges(old_size, new_size))
    if len(proof) != expected:
        raise ProofError(f"{what}: {len(proof)} hashes where the tree shapes need {expected}")
    if old_size == 0:
        if old_root != EMPTY_ROOT:
            raise ProofError(f"{what}: the root of the empty tree is not SHA-256 of nothing")
        return
    if old_size == new_size:
        if old_root != new_root:
            raise ProofError(f"{what}: two different roots for one size (a split view)")
        return
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for value in path[1:]:
        if sn == 0:
            raise ProofError(f"{what}: more hashes than levels")
        if fn & 1 or fn == sn:
            first = node_hash(value, first)
            second = node_hash(value, second)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, value)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"{what}: fewer hashes than levels")
    if first != old_root:
        raise ProofError(f"{what}: the proof does not lead to the old root {old_root.hex()}")
    if second != new_root:
        raise ProofError(f"{what}: the proof does not lead to the new root {new_root.hex()}")
