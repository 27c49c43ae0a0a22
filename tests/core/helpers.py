"""Building small referendums for the core tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from referendum.board.protocol import BulletinBoard
from referendum.cli.main import main
from referendum.clock import SteppingClock
from referendum.crypto.random import DeterministicRandom
from referendum.crypto.threshold import deal
from referendum.protocol.ceremony import ceremony_context, transport_keys
from referendum.protocol.state import ElectionState
from referendum.record import messages as m
from referendum.record.event import GENESIS_PARENT, Event, make_event
from referendum.record.io import write_record
from referendum.record.manifest import Manifest, manifest_from_mapping
from referendum.services.credentials import (
    AuthorityKey,
    IssuedCredential,
    credential_list_payload,
    issue_credentials,
)
from referendum.services.keys import (
    TrusteeSecrets,
    publish_election_key,
    submit_trustee_event,
    trustee_check,
    trustee_deal,
    trustee_setup,
    trustee_signed,
)
from referendum.services.receipts import BoardKey
from referendum.services.state import load_state
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voter import prepare_ballot
from referendum.services.voting import (
    cast,
    close_voting,
    create,
    open_voting,
    publish_credentials,
)

OPENS = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


AUTHORITY = AuthorityKey.generate(DeterministicRandom(b"test-authority"))
BOARD_KEY = BoardKey.generate(DeterministicRandom(b"test-board"))


def manifest(**overrides: Any) -> Manifest:
    data: dict[str, Any] = {
        "id": "test-vote",
        "title": "Test referendum",
        "questions": [{"id": "q1", "text": "Approve?", "answers": ["yes", "no", "blank"]}],
        "regions": [{"id": "east", "name": "East"}, {"id": "west", "name": "West"}],
        "window": [
            {"opens": "2026-05-04T08:00:00Z", "closes": "2026-05-04T20:00:00Z"},
            {"opens": "2026-05-05T08:00:00Z", "closes": "2026-05-05T20:00:00Z"},
        ],
        "trustees": {"names": ["A", "B", "C"], "threshold": 2},
        "credential_authority": AUTHORITY.public.hex(),
        "board_key": BOARD_KEY.public.hex(),
        "rule": {},
    }
    data.update(overrides)
    return manifest_from_mapping(data)


@dataclass
class Setup:
    board: BulletinBoard
    state: ElectionState
    credentials: dict[str, list[IssuedCredential]]
    secrets: list[TrusteeSecrets]
    clock: SteppingClock
    rng: DeterministicRandom


def publish_every_region(
    board: BulletinBoard,
    state: ElectionState,
    per_region: int,
    rng: DeterministicRandom,
    clock: SteppingClock,
) -> dict[str, list[IssuedCredential]]:
    """Issue ``per_region`` credentials in each region and publish the signed lists."""
    credentials = {}
    for region in state.manifest.regions:
        issued = issue_credentials(state.manifest.id, region.id, per_region, rng)
        listing = credential_list_payload(
            state.fingerprint, region.id, [c.public for c in issued], AUTHORITY, rng
        )
        publish_credentials(board, listing, clock)
        credentials[region.id] = issued
    return credentials


def ready_referendum(
    board: BulletinBoard, *, per_region: int = 3, m: Manifest | None = None, open_now: bool = True
) -> Setup:
    """A referendum on ``board`` with its key ceremony done and credentials published,
    opened at the start of its first voting period when ``open_now``."""
    m = m or manifest()
    rng = DeterministicRandom(b"core-tests")
    clock = SteppingClock(OPENS - dt.timedelta(days=2), dt.timedelta(seconds=1))
    state = create(board, m, clock)
    n = len(m.trustees.names)
    secrets = [trustee_setup(board, i, rng, clock) for i in range(1, n + 1)]
    secrets = [trustee_deal(board, s, rng, clock) for s in secrets]
    secrets = [trustee_check(board, s, rng, clock) for s in secrets]
    publish_election_key(board, clock)
    credentials = publish_every_region(board, state, per_region, rng, clock)
    if open_now:
        clock.jump(OPENS - dt.timedelta(minutes=5))
        open_voting(board, clock)
        clock.jump(OPENS + dt.timedelta(minutes=1))
    return Setup(board, load_state(board), credentials, secrets, clock, rng)


def payloads_of(events: Iterable[Event]) -> list[tuple[str, str, dict[str, Any]]]:
    """Each event's type, timestamp and a deep copy of its payload, for a forger to edit."""
    return [(e.type, e.timestamp, json.loads(json.dumps(e.payload))) for e in events]


