"""Casting ballots: one batch verification, one transaction; every refusal logged.

:func:`cast` (one ballot: the CLI's path) and :func:`cast_many` (a batch: the web server's,
through its event loop's group commit, ``web/casting.py``, or :class:`CastQueue` from
threads) are one path.  It decides every refusal with
:mod:`referendum.protocol.refusals`, exactly as a verifier re-decides it from the record, and
logs it with the submission it refused.  It verifies the signatures and proofs of a
whole batch at once in C (:mod:`referendum.crypto.ballot_batch`: one multi-scalar
multiplication per region; when the batch fails, its halves are checked, down to the
ballots whose own check fails, which the reference checks then name with their reason) and
appends the batch's accepted ballots and rejections with one ``append_many`` (one
transaction, one disk sync).  :class:`CastQueue`
is how a board server that receives submissions on many threads ingests fast: it casts
whatever queued during the previous batch together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from referendum.board.protocol import BulletinBoard, Draft, append_on
from referendum.clock import Clock, format_timestamp
from referendum.crypto.ballot import tracking_code
from referendum.crypto.ballot_batch import BallotBatch
from referendum.errors import BallotRejected, HeadMovedError, InputError, UnjudgedSubmission
from referendum.protocol.ballots import RegionBatches
from referendum.protocol.payloads import check_payload
from referendum.protocol.receipts import BoardReceipt
from referendum.protocol.refusals import (
    Examined,
    Submission,
    decide,
    examine_content,
    examine_early,
    refusal_payload,
)
from referendum.protocol.state import ElectionState, Phase, credential_key, tracking_key
from referendum.record import messages as m
from referendum.record.canonical import canonical_json, joined_members
from referendum.record.event import Event
from referendum.services.receipts import ReceiptSigner
from referendum.services.state import load_state

__all__ = ["CastQueue", "Receipt", "cast", "cast_many"]

_APPEND_RETRIES = 64
T = TypeVar("T")


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
    resent: bool = False
    """The submission was a copy of a ballot accepted before (this is that ballot's receipt;
    nothing new was appended)."""

    @staticmethod
    def of(event: Event, signed: BoardReceipt | None, *, resent: bool = False) -> Receipt:
        """The receipt of an appended ``ballot.accepted`` event."""
        return Receipt(
            tracking_code=event.payload["tracking_code"],
            replaces=event.payload["replaces"],
            event_hash=event.hash,
            height=event.height,
            timestamp=event.timestamp,
            signed=signed,
            resent=resent,
        )


Outcome = Receipt | BallotRejected | UnjudgedSubmission


def cast(
    board: BulletinBoard,
    submission: bytes | Mapping[str, Any],
    clock: Clock,
    *,
    state: ElectionState | None = None,
    signer: ReceiptSigner | None = None,
) -> Receipt:
    """Validate and append one ballot (:func:`cast_many` of one submission).  A refused
    ballot is logged, then raised as :class:`BallotRejected`.  A later ballot under the same
    credential replaces the earlier.

    ``state`` may be passed to save rebuilding it on every ballot (it must be a state of the
    open phase); whether voting has closed since is checked on the board at each append.
    With a ``signer``, the receipt (or the refusal) carries the board's signed receipt.
    """
    (outcome,) = cast_many(board, [submission], clock, state=state, signer=signer)
    if isinstance(outcome, BallotRejected | UnjudgedSubmission):
        raise outcome
    return outcome


def _queue(
    batches: RegionBatches, submission: Submission, data: Mapping[str, Any]
) -> tuple[str, bytes] | None:
    """Queue a submission in its region's C batch when its credential is listed for its region
    and its ballot has exactly the ballot style's form; return its tracking code and its
    ballot's canonical JSON (``None``: not queued, the reference checks then give the
    reason)."""
    try:
        canonical = submission.ballot_json() or canonical_json(data["ballot"])
    except (InputError, ValueError, TypeError):
        return None
    found = batches.batch_for(data["credential"], data["region"], canonical, data["replaces"])
    if found is None:
        return None
    batch, message = found
    if not batch.add(data["credential"], data["ballot"], data["signature"], message):
        return None
    return tracking_code(canonical), canonical


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
    With a ``signer``, each carries the board's signed receipt.  A submission that sends again
    an accepted ballot that is still its credential's last (a resend: the same credential,
    region, ballot and ``replaces``, signed by that credential) gets that ballot's receipt
    (``resent``), and nothing is appended for it; any other replay of a tracking code is
    refused as ``replayed``.

    Each submission is judged on its own: one whose checks raise anything unexpected gets
    :class:`~referendum.errors.UnjudgedSubmission` (not logged) and the others go on; only
    an error of the board itself (unreachable, too busy) is raised for the whole batch.

    Each submission is examined (:func:`~referendum.protocol.refusals.examine_early`, then
    its ballot's checks in the region's C batch, halves of a batch that fails, down to the
    failing ballots, which the reference checks judge alone), then
    the reason is decided where the batch is appended
    (:func:`~referendum.protocol.refusals.decide`: the phase, the event's timestamp, the
    tracking codes on the board), as a verifier re-decides it from the record."""
    if signer is not None:
        signer.bind(board)
    current = state if state is not None and state.phase is Phase.OPEN else load_state(board)
    if current.manifest.deniable:
        from referendum.services.deniable import cast_deniable_many

        return cast_deniable_many(board, submissions, clock, state=current, signer=signer)
    failed: dict[int, UnjudgedSubmission] = {}
    received: list[Submission | None] = []
    for i, s in enumerate(submissions):
        received.append(_judged(failed, i, Submission.received, s))
    final = _append(board, current, received, _examine(current, received, failed), clock, failed)
    signed = iter([_signed(board, *outcome, signer) for outcome in final])
    if signer is not None and final:
        signer.appended(board)  # a checkpoint may be due
    return [failed[i] if i in failed else next(signed) for i in range(len(submissions))]


