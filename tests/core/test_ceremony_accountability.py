"""Accountability of the key ceremony and of decryption (issue 11, part 5).

Each forgery is made as a cheating board would: alter, drop or move events of a real record,
then recompute every hash, so that ``CHAIN`` passes and a semantic check has to fail.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from referendum.board.memory import MemoryBoard
from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock
from referendum.crypto.group import Point, Scalar
from referendum.crypto.random import DeterministicRandom
from referendum.crypto.threshold import Commitments, joint_public_key, verification_key
from referendum.errors import InputError, PhaseError, ProofError
from referendum.record import messages as m
from referendum.record.io import read_record, write_record
from referendum.services.keys import (
    check_payload,
    decryption_payload,
    publish_election_key,
    setup_payload,
    submit_trustee_event,
    trustee_deal,
    trustee_setup,
    trustee_signed,
)
from referendum.services.state import load_state
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voter import prepare_ballot
from referendum.services.voting import cast, close_voting, create
from referendum.verify.record_verifier import verify_record
from referendum.verify.report import Check, CheckResult, Status

from .helpers import (
    OPENS,
    Setup,
    cheating_dealer_ceremony,
    manifest,
    payloads_of,
    ready_referendum,
    write_rehashed,
)

Edited = list[tuple[str, str, dict[str, Any]]]


def _result(folder: Path, check: Check) -> CheckResult:
    return next(r for r in verify_record(folder).results if r.check is check)


def _fails(folder: Path, check: Check, match: str) -> None:
    result = _result(folder, check)
    assert result.status is Status.FAIL, result
    assert match in result.detail, result.detail


def _election_key(edited: Edited, qualified: list[int]) -> dict[str, Any]:
    """The ``election.key`` a forger computes for the dealers it chose to keep qualified."""
    deals = {p["trustee"]: p for t, _, p in edited if t == m.TRUSTEE_DEAL}
    used = [Commitments.from_json(deals[i]["commitments"]) for i in qualified]
    return {
        "qualified": qualified,
        "disqualified": [],
        "public_key": joint_public_key(used).hex(),
        "verification_keys": {str(j): verification_key(j, used).hex() for j in qualified},
    }


def _index(edited: Edited, event_type: str, trustee: int | None = None) -> int:
    return next(
        k
        for k, (t, _, p) in enumerate(edited)
        if t == event_type and (trustee is None or p.get("trustee") == trustee)
    )


# -- the key ceremony ------------------------------------------------------------------------


def test_left_out_check_with_a_justified_complaint_fails(tmp_path: Path) -> None:
    """The board drops trustee 3's complaint against the cheating dealer 2 and publishes the
    key that keeps 2 qualified: the key follows from the events left, but a check is missing."""
    board = MemoryBoard()
    cheating_dealer_ceremony(board, DeterministicRandom(b"drop-complaint"))
    publish_election_key(board, SteppingClock(OPENS))
    edited = payloads_of(board.events())
    del edited[_index(edited, m.TRUSTEE_CHECK, 3)]
    k = _index(edited, m.ELECTION_KEY)
    edited[k] = (m.ELECTION_KEY, edited[k][1], _election_key(edited, [1, 2, 3]))
    folder = write_rehashed(edited, tmp_path / "r")
    _fails(folder, Check.KEY_CEREMONY, "election.key before the trustee.check of trustees [3]")


def test_left_out_check_without_complaint_fails(tmp_path: Path) -> None:
    setup = ready_referendum(MemoryBoard(), per_region=1, open_now=False)
    write_record(setup.board.events(), tmp_path / "honest")
    assert _result(tmp_path / "honest", Check.KEY_CEREMONY).status is Status.PASS
    edited = payloads_of(setup.board.events())
    del edited[_index(edited, m.TRUSTEE_CHECK, 2)]
    folder = write_rehashed(edited, tmp_path / "r")
    _fails(folder, Check.KEY_CEREMONY, "election.key before the trustee.check of trustees [2]")


def test_check_after_the_election_key_fails(tmp_path: Path) -> None:
    """Trustee events end with ``election.key``: a record with a check moved after it fails
    (the key is the same here: no complaint), as the board refuses to append it there
    (test_board_refuses_trustee_events_out_of_place)."""
    setup = ready_referendum(MemoryBoard(), per_region=1, open_now=False)
    edited = payloads_of(setup.board.events())
    check = edited.pop(_index(edited, m.TRUSTEE_CHECK, 3))
    k = _index(edited, m.ELECTION_KEY)
    edited.insert(k + 1, (check[0], edited[k][1], check[2]))
    folder = write_rehashed(edited, tmp_path / "r")
    _fails(folder, Check.KEY_CEREMONY, "election.key before the trustee.check of trustees [3]")


def test_deal_before_every_transport_key_fails(tmp_path: Path) -> None:
    setup = ready_referendum(MemoryBoard(), per_region=1, open_now=False)
    edited = payloads_of(setup.board.events())
    transport = edited.pop(_index(edited, m.TRUSTEE_TRANSPORT, 3))
    k = _index(edited, m.TRUSTEE_DEAL, 1)
    edited.insert(k + 1, (transport[0], edited[k][1], transport[2]))
    folder = write_rehashed(edited, tmp_path / "r")
    _fails(folder, Check.KEY_CEREMONY, "trustee.deal of trustee 1 before the trustee.transport")


def test_board_refuses_trustee_events_out_of_place(board: BulletinBoard) -> None:
    rng = DeterministicRandom(b"out-of-place")
    secrets = cheating_dealer_ceremony(board, rng)
    state = load_state(board)
    again = trustee_signed(
        state, m.TRUSTEE_CHECK, {"trustee": 1, "complaints": []}, secrets[0], rng
    )
    with pytest.raises(PhaseError, match=r"already published its trustee\.check"):
        submit_trustee_event(board, m.TRUSTEE_CHECK, again, SteppingClock(OPENS))
    publish_election_key(board, SteppingClock(OPENS))
    with pytest.raises(PhaseError, match=r"no trustee\.check after election\.key"):
        submit_trustee_event(board, m.TRUSTEE_CHECK, again, SteppingClock(OPENS))


def _twice(complaints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return complaints * 2


def _other_recipient(complaints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [*complaints, {**complaints[0], "recipient": 1}]


def _extra_member(complaints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [*complaints, {**complaints[0], "dealer": 1, "note": "x"}]


@pytest.mark.parametrize(
    ("malform", "reason"),
    [
        (_twice, "complaints[1].dealer: a second complaint"),
        (_other_recipient, "complaints[1].recipient: not 3"),
        # the exact form of every payload (protocol.payloads) is checked first
        (_extra_member, "complaints[1].note: a member the spec does not list"),
    ],
)
def test_malformed_complaint_fails_its_event(
    board: BulletinBoard, tmp_path: Path, malform: Any, reason: str
) -> None:
    """A complaint that is not well-formed (a dealer named twice, another recipient, an extra
    member) is a failure of its event: the board refuses it and a record holding it fails
    KEY_CEREMONY."""
    rng = DeterministicRandom(b"malformed")
    secrets = cheating_dealer_ceremony(board, rng, checking=(1, 2))
    state = load_state(board)
    honest, _ = check_payload(state, secrets[2], rng)
    malformed = {"trustee": 3, "complaints": malform(honest["complaints"])}
    bad = trustee_signed(state, m.TRUSTEE_CHECK, malformed, secrets[2], rng)
    with pytest.raises(InputError, match=re.escape(reason)):
        submit_trustee_event(board, m.TRUSTEE_CHECK, bad, SteppingClock(OPENS))
    submit_trustee_event(board, m.TRUSTEE_CHECK, honest, SteppingClock(OPENS))
    publish_election_key(board, SteppingClock(OPENS))
    edited = payloads_of(board.events())
    k = _index(edited, m.TRUSTEE_CHECK, 3)
    edited[k] = (m.TRUSTEE_CHECK, edited[k][1], bad)
    folder = write_rehashed(edited, tmp_path / "r")
    in_record = f"payload.{reason}" if "spec does not list" in reason else f"trustee[3].{reason}"
    _fails(folder, Check.KEY_CEREMONY, in_record)


def test_unjustified_complaint_is_ignored(board: BulletinBoard, tmp_path: Path) -> None:
    """A well-formed complaint whose proof fails accuses nobody: appended, and the dealer it
    names stays qualified; the record verifies."""
    rng = DeterministicRandom(b"unjustified")
    secrets = cheating_dealer_ceremony(board, rng, checking=(1, 3))
    state = load_state(board)
    g = Point.generator()
    false = {
        "dealer": 1,
        "recipient": 2,
        "shared": g.hex(),
        "proof": {"a1": g.hex(), "a2": g.hex(), "response": Scalar.from_int(1).hex()},
    }
    payload = {"trustee": 2, "complaints": [false]}
    clock = SteppingClock(OPENS)
    submit_trustee_event(
        board,
        m.TRUSTEE_CHECK,
        trustee_signed(state, m.TRUSTEE_CHECK, payload, secrets[1], rng),
        clock,
    )
    assert publish_election_key(board, clock)["qualified"] == [1, 3]  # 2 is the cheat, not 1
    write_record(board.events(), tmp_path / "r")
    result = _result(tmp_path / "r", Check.KEY_CEREMONY)
    assert result.status is Status.PASS, result
    assert "qualified [1, 3]; disqualified: [2]" in result.detail


# -- decryption ------------------------------------------------------------------------------


def _tallied(board: BulletinBoard) -> Setup:
    setup = ready_referendum(board, per_region=2)
    for region, answer in (("east", "yes"), ("west", "no")):
        cred = setup.credentials[region][0]
        ballot = prepare_ballot(setup.state, cred.private, {"q1": [answer]}, setup.rng)
        cast(board, ballot.submission, setup.clock)
    setup.clock.jump(OPENS + dt.timedelta(days=2))
    close_voting(board, setup.clock)
    publish_tally(board, setup.clock)
    return setup


def _bad_share(setup: Setup, trustee: int) -> dict[str, Any]:
    """Trustee ``trustee``'s signed shares, the first of which does not match its proof."""
    state = load_state(setup.board)
    payload = decryption_payload(state, setup.secrets[trustee - 1], setup.rng)
    del payload["signature"]
    payload["regions"]["east"]["q1"][0]["share"] = Point.generator().hex()
    return trustee_signed(state, m.DECRYPTION_SHARE, payload, setup.secrets[trustee - 1], setup.rng)


