"""Benaloh challenges: a challenged ballot is never signed, its file holds no signature, and
no one without the private credential can turn it into an accepted ballot; the ballot then
cast is a fresh encryption (other ciphertexts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from referendum.board.protocol import BulletinBoard
from referendum.crypto.credentials import derive_credential, sign
from referendum.crypto.group import Scalar, base_mul
from referendum.errors import BallotRejected, InputError, ProofError
from referendum.protocol.ballots import ballot_signing_message
from referendum.record import messages as m
from referendum.services.challenge import (
    CHALLENGE_MEMBERS,
    challenge_data,
    check_challenge_data,
)
from referendum.services.voter import (
    encrypt_choices,
    prepare_ballot,
    public_credential_of,
    sign_ballot,
)
from referendum.services.voting import cast

from .helpers import Setup, ready_referendum


@pytest.fixture
def setup(board: BulletinBoard) -> Setup:
    return ready_referendum(board)


def keys(value: Any) -> Iterator[str]:
    """Every member name anywhere inside a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from keys(v)


def alphas(ballot: dict[str, Any]) -> set[str]:
    return {s["alpha"] for q in ballot["questions"] for s in q["selections"]}


def challenge_of(setup: Setup, index: int = 0) -> dict[str, Any]:
    voter = setup.credentials["east"][index]
    public = public_credential_of(setup.state, voter.private)
    encrypted = encrypt_choices(setup.state, public, {"q1": ["yes"]}, setup.rng)
    return challenge_data(setup.state, encrypted, {"q1": ["yes"]})


def refused(setup: Setup, submission: Any) -> tuple[str, str]:
    with pytest.raises(BallotRejected) as info:
        cast(setup.board, submission, setup.clock, state=setup.state)
    return info.value.code, info.value.field


def test_a_challenge_holds_no_signature_and_checks(setup: Setup) -> None:
    data = challenge_of(setup)
    assert set(data) == CHALLENGE_MEMBERS
    assert not {"signature", "submission", "response", "commitment"} & set(keys(data))
    assert check_challenge_data(setup.state, json.loads(json.dumps(data))) == "q1: yes"
    # the same file with a signature, or the old format's signed submission, is refused
    with pytest.raises(InputError, match=r"challenge\.signature"):
        check_challenge_data(setup.state, {**data, "signature": {}})
    with pytest.raises(InputError, match="referendum-challenge/2"):
        check_challenge_data(setup.state, {**data, "format": "referendum-challenge/1"})
    with pytest.raises(ProofError, match="selections"):
        check_challenge_data(setup.state, {**data, "choices": {"q1": ["no"]}})


def test_no_one_without_the_private_credential_can_cast_a_challenge(setup: Setup) -> None:
    data = challenge_of(setup)
    state = setup.state
    # the file as it is, and its ballot as a submission without a signature
    assert refused(setup, data)[0] == "malformed"
    unsigned = {k: data[k] for k in ("election", "region", "credential", "ballot")}
    unsigned["replaces"] = None
    assert refused(setup, unsigned) == ("malformed", "signature")
    # signed by another voter's credential, or by a key of the attacker's own
    other = setup.credentials["east"][1]
    message = ballot_signing_message(
        state.fingerprint, data["credential"], data["region"], data["ballot"], None
    )
    own_secret = Scalar.from_int(12345)  # a key of the attacker's own
    for secret, public in (
        derive_credential(state.manifest.id, other.private),
        (own_secret, base_mul(own_secret)),
    ):
        forged = {**unsigned, "signature": sign(secret, public, message, setup.rng).to_json()}
        assert refused(setup, forged) == ("bad_signature", "signature")
    # the signature of another ballot of the same credential does not carry over
    cast_one = prepare_ballot(
        state, setup.credentials["east"][0].private, {"q1": ["no"]}, setup.rng
    ).submission
    cast(setup.board, cast_one, setup.clock, state=state)
    borrowed = {**unsigned, "signature": cast_one["signature"]}
    assert refused(setup, borrowed) == ("bad_signature", "signature")
    counted = [e.payload["tracking_code"] for e in setup.board.events(types=[m.BALLOT_ACCEPTED])]
    assert data["tracking_code"] not in counted


def test_the_ballot_cast_after_a_challenge_is_a_fresh_encryption(setup: Setup) -> None:
    voter = setup.credentials["east"][0]
    public = public_credential_of(setup.state, voter.private)
    challenged = encrypt_choices(setup.state, public, {"q1": ["yes"]}, setup.rng)
    fresh = encrypt_choices(setup.state, public, {"q1": ["yes"]}, setup.rng)
    receipt = cast(
        setup.board, sign_ballot(setup.state, voter.private, fresh, setup.rng), setup.clock
    )
    assert receipt.tracking_code == fresh.tracking_code != challenged.tracking_code
    assert not alphas(challenged.ballot) & alphas(fresh.ballot)
    # sign_ballot refuses another credential's ballot
    with pytest.raises(InputError, match="another credential"):
        sign_ballot(setup.state, setup.credentials["east"][1].private, fresh, setup.rng)