def _judged(
    failed: dict[int, UnjudgedSubmission], i: int, judge: Callable[..., T], *args: Any
) -> T | None:
    """``judge(*args)``, or ``None`` with submission ``i`` marked unjudged when it raises
    anything but a refusal (a bug, or input no bound foresaw: that submission only)."""
    try:
        return judge(*args)
    except Exception as exc:
        failed[i] = UnjudgedSubmission(type(exc).__name__)
        return None


def _signed(
    board: BulletinBoard,
    refusal: BallotRejected | None,
    event: Event,
    resent: bool,
    signer: ReceiptSigner | None,
) -> Outcome:
    """The outcome of one submission: its refusal (with the signed refusal receipt) or the
    receipt of its accepted ballot."""
    signed = None if signer is None else signer.sign(board, event)
    if refusal is not None:
        refusal.receipt = None if signed is None else signed.to_json()
        return refusal
    return Receipt.of(event, signed, resent=resent)


@dataclass(frozen=True)
class _Examination:
    """A batch examined: each submission's members (when it has the form of one), what its
    content says, and, for the ballots the C batch checks show valid (their JSON then has
    exactly the ballot style's form), their ballot's canonical JSON."""

    datas: dict[int, dict[str, Any]]
    examined: list[Examined | None]
    formed: dict[int, bytes]


def _examine(
    state: ElectionState,
    received: Sequence[Submission | None],
    failed: dict[int, UnjudgedSubmission],
) -> _Examination:
    """Every submission examined (the ballot checks only in the open phase, whose credential
    lists are frozen; outside it they do not decide anything).  A submission whose
    examination raises is marked in ``failed`` (its entry ``None``)."""
    datas: dict[int, dict[str, Any]] = {}
    examined: list[Examined | None] = []
    formed: dict[int, bytes] = {}
    batches = RegionBatches(state)
    queued: dict[str, list[tuple[int, str, bytes]]] = {}
    state.lists.prefetch(_credentials(received))  # one query for the batch's lookups
    for i, submission in enumerate(received):
        early = None if submission is None else _judged(failed, i, examine_early, state, submission)
        if early is None:
            examined.append(None)
            continue
        data, found = early
        examined.append(found)
        if found.early is not None:
            continue
        datas[i] = data
        if state.phase is not Phase.OPEN:
            continue
        queuing = _judged(failed, i, _queue, batches, submission, data)
        if i in failed:
            examined[i] = None
        elif queuing is None:
            examined[i] = _judged(failed, i, examine_content, state, data)
        else:
            queued.setdefault(data["region"], []).append((i, *queuing))
    for region, items in queued.items():
        valid = _judged_batch(batches[region], len(items))
        for (i, code, ballot), holds in zip(items, valid, strict=True):
            if not holds:  # a ballot the batch checks do not show valid: alone, for its reason
                examined[i] = _judged(failed, i, examine_content, state, datas[i])
                continue
            examined[i] = Examined(
                tracking_code=code,
                checked=True,
                credential=datas[i]["credential"],
                replaces=datas[i]["replaces"],
            )
            formed[i] = ballot
    return _Examination(datas, examined, formed)