def test_board_refuses_unsigned_and_reattributed_shares(board: BulletinBoard) -> None:
    setup = _tallied(board)
    state = load_state(board)
    payload = decryption_payload(state, setup.secrets[0], setup.rng)
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    with pytest.raises(InputError, match="signature"):
        submit_trustee_event(board, m.DECRYPTION_SHARE, unsigned, setup.clock)
    moved = {**payload, "trustee": 2}
    for per_q in moved["regions"].values():
        for shares in per_q.values():
            for share in shares:
                share["index"] = 2
    with pytest.raises(ProofError, match=r"bad signature on the tally\.share"):
        submit_trustee_event(board, m.DECRYPTION_SHARE, moved, setup.clock)


def test_signed_failing_share_is_kept_and_named(board: BulletinBoard, tmp_path: Path) -> None:
    """A signed share whose proof fails is the trustee's own statement: the board keeps it, the
    results combine the others and name it; omitting it from the results is detected."""
    setup = _tallied(board)
    publish_share(board, setup.secrets[0], setup.rng, setup.clock)
    submit_trustee_event(board, m.DECRYPTION_SHARE, _bad_share(setup, 2), setup.clock)
    publish_share(board, setup.secrets[2], setup.rng, setup.clock)
    results = publish_results(board, setup.clock)
    assert results["trustees"] == [1, 3]
    assert results["rejected_shares"] == {"2": "bad proof: region east, question q1, answer yes"}
    write_record(board.events(), tmp_path / "honest")
    report = verify_record(tmp_path / "honest")
    assert report.ok, [r.to_json() for r in report.failures()]
    assert (
        "trustees [2] published failing shares"
        in _result(tmp_path / "honest", Check.DECRYPTION).detail
    )
    edited = payloads_of(board.events())
    del edited[-1][2]["rejected_shares"]
    _fails(write_rehashed(edited, tmp_path / "r"), Check.DECRYPTION, "omits trustee 2")


