"""Casting many ballots at once: one batch verification, one transaction.

:func:`cast_many` applies exactly the checks of :func:`referendum.services.voting.cast`, in
the same order and with the same reason codes, but verifies the signatures and proofs of a
whole batch at once in C (:mod:`referendum.crypto.ballot_batch`: one multi-scalar
multiplication per region; falling back to the one-by-one reference checks, which name each
bad ballot, when the batch fails) and appends the batch's accepted ballots and
rejections with one ``append_many`` (one transaction, one disk sync).  :class:`CastQueue`
is how a board server that receives submissions on many threads ingests fast: it casts
whatever queued during the previous batch together.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from referendum.board.protocol import BulletinBoard, Draft
from referendum.clock import Clock, format_timestamp
from referendum.crypto.ballot import tracking_code
from referendum.errors import BallotRejected, HeadMovedError, InputError
from referendum.protocol.ballots import (
    RegionBatches,
    check_moment,
    parse_ballot,
    parse_submission,
    verify_parsed,
)
from referendum.protocol.state import ElectionState, Phase, credential_key, tracking_key
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.services.receipts import ReceiptSigner
from referendum.services.state import load_state
from referendum.services.voting import Receipt, rejection_payload

__all__ = ["CastQueue", "cast_many"]

_APPEND_RETRIES = 64

Outcome = Receipt | BallotRejected


@dataclass(frozen=True, slots=True)
class _Valid:
    """What the board appends of a ballot that passed every check."""

    credential: str
    region: str
    tracking_code: str


def _queue(batches: RegionBatches, data: Mapping[str, Any]) -> str | None:
    """Queue a submission in its region's C batch when its credential is listed for its region
    and its ballot has exactly the ballot style's form; return its tracking code (``None``:
    not queued, the reference checks then give the reason)."""
    try:
        canonical = canonical_json(data["ballot"])
    except (InputError, ValueError, TypeError):
        return None
    found = batches.batch_for(data["credential"], data["region"], canonical)
    if found is None:
        return None
    batch, message = found
    if not batch.add(data["credential"], data["ballot"], data["signature"], message):
        return None
    return tracking_code(canonical)


def _check_alone(state: ElectionState, data: Mapping[str, Any]) -> _Valid:
    """The reference checks of one ballot (raising :class:`BallotRejected` with its reason)."""
    parsed = parse_ballot(
        state, data["credential"], data["region"], data["ballot"], data["signature"]
    )
    verify_parsed(state, parsed)
    return _Valid(parsed.credential, parsed.region, parsed.tracking_code)


def cast_many(
    board: BulletinBoard,
    submissions: Sequence[bytes | Mapping[str, Any]],
    clock: Clock,
    *,
    state: ElectionState | None = None,
    signer: ReceiptSigner | None = None,
) -> list[Outcome]:
    """Validate and append a batch of ballots; returns, for each submission in order, its
    :class:`Receipt` or the :class:`BallotRejected` it was refused with (and logged as).
    With a ``signer``, each carries the board's signed receipt (as with ``cast``)."""
    if signer is not None:
        signer.bind(board)
    cached = state is not None and state.phase is Phase.OPEN
    current = state if cached and not board.count(m.VOTING_CLOSE) else load_state(board)
    assert current is not None
    outcomes: list[Outcome | None] = [None] * len(submissions)
    digests: list[str] = []
    credentials: list[str | None] = [None] * len(submissions)
    valid: dict[int, _Valid] = {}
    datas: dict[int, dict[str, Any]] = {}
    batches = RegionBatches(current)
    queued: dict[str, list[tuple[int, str]]] = {}
    now = clock()
    for i, submission in enumerate(submissions):
        raw = submission if isinstance(submission, bytes) else repr(sorted(submission.items()))
        digests.append(hashlib.sha256(raw if isinstance(raw, bytes) else raw.encode()).hexdigest())
        try:
            data, body = parse_submission(submission)
            digests[i] = hashlib.sha256(body).hexdigest()
            credentials[i] = data["credential"]
            check_moment(current, data, now)
            datas[i] = data
            code = _queue(batches, data)
            if code is None:
                valid[i] = _check_alone(current, data)
            else:
                queued.setdefault(data["region"], []).append((i, code))
        except BallotRejected as exc:
            outcomes[i] = exc
    for region, items in queued.items():
        if batches[region].check():
            for i, code in items:
                valid[i] = _Valid(datas[i]["credential"], region, code)
            continue
        for i, _ in items:  # not all valid: each alone, for its reason
            try:
                valid[i] = _check_alone(current, datas[i])
            except BallotRejected as exc:
                outcomes[i] = exc
    final = _append(board, current, datas, valid, outcomes, digests, credentials, clock)
    return [_signed(board, outcome, event, signer) for outcome, event in final]


def _signed(
    board: BulletinBoard, refusal: BallotRejected | None, event: Event, signer: ReceiptSigner | None
) -> Outcome:
    """The outcome of one submission: its refusal (with the signed refusal receipt) or the
    receipt of its accepted ballot."""
    signed = None if signer is None else signer.sign(board, event)
    if refusal is not None:
        refusal.receipt = None if signed is None else signed.to_json()
        return refusal
    return Receipt.of(event, signed)