def _credentials(received: Sequence[Submission | None]) -> list[object]:
    """The ``credential`` member of each submission that is a JSON object."""
    return [
        s.value.get("credential") for s in received if s is not None and isinstance(s.value, dict)
    ]


def _judged_batch(batch: BallotBatch, size: int) -> list[bool]:
    """For each ballot of a region's C batch, whether the batch checks show it valid
    (:meth:`~referendum.crypto.ballot_batch.BallotBatch.valid_members`: the invalid ones are
    found by checking halves); when they raise, none is: each ballot is then checked alone by
    the reference code, which judges it (or marks it unjudged)."""
    try:
        return batch.valid_members()
    except Exception:
        return [False] * size


def _phase_at_head(board: BulletinBoard, state: ElectionState) -> ElectionState:
    """The state at the board's current head (read after the head, so that an append at that
    head sees the same): the given one while voting is open, else reloaded."""
    if state.phase is Phase.OPEN and not board.count(m.VOTING_CLOSE):
        return state
    return load_state(board)


def _last_of(
    last_code: dict[str, str], known: Mapping[str, list[Event]]
) -> Callable[[str], str | None]:
    """The credential's last accepted ballot: earlier in this batch, or on the board."""

    def last(credential: str) -> str | None:
        if credential in last_code:
            return last_code[credential]
        previous = known.get(credential_key(credential))
        return str(previous[-1].payload["tracking_code"]) if previous else None

    return last


def _replay_of(seen: set[str], known: Mapping[str, object]) -> Callable[[str], bool]:
    """Whether a tracking code is on the board already, or earlier in the batch."""
    return lambda code: code in seen or tracking_key(code) in known


def _append(
    board: BulletinBoard,
    state: ElectionState,
    received: Sequence[Submission | None],
    examination: _Examination,
    clock: Clock,
    failed: dict[int, UnjudgedSubmission],
) -> list[tuple[BallotRejected | None, Event, bool]]:
    """Decide and append the batch: for each submission in order that is not in ``failed``,
    its refusal (``None``: accepted), the event appended for it, and whether it was a resend
    (the event is then the earlier one, and nothing was appended for it).  A submission whose
    decision or event raises joins ``failed``; the others are appended.

    The batch is decided and appended in the board's writer turn, so that the server
    processes that share a board take turns instead of deciding in parallel and deciding
    again when another appended first (the ballot checks, the costly part, are done before,
    in parallel)."""
    with board.writing():  # (a writer that takes no turn may still move the head)
        for _ in range(_APPEND_RETRIES):
            head = board.head()
            now = clock()  # read after the head, so that timestamps never go backwards
            at_head = _phase_at_head(board, state)
            if at_head.phase is Phase.OPEN and state.phase is not Phase.OPEN:
                examination = _examine(at_head, received, failed)  # voting opened meanwhile
            state = at_head
            datas, examined = examination.datas, examination.examined
            codes = [
                e.tracking_code for e in examined if e is not None and e.tracking_code is not None
            ]
            voting = state.phase is Phase.OPEN and state.manifest.in_window(now)
            known = (
                board.lookup_many(
                    [tracking_key(c) for c in codes]
                    + [
                        credential_key(datas[i]["credential"])
                        for i, e in enumerate(examined)
                        if e is not None and e.tracking_code is not None
                    ]
                )
                if voting and codes
                else {}
            )
            seen: set[str] = set()
            last_code: dict[str, str] = {}
            replayed = _replay_of(seen, known)
            last = _last_of(last_code, known)

            planned: list[tuple[BallotRejected | None, int | Event, bool]] = []
            drafts: list[Draft] = []
            in_batch: dict[str, int] = {}  # tracking code -> its draft
            for i, found in enumerate(examined):
                if found is None or i in failed:
                    continue
                made = _judged(
                    failed,
                    i,
                    _draft,
                    state,
                    received[i],
                    datas.get(i),
                    found,
                    examination.formed.get(i),
                    now,
                    replayed,
                    last,
                )
                if made is None:
                    continue
                refusal, draft = made
                if (
                    refusal is not None
                    and refusal.code == "replayed"
                    and last(datas[i]["credential"]) == found.tracking_code
                ):
                    earlier = _resent(datas[i], found, known, in_batch, drafts)
                    if earlier is not None:  # the same ballot again: its receipt, nothing appended
                        planned.append((None, earlier, True))
                        continue
                if refusal is None:
                    code = draft.payload["tracking_code"]
                    last_code[draft.payload["credential"]] = code
                    seen.add(code)
                    in_batch[code] = len(drafts)
                planned.append((refusal, len(drafts), False))
                drafts.append(draft)
            events = append_on(board, drafts, head, format_timestamp(now)) if drafts else []
            if events is None:
                continue
            return [
                (refusal, events[at] if isinstance(at, int) else at, resent)
                for refusal, at, resent in planned
            ]
        raise HeadMovedError("the board is too busy: could not append the batch after many retries")


