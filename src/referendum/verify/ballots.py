"""Checking the accepted ballots of a byte range of ``events.jsonl``, in batches.

:func:`check_range` is the unit of partitioned verification: it runs in this process, in a
worker process or on a Dask worker, and needs only the record's path and the range.  It reads
the referendum's setup (the events before voting opened) from the record itself, once per
process, and for each line of its range checks the line and the chain
(:mod:`referendum.verify.lines`), checks each accepted ballot and sums the ciphertexts per
region, and returns a small :class:`RangeResult` for the merger (ballots' credentials and
tracking codes for the revote checks, the non-ballot events, the failures, the sums, and each
refusal's examined submission, which the merger places in the record to re-decide it).

Ballots are checked in batches of up to :data:`BATCH` per region: each ballot's line, chain
link, credential, region, tracking code and signed message are checked here, one by one, and
its JSON goes into its region's :class:`~referendum.crypto.ballot_batch.BallotBatch`, which
checks the form, every encoding, every Fiat-Shamir challenge and every signature and proof
equation of the whole batch in one C call, and sums the batch's ciphertexts.  When a batch
fails, or a ballot's form is off, its ballots are checked one by one with
:func:`referendum.protocol.ballots.check_ballot`, so the failing ballot is named with exactly
the reason the single check gives.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from referendum.crypto.ballot import BallotContext, tracking_code
from referendum.crypto.ballot_batch import BallotBatch, CiphertextSums
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point
from referendum.errors import (
    BallotRejected,
    InputError,
    PayloadError,
    RecordError,
    ReferendumError,
)
from referendum.protocol.ballots import (
    RegionBatches,
    check_ballot,
    signing_message,
)
from referendum.protocol.payloads import check_payload
from referendum.protocol.refusals import Examined, recorded_refusal
from referendum.protocol.state import ElectionState, state_from_events
from referendum.record import messages as m
from referendum.record.event import Event, event_hash_encoded
from referendum.record.manifest import parse_timestamp
from referendum.verify.deniable_events import DENIABLE_TYPES, DeniableEntry, deniable_entry
from referendum.verify.fastline import BallotLine, BallotLines
from referendum.verify.lines import (
    LineError,
    Link,
    check_join,
    parse_event_line,
    read_lines,
)
from referendum.verify.source import open_binary

__all__ = [
    "BATCH",
    "STAGE_EVENTS",
    "BallotEntry",
    "BallotFailure",
    "RangeResult",
    "RangeTask",
    "RegionSums",
    "RejectionEntry",
    "check_chunk",
    "check_range",
    "hex_key",
    "prime_state",
    "rejection_entry",
    "release_state",
    "setup_events",
    "signing_message",
    "sum_ballot_lines",
]

BATCH = 256
"""Ballots of one region whose signatures and proofs are checked in one C call (one random
linear combination of all their equations)."""

STAGE_EVENTS = frozenset({m.VOTING_OPEN, m.VOTING_CLOSE, m.TALLY, m.RESULTS})
"""The events that end a stage of the referendum (the setup ends at the first of them)."""

_MAX_FAILURES = 64  # per range: the merger names only the first

FAST_LINES = True
"""Read canonical ballot lines with :class:`~referendum.verify.fastline.BallotLines` (the
tests turn it off to compare with the general path)."""

_Given = Mapping[str, Any] | bytes  # a ballot's payload, or its line to parse when needed


@dataclass(frozen=True)
class BallotFailure:
    height: int
    reason: str


@dataclass(frozen=True, slots=True)
class RangeTask:
    """A byte range ``[start, end)`` of the record's ``events.jsonl``; ``setup_end`` is the
    offset where the setup ends (just after ``voting.open``); ``stamp`` identifies the file
    version (size, modification time) so that a worker's cached setup is never stale."""

    path: str
    start: int
    end: int
    setup_end: int
    stamp: tuple[int, int]


@dataclass(frozen=True, slots=True)
class BallotEntry:
    """What the merger needs of an accepted ballot (credential and codes as 32 raw bytes
    when they are 64 hex digits, as given otherwise)."""

    height: int
    credential: object
    code: object
    replaces: object
    offset: int
    type: str = m.BALLOT_ACCEPTED


