"""The Merkle tree: every proof of every small tree verifies, and any change to a proof, a
leaf, a root or a size is caught (RFC 9162 section 2.1)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.errors import InputError, ProofError
from referendum.protocol import merkle


def leaves(n: int, salt: bytes = b"") -> list[bytes]:
    return [
        merkle.event_leaf(hashlib.sha256(salt + i.to_bytes(4, "big")).hexdigest()) for i in range(n)
    ]


def tree_of(values: list[bytes]) -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    tree.extend(values)
    return tree


def naive_root(values: list[bytes]) -> bytes:
    """MTH written straight from the RFC's recursive definition."""
    if not values:
        return hashlib.sha256(b"").digest()
    if len(values) == 1:
        return values[0]
    k = 1
    while k * 2 < len(values):
        k *= 2
    return merkle.node_hash(naive_root(values[:k]), naive_root(values[k:]))


def test_hashing_is_domain_separated() -> None:
    data = bytes(32)
    assert merkle.leaf_hash(data) == hashlib.sha256(b"\x00" + data).digest()
    assert merkle.node_hash(data, data) == hashlib.sha256(b"\x01" + data + data).digest()
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    # a leaf can never pass for a node: 0x00 || a || b and 0x01 || a || b differ
    assert merkle.leaf_hash(data + data) != merkle.node_hash(data, data)


@pytest.mark.parametrize("size", range(0, 40))
def test_roots_match_the_recursive_definition_at_every_size(size: int) -> None:
    values = leaves(size)
    tree = tree_of(values)
    for n in range(size + 1):
        assert tree.root_at(n) == naive_root(values[:n])


def test_appending_one_by_one_builds_the_same_tree_with_logarithmic_work() -> None:
    values = leaves(300)
    batch = tree_of(values)
    stepwise = merkle.MemoryTree()
    total = 0
    for size, value in enumerate(values):
        edge = stepwise.read_nodes(merkle.frontier(size))
        new = merkle.append_nodes(size, edge, [value])
        assert len(new) <= size.bit_length() + 1  # the leaf and the nodes it closes
        total += len(new)
        stepwise.extend([value])
    assert stepwise.root() == batch.root()
    assert total < 2 * len(values)  # two stored nodes per leaf on average


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 9, 16, 17, 31])
def test_every_inclusion_proof_verifies_and_no_other_leaf_does(size: int) -> None:
    values = leaves(size)
    tree = tree_of(values)
    root = tree.root()
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, tree)
        assert len(proof) <= (size - 1).bit_length()
        merkle.verify_inclusion(index, size, values[index], proof, root)
        for other in range(size):
            if values[other] != values[index]:
                with pytest.raises(ProofError):
                    merkle.verify_inclusion(index, size, values[other], proof, root)


@pytest.mark.parametrize("size", [2, 3, 6, 13, 32, 33])
def test_every_consistency_proof_verifies(size: int) -> None:
    values = leaves(size)
    tree = tree_of(values)
    for old in range(size + 1):
        proof = merkle.consistency_proof(old, size, tree)
        merkle.verify_consistency(old, size, tree.root_at(old), tree.root(), proof)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_any_altered_proof_hash_is_caught(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, 70), label="size")
    values = leaves(size)
    tree = tree_of(values)
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = merkle.inclusion_proof(index, size, tree)
    position = data.draw(st.integers(0, len(proof) - 1), label="position")
    bit = data.draw(st.integers(0, 255), label="bit")
    altered = list(proof)
    changed = bytearray(altered[position])
    changed[bit // 8] ^= 1 << (bit % 8)
    altered[position] = bytes(changed)
    with pytest.raises(ProofError, match="computed root"):
        merkle.verify_inclusion(index, size, values[index], altered, tree.root())
    old = data.draw(st.integers(1, size - 1), label="old")
    consistency = merkle.consistency_proof(old, size, tree)
    position = data.draw(st.integers(0, len(consistency) - 1), label="cposition")
    wrong = list(consistency)
    wrong[position] = hashlib.sha256(wrong[position]).digest()
    with pytest.raises(ProofError, match="consistency proof"):
        merkle.verify_consistency(old, size, tree.root_at(old), tree.root(), wrong)


def test_a_rewritten_event_breaks_consistency_with_the_earlier_root() -> None:
    """A cheating board rewrites event 3 and recomputes the whole tree: the roots it signed
    before no longer lead to the new tree, whatever proof it offers."""
    values = leaves(10)
    honest = tree_of(values)
    old_root = honest.root_at(6)
    rewritten = list(values)
    rewritten[3] = merkle.event_leaf(hashlib.sha256(b"another ballot").hexdigest())
    cheat = tree_of(rewritten)
    for old in range(4, 10):
        proof = merkle.consistency_proof(old, 10, cheat)
        with pytest.raises(ProofError, match="does not lead"):
            merkle.verify_consistency(old, 10, honest.root_at(old), cheat.root(), proof)
    # and a split view of one size is named as such
    with pytest.raises(ProofError, match="split view"):
        merkle.verify_consistency(6, 6, old_root, cheat.root_at(6), [])


def test_bad_requests_name_the_field() -> None:
    tree = tree_of(leaves(5))
    with pytest.raises(InputError, match=r"^index"):
        merkle.inclusion_proof(5, 5, tree)
    with pytest.raises(InputError, match=r"^size"):
        merkle.inclusion_proof(0, 0, tree)
    with pytest.raises(InputError, match=r"^to"):
        merkle.consistency_proof(4, 3, tree)
    with pytest.raises(InputError, match=r"^from"):
        merkle.consistency_proof(-1, 3, tree)
    with pytest.raises(InputError, match=r"^size"):
        tree.root_at(6)


def test_malformed_proofs_are_refused_with_the_reason() -> None:
    values = leaves(8)
    tree = tree_of(values)
    proof = merkle.inclusion_proof(2, 8, tree)
    with pytest.raises(ProofError, match="not 32 bytes"):
        merkle.verify_inclusion(2, 8, values[2], [proof[0][:31], *proof[1:]], tree.root())
    with pytest.raises(ProofError, match="needs 3"):
        merkle.verify_inclusion(2, 8, values[2], proof[:2], tree.root())
    with pytest.raises(ProofError, match="not below the size"):
        merkle.verify_inclusion(8, 8, values[2], proof, tree.root())
    with pytest.raises(ProofError, match="went backwards"):
        merkle.verify_consistency(8, 4, tree.root(), tree.root_at(4), [])