def _append(
    board: BulletinBoard,
    state: ElectionState,
    datas: dict[int, dict[str, Any]],
    parsed: dict[int, _Valid],
    outcomes: list[Outcome | None],
    digests: list[str],
    credentials: list[str | None],
    clock: Clock,
) -> list[tuple[BallotRejected | None, Event]]:
    """Append the batch: for each submission in order, its refusal (``None``: accepted) and
    the event appended for it."""
    for _ in range(_APPEND_RETRIES):
        head = board.head()
        now = clock()  # read after the head, so that timestamps never go backwards
        final: list[Outcome | None] = list(outcomes)
        drafts: list[Draft] = []
        owners: list[int] = []
        closed = bool(board.count(m.VOTING_CLOSE))
        known = board.lookup_many(
            [tracking_key(v.tracking_code) for v in parsed.values()]
            + [credential_key(v.credential) for v in parsed.values()]
        )
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
                elif item.tracking_code in seen or tracking_key(item.tracking_code) in known:
                    refusal = BallotRejected(
                        "replayed", "ballot", "this exact ballot is already on the board"
                    )
                if refusal is None:
                    if item.credential in last_code:
                        replaces: str | None = last_code[item.credential]
                    else:
                        previous = known.get(credential_key(item.credential))
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
                    owners.append(i)
                    last_code[item.credential] = item.tracking_code
                    seen.add(item.tracking_code)
                    continue
                final[i] = refusal
            refused = final[i]
            assert isinstance(refused, BallotRejected)
            owners.append(i)
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
        out: list[tuple[BallotRejected | None, Event]] = []
        for i, event in zip(owners, events, strict=True):
            outcome = final[i]
            assert outcome is None or isinstance(outcome, BallotRejected)
            out.append((outcome, event))
        return out
    raise HeadMovedError("the board is too busy: could not append the batch after many retries")


@dataclass(eq=False)
class _Waiting:
    submission: bytes | Mapping[str, Any]
    wake: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    finished: bool = False
    outcome: Outcome | None = None
    error: BaseException | None = None


class CastQueue:
    """Group commit for a server that casts from many threads: submissions that arrive while
    a batch is being cast wait and are then cast together with :func:`cast_many` (one batch
    check, one transaction), up to ``max_batch`` at a time.  There is no background thread:
    the first caller leads, casting batches until its own submission is done, then hands the
    lead to the oldest waiting caller.  Alone, a submission is cast at once, as :func:`cast`
    would; under load, each transaction carries every submission that queued behind it.

    ``state`` returns the referendum's current state (or ``None`` to rebuild it each batch);
    ``signer`` signs each caller's receipt.
    Each caller gets its own :class:`Receipt`, or its own :class:`BallotRejected` (logged on
    the board, as by ``cast``); an error of the whole batch (the board unreachable) is raised
    to every caller of that batch.
    """

    def __init__(
        self,
        board: BulletinBoard,
        clock: Clock,
        *,
        state: Callable[[], ElectionState | None] = lambda: None,
        max_batch: int = 200,
        signer: ReceiptSigner | None = None,
    ) -> None:
        self.board = board
        self.clock = clock
        self.state = state
        self.signer = signer
        self.max_batch = max_batch
        self.batches = 0
        self.largest = 0
        self._lock = threading.Lock()
        self._pending: list[_Waiting] = []
        self._leading = False

    def pending(self) -> int:
        """How many submissions wait for a batch."""
        with self._lock:
            return len(self._pending)

    def cast(self, submission: bytes | Mapping[str, Any]) -> Receipt:
        """Cast one submission (from any thread); raises :class:`BallotRejected` as ``cast``."""
        mine = _Waiting(submission)
        with self._lock:
            self._pending.append(mine)
            if not self._leading:
                self._leading = mine.leads = True
        if not mine.leads:
            mine.wake.wait()
        if mine.leads and not mine.finished:
            self._lead(mine)
        if mine.error is not None:
            raise mine.error
        if isinstance(mine.outcome, BallotRejected):
            raise mine.outcome
        assert isinstance(mine.outcome, Receipt)
        return mine.outcome

    def _lead(self, mine: _Waiting) -> None:
        try:
            while not mine.finished:
                with self._lock:
                    batch = self._pending[: self.max_batch]
                    del self._pending[: len(batch)]
                self.batches += 1
                self.largest = max(self.largest, len(batch))
                try:
                    outcomes: list[Outcome] = cast_many(
                        self.board,
                        [w.submission for w in batch],
                        self.clock,
                        state=self.state(),
                        signer=self.signer,
                    )
                    for waiting, outcome in zip(batch, outcomes, strict=True):
                        waiting.outcome = outcome
                except BaseException as exc:  # every caller of the batch learns why it failed
                    for waiting in batch:
                        waiting.error = exc
                    if not isinstance(exc, Exception):
                        raise
                finally:
                    for waiting in batch:
                        waiting.finished = True
                        waiting.wake.set()
        finally:
            with self._lock:
                if self._pending:
                    successor = self._pending[0]
                    successor.leads = True
                    successor.wake.set()
                else:
                    self._leading = False