@pytest.fixture(scope="module")
def all_three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A counted record in which every trustee published valid shares."""
    board = MemoryBoard()
    setup = _tallied(board)
    for secrets in setup.secrets:
        publish_share(board, secrets, setup.rng, setup.clock)
    assert publish_results(board, setup.clock)["trustees"] == [1, 2, 3]
    folder = tmp_path_factory.mktemp("all-three")
    write_record(board.events(), folder)
    assert verify_record(folder).ok
    return folder


def _forged(all_three: Path, tmp_path: Path, change: Any) -> Path:
    edited = payloads_of(read_record(all_three).events())
    change(edited)
    return write_rehashed(edited, tmp_path / "forged")


def _results(edited: Edited) -> dict[str, Any]:
    return edited[_index(edited, m.RESULTS)][2]


def test_unsigned_share_fails(all_three: Path, tmp_path: Path) -> None:
    def change(edited: Edited) -> None:
        del edited[_index(edited, m.DECRYPTION_SHARE, 3)][2]["signature"]

    _fails(_forged(all_three, tmp_path, change), Check.DECRYPTION, "payload.signature: missing")


def test_reattributed_share_fails(all_three: Path, tmp_path: Path) -> None:
    """Trustee 2's shares dropped; trustee 3's shares relabelled as trustee 2's."""

    def change(edited: Edited) -> None:
        del edited[_index(edited, m.DECRYPTION_SHARE, 2)]
        payload = edited[_index(edited, m.DECRYPTION_SHARE, 3)][2]
        payload["trustee"] = 2
        for per_q in payload["regions"].values():
            for shares in per_q.values():
                for share in shares:
                    share["index"] = 2

    _fails(_forged(all_three, tmp_path, change), Check.DECRYPTION, "bad signature")


