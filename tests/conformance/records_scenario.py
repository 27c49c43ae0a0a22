"""Small referendums run through the project's services, for the conformance records.

A :class:`Scenario` says what happens (manifest, voters and their ballots, refusals, which
trustees decrypt); :func:`run` plays it on a memory board with a ``DeterministicRandom`` seeded
by the scenario's name and a ``SteppingClock``, so that the record is the same byte for byte on
every run.  A cheating board is played by ``tamper``: it rewrites the events of the voting
phase (after ``voting.close``, before the tally) and the count then goes on from the rewritten
events, as a board that cheated before the tally would publish it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from referendum.board.memory import MemoryBoard
from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock, format_timestamp
from referendum.crypto.ballot import tracking_code
from referendum.crypto.credentials import derive_credential, sign
from referendum.crypto.random import DeterministicRandom
from referendum.crypto.threshold import deal
from referendum.errors import BallotRejected
from referendum.protocol.ballots import ballot_signing_message
from referendum.protocol.ceremony import ceremony_context, derive_election_key, transport_keys
from referendum.protocol.state import ElectionState, credential_key, tracking_key
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.record.manifest import manifest_from_mapping
from referendum.services.credentials import (
    AuthorityKey,
    IssuedCredential,
    credential_list_payload,
    issue_credentials,
    reissue_payload,
)
from referendum.services.keys import (
    TrusteeSecrets,
    check_payload,
    trustee_check,
    trustee_deal,
    trustee_setup,
    trustee_signed,
)
from referendum.services.receipts import BoardKey, ReceiptSigner
from referendum.services.state import load_state
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voter import prepare_ballot
from referendum.services.voting import (
    append,
    cast,
    close_voting,
    create,
    last_tracking_code,
    open_voting,
)

__all__ = ["Built", "Scenario", "Vote", "run"]

OPENS = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
CLOSES = OPENS + dt.timedelta(hours=12)
REJECTION_REASONS = (
    "not_open",
    "outside_window",
    "oversize",
    "malformed",
    "wrong_election",
    "unknown_credential",
    "wrong_region",
    "bad_signature",
    "bad_proof",
    "replayed",
    "closed",
)


@dataclass(frozen=True)
class Vote:
    """Voter ``voter`` (0-based, in ``region``'s list) casts ``choices``; a voter who casts
    again revotes."""

    region: str
    voter: int
    choices: dict[str, list[str]]


def votes(region: str, *answers: str, question: str = "q1") -> list[Vote]:
    """One ballot per voter of ``region``, in order: ``votes("east", "yes", "no")``."""
    return [Vote(region, i, {question: [a]}) for i, a in enumerate(answers)]


Tamper = Callable[[list[Event], "Built"], list[tuple[str, str, dict[str, Any]]]]
"""Rewrites the events up to ``voting.close`` as ``(type, timestamp, payload)`` triples."""


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    manifest: dict[str, Any] = field(default_factory=dict)
    per_region: int = 4
    ballots: Sequence[Vote] = ()
    refusals: bool = False  # one refused submission of every reason
    present: tuple[int, ...] = (1, 2, 3)  # trustees who publish decryption shares
    cheating_dealer: tuple[int, int] | None = None  # (dealer, victim): a corrupted share
    omit_check: int | None = None  # the board leaves out this trustee's trustee.check
    tamper: Tamper | None = None
    reissue: tuple[str, int] | None = None  # (region, voter): a lost credential reissued


@dataclass
class Built:
    """What a run produced: the events and what only the participants hold."""

    scenario: Scenario
    signer: ReceiptSigner
    events: list[Event] = field(default_factory=list)
    credentials: dict[str, list[IssuedCredential]] = field(default_factory=dict)
    secrets: list[TrusteeSecrets] = field(default_factory=list)
    receipts: list[dict[str, Any]] = field(default_factory=list)  # one per accepted ballot
    """``{"credential", "receipt"}``: the board's signed receipt of each accepted ballot."""
    refusals: list[dict[str, Any]] = field(default_factory=list)  # one per refusal
    """``{"reason", "receipt"}``: the board's signed receipt of each refusal."""


def _manifest(
    overrides: dict[str, Any], authority: AuthorityKey, board_key: BoardKey
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "conformance",
        "title": "Conformance referendum",
        "information": "A small referendum of the conformance records.",
        "questions": [{"id": "q1", "text": "Do you approve?", "answers": ["yes", "no", "blank"]}],
        "regions": [{"id": "east", "name": "East"}, {"id": "west", "name": "West"}],
        "window": [
            {"opens": format_window(OPENS), "closes": format_window(CLOSES)},
        ],
        "trustees": {"names": ["Ada", "Boris", "Chen"], "threshold": 2},
        "credential_authority": authority.public.hex(),
        "board_key": board_key.public.hex(),
        "rule": {},
    }
    data.update(overrides)
    return data


def format_window(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def run(scenario: Scenario) -> Built:
    """Play ``scenario``; deterministic."""
    rng = DeterministicRandom(f"referendum-conformance/{scenario.name}".encode())
    clock = SteppingClock(OPENS - dt.timedelta(days=2), dt.timedelta(seconds=3))
    authority = AuthorityKey.generate(rng)
    # the board's key and its receipts' nonces from a generator of their own
    board_rng = DeterministicRandom(f"referendum-conformance/{scenario.name}/board".encode())
    signer = ReceiptSigner(BoardKey.generate(board_rng), board_rng)
    manifest = manifest_from_mapping(_manifest(scenario.manifest, authority, signer.key))
    built = Built(scenario, signer=signer)
    board: BulletinBoard = MemoryBoard()
    state = create(board, manifest, clock)
    built.secrets = _ceremony(board, scenario, rng, clock)
    for region in manifest.regions:
        issued = issue_credentials(manifest.id, region.id, scenario.per_region, rng)
        listing = credential_list_payload(
            state.fingerprint, region.id, [c.public for c in issued], authority, rng
        )
        append(board, m.CREDENTIALS, listing, clock)
        built.credentials[region.id] = issued
    state = load_state(board)
    lost: bytes | dict[str, Any] | None = None
    if scenario.reissue is not None:  # before opening: the old credential off the list
        region, voter = scenario.reissue
        old = built.credentials[region][voter]
        lost = prepare_ballot(state, old.private, _any_choice(state), rng).submission
        (new,) = issue_credentials(manifest.id, region, 1, rng)
        payload = reissue_payload(
            state.fingerprint, region, [old.public], [new.public], authority, rng
        )
        append(board, m.CREDENTIALS_REISSUE, payload, clock)
        built.credentials[region][voter] = new
        state = load_state(board)
    if scenario.refusals:
        first = built.credentials[manifest.regions[0].id][0]
        early = prepare_ballot(state, first.private, _any_choice(state), rng).submission
        _refuse(board, built, early, clock)  # not_open
    clock.jump(OPENS - dt.timedelta(minutes=5))
    open_voting(board, clock)
    state = load_state(board)
    if scenario.refusals:
        _refuse(board, built, early, clock)  # outside_window: open, but before the window
    clock.jump(OPENS + dt.timedelta(minutes=1))
    if lost is not None:
        _refuse(board, built, lost, clock)  # unknown_credential: the lost letter's credential
    last: dict[str, Any] | None = None
    for vote in scenario.ballots:
        cred = built.credentials[vote.region][vote.voter]
        replaces = last_tracking_code(board, cred.public)  # as the voter's device asks
        prepared = prepare_ballot(state, cred.private, vote.choices, rng, replaces=replaces)
        receipt = cast(board, prepared.submission, clock, state=state, signer=signer)
        assert receipt.signed is not None
        built.receipts.append({"credential": cred.public, "receipt": receipt.signed.to_json()})
        last = prepared.submission
        if scenario.refusals and len(built.receipts) == 1:
            for bad in _bad_submissions(state, cred, prepared.submission, rng):
                _refuse(board, built, bad, clock)
    clock.jump(CLOSES + dt.timedelta(minutes=1))
    close_voting(board, clock)
    if scenario.refusals and last is not None:
        _refuse(board, built, last, clock)  # closed
    if scenario.tamper is not None:
        board = _replay(scenario.tamper(list(board.events()), built))
    publish_tally(board, clock)
    for s in built.secrets:
        if s.trustee in scenario.present:
            publish_share(board, s, rng, clock)
    publish_results(board, clock)
    built.events = list(board.events())
    return built


def _any_choice(state: ElectionState) -> dict[str, list[str]]:
    first = state.manifest.questions[0]
    return {first.id: [first.answers[0]]}


def _ceremony(
    board: BulletinBoard, scenario: Scenario, rng: DeterministicRandom, clock: SteppingClock
) -> list[TrusteeSecrets]:
    state = load_state(board)
    n = len(state.manifest.trustees.names)
    secrets = [trustee_setup(board, i, rng, clock) for i in range(1, n + 1)]
    for k, s in enumerate(secrets):
        if scenario.cheating_dealer is not None and s.trustee == scenario.cheating_dealer[0]:
            secrets[k] = _cheating_deal(board, s, scenario.cheating_dealer[1], rng, clock)
        else:
            secrets[k] = trustee_deal(board, s, rng, clock)
    quiet: list[tuple[str, str, dict[str, Any]]] = []
    for k, s in enumerate(secrets):
        if s.trustee == scenario.omit_check:
            # made, never published; the board derives the key as if it had no complaint
            _, secrets[k] = check_payload(load_state(board), s, rng)
            empty = {"trustee": s.trustee, "complaints": []}
            signed = trustee_signed(load_state(board), m.TRUSTEE_CHECK, empty, s, rng)
            quiet.append((m.TRUSTEE_CHECK, format_timestamp(clock()), signed))
        else:
            secrets[k] = trustee_check(board, s, rng, clock)
    if quiet:
        scratch = _replay([(e.type, e.timestamp, dict(e.payload)) for e in board.events()] + quiet)
        key = derive_election_key(load_state(scratch))
    else:
        key = derive_election_key(load_state(board))
    append(board, m.ELECTION_KEY, key, clock)
    return secrets


def _cheating_deal(
    board: BulletinBoard,
    secrets: TrusteeSecrets,
    victim: int,
    rng: DeterministicRandom,
    clock: SteppingClock,
) -> TrusteeSecrets:
    """A dealer who corrupts the share it sends to ``victim`` before signing its deal."""
    state = load_state(board)
    n, t = len(state.manifest.trustees.names), state.manifest.trustees.threshold
    dealing = deal(
        secrets.trustee,
        n,
        t,
        rng,
        transport_keys=transport_keys(state),
        context=ceremony_context(state),
    )
    shares = [dealing.shares[j].to_json() for j in sorted(dealing.shares)]
    for share in shares:
        if share["recipient"] == victim:
            flipped = bytes.fromhex(share["ciphertext"])
            share["ciphertext"] = bytes([flipped[0] ^ 1, *flipped[1:]]).hex()
    payload = {
        "trustee": secrets.trustee,
        "commitments": dealing.commitments.to_json(),
        "shares": shares,
    }
    append(
        board, m.TRUSTEE_DEAL, trustee_signed(state, m.TRUSTEE_DEAL, payload, secrets, rng), clock
    )
    return TrusteeSecrets(
        secrets.trustee, secrets.fingerprint, secrets.transport_secret, dealing.polynomial
    )


def _refuse(
    board: BulletinBoard, built: Built, submission: bytes | dict[str, Any], clock: SteppingClock
) -> None:
    before = board.count(m.BALLOT_REJECTED)
    try:
        cast(board, submission, clock, signer=built.signer)
    except BallotRejected as refusal:
        assert refusal.receipt is not None
        built.refusals.append({"reason": refusal.code, "receipt": refusal.receipt})
    else:
        raise AssertionError("the submission was accepted")
    assert board.count(m.BALLOT_REJECTED) == before + 1


def _bad_submissions(
    state: ElectionState, voter: IssuedCredential, valid: dict[str, Any], rng: DeterministicRandom
) -> list[bytes | dict[str, Any]]:
    """Submissions a board must refuse, one per reason decided while voting is open."""
    manifest = state.manifest
    region = valid["region"]
    outsider = issue_credentials(manifest.id, region, 1, rng)[0]
    forged = prepare_ballot(state, voter.private, _any_choice(state), rng).submission
    secret, public = derive_credential(manifest.id, outsider.private)
    forged["credential"] = public.hex()
    message = ballot_signing_message(
        state.fingerprint, public.hex(), region, forged["ballot"], forged["replaces"]
    )
    forged["signature"] = sign(secret, public, message, rng).to_json()
    other_election = {**valid, "election": "ab" * 32}
    wrong_region = {**valid, "region": next(r.id for r in manifest.regions if r.id != region)}
    tampered = json.loads(json.dumps(valid))
    selections = tampered["ballot"]["questions"][0]["selections"]
    selections[0]["beta"], selections[1]["beta"] = selections[1]["beta"], selections[0]["beta"]
    resigned = json.loads(json.dumps(tampered))
    secret, public = derive_credential(manifest.id, voter.private)
    message = ballot_signing_message(
        state.fingerprint, public.hex(), region, resigned["ballot"], resigned["replaces"]
    )
    resigned["signature"] = sign(secret, public, message, rng).to_json()
    # ``valid`` signed by its voter as replacing itself: a replay (sent again as it was, it
    # would be a resend, answered with its receipt and not logged)
    itself = tracking_code(canonical_json(valid["ballot"]))
    message = ballot_signing_message(
        state.fingerprint, public.hex(), region, valid["ballot"], itself
    )
    replay = {
        **valid,
        "replaces": itself,
        "signature": sign(secret, public, message, rng).to_json(),
    }
    # the voter's next ballot, signed as a first ballot though the board holds ``valid``
    stale = prepare_ballot(state, voter.private, _any_choice(state), rng).submission
    return [
        b" " * (70 * 1024),  # oversize
        b'{"election": ',  # malformed
        other_election,
        forged,  # unknown_credential
        wrong_region,
        tampered,  # bad_signature
        resigned,  # bad_proof
        replay,  # replayed
        stale,  # stale_replaces
    ]


def _replay(events: list[tuple[str, str, dict[str, Any]]]) -> BulletinBoard:
    """A fresh board holding ``events`` (with their timestamps), as a cheating board
    would have them before going on with the count."""
    board = MemoryBoard()
    for event_type, timestamp, payload in events:
        keys: tuple[str, ...] = ()
        if event_type == m.BALLOT_ACCEPTED:
            keys = (credential_key(payload["credential"]), tracking_key(payload["tracking_code"]))
        head = board.head()
        board.append(
            event_type,
            payload,
            expected_head=None if head is None else head.hash,
            keys=keys,
            timestamp=timestamp,
        )
    return board
