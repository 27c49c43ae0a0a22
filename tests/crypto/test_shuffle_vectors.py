"""``vectors/shuffle.json``: the reference implementation reproduces every valid shuffle byte for
byte from its witness and nonces, and both it and the spec-only verifier
(``spec_shuffle_verifier.py``) refuse every negative case, naming the same first check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import spec_shuffle_verifier as spec
from rfc_data import LABELLED_DERIVATIONS

from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point, Scalar
from referendum.crypto.hashing import hash_to_group
from referendum.crypto.proofs.shuffle import (
    ShuffleNonces,
    ShuffleProof,
    ShuffleStatement,
    ShuffleWitness,
    prove_shuffle_with_nonces,
    rows_from_json,
    rows_to_json,
    shuffle_with_nonces,
    verify_shuffle,
)
from referendum.errors import InputError, ProofError

DATA: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "shuffle.json").read_text(encoding="utf-8")
)
CASES: list[dict[str, Any]] = DATA["cases"]


def ids(case: dict[str, Any]) -> str:
    return str(case.get("reason") or case["seed"])


def test_header() -> None:
    assert DATA["format"] == "referendum-vectors/shuffle" and DATA["version"] == 1
    assert sum(c["valid"] for c in CASES) == 3 and len(CASES) > 15


def statement(case: dict[str, Any]) -> ShuffleStatement:
    return ShuffleStatement(
        tuple(Point.from_hex(key) for key in case["public_keys"]),
        bytes.fromhex(case["context"]),
        rows_from_json(case["inputs"], field="inputs"),
        tuple(tuple(Ciphertext.from_json(ct) for ct in row) for row in case["outputs"]),
    )


@pytest.mark.parametrize("case", [c for c in CASES if c["valid"]], ids=ids)
def test_valid_shuffles_are_reproduced(case: dict[str, Any]) -> None:
    st = statement(case)
    witness = case["witness"]
    reencryption = tuple(tuple(map(Scalar.from_hex, row)) for row in witness["reencryption"])
    outputs = shuffle_with_nonces(st.keys, st.inputs, witness["permutation"], reencryption)
    assert rows_to_json(outputs) == case["outputs"]
    nonces = ShuffleNonces(
        **{
            name: tuple(map(Scalar.from_hex, value))
            if isinstance(value, list)
            else Scalar.from_hex(value)
            for name, value in witness["nonces"].items()
        }
    )
    proof = prove_shuffle_with_nonces(
        st, ShuffleWitness(tuple(witness["permutation"]), reencryption), nonces
    )
    assert proof.to_json() == case["proof"]
    verify_shuffle(st, ShuffleProof.from_json(case["proof"], rows=len(st.inputs), width=st.width))
    spec.check_shuffle(case)


@pytest.mark.parametrize("case", [c for c in CASES if not c["valid"]], ids=ids)
def test_invalid_shuffles_are_refused_by_both(case: dict[str, Any]) -> None:
    st = statement(case)
    with pytest.raises((ProofError, InputError)) as info:
        st.check_shape()
        proof = ShuffleProof.from_json(case["proof"], rows=len(st.inputs), width=st.width)
        verify_shuffle(st, proof)
    error = info.value
    named = error.field if isinstance(error, InputError) else str(error).split(":")[0]
    assert named.removeprefix("shuffle.") == case["fails"]
    with pytest.raises(spec.Invalid) as spec_info:
        spec.check_shuffle(case)
    assert str(spec_info.value) == case["fails"]


def test_spec_hash_to_group_matches_the_package() -> None:
    for label, _ in LABELLED_DERIVATIONS[:2]:
        msg = label.encode()
        expected = hash_to_group("referendum/v3/shuffle/generator", msg).to_bytes()
        assert spec.encode(spec.hash_to_group("referendum/v3/shuffle/generator", msg)) == expected