@dataclass(frozen=True, slots=True)
class RejectionEntry:
    """A ``ballot.rejected`` event: its reason, field and time, and either what is wrong with
    its form or the examination of its submission (placed in the record by the merger)."""

    height: int
    reason: str
    field: str
    timestamp: str
    problem: str | None = None
    examined: Examined | None = None
    type: str = m.BALLOT_REJECTED


@dataclass
class RegionSums:
    """A region's number of ballots and, per question and answer, the sum of ciphertexts."""

    ballots: int
    sums: list[list[Ciphertext]]

    def to_json(self) -> tuple[int, list[list[bytes]]]:
        return self.ballots, [[c.to_bytes() for c in q] for q in self.sums]

    @staticmethod
    def from_json(data: tuple[int, list[list[bytes]]]) -> RegionSums:
        return RegionSums(
            data[0],
            [
                [Ciphertext(Point.from_bytes(c[:32]), Point.from_bytes(c[32:])) for c in q]
                for q in data[1]
            ],
        )

    def merge(self, other: RegionSums, *, sign: int = 1) -> None:
        self.ballots += sign * other.ballots
        for mine, theirs in zip(self.sums, other.sums, strict=True):
            for o, c in enumerate(theirs):
                if sign > 0:
                    mine[o] = mine[o] + c
                else:
                    mine[o] = Ciphertext(mine[o].alpha - c.alpha, mine[o].beta - c.beta)


@dataclass
class RangeResult:
    """What :func:`check_range` returns (small: no ballot bodies)."""

    lines: int = 0
    first: Link | None = None
    last: Link | None = None
    error: LineError | None = None
    items: list[Event | BallotEntry | RejectionEntry | DeniableEntry] = field(default_factory=list)
    failures: list[BallotFailure] = field(default_factory=list)
    window_error: tuple[str, str] | None = None
    sums: dict[str, tuple[int, list[list[bytes]]]] = field(default_factory=dict)
    sum_error: str | None = None
    checked_moment: str | None = None  # the last timestamp found inside the voting periods


def setup_events(events: Iterable[Event]) -> list[Event]:
    """The events a ballot check needs: the non-ballot, non-rejection events before the first
    event that ends a stage (``voting.open`` in a well-ordered record)."""
    out = []
    for event in events:
        if event.type in STAGE_EVENTS and event.height > 0:
            break
        if event.type not in (m.BALLOT_ACCEPTED, m.BALLOT_REJECTED):
            out.append(event)
    return out


@dataclass
class _Setup:
    state: ElectionState
    contexts: dict[str, BallotContext]  # each region's ballot style
    regions: dict[str, int]
    shapes: dict[str, list[int]]
    window: list[tuple[dt.datetime, dt.datetime]]
    lines: BallotLines  # the canonical shapes of a ballot line, per ballot style


_CACHE: dict[tuple[str, int, tuple[int, int]], _Setup] = {}


def _setup_of(state: ElectionState) -> _Setup:
    manifest = state.manifest
    return _Setup(
        state,
        {r.id: state.ballot_context(r.id) for r in manifest.regions},
        {r.id: i for i, r in enumerate(manifest.regions)},
        {r.id: [len(q.answers) for q in manifest.ballot_style(r.id)] for r in manifest.regions},
        [
            (
                parse_timestamp(p.opens, field_name="opens"),
                parse_timestamp(p.closes, field_name="closes"),
            )
            for p in manifest.window
        ],
        BallotLines((r.id, state.ballot_context(r.id)) for r in manifest.regions),
    )


def prime_state(task: RangeTask, state: ElectionState) -> None:
    """Give this process the setup state of ``task``'s record (the merger already has it)."""
    _CACHE.clear()
    _CACHE[(task.path, task.setup_end, task.stamp)] = _setup_of(state)


def release_state() -> None:
    """Forget this process's cached setup state."""
    _CACHE.clear()