def _resent(
    data: Mapping[str, Any],
    found: Examined,
    known: Mapping[str, list[Event]],
    in_batch: Mapping[str, int],
    drafts: Sequence[Draft],
) -> Event | int | None:
    """The accepted ballot a ``replayed`` submission sends again, on the board (its event) or
    earlier in the batch (its draft's index); ``None`` for any other replay.  A resend has
    the same credential, region, ballot and ``replaces`` as the accepted one; its signature,
    which verified (a replay is decided after the signature), may be another (a booth that
    signs again after a lost answer or a crash), but only that credential's holder can make
    one.  (The caller asks only while that ballot is still its credential's last: a copy of a
    replaced ballot stays a ``replayed`` refusal, as does one naming another ``replaces``.)"""
    code = found.tracking_code
    assert code is not None
    wanted = {
        "credential": data["credential"],
        "region": data["region"],
        "ballot": data["ballot"],
        "tracking_code": code,
        "replaces": found.replaces,
    }

    def same(payload: Mapping[str, Any]) -> bool:
        return {k: v for k, v in payload.items() if k != "signature"} == wanted

    for event in known.get(tracking_key(code), []):
        if event.type == m.BALLOT_ACCEPTED and same(event.payload):
            return event
    at = in_batch.get(code)
    if at is not None and same(drafts[at].payload):
        return at
    return None


def _draft(
    state: ElectionState,
    submission: Submission | None,
    data: dict[str, Any] | None,
    found: Examined,
    ballot: bytes | None,
    now: Any,
    replayed: Callable[[str], bool],
    last: Callable[[str], str | None],
) -> tuple[BallotRejected | None, Draft]:
    """The decision on one submission and the event that records it, checked as the verifier
    checks every payload (never append what it refuses).  ``ballot`` is the canonical JSON of
    a ballot the C batch checks showed valid: its form is then exactly the ballot style's, the
    other members of its event were checked with it (the credential and signature in that
    form, the region on the credential's list, ``replaces`` against the credential's last
    code), and its event's payload is joined from that JSON and the other members rather than
    encoded and checked again."""
    assert submission is not None
    refusal = decide(
        found,
        phase=state.phase,
        manifest=state.manifest,
        moment=now,
        replayed=replayed,
        last=last,
    )
    if refusal is not None:
        draft = Draft(m.BALLOT_REJECTED, refusal_payload(refusal, submission, state.fingerprint))
        check_payload(draft.type, draft.payload)
        return refusal.error(), draft
    assert data is not None and found.tracking_code is not None
    code, credential = found.tracking_code, data["credential"]
    members = {  # in the canonical order, as the board's reading of the event has them
        "credential": credential,
        "region": data["region"],
        "replaces": found.replaces,  # decide checked it is the credential's last
        "signature": data["signature"],
        "tracking_code": code,
    }
    keys = (credential_key(credential), tracking_key(code))
    payload = {"ballot": data["ballot"], **members}
    if ballot is not None:
        encoded = joined_members("ballot", ballot, members)
        return None, Draft(m.BALLOT_ACCEPTED, payload, keys, encoded)
    draft = Draft(m.BALLOT_ACCEPTED, payload, keys)
    check_payload(draft.type, draft.payload)
    return None, draft


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
    the board, as by ``cast``), or its own :class:`~referendum.errors.UnjudgedSubmission`:
    each submission is judged alone (:func:`cast_many`), so no submission can make another
    fail.  Only an error of the board itself (unreachable, too busy) is raised to every caller
    of that batch.
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
        if isinstance(mine.outcome, BallotRejected | UnjudgedSubmission):
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
