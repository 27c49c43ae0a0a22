"""Casting many ballots at once: one batch verification, one transaction.

:func:`cast_many` applies exactly the checks of :func:`referendum.services.voting.cast`, in
the same order and with the same reason codes, but verifies the signatures and proofs of a
whole batch with one multi-scalar multiplication (falling back to one-by-one checks, which
name each bad ballot, when the batch fails) and appends the batch's accepted ballots and
rejections with one ``append_many`` (one transaction, one disk sync).  It is how a board
server that queues submissions ingests fast.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from referendum.board.protocol import BulletinBoard, Draft
from referendum.clock import Clock, format_timestamp
from referendum.crypto.ballot import verify_signed_ballots
from referendum.errors import BallotRejected, HeadMovedError, ProofError
from referendum.protocol.ballots import (
    ParsedBallot,
    check_moment,
    parse_ballot,
    parse_submission,
    verify_parsed,
)
from referendum.protocol.state import ElectionState, Phase, credential_key, tracking_key
from referendum.record import messages as m
from referendum.services.state import load_state
from referendum.services.voting import Receipt, rejection_payload

__all__ = ["cast_many"]

_APPEND_RETRIES = 64

Outcome = Receipt | BallotRejected


def _verified(state: ElectionState, parsed: list[ParsedBallot]) -> list[BallotRejected | None]:
    """Verify a batch; on failure, one by one so that each bad ballot gets its reason."""
    by_region: dict[str, list[int]] = {}
    for i, item in enumerate(parsed):
        by_region.setdefault(item.region, []).append(i)
    verdicts: list[BallotRejected | None] = [None] * len(parsed)
    for region, indices in by_region.items():
        try:
            verify_signed_ballots(
                state.ballot_context(region), [parsed[i].signed(f"ballot[{i}]") for i in indices]
            )
        except ProofError:
            for i in indices:
                try:
                    verify_parsed(state, parsed[i])
                except BallotRejected as exc:
                    verdicts[i] = exc
    return verdicts


def cast_many(
    board: BulletinBoard,
    submissions: Sequence[bytes | Mapping[str, Any]],
    clock: Clock,
    *,
    state: ElectionState | None = None,
) -> list[Outcome]:
    """Validate and append a batch of ballots; returns, for each submission in order, its
    :class:`Receipt` or the :class:`BallotRejected` it was refused with (and logged as)."""
    cached = state is not None and state.phase is Phase.OPEN
    current = state if cached and not board.count(m.VOTING_CLOSE) else load_state(board)
    assert current is not None
    outcomes: list[Outcome | None] = [None] * len(submissions)
    digests: list[str] = []
    credentials: list[str | None] = [None] * len(submissions)
    parsed: dict[int, ParsedBallot] = {}
    datas: dict[int, dict[str, Any]] = {}
    now = clock()
    for i, submission in enumerate(submissions):
        raw = submission if isinstance(submission, bytes) else repr(sorted(submission.items()))
        digests.append(hashlib.sha256(raw if isinstance(raw, bytes) else raw.encode()).hexdigest())
        try:
            data, body = parse_submission(submission)
            digests[i] = hashlib.sha256(body).hexdigest()
            credentials[i] = data["credential"]
            check_moment(current, data, now)
            parsed[i] = parse_ballot(
                current, data["credential"], data["region"], data["ballot"], data["signature"]
            )
            datas[i] = data
        except BallotRejected as exc:
            outcomes[i] = exc
    order = sorted(parsed)
    for i, verdict in zip(order, _verified(current, [parsed[i] for i in order]), strict=True):
        if verdict is not None:
            outcomes[i] = verdict
            del parsed[i]
    return _append(board, current, datas, parsed, outcomes, digests, credentials, clock)


def _append(
    board: BulletinBoard,
    state: ElectionState,
    datas: dict[int, dict[str, Any]],
    parsed: dict[int, ParsedBallot],
    outcomes: list[Outcome | None],
    digests: list[str],
    credentials: list[str | None],
    clock: Clock,
) -> list[Outcome]:
    for _ in range(_APPEND_RETRIES):
        head = board.head()
        now = clock()  # read after the head, so that timestamps never go backwards
        final: list[Outcome | None] = list(outcomes)
        drafts: list[Draft] = []
        receipts: dict[int, tuple[str, str | None]] = {}
        closed = bool(board.count(m.VOTING_CLOSE))
        last_code: dict[str, str] = {}
        seen: set[str] = set()
        for i in range(len(outcomes)):
            item = parsed.get(i)
            if item is not None:
                refusal = None
                if closed:
                    refusal = BallotRejected("closed", "timestamp", "voting has closed")
                elif not state.manifest.in_window(now):
                    refusal = BallotRejected(
                        "outside_window",
                        "timestamp",
                        f"{format_timestamp(now)} is outside the voting periods",
                    )
                elif item.tracking_code in seen or board.lookup(tracking_key(item.tracking_code)):
                    refusal = BallotRejected(
                        "replayed", "ballot", "this exact ballot is already on the board"
                    )
                if refusal is None:
                    if item.credential in last_code:
                        replaces: str | None = last_code[item.credential]
                    else:
                        previous = board.lookup(credential_key(item.credential))
                        replaces = previous[-1].payload["tracking_code"] if previous else None
                    data = datas[i]
                    drafts.append(
                        Draft(
                            m.BALLOT_ACCEPTED,
                            {
                                "credential": item.credential,
                                "region": item.region,
                                "ballot": data["ballot"],
                                "signature": data["signature"],
                                "tracking_code": item.tracking_code,
                                "replaces": replaces,
                            },
                            (credential_key(item.credential), tracking_key(item.tracking_code)),
                        )
                    )
                    receipts[i] = (item.tracking_code, replaces)
                    last_code[item.credential] = item.tracking_code
                    seen.add(item.tracking_code)
                    continue
                final[i] = refusal
            refused = final[i]
            assert isinstance(refused, BallotRejected)
            drafts.append(
                Draft(m.BALLOT_REJECTED, rejection_payload(refused, credentials[i], digests[i]))
            )
        if not drafts:
            return []
        try:
            events = board.append_many(
                drafts,
                expected_head=None if head is None else head.hash,
                timestamp=format_timestamp(now),
            )
        except HeadMovedError:
            continue
        hashes = iter(e.hash for e in events if e.type == m.BALLOT_ACCEPTED)
        for i, (code, replaces) in receipts.items():
            final[i] = Receipt(tracking_code=code, replaces=replaces, event_hash=next(hashes))
        return [o for o in final if o is not None]
    raise HeadMovedError("the board is too busy: could not append the batch after many retries")