def write_rehashed(edited: Iterable[tuple[str, str, dict[str, Any]]], folder: Path) -> Path:
    """Write the events as a record with every height, parent and hash recomputed, as a
    cheating board would after altering, dropping or moving events (``CHAIN`` then passes)."""
    events: list[Event] = []
    for event_type, timestamp, payload in edited:
        parent = events[-1].hash if events else GENESIS_PARENT
        events.append(make_event(len(events), parent, event_type, timestamp, payload))
    write_record(events, folder)
    return folder


def cheating_dealer_ceremony(
    board: BulletinBoard, rng: DeterministicRandom, checking: tuple[int, ...] = (1, 2, 3)
) -> list[TrusteeSecrets]:
    """A referendum on ``board`` whose trustees dealt and those in ``checking`` checked,
    trustee 2 having corrupted (then signed) the share it sent to trustee 3, who complains; no
    election key yet."""
    clock = SteppingClock(OPENS - dt.timedelta(days=3))
    create(board, manifest(), clock)
    secrets = [trustee_setup(board, i, rng, clock) for i in (1, 2, 3)]
    secrets[0] = trustee_deal(board, secrets[0], rng, clock)
    state = load_state(board)
    dealing = deal(
        2, 3, 2, rng, transport_keys=transport_keys(state), context=ceremony_context(state)
    )
    shares = [dealing.shares[j].to_json() for j in sorted(dealing.shares)]
    flipped = bytes.fromhex(shares[1]["ciphertext"])
    shares[1]["ciphertext"] = bytes([flipped[0] ^ 1, *flipped[1:]]).hex()
    payload = {"trustee": 2, "commitments": dealing.commitments.to_json(), "shares": shares}
    signed = trustee_signed(state, m.TRUSTEE_DEAL, payload, secrets[1], rng)
    submit_trustee_event(board, m.TRUSTEE_DEAL, signed, clock)
    secrets[2] = trustee_deal(board, secrets[2], rng, clock)
    return [trustee_check(board, s, rng, clock) if s.trustee in checking else s for s in secrets]


def run_main(*args: str, patches: Sequence[Any] = ()) -> tuple[int, str, str]:
    """Run ``referendum ARGS`` in this process (as ``main()`` with its exit codes), inside
    the context managers ``patches``: returns the exit code, standard output and error."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        stack.enter_context(mock.patch.object(sys, "argv", ["referendum", *args]))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def vote_and_count(
    setup: Setup, choices: dict[str, list[str]], *, question: str = "q1"
) -> dict[str, Any]:
    """Cast one ballot per answer in ``choices`` (a region's first voters, in order), then
    close, tally, decrypt with the first two trustees and publish the results."""
    board = setup.board
    for region, answers in choices.items():
        for cred, answer in zip(setup.credentials[region], answers, strict=False):
            ballot = prepare_ballot(setup.state, cred.private, {question: [answer]}, setup.rng)
            cast(board, ballot.submission, setup.clock)
    setup.clock.jump(OPENS + dt.timedelta(days=2))
    close_voting(board, setup.clock)
    publish_tally(board, setup.clock)
    for secrets in setup.secrets[:2]:
        publish_share(board, secrets, setup.rng, setup.clock)
    return publish_results(board, setup.clock)
