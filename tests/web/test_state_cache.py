"""The server's cached state of the referendum: reused where the state cannot change (voting
open, results published), never stale when another process appends (a second worker, the
CLI), in every phase."""

from __future__ import annotations

from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock
from referendum.protocol.state import Phase
from referendum.services.credentials import IssuedCredential
from referendum.services.state import load_state
from referendum.web.context import WebContext

from .phases import styled_manifest, walk


def test_the_cached_state_follows_every_phase(board: BulletinBoard) -> None:
    ctx = WebContext(board)
    seen: dict[str, Phase] = {}

    def look(phase: str, clock: SteppingClock, _: dict[str, list[IssuedCredential]]) -> None:
        if phase == "empty":
            return
        first = ctx.state()  # the events were appended behind the server's back
        assert first.phase is load_state(board).phase
        again = ctx.state()
        if first.phase in (Phase.OPEN, Phase.PUBLISHED):
            assert again is first  # reused, not replayed
        else:
            assert again is not first and again.phase is first.phase
        seen[phase] = first.phase

    walk(board, styled_manifest(), look)
    assert list(seen.values()) == [
        Phase.SETUP,
        Phase.READY,
        Phase.OPEN,
        Phase.CLOSED,
        Phase.TALLIED,
        Phase.PUBLISHED,
    ]
