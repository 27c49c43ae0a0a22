"""Closing the count on a board: publish the tally, the trustees' shares, the results."""

from __future__ import annotations

from typing import Any

from referendum.board.protocol import BulletinBoard
from referendum.clock import Clock
from referendum.crypto.random import RandomSource
from referendum.errors import PhaseError
from referendum.protocol.state import Phase
from referendum.protocol.tally import (
    compute_results,
    counted_ballots,
    homomorphic_tally,
    tally_payload,
)
from referendum.record import messages as m
from referendum.services.keys import TrusteeSecrets, decryption_payload, submit_trustee_event
from referendum.services.state import load_state
from referendum.services.voting import append

__all__ = ["publish_results", "publish_share", "publish_tally"]


def publish_tally(board: BulletinBoard, clock: Clock) -> None:
    """After closing, publish the encrypted per-region tally."""
    state = load_state(board)
    state.require(Phase.CLOSED)
    if state.manifest.deniable:
        raise PhaseError(
            "deniable revoting: the tallying authority publishes the tally after its steps "
            "(dummies, mix, filter): referendum tallying tally --key FILE"
        )
    counted = counted_ballots(board.events(types=(m.BALLOT_ACCEPTED,)))
    tallies = homomorphic_tally(state.manifest, counted, board.events(types=(m.BALLOT_ACCEPTED,)))
    payload = tally_payload(state.manifest, tallies)
    append(board, m.TALLY, payload, clock)


def publish_share(
    board: BulletinBoard, secrets: TrusteeSecrets, rng: RandomSource, clock: Clock
) -> None:
    """A trustee's step after the tally: publish its signed decryption shares with proofs."""
    payload = decryption_payload(load_state(board), secrets, rng)
    submit_trustee_event(board, m.DECRYPTION_SHARE, payload, clock)


def publish_results(board: BulletinBoard, clock: Clock) -> dict[str, Any]:
    """Combine the shares and publish the results (anyone can do this step)."""
    state = load_state(board)
    state.require(Phase.TALLIED)
    results = compute_results(state)
    append(board, m.RESULTS, results, clock)
    return results
