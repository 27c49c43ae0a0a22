"""Building small referendums for the core tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock
from referendum.crypto.random import DeterministicRandom
from referendum.protocol.state import ElectionState
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
    trustee_check,
    trustee_deal,
    trustee_setup,
)
from referendum.services.state import load_state
from referendum.services.voting import create, open_voting, publish_credentials

OPENS = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


AUTHORITY = AuthorityKey.generate(DeterministicRandom(b"test-authority"))


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
    credentials = {}
    for region in m.regions:
        issued = issue_credentials(m.id, region.id, per_region, rng)
        listing = credential_list_payload(
            state.fingerprint, region.id, [c.public for c in issued], AUTHORITY, rng
        )
        publish_credentials(board, listing, clock)
        credentials[region.id] = issued
    if open_now:
        clock.jump(OPENS - dt.timedelta(minutes=5))
        open_voting(board, clock)
        clock.jump(OPENS + dt.timedelta(minutes=1))
    return Setup(board, load_state(board), credentials, secrets, clock, rng)
