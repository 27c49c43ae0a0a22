"""Publishing a referendum, its credential lists, opening, casting and closing.

Casting (:func:`cast`) is :mod:`referendum.services.ingest`'s: every refused ballot is logged
on the board as a ``ballot.rejected`` event with its reason and the submission (no secret is
in it: voters never send their private credential), then the refusal is raised to the
caller.  Nothing accepted earlier is ever altered: the board is append-only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from referendum.board.protocol import BulletinBoard
from referendum.clock import Clock, format_timestamp
from referendum.errors import HeadMovedError, PhaseError
from referendum.protocol.credentials import check_credential_list, check_credential_reissue
from referendum.protocol.payloads import check_payload
from referendum.protocol.state import ElectionState, Phase, credential_key
from referendum.record import messages as m
from referendum.record.event import Event
from referendum.record.manifest import Manifest, parse_timestamp
from referendum.services.ingest import Receipt, cast
from referendum.services.state import load_state

__all__ = [
    "Receipt",
    "append",
    "cast",
    "close_voting",
    "create",
    "last_tracking_code",
    "open_voting",
    "publish_credentials",
]

_APPEND_RETRIES = 64


def append(
    board: BulletinBoard,
    event_type: str,
    payload: Mapping[str, Any],
    clock: Clock,
    *,
    keys: Sequence[str] = (),
) -> Event:
    """Append at the current head, retrying if another writer moved it; returns the event.

    The payload must have exactly its spec's form (:func:`~referendum.protocol.payloads.
    check_payload`, the verifier's own check): the board never appends what a verifier
    would refuse."""
    check_payload(event_type, payload)
    for _ in range(_APPEND_RETRIES):
        head = board.head()
        try:
            event = board.append(
                event_type,
                dict(payload),
                expected_head=None if head is None else head.hash,
                keys=keys,
                timestamp=format_timestamp(clock()),
            )
        except HeadMovedError:
            continue
        return event
    raise HeadMovedError("the board is too busy: could not append after many retries")


def create(board: BulletinBoard, manifest: Manifest, clock: Clock) -> ElectionState:
    """Publish the manifest as the genesis event of an empty board."""
    if board.head() is not None:
        raise PhaseError("this board already holds a referendum")
    payload = manifest.to_payload()
    check_payload(m.MANIFEST, payload)
    board.append(
        m.MANIFEST,
        payload,
        expected_head=None,
        timestamp=format_timestamp(clock()),
    )
    return load_state(board)


def publish_credentials(board: BulletinBoard, payload: Mapping[str, Any], clock: Clock) -> None:
    """Publish a region's signed list of public credentials, or a signed reissue that revokes
    some of them (a payload with ``revoked``), from the credential authority: see
    :func:`referendum.services.credentials.credential_list_payload` and
    :func:`~referendum.services.credentials.reissue_payload`.

    Lists are frozen when voting opens; a region's list may be published once, and changed
    by reissues until then.
    """
    state = load_state(board)
    if "revoked" in payload:
        check_credential_reissue(state, payload)  # its PhaseError says why after opening
        append(board, m.CREDENTIALS_REISSUE, payload, clock)
        return
    state.require(Phase.SETUP, Phase.READY)
    check_credential_list(state, payload)
    append(board, m.CREDENTIALS, payload, clock)


def open_voting(board: BulletinBoard, clock: Clock) -> None:
    """Open voting: freezes the credential lists and the election key."""
    state = load_state(board)
    state.require(Phase.READY)
    last_close = parse_timestamp(state.manifest.window[-1].closes, field_name="window")
    if clock() >= last_close:
        raise PhaseError("the voting window has already ended")
    append(board, m.VOTING_OPEN, {}, clock)


def close_voting(board: BulletinBoard, clock: Clock) -> None:
    """Close voting; refused before the last voting period has ended."""
    state = load_state(board)
    state.require(Phase.OPEN)
    last_close = parse_timestamp(state.manifest.window[-1].closes, field_name="window")
    if clock() < last_close:
        raise PhaseError(
            f"the voting window runs until {state.manifest.window[-1].closes}; "
            "closing earlier would turn voters away"
        )
    append(board, m.VOTING_CLOSE, {}, clock)


def last_tracking_code(board: BulletinBoard, credential: str) -> str | None:
    """The tracking code of the last accepted ballot of ``credential`` (a public credential's
    hex) on the board, or ``None``: what the voter's next ballot must name in ``replaces``."""
    previous = board.lookup(credential_key(credential))
    return str(previous[-1].payload["tracking_code"]) if previous else None
