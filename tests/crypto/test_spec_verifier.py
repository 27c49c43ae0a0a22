"""The independent verifier written from the spec agrees with the reference implementation on
every ballot and signature vector, valid and invalid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import spec_verifier as spec
from rfc_data import BAD_ENCODINGS, SMALL_MULTIPLES

VECTORS = Path(__file__).resolve().parents[2] / "vectors"


def cases(name: str) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return data["cases"]


def test_group_formulas_match_rfc_9496() -> None:
    point = spec.IDENTITY
    for encoding in SMALL_MULTIPLES:
        assert spec.encode(point).hex() == encoding
        assert spec.encode(spec.decode(bytes.fromhex(encoding))).hex() == encoding
        point = spec.add(point, spec.G)
    for encodings in BAD_ENCODINGS.values():
        for encoding in encodings:
            with pytest.raises(spec.Invalid):
                spec.decode(bytes.fromhex(encoding))


@pytest.mark.parametrize("case", cases("ballot"), ids=lambda c: c.get("reason", "valid"))
def test_ballot_vectors(case: dict[str, Any]) -> None:
    shapes = [(q["options"], q["min"], q["max"]) for q in case["questions"]]
    args = (
        bytes.fromhex(case["fingerprint"]),
        bytes.fromhex(case["public_key"]),
        shapes,
        bytes.fromhex(case["binding"]),
        case["ballot"],
    )
    if case["valid"]:
        spec.check_ballot(*args)
    else:
        with pytest.raises(spec.Invalid):
            spec.check_ballot(*args)


@pytest.mark.parametrize(
    "case",
    [c for c in cases("credentials") if c["kind"] == "credential"],
    ids=lambda c: c.get("reason", "valid"),
)
def test_signature_vectors(case: dict[str, Any]) -> None:
    args = (bytes.fromhex(case["public"]), bytes.fromhex(case["message"]), case["signature"])
    if case["valid"]:
        spec.check_signature(*args)
    else:
        with pytest.raises(spec.Invalid):
            spec.check_signature(*args)


def check_proof_case(case: dict[str, Any]) -> None:
    h = bytes.fromhex
    if case["kind"] == "schnorr":
        spec.check_schnorr(h(case["public"]), h(case["context"]), case["proof"])
    else:
        points = (h(case[k]) for k in ("g1", "h1", "g2", "h2"))
        spec.check_dleq(*points, h(case["context"]), case["proof"])


@pytest.mark.parametrize(
    "case",
    [c for c in cases("proofs") if c["kind"] in ("schnorr", "dleq")],
    ids=lambda c: f"{c['kind']}-{c.get('reason', 'valid')}",
)
def test_proof_vectors(case: dict[str, Any]) -> None:
    if case["valid"]:
        check_proof_case(case)
    else:
        with pytest.raises(spec.Invalid):
            check_proof_case(case)


def test_threshold_vectors() -> None:
    h = bytes.fromhex
    for case in cases("threshold"):
        if case["kind"] == "combine":
            shares = {int(j): h(d) for j, d in case["shares"].items()}
            beta = h(case["ciphertext"]["beta"])
            assert spec.combine(beta, shares).hex() == case["plaintext_times_G"]
            continue
        args = (h(case["alpha"]), h(case["verification_key"]), h(case["context"]), case["share"])
        if case["valid"]:
            spec.check_decryption_share(*args)
        else:
            with pytest.raises(spec.Invalid):
                spec.check_decryption_share(*args)


@pytest.mark.parametrize("case", cases("signed_ballot"), ids=lambda c: c.get("reason", "valid"))
def test_signed_ballot_vectors(case: dict[str, Any]) -> None:
    shapes = [(q["options"], q["min"], q["max"]) for q in case["questions"]]

    def check() -> bytes:
        return spec.check_signed_ballot(
            bytes.fromhex(case["fingerprint"]),
            bytes.fromhex(case["public_key"]),
            shapes,
            bytes.fromhex(case["credential"]),
            case["region"],
            case["ballot"],
            case["replaces"],
            case["signature"],
        )

    recomputed = spec.ballot_signature_message(
        bytes.fromhex(case["fingerprint"]),
        bytes.fromhex(case["credential"]),
        case["region"],
        case["ballot"],
        case["replaces"],
    )
    assert recomputed.hex() == case["message"]
    if case["valid"]:
        assert check() == recomputed
    else:
        with pytest.raises(spec.Invalid):
            check()
