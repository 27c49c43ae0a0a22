"""A referendum walked through every phase on a board, for tests that look at every page in
every phase: empty, setup, ready, open (with ballots), closed, tallied, published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from core.helpers import AUTHORITY, BOARD_KEY, publish_every_region
from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock
from referendum.crypto.random import DeterministicRandom
from referendum.record.manifest import Manifest, manifest_from_mapping
from referendum.services.credentials import IssuedCredential
from referendum.services.ingest import cast
from referendum.services.keys import (
    publish_election_key,
    trustee_check,
    trustee_deal,
    trustee_setup,
)
from referendum.services.state import load_state
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voter import prepare_ballot
from referendum.services.voting import close_voting, create, open_voting

PHASES = ("empty", "setup", "ready", "open", "closed", "tallied", "published")


def styled_manifest(**overrides: Any) -> Manifest:
    """The issue's referendum: two regions, the second question asked in the west only."""
    data: dict[str, Any] = {
        "id": "two-regions",
        "title": "Regional referendum",
        "information": "Official information: what each answer means.",
        "questions": [
            {"id": "q1", "text": "Approve the charter?", "answers": ["yes", "no", "blank"]},
            {
                "id": "q2",
                "text": "Should the west elect its own council?",
                "answers": ["yes", "no"],
                "regions": ["west"],
            },
        ],
        "regions": [{"id": "east", "name": "East"}, {"id": "west", "name": "West"}],
        "window": [{"opens": "2026-05-04T08:00:00Z", "closes": "2026-05-04T20:00:00Z"}],
        "trustees": {"names": ["A", "B"], "threshold": 2},
        "credential_authority": AUTHORITY.public.hex(),
        "board_key": BOARD_KEY.public.hex(),
        "rule": {"turnout_quorum": "1/4"},
    }
    data.update(overrides)
    return manifest_from_mapping(data)


TRANSLATIONS: dict[str, Any] = {
    "uk": {
        "title": "Регіональний референдум",
        "information": "Офіційна інформація: що означає кожна відповідь.",
        "questions": {
            "q1": {"text": "Чи схвалюєте ви статут?"},
            "q2": {"text": "Чи має захід обирати власну раду?"},
        },
        "regions": {"east": "Схід", "west": "Захід"},
    },
    "ru": {
        "title": "Региональный референдум",
        "information": "Официальная информация: что означает каждый ответ.",
        "questions": {
            "q1": {"text": "Одобряете ли вы устав?"},
            "q2": {"text": "Должен ли запад избирать собственный совет?"},
        },
        "regions": {"east": "Восток", "west": "Запад"},
    },
}


def trilingual_manifest() -> Manifest:
    """The issue's referendum in English, Ukrainian and Russian (the official languages)."""
    return styled_manifest(languages=["en", "uk", "ru"], translations=TRANSLATIONS)


def choices_for(manifest: Manifest, region: str, k: int) -> dict[str, list[str]]:
    """A valid choice on the region's ballot, varying with ``k``."""
    out: dict[str, list[str]] = {}
    for q in manifest.ballot_style(region):
        if q.min_selections == 0 and k % 3 == 2:
            out[q.id] = []
        else:
            n = max(q.min_selections, 1)
            out[q.id] = [q.answers[(k + i) % len(q.answers)] for i in range(n)]
    return out


def _start(manifest: Manifest) -> dt.datetime:
    opens = min(p.opens for p in manifest.window)
    return dt.datetime.fromisoformat(opens.replace("Z", "+00:00"))


def clock_for(manifest: Manifest) -> SteppingClock:
    """The clock :func:`walk` moves: two days before voting opens."""
    return SteppingClock(_start(manifest) - dt.timedelta(days=2), dt.timedelta(seconds=1))


def walk(
    board: BulletinBoard,
    manifest: Manifest,
    look: Callable[[str, SteppingClock, dict[str, list[IssuedCredential]]], None],
    *,
    voters: int = 2,
    clock: SteppingClock | None = None,
    until: str = "published",
) -> None:
    """Take ``manifest`` through every phase on ``board``, calling ``look(phase, clock,
    credentials)`` in each (the board empty first), up to phase ``until`` ("tallied" or
    "published"); ``clock`` (from :func:`clock_for`) when the caller needs it before."""
    rng = DeterministicRandom(b"phases")
    start = _start(manifest)
    clock = clock or clock_for(manifest)
    credentials: dict[str, list[IssuedCredential]] = {}
    look("empty", clock, credentials)
    state = create(board, manifest, clock)
    trustees = range(1, len(manifest.trustees.names) + 1)
    secrets = [trustee_setup(board, i, rng, clock) for i in trustees]
    look("setup", clock, credentials)
    secrets = [trustee_deal(board, s, rng, clock) for s in secrets]
    secrets = [trustee_check(board, s, rng, clock) for s in secrets]
    publish_election_key(board, clock)
    credentials.update(publish_every_region(board, state, voters, rng, clock))
    look("ready", clock, credentials)
    clock.jump(start - dt.timedelta(minutes=5))
    open_voting(board, clock)
    clock.jump(start + dt.timedelta(minutes=1))
    state = load_state(board)
    for region, issued in credentials.items():
        for k, credential in enumerate(issued[: max(1, voters - 1)]):
            made = prepare_ballot(state, credential.private, choices_for(manifest, region, k), rng)
            cast(board, made.submission, clock)
    look("open", clock, credentials)
    last = max(p.closes for p in manifest.window)
    clock.jump(dt.datetime.fromisoformat(last.replace("Z", "+00:00")) + dt.timedelta(minutes=1))
    close_voting(board, clock)
    look("closed", clock, credentials)
    publish_tally(board, clock)
    look("tallied", clock, credentials)
    for s in secrets[: manifest.trustees.threshold]:
        publish_share(board, s, rng, clock)
    if until == "tallied":  # the shares are there; the results are for the caller to publish
        return
    publish_results(board, clock)
    look("published", clock, credentials)
