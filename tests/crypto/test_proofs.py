"""Completeness and soundness against tampering: any altered hex digit of a proof, a
signature or a share (or of the statement) makes verification fail."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.crypto.credentials import Signature, sign, verify_signature
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.proofs.dleq import DleqProof, DleqStatement, prove_dleq, verify_dleq
from referendum.crypto.proofs.schnorr import SchnorrProof, prove_schnorr, verify_schnorr
from referendum.crypto.random import DeterministicRandom
from referendum.crypto.threshold import DecryptionShare, decryption_share, verify_decryption_share
from referendum.errors import CryptoError, InputError

RNG = DeterministicRandom(b"test-proofs")
X = Scalar.random(RNG)
PUBLIC = base_mul(X)
ALPHA = base_mul(Scalar.random(RNG))


def schnorr_case() -> tuple[dict[str, Any], Callable[[dict[str, Any]], None]]:
    proof = prove_schnorr(X, PUBLIC, b"ctx", RNG)
    data = {"public": PUBLIC.hex(), "proof": proof.to_json()}

    def check(d: dict[str, Any]) -> None:
        verify_schnorr(Point.from_hex(d["public"]), SchnorrProof.from_json(d["proof"]), b"ctx")

    return data, check


def dleq_case() -> tuple[dict[str, Any], Callable[[dict[str, Any]], None]]:
    statement = DleqStatement(Point.generator(), PUBLIC, ALPHA, ALPHA * X)
    proof = prove_dleq(X, statement, b"ctx", RNG)
    data = {
        "g2": ALPHA.hex(),
        "h1": PUBLIC.hex(),
        "h2": statement.h2.hex(),
        "proof": proof.to_json(),
    }

    def check(d: dict[str, Any]) -> None:
        s = DleqStatement(
            Point.generator(),
            Point.from_hex(d["h1"]),
            Point.from_hex(d["g2"]),
            Point.from_hex(d["h2"]),
        )
        verify_dleq(s, DleqProof.from_json(d["proof"]), b"ctx")

    return data, check


def signature_case() -> tuple[dict[str, Any], Callable[[dict[str, Any]], None]]:
    data = {"public": PUBLIC.hex(), "signature": sign(X, PUBLIC, b"msg", RNG).to_json()}

    def check(d: dict[str, Any]) -> None:
        verify_signature(Point.from_hex(d["public"]), b"msg", Signature.from_json(d["signature"]))

    return data, check


def share_case() -> tuple[dict[str, Any], Callable[[dict[str, Any]], None]]:
    share = decryption_share(X, ALPHA, index=2, verification_key=PUBLIC, context=b"c", rng=RNG)
    data = {"alpha": ALPHA.hex(), "key": PUBLIC.hex(), "share": share.to_json()}

    def check(d: dict[str, Any]) -> None:
        verify_decryption_share(
            DecryptionShare.from_json(d["share"]),
            Point.from_hex(d["alpha"]),
            Point.from_hex(d["key"]),
            context=b"c",
        )

    return data, check


CASES = {f.__name__: f() for f in (schnorr_case, dleq_case, signature_case, share_case)}


def hex_paths(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in hex_paths(v, (*path, k))]
    if isinstance(obj, str):
        return [path]
    return []


@pytest.mark.parametrize("name", sorted(CASES))
def test_complete(name: str) -> None:
    data, check = CASES[name]
    check(json.loads(json.dumps(data)))


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=40, deadline=None)
@given(
    choice=st.integers(min_value=0, max_value=10**6),
    position=st.integers(0, 63),
    delta=st.integers(1, 15),
)
def test_any_altered_digit_fails(name: str, choice: int, position: int, delta: int) -> None:
    data, check = CASES[name]
    tampered = json.loads(json.dumps(data))
    paths = hex_paths(tampered)
    path = paths[choice % len(paths)]
    holder = tampered
    for key in path[:-1]:
        holder = holder[key]
    value = holder[path[-1]]
    holder[path[-1]] = (
        value[:position]
        + format((int(value[position], 16) + delta) % 16, "x")
        + value[position + 1 :]
    )
    with pytest.raises((InputError, CryptoError)):
        check(tampered)
