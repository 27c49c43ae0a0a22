"""The Merkle and checkpoint code reproduces every case of ``vectors/merkle.json`` and
``vectors/checkpoint.json`` and rejects every negative one (the RFC 6962 cases are the
Certificate Transparency reference tree, so this ties the code to other implementations)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from referendum.crypto.group import Point, Scalar, base_mul
from referendum.errors import InputError, ProofError
from referendum.protocol import checkpoints as cp
from referendum.protocol import merkle

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
MERKLE = json.loads((VECTORS / "merkle.json").read_text(encoding="utf-8"))
CHECKPOINT = json.loads((VECTORS / "checkpoint.json").read_text(encoding="utf-8"))


def cases(kind: str, valid: bool | None = None) -> list[dict[str, Any]]:
    return [
        c
        for c in MERKLE["cases"]
        if c["kind"] == kind and (valid is None or c.get("valid", True) == valid)
    ]


def hashes(case: dict[str, Any]) -> list[bytes]:
    return [bytes.fromhex(h) for h in case["hashes"]]


def test_header_names_the_sources() -> None:
    assert MERKLE["format"] == "referendum-vectors/merkle"
    assert "certificate-transparency" in MERKLE["provenance"]
    assert {c["source"] for c in MERKLE["cases"]} == {"rfc6962", "referendum"}
    assert len(cases("inclusion", False)) >= 5 and len(cases("consistency", False)) >= 5


@pytest.mark.parametrize("case", cases("root"), ids=lambda c: f"{c['source']}-{c['root'][:8]}")
def test_roots(case: dict[str, Any]) -> None:
    if "leaf_data" in case:
        leaves = [merkle.leaf_hash(bytes.fromhex(d)) for d in case["leaf_data"]]
    else:
        leaves = [merkle.event_leaf(h) for h in case["event_hashes"]]
    assert merkle.root_of(leaves).hex() == case["root"]


def _tree_for(case: dict[str, Any]) -> merkle.MemoryTree | None:
    """The tree whose proofs the case gives, rebuilt from the root case of its size."""
    for root_case in cases("root"):
        if root_case["source"] != case["source"]:
            continue
        data = root_case.get("leaf_data") or root_case.get("event_hashes") or []
        if len(data) == max(case.get("size", 0), case.get("to", 0)):
            tree = merkle.MemoryTree()
            if "leaf_data" in root_case:
                tree.extend(merkle.leaf_hash(bytes.fromhex(d)) for d in data)
            else:
                tree.extend(merkle.event_leaf(h) for h in data)
            return tree
    return None


@pytest.mark.parametrize(
    "case", cases("inclusion", True), ids=lambda c: f"{c['index']}-{c['size']}"
)
def test_inclusion_proofs_are_reproduced_and_verify(case: dict[str, Any]) -> None:
    tree = _tree_for(case)
    assert tree is not None
    proof = merkle.inclusion_proof(case["index"], case["size"], tree)
    assert [h.hex() for h in proof] == case["hashes"]
    merkle.verify_inclusion(
        case["index"],
        case["size"],
        bytes.fromhex(case["leaf"]),
        proof,
        bytes.fromhex(case["root"]),
    )


@pytest.mark.parametrize("case", cases("consistency", True), ids=lambda c: f"{c['from']}-{c['to']}")
def test_consistency_proofs_are_reproduced_and_verify(case: dict[str, Any]) -> None:
    tree = _tree_for(case)
    assert tree is not None
    proof = merkle.consistency_proof(case["from"], case["to"], tree)
    assert [h.hex() for h in proof] == case["hashes"]
    merkle.verify_consistency(
        case["from"],
        case["to"],
        bytes.fromhex(case["old_root"]),
        bytes.fromhex(case["new_root"]),
        proof,
    )


@pytest.mark.parametrize("case", cases("inclusion", False), ids=lambda c: c["reason"])
def test_bad_inclusion_proofs_are_rejected(case: dict[str, Any]) -> None:
    with pytest.raises(ProofError, match="inclusion proof"):
        merkle.verify_inclusion(
            case["index"],
            case["size"],
            bytes.fromhex(case["leaf"]),
            hashes(case),
            bytes.fromhex(case["root"]),
        )


@pytest.mark.parametrize("case", cases("consistency", False), ids=lambda c: c["reason"])
def test_bad_consistency_proofs_are_rejected(case: dict[str, Any]) -> None:
    with pytest.raises(ProofError, match="consistency proof"):
        merkle.verify_consistency(
            case["from"],
            case["to"],
            bytes.fromhex(case["old_root"]),
            bytes.fromhex(case["new_root"]),
            hashes(case),
        )


def _checkpoint() -> cp.Checkpoint:
    return cp.Checkpoint(
        cp.origin_of(bytes.fromhex(CHECKPOINT["fingerprint"])),
        CHECKPOINT["size"],
        bytes.fromhex(CHECKPOINT["root"]),
        CHECKPOINT["time"],
    )


def test_the_signed_checkpoint_is_reproduced_byte_for_byte() -> None:
    checkpoint = _checkpoint()
    assert checkpoint.body() == CHECKPOINT["body"]
    secret = Scalar.from_hex(CHECKPOINT["board_secret"])
    public = Point.from_hex(CHECKPOINT["board_key"])
    assert base_mul(secret) == public
    note = cp.sign_checkpoint_with_nonce(
        checkpoint, secret, public, Scalar.from_hex(CHECKPOINT["board_nonce"])
    )
    assert note.text() == CHECKPOINT["signed"]
    assert note.signatures[0].key_id.hex() == CHECKPOINT["board_key_id"]
    parsed = cp.parse_note(CHECKPOINT["signed"])
    assert parsed == note
    verified = cp.verify_checkpoint(
        parsed, fingerprint=bytes.fromhex(CHECKPOINT["fingerprint"]), board_key=public
    )
    assert verified == checkpoint


def test_the_cosignature_is_reproduced_and_verifies() -> None:
    checkpoint = _checkpoint()
    name = CHECKPOINT["witness_name"]
    secret = Scalar.from_hex(CHECKPOINT["witness_secret"])
    public = Point.from_hex(CHECKPOINT["witness_key"])
    time = CHECKPOINT["cosignature_time"]
    assert cp.cosignature_message(checkpoint, time).decode() == CHECKPOINT["cosignature_message"]
    line = cp.cosign_with_nonce(
        checkpoint, name, secret, public, time, Scalar.from_hex(CHECKPOINT["witness_nonce"])
    )
    assert (
        cp.parse_note(CHECKPOINT["signed"]).with_signatures([line]).text()
        == (CHECKPOINT["cosigned"])
    )
    parsed = cp.parse_note(CHECKPOINT["cosigned"])
    assert cp.cosignatures(parsed, {name: public}) == [cp.Cosignature(name, time)]
    assert line.key_id.hex() == CHECKPOINT["witness_key_id"]


@pytest.mark.parametrize("case", CHECKPOINT["invalid"], ids=lambda c: c["reason"])
def test_bad_checkpoints_are_rejected(case: dict[str, Any]) -> None:
    fingerprint = bytes.fromhex(CHECKPOINT["fingerprint"])
    public = Point.from_hex(CHECKPOINT["board_key"])
    expected = InputError if case["error"] == "input" else ProofError
    with pytest.raises(expected):
        cp.verify_checkpoint(cp.parse_note(case["note"]), fingerprint=fingerprint, board_key=public)
