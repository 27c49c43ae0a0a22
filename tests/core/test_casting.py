"""Casting on every board backend: accepted ballots, revotes, and every kind of refusal."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from referendum.board.protocol import BulletinBoard
from referendum.crypto.credentials import derive_credential, sign
from referendum.errors import BallotRejected, PhaseError
from referendum.protocol.ballots import MAX_SUBMISSION_BYTES, ballot_signing_message
from referendum.record import messages as m
from referendum.services.voter import prepare_ballot
from referendum.services.voting import cast, close_voting, last_tracking_code

from .helpers import OPENS, Setup, ready_referendum


def accepted(board: BulletinBoard) -> list[Any]:
    return [e.to_json() for e in board.events(types=(m.BALLOT_ACCEPTED,))]


def rejections(board: BulletinBoard) -> list[dict[str, Any]]:
    return [dict(e.payload) for e in board.events(types=(m.BALLOT_REJECTED,))]


@pytest.fixture
def setup(board: BulletinBoard) -> Setup:
    return ready_referendum(board)


def test_cast_and_revote(setup: Setup) -> None:
    voter = setup.credentials["east"][0]
    first = prepare_ballot(setup.state, voter.private, {"q1": ["yes"]}, setup.rng)
    receipt = cast(setup.board, first.submission, setup.clock)
    assert receipt.tracking_code == first.tracking_code and receipt.replaces is None
    assert last_tracking_code(setup.board, first.submission["credential"]) == first.tracking_code
    second = prepare_ballot(
        setup.state, voter.private, {"q1": ["no"]}, setup.rng, replaces=first.tracking_code
    )
    receipt2 = cast(setup.board, second.submission, setup.clock, state=setup.state)
    assert receipt2.replaces == first.tracking_code
    events = accepted(setup.board)
    assert [e["payload"]["tracking_code"] for e in events] == [
        first.tracking_code,
        second.tracking_code,
    ]
    assert events[1]["payload"]["replaces"] == first.tracking_code


def test_a_revote_must_name_the_credential_last_ballot(setup: Setup) -> None:
    """A ballot signs the ballot it replaces: naming none (or an older one) when the
    credential has a later ballot on the board is refused, logged, as stale_replaces."""
    voter = setup.credentials["east"][0]
    first = prepare_ballot(setup.state, voter.private, {"q1": ["yes"]}, setup.rng)
    cast(setup.board, first.submission, setup.clock)
    as_first = prepare_ballot(setup.state, voter.private, {"q1": ["no"]}, setup.rng)
    _refused(setup, as_first.submission, "stale_replaces", "replaces")
    assert first.tracking_code in rejections(setup.board)[-1]["detail"]
    second = prepare_ballot(
        setup.state, voter.private, {"q1": ["no"]}, setup.rng, replaces=first.tracking_code
    )
    cast(setup.board, second.submission, setup.clock)
    older = prepare_ballot(
        setup.state, voter.private, {"q1": ["blank"]}, setup.rng, replaces=first.tracking_code
    )
    _refused(setup, older.submission, "stale_replaces", "replaces")
    unknown = prepare_ballot(
        setup.state, voter.private, {"q1": ["yes"]}, setup.rng, replaces="ab" * 32
    )
    _refused(setup, unknown.submission, "stale_replaces", "replaces")
    newcomer = setup.credentials["east"][1]
    named = prepare_ballot(
        setup.state, newcomer.private, {"q1": ["yes"]}, setup.rng, replaces=first.tracking_code
    )
    _refused(setup, named.submission, "stale_replaces", "replaces")


def test_replaces_is_signed(setup: Setup) -> None:
    """Changing replaces after signing (as a board or relay would, to chain a ballot where
    its voter did not put it) breaks the signature."""
    voter = setup.credentials["east"][0]
    first = prepare_ballot(setup.state, voter.private, {"q1": ["yes"]}, setup.rng)
    cast(setup.board, first.submission, setup.clock)
    moved = prepare_ballot(setup.state, voter.private, {"q1": ["no"]}, setup.rng).submission
    moved["replaces"] = first.tracking_code
    _refused(setup, moved, "bad_signature", "signature")
    for bad in ("AB" * 32, "ab" * 31, 7):
        odd = {**moved, "replaces": bad}
        _refused(setup, odd, "malformed", "replaces")
    missing = dict(moved)
    del missing["replaces"]
    _refused(setup, missing, "malformed", "replaces")


def _refused(setup: Setup, submission: Any, code: str, field: str) -> None:
    before = accepted(setup.board)
    head_before = setup.board.head()
    with pytest.raises(BallotRejected) as info:
        cast(setup.board, submission, setup.clock, state=setup.state)
    assert (info.value.code, info.value.field) == (code, field)
    logged = rejections(setup.board)[-1]
    assert logged["reason"] == code and logged["field"] == field
    assert accepted(setup.board) == before  # nothing accepted earlier changed
    head_after = setup.board.head()
    assert head_before is not None and head_after is not None
    assert head_after.height == head_before.height + 1  # exactly the rejection was appended


def _valid(setup: Setup, region: str = "east", index: int = 0) -> dict[str, Any]:
    voter = setup.credentials[region][index]
    return prepare_ballot(setup.state, voter.private, {"q1": ["yes"]}, setup.rng).submission


def test_unknown_credential(setup: Setup) -> None:
    from referendum.services.credentials import issue_credentials

    outsider = issue_credentials(setup.state.manifest.id, "east", 1, setup.rng)[0]
    submission = _valid(setup)
    secret, public = derive_credential(setup.state.manifest.id, outsider.private)
    submission["credential"] = public.hex()
    message = ballot_signing_message(
        setup.state.fingerprint, public.hex(), "east", submission["ballot"], None
    )
    submission["signature"] = sign(secret, public, message, setup.rng).to_json()
    _refused(setup, submission, "unknown_credential", "credential")


def test_wrong_region(setup: Setup) -> None:
    submission = _valid(setup)
    submission["region"] = "west"
    _refused(setup, submission, "wrong_region", "region")


def test_bad_signature(setup: Setup) -> None:
    submission = _valid(setup)
    other = _valid(setup, index=1)
    submission["signature"] = other["signature"]
    _refused(setup, submission, "bad_signature", "signature")


def test_bad_proof_even_when_signed(setup: Setup) -> None:
    voter = setup.credentials["east"][0]
    submission = _valid(setup)
    tampered = copy.deepcopy(submission["ballot"])
    sel = tampered["questions"][0]["selections"]
    sel[0]["beta"], sel[1]["beta"] = sel[1]["beta"], sel[0]["beta"]
    secret, public = derive_credential(setup.state.manifest.id, voter.private)
    message = ballot_signing_message(setup.state.fingerprint, public.hex(), "east", tampered, None)
    submission["ballot"] = tampered
    submission["signature"] = sign(secret, public, message, setup.rng).to_json()
    _refused(setup, submission, "bad_proof", "ballot")


def test_replay(setup: Setup) -> None:
    """The same ballot sent again, as it was or signed again by its voter, is a resend (the
    stored ballot's receipt, nothing logged); the same ballot naming another ``replaces``
    (itself) is a replay."""
    submission = _valid(setup)
    receipt = cast(setup.board, submission, setup.clock)
    assert cast(setup.board, submission, setup.clock).event_hash == receipt.event_hash
    secret, public = derive_credential(
        setup.state.manifest.id, setup.credentials["east"][0].private
    )

    def signed(replaces: str | None) -> dict[str, Any]:
        message = ballot_signing_message(
            setup.state.fingerprint, public.hex(), "east", submission["ballot"], replaces
        )
        signature = sign(secret, public, message, setup.rng).to_json()
        return dict(submission, replaces=replaces, signature=signature)

    again = cast(setup.board, signed(None), setup.clock)
    assert again.resent and again.event_hash == receipt.event_hash
    assert setup.board.count(m.BALLOT_REJECTED) == 0
    _refused(setup, signed(receipt.tracking_code), "replayed", "ballot")


def test_ballot_for_another_referendum(setup: Setup) -> None:
    submission = _valid(setup)
    submission["election"] = "00" * 32
    _refused(setup, submission, "wrong_election", "election")


def test_malformed_and_oversize(setup: Setup) -> None:
    _refused(setup, b"{not json", "malformed", "body")
    _refused(setup, b" " * (MAX_SUBMISSION_BYTES + 1), "oversize", "body")
    submission = _valid(setup)
    del submission["signature"]
    _refused(setup, submission, "malformed", "signature")
    submission = _valid(setup)
    submission["ballot"]["questions"][0]["selections"][0]["alpha"] = "zz"
    _refused(setup, json.dumps(submission).encode(), "malformed", "ballot")


def test_outside_window_between_days(setup: Setup) -> None:
    submission = _valid(setup)
    setup.clock.jump(OPENS + dt.timedelta(hours=16))  # 00:00, between the two voting days
    _refused(setup, submission, "outside_window", "timestamp")


def test_before_open_and_after_close(board: BulletinBoard) -> None:
    setup = ready_referendum(board, open_now=False)
    voter = setup.credentials["east"][0]
    ballot = prepare_ballot(setup.state, voter.private, {"q1": ["no"]}, setup.rng)
    setup.clock.jump(OPENS + dt.timedelta(minutes=1))
    _refused(setup, ballot.submission, "not_open", "timestamp")


def test_close_is_refused_before_the_window_ends(setup: Setup) -> None:
    with pytest.raises(PhaseError, match="window runs until"):
        close_voting(setup.board, setup.clock)
    setup.clock.jump(OPENS + dt.timedelta(days=1, hours=13))
    close_voting(setup.board, setup.clock)
    _refused(setup, _valid(setup), "closed", "timestamp")


def test_no_secret_reaches_the_board(setup: Setup) -> None:
    for region in setup.credentials.values():
        for voter in region[:2]:
            cast(
                setup.board,
                prepare_ballot(setup.state, voter.private, {"q1": ["yes"]}, setup.rng).submission,
                setup.clock,
            )
    with pytest.raises(BallotRejected):
        cast(setup.board, b"{}", setup.clock)
    dump = "\n".join(json.dumps(e.to_json()) for e in setup.board.events())
    for region in setup.credentials.values():
        for voter in region:
            assert voter.private not in dump
            assert voter.private.replace("-", "") not in dump
    for secrets in setup.secrets:
        assert secrets.transport_secret.hex() not in dump