def _setup_for(task: RangeTask) -> _Setup:
    key = (task.path, task.setup_end, task.stamp)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    events = []
    with open_binary(task.path, block=1 << 22) as handle:
        for index, (_, line) in enumerate(read_lines(handle, 0, task.setup_end)):
            events.append(parse_event_line(line, index))
    _CACHE.clear()
    setup = _CACHE[key] = _setup_of(state_from_events(setup_events(events)))
    return setup


def check_chunk(
    state: ElectionState, chunk: Iterable[tuple[int, Mapping[str, Any]]]
) -> list[BallotFailure]:
    """Check every ballot one by one; return the failures (empty when all pass)."""
    failures = []
    for height, payload in chunk:
        try:
            check_payload(m.BALLOT_ACCEPTED, payload)
            _, code = check_ballot(
                state,
                payload["credential"],
                payload["region"],
                payload["ballot"],
                payload["signature"],
                payload["replaces"],
            )
            if code != payload["tracking_code"]:
                failures.append(BallotFailure(height, "tracking code does not match the ballot"))
        except BallotRejected as exc:
            failures.append(BallotFailure(height, f"{exc.code}: {exc.field}: {exc.reason}"))
        except PayloadError as exc:
            failures.append(BallotFailure(height, f"malformed payload: {exc}"))
        except (KeyError, TypeError, RecordError) as exc:
            failures.append(BallotFailure(height, f"malformed payload: {exc}"))
    return failures


def _queue(pending: RegionBatches, payload: Mapping[str, Any], line: bytes) -> str | None:
    """Queue a ballot in its region's batch when every check but the cryptography's passes
    and its form is exactly its ballot style's; return the region (``None``: the ballot is
    to be checked alone, which names the problem)."""
    try:
        check_payload(m.BALLOT_ACCEPTED, payload)
        canonical = _ballot_bytes(line)
        found = pending.batch_for(
            payload["credential"], payload["region"], canonical, payload["replaces"]
        )
        if found is None or tracking_code(canonical) != payload["tracking_code"]:
            return None
        batch, message = found
        if batch.add(payload["credential"], payload["ballot"], payload["signature"], message):
            return str(payload["region"])
    except (ReferendumError, KeyError, TypeError, ValueError, IndexError):
        return None
    return None


_BALLOT_KEY = b'"payload":{"ballot":'
_AFTER_BALLOT = b',"credential":'


def _ballot_bytes(line: bytes) -> bytes:
    """The canonical bytes of a ballot event's ``ballot``, cut from its canonical line.

    Sound only once the ballot equals its own ``to_json`` (which has no member named
    ``credential``, and strings in canonical JSON cannot hold a bare ``"``): the ballot then
    ends just before the payload's next member, ``credential``."""
    start = line.find(_BALLOT_KEY) + len(_BALLOT_KEY)
    return line[start : line.index(_AFTER_BALLOT, start)]


def hex_key(value: object) -> object:
    """A tracking code or credential as 32 raw bytes when it is 64 lowercase hex digits."""
    text = str(value)
    if len(text) == 64:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            return text
        if raw.hex() == text:
            return raw
    return text


def _replaces_key(value: object) -> object:
    return None if value is None else hex_key(value) if isinstance(value, str) else ("raw", value)


def rejection_entry(state: ElectionState, event: Event, *, content: bool = True) -> RejectionEntry:
    """The merger's entry of a ``ballot.rejected`` event: the refusal it states, and the
    examination of the submission it records (:func:`~referendum.protocol.refusals.
    recorded_refusal`; ``content`` with ``state`` of the open phase), or what is wrong with
    its form."""
    try:
        check_payload(m.BALLOT_REJECTED, event.payload)  # the exact form first
        stated, examined = recorded_refusal(state, event.payload, content=content)
    except InputError as exc:
        reason, problem = str(event.payload.get("reason")), f"{exc.field}: {exc.reason}"
        return RejectionEntry(event.height, reason, "", event.timestamp, problem)
    return RejectionEntry(event.height, stated.code, stated.field, event.timestamp, None, examined)


