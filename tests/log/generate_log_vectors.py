"""Write the log's known-answer vectors, ``vectors/merkle.json`` and ``vectors/checkpoint.json``
(run from the repository root: ``.venv/bin/python tests/log/generate_log_vectors.py``).

The RFC 6962 cases are the Certificate Transparency reference tree (``ct_data.py``); the
generator checks that this package reproduces them before writing.  Every other case is
computed by this package from fixed inputs and fixed nonces (``DeterministicRandom`` with the
seed named in the file), so an independent implementation must reproduce each output byte for
byte.  Negative cases carry the reason they must be rejected.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.protocol import checkpoints as cp
from referendum.protocol import merkle

sys.path.insert(0, str(Path(__file__).parent))
import ct_data

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
GENERATOR = "tests/log/generate_log_vectors.py"
SEED = b"referendum log vectors"
EVENT_LEAVES = 13


def header(name: str, description: str, provenance: str) -> dict[str, Any]:
    return {
        "format": f"referendum-vectors/{name}",
        "version": 1,
        "description": description,
        "provenance": provenance,
        "generator": GENERATOR,
    }


def event_hashes() -> list[str]:
    """Thirteen stand-in event hashes: SHA-256 of ``event <i>``."""
    return [hashlib.sha256(f"event {i}".encode()).hexdigest() for i in range(EVENT_LEAVES)]


def flip(text: str, position: int = 0) -> str:
    value = int(text[position], 16) ^ 1
    return text[:position] + format(value, "x") + text[position + 1 :]


def ct_cases() -> list[dict[str, Any]]:
    leaves = [merkle.leaf_hash(bytes.fromhex(d)) for d in ct_data.LEAVES]
    tree = merkle.MemoryTree()
    tree.extend(leaves)
    cases: list[dict[str, Any]] = []
    for size, root in enumerate(ct_data.ROOTS):
        assert tree.root_at(size).hex() == root, f"CT root of size {size} not reproduced"
        cases.append(
            {"kind": "root", "source": "rfc6962", "leaf_data": ct_data.LEAVES[:size], "root": root}
        )
    for index, size, proof in ct_data.INCLUSION:
        assert [h.hex() for h in merkle.inclusion_proof(index, size, tree)] == proof
        cases.append(
            {
                "kind": "inclusion",
                "source": "rfc6962",
                "valid": True,
                "index": index,
                "size": size,
                "leaf": leaves[index].hex(),
                "root": ct_data.ROOTS[size],
                "hashes": proof,
            }
        )
    for old, new, proof in ct_data.CONSISTENCY:
        assert [h.hex() for h in merkle.consistency_proof(old, new, tree)] == proof
        cases.append(
            {
                "kind": "consistency",
                "source": "rfc6962",
                "valid": True,
                "from": old,
                "to": new,
                "old_root": ct_data.ROOTS[old],
                "new_root": ct_data.ROOTS[new],
                "hashes": proof,
            }
        )
    return cases


def event_cases() -> list[dict[str, Any]]:
    hashes = event_hashes()
    leaves = [merkle.event_leaf(h) for h in hashes]
    tree = merkle.MemoryTree()
    tree.extend(leaves)
    size = len(leaves)
    root = tree.root().hex()
    cases: list[dict[str, Any]] = [
        {
            "kind": "root",
            "source": "referendum",
            "event_hashes": hashes[:n],
            "root": tree.root_at(n).hex(),
        }
        for n in range(size + 1)
    ]
    for index in range(size):
        cases.append(
            {
                "kind": "inclusion",
                "source": "referendum",
                "valid": True,
                "index": index,
                "size": size,
                "leaf": leaves[index].hex(),
                "root": root,
                "hashes": [h.hex() for h in merkle.inclusion_proof(index, size, tree)],
            }
        )
    for old in range(size + 1):
        cases.append(
            {
                "kind": "consistency",
                "source": "referendum",
                "valid": True,
                "from": old,
                "to": size,
                "old_root": tree.root_at(old).hex(),
                "new_root": root,
                "hashes": [h.hex() for h in merkle.consistency_proof(old, size, tree)],
            }
        )
    good_inclusion = next(c for c in cases if c["kind"] == "inclusion" and c["index"] == 6)
    good_consistency = next(c for c in cases if c["kind"] == "consistency" and c["from"] == 5)
    bad: list[tuple[str, dict[str, Any]]] = [
        ("another index", {**good_inclusion, "index": 7}),
        ("another size (7: another shape)", {**good_inclusion, "size": 7}),
        ("index not below the size", {**good_inclusion, "index": 13}),
        (
            "a hash altered",
            {
                **good_inclusion,
                "hashes": [flip(good_inclusion["hashes"][0]), *good_inclusion["hashes"][1:]],
            },
        ),
        ("a hash missing", {**good_inclusion, "hashes": good_inclusion["hashes"][:-1]}),
        ("a hash too many", {**good_inclusion, "hashes": [*good_inclusion["hashes"], root]}),
        ("another root", {**good_inclusion, "root": flip(root, 5)}),
        ("the leaf is the event hash, not its leaf hash", {**good_inclusion, "leaf": hashes[6]}),
        (
            "a hash of 31 bytes",
            {
                **good_inclusion,
                "hashes": [good_inclusion["hashes"][0][:62], *good_inclusion["hashes"][1:]],
            },
        ),
    ]
    bad += [
        (
            "the new tree is smaller",
            {
                **good_consistency,
                "from": 13,
                "to": 5,
                "old_root": root,
                "new_root": good_consistency["old_root"],
            },
        ),
        (
            "a hash altered",
            {
                **good_consistency,
                "hashes": [*good_consistency["hashes"][:-1], flip(good_consistency["hashes"][-1])],
            },
        ),
        ("a hash missing", {**good_consistency, "hashes": good_consistency["hashes"][1:]}),
        ("another old root", {**good_consistency, "old_root": flip(good_consistency["old_root"])}),
        ("another new root", {**good_consistency, "new_root": flip(root)}),
        (
            "roots swapped",
            {**good_consistency, "old_root": root, "new_root": good_consistency["old_root"]},
        ),
        (
            "two roots for one size (a split view)",
            {**good_consistency, "from": 13, "old_root": flip(root), "hashes": []},
        ),
        (
            "the empty tree's root is SHA-256 of nothing",
            {**good_consistency, "from": 0, "old_root": root, "hashes": []},
        ),
    ]
    for reason, case in bad:
        cases.append({**case, "source": "referendum", "valid": False, "reason": reason})
    return cases


def merkle_vectors() -> dict[str, Any]:
    return {
        **header(
            "merkle",
            "the log's Merkle tree (docs/spec/log.md): roots of every size, inclusion and "
            "consistency proofs, valid and to reject; a root case gives leaf_data (leaf = "
            "SHA-256(0x00 || data)) or event_hashes (data = the 32 bytes of each hash)",
            "cases with source rfc6962: the Certificate Transparency reference tree "
            "(certificate-transparency-go merkle test data, RFC 6962 hashing); source "
            "referendum: computed by referendum from thirteen event hashes SHA-256('event i')",
        ),
        "cases": ct_cases() + event_cases(),
    }


def checkpoint_vectors() -> dict[str, Any]:
    rng = DeterministicRandom(SEED)
    board_secret = Scalar.random(rng)
    board_public = base_mul(board_secret)
    witness_secret = Scalar.random(rng)
    witness_public = base_mul(witness_secret)
    witness_name = "witness.example/alpha"
    fingerprint = hashlib.sha256(b"vector referendum").digest()
    tree = merkle.MemoryTree()
    tree.extend(merkle.event_leaf(h) for h in event_hashes())
    checkpoint = cp.Checkpoint(
        cp.origin_of(fingerprint), tree.size, tree.root(), "2026-03-01T08:00:00.000000Z"
    )
    board_nonce = Scalar.random(rng)
    note = cp.sign_checkpoint_with_nonce(checkpoint, board_secret, board_public, board_nonce)
    cosign_time = 1772352005
    witness_nonce = Scalar.random(rng)
    line = cp.cosign_with_nonce(
        checkpoint, witness_name, witness_secret, witness_public, cosign_time, witness_nonce
    )
    cosigned = note.with_signatures([line])
    text = note.text()
    origin = checkpoint.origin
    body_lines = checkpoint.body().splitlines()
    other_secret = Scalar.random(rng)
    forged = cp.sign_checkpoint_with_nonce(
        checkpoint, other_secret, base_mul(other_secret), Scalar.random(rng)
    )
    altered = cp.Checkpoint(origin, 12, tree.root_at(12), checkpoint.time)
    resigned_other_tree = cp.sign_checkpoint_with_nonce(
        cp.Checkpoint(cp.origin_of(bytes(32)), tree.size, tree.root(), checkpoint.time),
        board_secret,
        board_public,
        Scalar.random(rng),
    )
    signature_line = text.split("\n\n")[1]

    def with_body(lines: list[str]) -> str:
        return "\n".join(lines) + "\n\n" + signature_line

    negatives: list[tuple[str, str, str]] = [
        ("proof", "signed by another key than the board's", forged.text()),
        (
            "proof",
            "the body altered after signing (size 12, its root)",
            cp.SignedNote(altered, note.signatures).text(),
        ),
        ("proof", "the origin names another referendum", resigned_other_tree.text()),
        ("input", "the size has a leading zero", with_body([origin, "013", *body_lines[2:]])),
        ("input", "the root is not 32 bytes", with_body([origin, "13", "AAAA", body_lines[3]])),
        ("input", "no time extension line", with_body(body_lines[:3])),
        (
            "input",
            "the time is not to the microsecond",
            with_body([*body_lines[:3], "time 2026-03-01T08:00:00Z"]),
        ),
        ("input", "no empty line before the signatures", checkpoint.body() + signature_line),
        ("input", "a signature line without the em dash", text.replace("\u2014 ", "- ")),
        ("input", "a carriage return", text.replace("\n", "\r\n", 1)),
    ]
    return {
        **header(
            "checkpoint",
            "signed checkpoints and witness cosignatures (docs/spec/log.md section 3): the "
            "note the board signs with its nonce must be reproduced byte for byte; negative "
            "notes fail parsing (error input) or verification (error proof)",
            f"computed by referendum; keys and nonces drawn in order from "
            f"DeterministicRandom({SEED.decode()!r}): board secret, witness secret, board "
            f"nonce, witness nonce, then the keys of the negative cases",
        ),
        "fingerprint": fingerprint.hex(),
        "board_secret": board_secret.hex(),
        "board_key": board_public.hex(),
        "board_key_id": cp.key_id(origin, cp.CHECKPOINT_SIGNATURE_TYPE, board_public).hex(),
        "board_nonce": board_nonce.hex(),
        "witness_name": witness_name,
        "witness_secret": witness_secret.hex(),
        "witness_key": witness_public.hex(),
        "witness_key_id": cp.key_id(witness_name, cp.COSIGNATURE_TYPE, witness_public).hex(),
        "witness_nonce": witness_nonce.hex(),
        "cosignature_time": cosign_time,
        "size": checkpoint.size,
        "root": checkpoint.root.hex(),
        "time": checkpoint.time,
        "body": checkpoint.body(),
        "signed": text,
        "cosigned": cosigned.text(),
        "cosignature_message": cp.cosignature_message(checkpoint, cosign_time).decode("ascii"),
        "invalid": [
            {"error": error, "reason": reason, "note": note_text}
            for error, reason, note_text in negatives
        ],
    }


def main() -> None:
    for name, build in (("merkle", merkle_vectors), ("checkpoint", checkpoint_vectors)):
        text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
        (VECTORS / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"wrote vectors/{name}.json")


if __name__ == "__main__":
    main()
