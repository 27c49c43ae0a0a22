"""Loading a referendum's state from a board."""

from __future__ import annotations

from referendum.board.protocol import BulletinBoard
from referendum.protocol.state import NON_BALLOT_TYPES, ElectionState, state_from_events

__all__ = ["load_state"]


def load_state(board: BulletinBoard) -> ElectionState:
    """Replay the board's non-ballot events into an :class:`ElectionState`."""
    return state_from_events(board.events(types=NON_BALLOT_TYPES))