@pytest.mark.parametrize(
    ("published", "match"), [(True, "whose shares all verify"), (False, "published no tally.share")]
)
def test_rejected_share_not_failing_fails(
    all_three: Path, tmp_path: Path, published: bool, match: str
) -> None:
    """The board claims trustee 2's share failed, when it is valid or was never published (the
    counts are the same without it)."""

    def change(edited: Edited) -> None:
        if not published:
            del edited[_index(edited, m.DECRYPTION_SHARE, 2)]
        results = _results(edited)
        results["trustees"] = [1, 3]
        results["rejected_shares"] = {"2": "bad proof: region east, question q1, answer yes"}

    _fails(_forged(all_three, tmp_path, change), Check.DECRYPTION, match)


def test_suppressed_valid_trustee_fails(all_three: Path, tmp_path: Path) -> None:
    def change(edited: Edited) -> None:
        _results(edited)["trustees"] = [1, 3]

    _fails(_forged(all_three, tmp_path, change), Check.DECRYPTION, "results.trustees is [1, 3]")


def test_trustee_never_signs_shares_its_key_file_cannot_make(tmp_path: Path) -> None:
    """A corrupt key file would make shares that fail, signed: evidence against the trustee.
    The trustee's own step refuses to make them."""
    setup = _tallied(MemoryBoard())
    secrets = setup.secrets[0]
    corrupt = replace(
        secrets, received={k: v + Scalar.from_int(1) for k, v in secrets.received.items()}
    )
    with pytest.raises(InputError, match="verification key"):
        decryption_payload(load_state(setup.board), corrupt, setup.rng)


def test_unsigned_share_fails_before_the_results(all_three: Path, tmp_path: Path) -> None:
    """A record that stops before ``results`` still has its shares checked for signatures."""

    def change(edited: Edited) -> None:
        del edited[_index(edited, m.RESULTS)]
        del edited[_index(edited, m.DECRYPTION_SHARE, 1)][2]["signature"]

    _fails(_forged(all_three, tmp_path, change), Check.DECRYPTION, "payload.signature: missing")


def test_a_trustee_refuses_a_ceremony_that_is_not_its_own(board: BulletinBoard) -> None:
    """The manifest does not name transport keys (threat-model.md): a board that put another
    transport key in trustee 1's place is caught by trustee 1 before it deals or checks."""
    rng = DeterministicRandom(b"replaced-ceremony")
    clock = SteppingClock(OPENS - dt.timedelta(days=3))
    create(board, manifest(), clock)
    _, own = setup_payload(load_state(board), 1, rng)  # trustee 1's key file, never published
    trustee_setup(board, 1, rng, clock)  # the board's stand-in for trustee 1
    for i in (2, 3):
        trustee_setup(board, i, rng, clock)
    before = board.head()
    with pytest.raises(InputError, match="not this key file's"):
        trustee_deal(board, own, rng, clock)
    assert board.head() == before  # nothing appended
