"""The implementation reproduces every known-answer vector in ``vectors/`` and rejects every
negative one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from referendum.crypto.ballot import (
    BallotContext,
    BallotNonces,
    EncryptedBallot,
    QuestionShape,
    audit_ballot,
    encrypt_ballot_with_nonces,
    tracking_code,
    verify_ballot,
)
from referendum.crypto.credentials import (
    Signature,
    derive_credential,
    normalize_private_credential,
    sign_with_nonce,
    verify_signature,
)
from referendum.crypto.elgamal import Ciphertext, DiscreteLog, encrypt
from referendum.crypto.group import Point, Scalar, base_mul, small_multiple
from referendum.crypto.hashing import (
    encode_fields,
    expand_message_xmd,
    hash_to_group,
    hash_to_scalar,
    sha256_fields,
)
from referendum.crypto.proofs.disjunctive import (
    RangeProof,
    prove_range_with_nonces,
    verify_range,
)
from referendum.crypto.proofs.dleq import (
    DleqProof,
    DleqStatement,
    prove_dleq_with_nonce,
    verify_dleq,
)
from referendum.crypto.proofs.schnorr import (
    SchnorrProof,
    prove_schnorr_with_nonce,
    verify_schnorr,
)
from referendum.crypto.threshold import (
    DecryptionShare,
    decrypt_with_shares,
    decryption_share_with_nonce,
    verify_decryption_share,
)
from referendum.errors import CryptoError, EncodingError, InputError, ProofError
from referendum.protocol.ballots import ballot_signing_message

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
NAMES = [
    "group",
    "hashing",
    "elgamal",
    "proofs",
    "ballot",
    "credentials",
    "signed_ballot",
    "threshold",
]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def all_cases() -> list[Any]:
    return [
        pytest.param(name, case, id=f"{name}-{i}-{case['kind']}")
        for name in NAMES
        for i, case in enumerate(load(name)["cases"])
    ]


@pytest.mark.parametrize("name", NAMES)
def test_header(name: str) -> None:
    data = load(name)
    assert data["version"] == (2 if name == "signed_ballot" else 1)
    assert data["format"] == f"referendum-vectors/{name}"
    assert data["provenance"]
    assert data["cases"]
    if name not in ("hashing", "elgamal"):
        assert any(case.get("valid") is False for case in data["cases"]), "needs negative cases"


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def rejects(check: Callable[[], object]) -> None:
    with pytest.raises((CryptoError, InputError)):
        check()


def check_group(case: dict[str, Any]) -> None:
    kind = case["kind"]
    if kind == "small-multiple":
        m = case["multiple"]
        assert small_multiple(m).hex() == case["encoding"]
        assert base_mul(Scalar.from_int(m)).hex() == case["encoding"]
        assert (Point.generator() * Scalar.from_int(m)).hex() == case["encoding"]
        assert Point.from_hex(case["encoding"]).hex() == case["encoding"]
    elif kind == "point-decode":
        with pytest.raises(EncodingError):
            Point.from_hex(case["encoding"])
    elif kind == "element-derivation":
        if "label" in case:
            assert hashlib.sha512(case["label"].encode()).hexdigest() == case["uniform"]
        assert Point.from_uniform_bytes(h(case["uniform"])).hex() == case["element"]
    elif kind == "scalar-decode":
        if case["valid"]:
            assert Scalar.from_hex(case["encoding"]).hex() == case["encoding"]
        else:
            with pytest.raises(EncodingError):
                Scalar.from_hex(case["encoding"])
    elif kind == "scalar-mul":
        a, b = Scalar.from_hex(case["a"]), Scalar.from_hex(case["b"])
        assert base_mul(a).hex() == case["a_times_G"]
        assert (base_mul(a) * b).hex() == case["ab_times_G"]
        assert (a + b).hex() == case["a_plus_b"]
        assert (a * b).hex() == case["a_times_b"]
    else:
        raise AssertionError(kind)


def check_hashing(case: dict[str, Any]) -> None:
    kind = case["kind"]
    parts = [h(p) for p in case.get("parts", [])]
    if kind == "encode-fields":
        assert encode_fields(*parts).hex() == case["encoding"]
    elif kind == "expand-message-xmd-sha512":
        out = expand_message_xmd(h(case["msg"]), case["dst"].encode(), case["length"])
        assert out.hex() == case["output"]
    elif kind == "hash-to-scalar":
        assert hash_to_scalar(case["domain"], *parts).hex() == case["scalar"]
    elif kind == "sha256-fields":
        assert sha256_fields(case["domain"], *parts).hex() == case["digest"]
    elif kind == "hash-to-group":
        assert hash_to_group(case["domain"], h(case["msg"])).hex() == case["element"]
    else:
        raise AssertionError(kind)


def check_elgamal(case: dict[str, Any]) -> None:
    key = Point.from_hex(case["public_key"])
    ct = encrypt(key, case["message"], Scalar.from_hex(case["nonce"]))
    assert ct.to_json() == case["ciphertext"]
    secret = Scalar.from_hex(case["secret_key"])
    assert base_mul(secret) == key
    plain = ct.beta - ct.alpha * secret
    assert DiscreteLog(1000).solve(plain) == case["message"]


def check_proofs(case: dict[str, Any]) -> None:
    kind = case["kind"]
    context = h(case["context"])
    if kind == "schnorr":
        public = Point.from_hex(case["public"])
        proof = SchnorrProof.from_json(case["proof"])
        if case["valid"]:
            made = prove_schnorr_with_nonce(
                Scalar.from_hex(case["secret"]), public, context, Scalar.from_hex(case["nonce"])
            )
            assert made.to_json() == case["proof"]
            verify_schnorr(public, proof, context)
        else:
            rejects(lambda: verify_schnorr(public, proof, context))
    elif kind == "dleq":
        statement = DleqStatement(*(Point.from_hex(case[k]) for k in ("g1", "h1", "g2", "h2")))
        dleq = DleqProof.from_json(case["proof"])
        if case["valid"]:
            made = prove_dleq_with_nonce(
                Scalar.from_hex(case["secret"]), statement, context, Scalar.from_hex(case["nonce"])
            )
            assert made.to_json() == case["proof"]
            verify_dleq(statement, dleq, context)
        else:
            rejects(lambda: verify_dleq(statement, dleq, context))
    elif kind == "range":
        common = {
            "domain": case["domain"],
            "fingerprint": h(case["fingerprint"]),
            "public_key": Point.from_hex(case["public_key"]),
            "ciphertext": Ciphertext.from_json(case["ciphertext"]),
            "lo": case["lo"],
            "hi": case["hi"],
            "context": context,
        }
        rp = RangeProof.from_json(case["proof"])
        if case["valid"]:
            made = prove_range_with_nonces(
                **common,
                message=case["message"],
                nonce=Scalar.from_hex(case["encryption_nonce"]),
                nonces=tuple(
                    (Scalar.from_hex(u), Scalar.from_hex(v)) for u, v in case["proof_nonces"]
                ),
            )
            assert made.to_json() == case["proof"]
            verify_range(**common, proof=rp)
        else:
            rejects(lambda: verify_range(**common, proof=rp))
    else:
        raise AssertionError(kind)


def check_ballot(case: dict[str, Any]) -> None:
    ctx = BallotContext(
        h(case["fingerprint"]),
        Point.from_hex(case["public_key"]),
        tuple(QuestionShape(q["options"], q["min"], q["max"]) for q in case["questions"]),
    )
    binding = h(case["binding"])
    if not case["valid"]:
        rejects(
            lambda: verify_ballot(ctx, EncryptedBallot.from_json(case["ballot"]), binding=binding)
        )
        return
    nonces = BallotNonces.from_json(case["nonces"])
    ballot = encrypt_ballot_with_nonces(ctx, case["selections"], nonces, binding=binding)
    assert ballot.to_json() == case["ballot"]
    parsed = EncryptedBallot.from_json(case["ballot"])
    verify_ballot(ctx, parsed, binding=binding)
    audit_ballot(ctx, parsed, case["selections"], nonces, binding=binding)
    assert tracking_code(canonical(case["ballot"])) == case["tracking_code"]


def signed_ballot_context(case: dict[str, Any]) -> BallotContext:
    return BallotContext(
        h(case["fingerprint"]),
        Point.from_hex(case["public_key"]),
        tuple(QuestionShape(q["options"], q["min"], q["max"]) for q in case["questions"]),
    )


def check_signed_ballot(case: dict[str, Any]) -> None:
    ctx = signed_ballot_context(case)

    message = ballot_signing_message(
        ctx.fingerprint, case["credential"], case["region"], case["ballot"], case["replaces"]
    )
    assert message.hex() == case["message"]

    def verify() -> None:
        credential = Point.from_hex(case["credential"])
        verify_signature(credential, message, Signature.from_json(case["signature"]))
        verify_ballot(ctx, EncryptedBallot.from_json(case["ballot"]), binding=credential.to_bytes())

    if case["valid"]:
        verify()
    else:
        rejects(verify)


def check_credentials(case: dict[str, Any]) -> None:
    if case["kind"] == "private-credential":
        with pytest.raises(InputError):
            normalize_private_credential(case["private"])
        return
    message = h(case["message"])
    public = Point.from_hex(case["public"])
    signature = Signature.from_json(case["signature"])
    if not case["valid"]:
        rejects(lambda: verify_signature(public, message, signature))
        return
    secret, derived = derive_credential(case["election_id"], case["private"])
    assert (secret.hex(), derived.hex()) == (case["secret"], case["public"])
    made = sign_with_nonce(secret, public, message, Scalar.from_hex(case["nonce"]))
    assert made.to_json() == case["signature"]
    verify_signature(public, message, signature)


def check_threshold(case: dict[str, Any]) -> None:
    if case["kind"] == "combine":
        ct = Ciphertext.from_json(case["ciphertext"])
        shares = {int(j): Point.from_hex(s) for j, s in case["shares"].items()}
        plain = decrypt_with_shares(ct, shares)
        assert plain.hex() == case["plaintext_times_G"]
        assert DiscreteLog(10).solve(plain) == case["message"]
        return
    alpha = Point.from_hex(case["alpha"])
    key = Point.from_hex(case["verification_key"])
    context = h(case["context"])
    share = DecryptionShare.from_json(case["share"])
    if not case["valid"]:
        rejects(lambda: verify_decryption_share(share, alpha, key, context=context))
        return
    made = decryption_share_with_nonce(
        Scalar.from_hex(case["secret_share"]),
        alpha,
        index=share.index,
        verification_key=key,
        context=context,
        nonce=Scalar.from_hex(case["nonce"]),
    )
    assert made.to_json() == case["share"]
    verify_decryption_share(share, alpha, key, context=context)


CHECKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "group": check_group,
    "hashing": check_hashing,
    "elgamal": check_elgamal,
    "proofs": check_proofs,
    "ballot": check_ballot,
    "credentials": check_credentials,
    "signed_ballot": check_signed_ballot,
    "threshold": check_threshold,
}


@pytest.mark.parametrize(("name", "case"), all_cases())
def test_vector(name: str, case: dict[str, Any]) -> None:
    CHECKS[name](case)


def test_ballot_vectors_are_ballots_of_the_right_size() -> None:
    case = load("ballot")["cases"][0]
    assert case["valid"] and len(case["ballot"]["questions"][0]["selections"]) == 3
    with pytest.raises(ProofError):
        bad = dict(case)
        ctx = BallotContext(
            h(bad["fingerprint"]), Point.from_hex(bad["public_key"]), (QuestionShape(4, 1, 1),)
        )
        verify_ballot(ctx, EncryptedBallot.from_json(bad["ballot"]), binding=h(bad["binding"]))
