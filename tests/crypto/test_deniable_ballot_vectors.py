"""``vectors/deniable_ballot.json``: the voter's deniable ballot (docs/spec/coercion.md sections
3.1 and 9) from given nonces, reproduced by the client's own functions, and the submissions
the board refuses, each failing at the check the file names (the booth's JavaScript reads the
same file: web/booth/test/deniable.test.js)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from generate_vectors import check_deniable_submission, deniable_ballot_vectors

from referendum.crypto.ballot import BallotContext, BallotNonces, QuestionShape
from referendum.crypto.credentials import derive_credential
from referendum.crypto.group import Point, Scalar
from referendum.services.voter import (
    deniable_submission_with_nonces,
    encrypt_deniable_with_nonces,
)

DATA: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "deniable_ballot.json").read_text(
        encoding="utf-8"
    )
)


def test_the_file_is_what_the_generator_writes() -> None:
    assert deniable_ballot_vectors() == DATA


def test_every_kind_of_refusal_is_there() -> None:
    fails = {c["fails"] for c in DATA["cases"]}
    assert fails == {"valid", "signature", "credential_proof", "ballot"}


@pytest.mark.parametrize(
    "case", DATA["cases"], ids=lambda c: f"{c['submission']['region']} {c.get('reason', 'valid')}"
)
def test_each_case(case: dict[str, Any]) -> None:
    assert check_deniable_submission(case) == case["fails"]
    assert (case["fails"] == "valid") is case["valid"]
    if not case["valid"]:
        return
    shapes = tuple(QuestionShape(q["options"], q["min"], q["max"]) for q in case["questions"])
    fingerprint = bytes.fromhex(case["fingerprint"])
    ctx = BallotContext(fingerprint, Point.from_hex(case["public_key"]), shapes)
    authority = Point.from_hex(case["authority"])
    secret, public = derive_credential(case["election_id"], case["private"])
    encrypted = encrypt_deniable_with_nonces(
        ctx,
        case["region"],
        authority,
        public,
        case["selections"],
        BallotNonces.from_json(case["nonces"]),
        Scalar.from_hex(case["voter_nonce"]),
    )
    assert encrypted.voter.to_json() == case["voter"]
    assert encrypted.tracking_code == case["tracking_code"]
    submission = deniable_submission_with_nonces(
        fingerprint,
        authority,
        secret,
        encrypted,
        [Scalar.from_hex(n) for n in case["proof_nonces"]],
        Scalar.from_hex(case["signature_nonce"]),
    )
    assert submission == case["submission"]
