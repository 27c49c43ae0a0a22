"""Loading a referendum's state from a board."""

from __future__ import annotations

from referendum.board.protocol import BulletinBoard
from referendum.protocol.state import LIST_TYPES, NON_BALLOT_TYPES, ElectionState, state_from_events

__all__ = ["load_state"]


def load_state(board: BulletinBoard) -> ElectionState:
    """Replay the board's non-ballot events into an :class:`ElectionState`, but for its
    credential lists: the state asks the board's own index of them
    (:meth:`~referendum.board.protocol.BulletinBoard.credential_lists`), so that loading
    the state of a national referendum reads a few events, not its electorate."""
    return state_from_events(board.events(types=_STATE_TYPES), lists=board.credential_lists())


_STATE_TYPES = tuple(t for t in NON_BALLOT_TYPES if t not in LIST_TYPES)