class _Summer:
    """Per-region sums of every accepted ballot of a range (the merger subtracts the ones a
    later ballot of the same credential replaced)."""

    def __init__(self, setup: _Setup) -> None:
        self.setup = setup
        self.regions: dict[str, RegionSums] = {}
        self.fast: dict[str, CiphertextSums] = {}
        self.error: str | None = None

    def fast_sums(self, region: str) -> CiphertextSums:
        """The C-side sums of ``region``'s ballots that passed a batch check."""
        sums = self.fast.get(region)
        if sums is None:
            sums = self.fast[region] = CiphertextSums(self.setup.contexts[region])
        return sums

    def totals(self) -> dict[str, RegionSums]:
        """Every region's sums, the batch-checked and the one-by-one ballots together."""
        for region, sums in self.fast.items():
            if sums.ballots:
                part = RegionSums(sums.ballots, sums.ciphertexts())
                if region in self.regions:
                    self.regions[region].merge(part)
                else:
                    self.regions[region] = part
        self.fast = {}
        return self.regions

    def add(self, region: object, ciphertexts: list[list[Ciphertext]]) -> None:
        if not isinstance(region, str) or region not in self.setup.regions:
            self.error = self.error or f"ballot of unknown region {region!r}"
            return
        if [len(q) for q in ciphertexts] != self.setup.shapes[region]:
            self.error = self.error or "a ballot does not have the manifest's shape"
            return
        sums = self.regions.get(region)
        if sums is None:
            self.regions[region] = RegionSums(1, [list(q) for q in ciphertexts])
            return
        sums.ballots += 1
        for mine, theirs in zip(sums.sums, ciphertexts, strict=True):
            for o, c in enumerate(theirs):
                mine[o] = mine[o] + c

    def add_json(self, payload: Mapping[str, Any]) -> None:
        try:
            ciphertexts = [
                [Ciphertext.from_json(s) for s in q["selections"]]
                for q in payload["ballot"]["questions"]
            ]
        except (ReferendumError, KeyError, TypeError, ValueError, IndexError) as exc:
            self.error = self.error or f"cannot sum the ballots: {exc}"
            return
        self.add(payload.get("region"), ciphertexts)


def _check_alone(
    setup: _Setup,
    items: Iterable[tuple[int, _Given]],
    result: RangeResult,
    summer: _Summer,
) -> None:
    """Check ballots one by one with the reference code (naming each failure) and sum them
    (each given by its payload, or by its line: parsed here)."""
    for height, given in items:
        payload = parse_event_line(given, 0).payload if isinstance(given, bytes) else given
        failures = check_chunk(setup.state, [(height, payload)])
        if failures:
            result.failures = sorted(result.failures + failures, key=lambda f: f.height)[
                :_MAX_FAILURES
            ]
        summer.add_json(payload)


def _flush(
    setup: _Setup,
    region: str,
    batch: BallotBatch,
    queued: list[tuple[int, _Given]],
    result: RangeResult,
    summer: _Summer,
) -> None:
    if not batch.check(summer.fast_sums(region)):
        _check_alone(setup, queued, result, summer)
    queued.clear()


