"""Publishing a referendum, its credential lists, opening, casting and closing.

Every refused ballot is logged on the board as a ``ballot.rejected`` event with its reason
(no secret is in it: voters never send their private credential), then the refusal is
raised to the caller.  Nothing accepted earlier is ever altered: the board is append-only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from referendum.board.protocol import BulletinBoard
from referendum.clock import Clock, format_timestamp
from referendum.errors import BallotRejected, HeadMovedError, PhaseError
from referendum.protocol.ballots import parse_submission, validate_submission
from referendum.protocol.credentials import check_credential_list
from referendum.protocol.receipts import BoardReceipt
from referendum.protocol.state import ElectionState, Phase, credential_key, tracking_key
from referendum.record import messages as m
from referendum.record.event import Event
from referendum.record.manifest import Manifest, parse_timestamp
from referendum.services.receipts import ReceiptSigner
from referendum.services.state import load_state

__all__ = [
    "Receipt",
    "append",
    "cast",
    "close_voting",
    "create",
    "log_refusal",
    "open_voting",
    "publish_credentials",
    "rejection_payload",
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
    """Append at the current head, retrying if another writer moved it; returns the event."""
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
    board.append(
        m.MANIFEST,
        manifest.to_payload(),
        expected_head=None,
        timestamp=format_timestamp(clock()),
    )
    return load_state(board)


def publish_credentials(board: BulletinBoard, payload: Mapping[str, Any], clock: Clock) -> None:
    """Publish a region's signed list of public credentials (from the credential authority:
    see :func:`referendum.services.credentials.credential_list_payload`).

    Lists are frozen when voting opens; a region's list may be published once.
    """
    state = load_state(board)
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


@dataclass(frozen=True)
class Receipt:
    """What a voter gets back: the tracking code, the code of the ballot it replaced, where
    the ballot is on the board, and (given a signer) the board's signed receipt."""

    tracking_code: str
    replaces: str | None
    event_hash: str
    height: int
    timestamp: str
    signed: BoardReceipt | None = None

    @staticmethod
    def of(event: Event, signed: BoardReceipt | None) -> Receipt:
        """The receipt of an appended ``ballot.accepted`` event."""
        return Receipt(
            tracking_code=event.payload["tracking_code"],
            replaces=event.payload["replaces"],
            event_hash=event.hash,
            height=event.height,
            timestamp=event.timestamp,
            signed=signed,
        )


def log_refusal(
    board: BulletinBoard,
    refusal: BallotRejected,
    credential: str | None,
    digest: str,
    clock: Clock,
    signer: ReceiptSigner | None,
) -> None:
    """Append the ``ballot.rejected`` event of a refusal; with a signer, attach the board's
    signed refusal receipt to ``refusal.receipt``."""
    event = append(board, m.BALLOT_REJECTED, rejection_payload(refusal, credential, digest), clock)
    if signer is not None:
        refusal.receipt = signer.sign(board, event).to_json()


def cast(
    board: BulletinBoard,
    submission: bytes | Mapping[str, Any],
    clock: Clock,
    *,
    state: ElectionState | None = None,
    signer: ReceiptSigner | None = None,
) -> Receipt:
    """Validate and append a ballot.  A refused ballot is logged, then raised as
    :class:`BallotRejected`.  A later ballot under the same credential replaces the earlier.

    ``state`` may be passed to save rebuilding it on every ballot (it must be a state of the
    open phase); whether voting has closed since is checked on the board at each append.
    With a ``signer``, the receipt (or the refusal) carries the board's signed receipt.
    """
    if signer is not None:
        signer.bind(board)
    raw = submission if isinstance(submission, bytes) else repr(sorted(submission.items())).encode()
    digest = hashlib.sha256(raw).hexdigest()
    credential: str | None = None
    try:
        data, body = parse_submission(submission)
        digest = hashlib.sha256(body).hexdigest()
        credential = data["credential"] if isinstance(data.get("credential"), str) else None
        cached = state is not None and state.phase is Phase.OPEN
        current = state if cached and not board.count(m.VOTING_CLOSE) else load_state(board)
        assert current is not None
        credential, code = validate_submission(current, data, clock())
        event = _append_ballot(board, current, data, credential, code, clock)
    except BallotRejected as exc:
        log_refusal(board, exc, credential, digest, clock, signer)
        raise
    return Receipt.of(event, None if signer is None else signer.sign(board, event))


def rejection_payload(
    refusal: BallotRejected, credential: str | None, digest: str
) -> dict[str, Any]:
    """The ``ballot.rejected`` payload of a refusal (no secret is ever in it)."""
    return {
        "reason": refusal.code,
        "field": refusal.field,
        "detail": refusal.reason[:500],
        "credential": credential if _is_hex32(credential) else None,
        "submission_sha256": digest,
    }


def _is_hex32(value: str | None) -> bool:
    if value is None or len(value) != 64:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def _append_ballot(
    board: BulletinBoard,
    state: ElectionState,
    data: dict[str, Any],
    credential: str,
    code: str,
    clock: Clock,
) -> Event:
    for _ in range(_APPEND_RETRIES):
        head = board.head()
        now = clock()  # read after the head, so that timestamps never go backwards
        if board.count(m.VOTING_CLOSE):
            raise BallotRejected("closed", "timestamp", "voting has closed")
        if not state.manifest.in_window(now):
            raise BallotRejected(
                "outside_window",
                "timestamp",
                f"{format_timestamp(now)} is outside the voting periods",
            )
        if board.lookup(tracking_key(code)):
            raise BallotRejected("replayed", "ballot", "this exact ballot is already on the board")
        previous = board.lookup(credential_key(credential))
        replaces = previous[-1].payload["tracking_code"] if previous else None
        payload = {
            "credential": credential,
            "region": data["region"],
            "ballot": data["ballot"],
            "signature": data["signature"],
            "tracking_code": code,
            "replaces": replaces,
        }
        try:
            event = board.append(
                m.BALLOT_ACCEPTED,
                payload,
                expected_head=None if head is None else head.hash,
                keys=(credential_key(credential), tracking_key(code)),
                timestamp=format_timestamp(now),
            )
        except HeadMovedError:
            continue
        return event
    raise HeadMovedError("the board is too busy: could not append the ballot after many retries")