def check_range(task: RangeTask) -> RangeResult:
    """Check the lines of ``task``'s range: format, hashes, links, every accepted ballot."""
    setup = _setup_for(task)
    result = RangeResult()
    summer = _Summer(setup)
    pending = RegionBatches(setup.state)
    queued: dict[str, list[tuple[int, _Given]]] = {}
    previous: Link | None = None
    index = 0
    timestamp: str | None = None  # the last valid timestamp a fast line had
    try:
        with open_binary(task.path, block=min(task.end - task.start, 1 << 22)) as handle:
            for index, (offset, line) in enumerate(read_lines(handle, task.start, task.end)):
                fast = setup.lines.match(line, timestamp) if FAST_LINES else None
                event: Event | None = None
                if fast is not None and _hash_holds(fast):
                    timestamp = fast.timestamp
                    height, parent, hash_, moment = (fast.height, fast.parent, fast.hash, timestamp)
                else:
                    fast = None
                    event = parse_event_line(line, index)
                    height, parent, hash_, moment = (
                        event.height,
                        event.parent,
                        event.hash,
                        event.timestamp,
                    )
                link = Link(height, parent, moment)
                if previous is None:
                    result.first = link
                else:
                    check_join(previous, link, index)
                previous = Link(height, hash_, moment)
                result.lines = index + 1
                given: _Given
                fields: tuple[object, object, object]
                if fast is not None:
                    fields = (fast.credential, fast.tracking_code, fast.replaces)
                    region, given = _queue_line(pending, fast), line
                else:
                    assert event is not None
                    payload = event.payload
                    if event.type == m.BALLOT_REJECTED:
                        result.items.append(rejection_entry(setup.state, event))
                        continue
                    if event.type in DENIABLE_TYPES:
                        result.items.append(deniable_entry(event, offset, offset + len(line) + 1))
                        continue
                    if event.type != m.BALLOT_ACCEPTED:
                        result.items.append(event)
                        continue
                    fields = (
                        payload.get("credential"),
                        payload.get("tracking_code"),
                        payload.get("replaces"),
                    )
                    region, given = _queue(pending, payload, line), payload
                result.items.append(_entry(setup, result, height, moment, fields, offset))
                if region is None:
                    _check_alone(setup, [(height, given)], result, summer)
                    continue
                waiting = queued.setdefault(region, [])
                waiting.append((height, given))
                if len(waiting) >= BATCH:
                    _flush(setup, region, pending[region], waiting, result, summer)
    except LineError as exc:
        result.error = exc
        return result
    except OSError as exc:
        result.error = LineError(index, f"cannot be read: {exc.strerror or exc}")
        return result
    for region, waiting in queued.items():
        _flush(setup, region, pending[region], waiting, result, summer)
    result.last = previous
    result.sums = {r: s.to_json() for r, s in summer.totals().items()}
    result.sum_error = summer.error
    return result


def _entry(
    setup: _Setup,
    result: RangeResult,
    height: int,
    timestamp: str,
    fields: tuple[object, object, object],
    offset: int,
) -> BallotEntry:
    """The merger's entry of an accepted ballot (``fields``: its credential, tracking code
    and ``replaces``), after checking its time against the voting periods."""
    if result.window_error is None and timestamp != result.checked_moment:
        result.checked_moment = timestamp  # ballots appended together share it
        try:
            moment = parse_timestamp(timestamp, field_name="timestamp")
            if not any(opens <= moment < closes for opens, closes in setup.window):
                result.window_error = (
                    f"event {height}",
                    f"ballot accepted at {timestamp}, outside the voting periods",
                )
        except InputError as exc:
            result.window_error = (f"event {height}", str(exc))
    credential, code, replaces = fields
    return BallotEntry(height, hex_key(credential), hex_key(code), _replaces_key(replaces), offset)


def _hash_holds(fast: BallotLine) -> bool:
    computed = event_hash_encoded(
        fast.height, fast.parent, m.BALLOT_ACCEPTED, fast.timestamp, fast.payload
    )
    return computed == fast.hash


def _queue_line(pending: RegionBatches, fast: BallotLine) -> str | None:
    """:func:`_queue` for a line read by :class:`~referendum.verify.fastline.BallotLines`."""
    found = pending.batch_for(fast.credential, fast.region, fast.ballot, fast.replaces)
    if found is None or tracking_code(fast.ballot) != fast.tracking_code:
        return None
    batch, message = found
    batch.add_values(fast.credential, fast.signature, fast.values, message)
    return fast.region


def sum_ballot_lines(
    path: str | os.PathLike[str], offsets: Iterable[int], setup_state: ElectionState
) -> tuple[dict[str, RegionSums], str | None]:
    """The per-region sums of the ballots on the lines starting at ``offsets`` (the ballots a
    later ballot replaced, which the merger subtracts)."""
    summer = _Summer(_setup_of(setup_state))
    with open_binary(path, block=1 << 14) as handle:  # over HTTP: small reads, one per line
        for offset in sorted(offsets):
            (_, line), *_ = read_lines(handle, offset, offset + 1)
            summer.add_json(parse_event_line(line, 0).payload)
    return summer.regions, summer.error
