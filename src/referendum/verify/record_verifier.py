"""``verify_record``: every check of docs/spec/verification.md, streamed over the record.

The events before voting opened (the setup) are read here; the rest of ``events.jsonl`` is cut
into byte ranges checked independently (:func:`referendum.verify.ballots.check_range`: lines,
hashes, links, every accepted ballot in batches, per-region sums of the ciphertexts) in this
process, in worker processes or on a Dask cluster (:mod:`referendum.verify.partition`).  The
results are merged in order: links between ranges, the order of events, revotes (the sums of
replaced ballots, re-read by offset, are subtracted), rejections, and the file's SHA-256,
computed alongside.  Memory holds the non-ballot events (but those of deniable revoting,
kept by their lines' spans and read again one at a time by their checks:
:mod:`referendum.verify.deniable_events`), a few bytes per credential and one digest per
ballot; no pass holds the ballots.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from referendum.crypto.backend import BACKEND
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point
from referendum.errors import (
    ManifestError,
    PayloadError,
    PhaseError,
    ProofError,
    RecordError,
    ReferendumError,
)
from referendum.protocol.ceremony import check_ceremony, check_ceremony_order
from referendum.protocol.credentials import check_all_credential_lists
from referendum.protocol.payloads import PAYLOADS, check_payload
from referendum.protocol.refusals import decide
from referendum.protocol.state import ElectionState, Phase, state_from_events
from referendum.protocol.tally import (
    RegionTally,
    check_share_accounting,
    compute_results,
    outcome_of,
    parse_share_event,
    tally_payload,
)
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.record.io import (
    EVENTS_FILE,
    RECORD_FILE,
    RecordInfo,
)
from referendum.record.manifest import parse_timestamp
from referendum.verify.ballots import (
    BallotEntry,
    RangeResult,
    RangeTask,
    RegionSums,
    RejectionEntry,
    hex_key,
    prime_state,
    rejection_entry,
    release_state,
    setup_events,
    sum_ballot_lines,
)
from referendum.verify.deniable_events import (
    DENIABLE_TYPES,
    DeniableEntry,
    DeniableLines,
    deniable_entry,
)
from referendum.verify.lines import LineError, Link, aligned_ranges, check_join, parse_event_line
from referendum.verify.lines import read_lines as _read_lines
from referendum.verify.log import GivenCheckpoints, check_log
from referendum.verify.partition import open_runner
from referendum.verify.report import Check, Report
from referendum.verify.source import join, open_binary, record_info, size_of, stamp_of

__all__ = ["CHUNK_BYTES", "RecordFollower", "verify_record"]

CHUNK_BYTES = 4 * 1024 * 1024
"""The size of the byte ranges checked independently (about 1,300 yes/no/blank ballots)."""

# Which event types may follow in each stage of a referendum.
_STAGES: list[tuple[str | None, frozenset[str]]] = [
    (
        None,
        frozenset(
            {
                m.TRUSTEE_TRANSPORT,
                m.TRUSTEE_DEAL,
                m.TRUSTEE_CHECK,
                m.ELECTION_KEY,
                m.CREDENTIALS,
                m.CREDENTIALS_REISSUE,
                m.BALLOT_REJECTED,
            }
        ),
    ),
    (m.VOTING_OPEN, frozenset({m.BALLOT_ACCEPTED, m.BALLOT_REJECTED, m.BALLOT_DENIABLE})),
    (m.VOTING_CLOSE, frozenset({m.BALLOT_REJECTED, *m.TALLY_STEPS})),
    (m.TALLY, frozenset({m.DECRYPTION_SHARE, m.BALLOT_REJECTED})),
    (m.RESULTS, frozenset({m.BALLOT_REJECTED})),
]
PHASES = ("setup", "voting", "closed", "tallied", "published")
"""The name of each stage of :data:`_STAGES` (``phase`` in the report): a record that
verifies is complete only in the last."""

# Events of which a record holds at most one (per trustee, per region: see _once_key).
_ONCE = frozenset({m.ELECTION_KEY, m.VOTING_OPEN, m.VOTING_CLOSE, m.TALLY, m.RESULTS})
_PER_TRUSTEE = frozenset({m.TRUSTEE_TRANSPORT, m.TRUSTEE_DEAL, m.TRUSTEE_CHECK, m.DECRYPTION_SHARE})


_CHECK_OF_TYPE = {
    m.MANIFEST: Check.MANIFEST,
    m.TRUSTEE_TRANSPORT: Check.KEY_CEREMONY,
    m.TRUSTEE_DEAL: Check.KEY_CEREMONY,
    m.TRUSTEE_CHECK: Check.KEY_CEREMONY,
    m.ELECTION_KEY: Check.KEY_CEREMONY,
    m.CREDENTIALS: Check.CREDENTIALS,
    m.CREDENTIALS_REISSUE: Check.CREDENTIALS,
    m.VOTING_OPEN: Check.CREDENTIALS,  # the state frozen at opening is built here
    m.BALLOT_ACCEPTED: Check.BALLOTS,
    m.BALLOT_REJECTED: Check.REJECTIONS,
    m.BALLOT_DENIABLE: Check.DENIABLE_BALLOTS,
    m.TALLY_DUMMIES: Check.DUMMIES,
    m.TALLY_MIX: Check.MIX,
    m.TALLY_GROUPS: Check.GROUPS,
    m.TALLY_FILTER: Check.FILTER,
    m.TALLY_ELIGIBILITY: Check.ELIGIBILITY,
    m.VOTING_CLOSE: Check.WINDOW,
    m.TALLY: Check.TALLY,
    m.DECRYPTION_SHARE: Check.DECRYPTION,
    m.RESULTS: Check.RESULTS,
}


# Members of a payload checked by another check than their event's (a malformed one fails it).
_CHECK_OF_MEMBER = {
    (m.RESULTS, "trustees"): Check.DECRYPTION,
    (m.RESULTS, "rejected_shares"): Check.DECRYPTION,
}


class _Item(Protocol):
    """An event, or the summary of a ballot or rejection: its height and type."""

    @property
    def height(self) -> int: ...

    @property
    def type(self) -> str: ...


class _Pass1:
    """What the merger keeps while it reads the record."""

    def __init__(self) -> None:
        self.non_ballot: list[Event] = []  # but the deniable ones: their lines' spans
        self.deniable_ballots = DeniableLines()
        self.deniable_steps = DeniableLines()
        self.first_deniable: tuple[int, str] | None = None  # height and type
        self.deniable_window_error: int | None = None  # the first ballot outside the window
        self.genesis: ElectionState | None = None  # the state of the manifest alone
        self.stage = 0
        self.opened = False
        self.order_error: tuple[str, str] | None = None
        self.seen: set[tuple[str, object]] = set()  # see _once_key
        self.window_error: tuple[str, str] | None = None
        self.revote_error: tuple[str, str] | None = None
        self.ballot_failure: tuple[str, str] | None = None
        self.rejection_error: tuple[str, str] | None = None
        # credential -> tracking code and line offset of its last ballot (_pack: 40 bytes when
        # the code is 32 raw bytes, as for every well-formed ballot; a million voters' worth
        # is the merger's largest table)
        self.last: dict[object, object] = {}
        self.codes: set[object] = set()
        self.superseded: list[int] = []
        self.accepted = 0
        self.revotes = 0
        self.rejections: Counter[str] = Counter()
        self.sums: dict[str, RegionSums] = {}
        self.sum_error: str | None = None
        self.lines = 0
        self.link: Link | None = None


def verify_record(
    directory: str | os.PathLike[str],
    *,
    workers: int = 1,
    dask: Any = None,
    chunk_bytes: int = CHUNK_BYTES,
    checkpoints: Sequence[GivenCheckpoints] = (),
) -> Report:
    """Verify the record in ``directory`` (a path, or the URL of a record directory on a web
    server that honours byte ranges); the report lists every check's result.  The LOG check
    also checks the signed ``checkpoints`` given from elsewhere against the record.

    Ballots are checked in ``workers`` processes, or on the Dask cluster ``dask`` (a scheduler
    address or a ``dask.distributed.Client``; its workers must read the record at the same
    path), in byte ranges of about ``chunk_bytes``.  The report is the same whichever runs it.
    """
    report = Report()
    report.summary["backend"] = BACKEND  # the group backend that checked the cryptography
    try:
        info = record_info(directory)
    except RecordError as exc:
        report.failed(Check.RECORD_FORMAT, "record.json", str(exc))
        return report
    report.passed(Check.RECORD_FORMAT, f"referendum-record version {info.version}")
    follower = RecordFollower(
        join(directory, EVENTS_FILE), workers=workers, dask=dask, chunk_bytes=chunk_bytes
    )
    follower.report = report
    hasher = ThreadPoolExecutor(max_workers=1)
    try:
        digest = hasher.submit(_sha256_of, follower.path)
        if follower.advance():
            try:
                _check_totals(follower.p1, follower.path, info, digest.result())
            except RecordError as exc:
                report.failed(Check.CHAIN, "events.jsonl", str(exc))
                return report
    finally:
        hasher.shutdown(cancel_futures=True)
    if not report.sound:
        return report
    report = follower.conclude(f"{info.event_count} events, hashes and links verified")
    full = follower.full
    if full is not None:
        check_log(
            report,
            directory,
            event_count=info.event_count,
            fingerprint=full.fingerprint,
            board_key=Point.from_hex(full.manifest.board_key),
            given=checkpoints,
        )
    return report


class RecordFollower:
    """Verify a record that grows: each :meth:`advance` checks the lines appended to its
    ``events.jsonl`` since the last (the setup as :func:`verify_record` reads it, then the
    rest in byte ranges with :func:`~referendum.verify.ballots.check_range`), and
    :meth:`conclude` gives the verdict on the record so far.  ``verify_record`` is one
    advance over the whole file plus the checks against ``record.json``; an observer
    following a board (``referendum monitor``) appends what the board serves and advances.

    >>> RecordFollower("events.jsonl").offset
    0
    """

    def __init__(
        self,
        path: str,
        *,
        workers: int = 1,
        dask: Any = None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        self.path = path
        self.workers = workers
        self.dask = dask
        self.chunk_bytes = chunk_bytes
        self.p1 = _Pass1()
        self.offset = 0
        """Where the next advance starts reading (the end of the lines checked so far)."""
        self.report = Report()
        """The failure that stopped the reading, if any (then it is final)."""
        self._setup_state: ElectionState | None = None
        self.full: ElectionState | None = None
        """The referendum's state at the last :meth:`conclude` (``None``: none yet)."""
        self._setup_end = 0
        self._current: list[_Item] = []

    @property
    def events(self) -> int:
        """How many events were checked so far."""
        return self.p1.lines

    @property
    def head(self) -> Link | None:
        """The height, hash and timestamp of the last event checked."""
        return self.p1.link

    @property
    def genesis(self) -> ElectionState | None:
        """The state of the manifest alone (``None`` before the first event)."""
        return self.p1.genesis

    def region_ballots(self) -> dict[str, int]:
        """The accepted ballots so far in each region that has any (replaced ones
        included)."""
        return {region: sums.ballots for region, sums in sorted(self.p1.sums.items())}

    def advance(self, end: int | None = None) -> bool:
        """Check the lines from :attr:`offset` up to ``end`` (default: the end of the file,
        which must end with a whole line); ``False`` once a failure stopped the reading
        (it is in :attr:`report`, and every later advance does nothing)."""
        if not self.report.sound:
            return False
        p1, current = self.p1, self._current
        try:
            if end is None:
                end = size_of(self.path)
            if self._setup_state is None and self.offset < end:
                reached, opened = _read_setup(self.path, p1, current, self.offset, end)
                self.offset = self._setup_end = reached
                if opened:
                    self._setup_state = state_from_events(setup_events(p1.non_ballot))
            if self._setup_state is not None and self.offset < end:
                tasks = _tasks(self.path, self._setup_end, self.offset, end, self.chunk_bytes)
                if tasks:
                    prime_state(tasks[0], self._setup_state)
                    runner = open_runner(workers=self.workers, dask=self.dask)
                    try:
                        for result in runner.run(tasks):
                            _merge(p1, result, self.path, current)
                    finally:
                        runner.close()
                        release_state()
                self.offset = end
        except (PayloadError, ManifestError) as exc:
            item = current[-1]
            member = exc.field.split(".")[0].split("[")[0]
            check = _CHECK_OF_MEMBER.get(
                (item.type, member), _CHECK_OF_TYPE.get(item.type, Check.EVENT_ORDER)
            )
            field = f"payload.{exc.field}"
            self.report.failed(
                check, f"event {item.height} ({item.type})", f"{field}: {exc.reason}", field=field
            )
        except RecordError as exc:
            self.report.failed(Check.CHAIN, "events.jsonl", str(exc))
        except OSError as exc:  # a read failing midway (a file or a server gone)
            self.report.failed(
                Check.CHAIN, "events.jsonl", f"cannot be read: {exc.strerror or exc}"
            )
        except (ReferendumError, KeyError, TypeError, ValueError) as exc:
            item = current[-1]
            check = _CHECK_OF_TYPE.get(item.type, Check.EVENT_ORDER)
            self.report.failed(check, f"event {item.height} ({item.type})", f"malformed: {exc!r}")
        return self.report.sound

    def conclude(self, chain: str | None = None) -> Report:
        """The report on the events checked so far (every check of
        :func:`verify_record` but those against ``record.json``); ``chain`` is the CHAIN
        check's detail.  A fresh report each time (the reading's failure, if any, alone)."""
        if not self.report.sound:
            return self.report
        report = Report(results=list(self.report.results), summary=dict(self.report.summary))
        report.passed(Check.CHAIN, chain or f"{self.p1.lines} events, hashes and links verified")
        self.full = _conclude(report, self.path, self.p1, self.workers, self.dask)
        return report


def _conclude(
    report: Report, path: str, p1: _Pass1, workers: int = 1, dask: Any = None
) -> ElectionState | None:
    """The checks of the record read into ``p1`` (after its chain); the referendum's state
    (``None`` when the manifest cannot be read)."""
    report.phase = PHASES[p1.stage]

    try:
        full = state_from_events(p1.non_ballot)
    except (ReferendumError, KeyError, TypeError, ValueError) as exc:
        report.failed(Check.MANIFEST, "event 0", str(exc))
        return None
    report.passed(
        Check.MANIFEST,
        f"referendum {full.manifest.id!r}, fingerprint {full.fingerprint.hex()[:16]}...",
    )
    report.summary["fingerprint"] = full.fingerprint.hex()

    if p1.order_error:
        report.failed(Check.EVENT_ORDER, *p1.order_error)
    else:
        report.passed(Check.EVENT_ORDER, "events in the order of the referendum's phases")

    _verify_ceremony(report, full, p1.non_ballot)
    _verify_credentials(report, full)
    _verify_window(report, full, p1)

    if p1.ballot_failure:
        report.failed(Check.BALLOTS, *p1.ballot_failure)
    elif p1.accepted:
        report.passed(
            Check.BALLOTS,
            f"{p1.accepted} accepted ballots: listed credential, region, signature, proofs",
        )
    else:
        report.skipped(Check.BALLOTS, "no ballots")
    if p1.revote_error:
        report.failed(Check.REVOTES, *p1.revote_error)
    elif full.manifest.deniable and not p1.accepted:
        report.skipped(
            Check.REVOTES, "deniable revoting: FILTER keeps each voter's last ballot, unseen"
        )
    else:
        report.passed(
            Check.REVOTES,
            f"{p1.revotes} replacements recorded; "
            f"{len(p1.last)} ballots count (last per credential)",
        )
    if p1.rejection_error:
        report.failed(Check.REJECTIONS, *p1.rejection_error)
    else:
        report.passed(
            Check.REJECTIONS,
            f"{sum(p1.rejections.values())} rejected submissions logged"
            + (
                f" ({', '.join(f'{k}: {v}' for k, v in sorted(p1.rejections.items()))})"
                if p1.rejections
                else ""
            ),
        )
    report.summary["accepted"] = p1.accepted
    report.summary["counted"] = len(p1.last)
    report.summary["rejected"] = dict(p1.rejections)

    counted = None
    if full.manifest.deniable or p1.first_deniable is not None:
        try:
            counted = _verify_deniable(report, path, full, p1, workers, dask)
        except RecordError as exc:
            report.failed(Check.CHAIN, "events.jsonl", str(exc))
            return full
        if counted is None:
            for check in (Check.TALLY, Check.DECRYPTION, Check.RESULTS, Check.OUTCOME):
                report.skipped(check, "a step of deniable revoting failed")
            return full
    _verify_count(report, path, full, p1, counted)
    return full


def _verify_deniable(
    report: Report,
    path: str,
    state: ElectionState,
    p1: _Pass1,
    workers: int = 1,
    dask: Any = None,
) -> dict[str, RegionTally] | None:
    """The checks of deniable revoting (docs/spec/coercion.md section 6): every deniable
    ballot, then each region's dummies, mixes, groups, filter and eligibility, the events
    read again from ``path`` one at a time; the sums of the rows that count (``None`` when a
    check failed: it is in the report)."""
    names = (Check.DUMMIES, Check.MIX, Check.GROUPS, Check.FILTER, Check.ELIGIBILITY)
    if not state.manifest.deniable:
        assert p1.first_deniable is not None
        height, event_type = p1.first_deniable
        report.failed(
            Check.DENIABLE_BALLOTS,
            f"event {height}",
            f"a {event_type} event in a referendum with visible revoting",
        )
        return None
    if p1.accepted:
        report.failed(
            Check.DENIABLE_BALLOTS, "ballot.accepted", "a visible ballot in a deniable referendum"
        )
        return None
    if p1.deniable_window_error is not None:
        report.failed(
            Check.WINDOW, f"event {p1.deniable_window_error}", "a ballot outside the voting periods"
        )
        return None
    assert state.manifest.tallying_authority is not None
    from referendum.protocol import deniable
    from referendum.protocol.deniable_tasks import RegionFigures

    given = state.tally is not None or p1.deniable_steps.count > 0
    ballots_n = p1.deniable_ballots.count
    figures = _deniable_in_tasks(
        state,
        p1.deniable_ballots.events(path),
        p1.deniable_steps.events(path) if given else None,
        workers,
        dask,
    )
    authority = Point.from_hex(state.manifest.tallying_authority)
    ballots: list[Event] = []
    if figures is None:  # a failure to name: the checks one by one, in this process, whole
        ballots = list(p1.deniable_ballots.events(path))
        try:
            deniable.check_ballots(state, authority, ballots)
        except deniable.StepFailure as exc:
            report.failed(Check(exc.step), exc.item, exc.reason)
            return None
        except PhaseError as exc:
            report.failed(Check.DENIABLE_BALLOTS, "election.key", str(exc))
            return None
    if ballots_n:
        report.passed(
            Check.DENIABLE_BALLOTS,
            f"{ballots_n} deniable ballots: encrypted credential proven, proofs bound to it",
        )
    else:
        report.skipped(Check.DENIABLE_BALLOTS, "no ballots")
    if not given:
        for check in names:
            report.skipped(check, "the tallying authority has not published its steps")
        return {}
    if figures is None:
        figures = {}
        try:
            steps = list(p1.deniable_steps.events(path))
            by_region = deniable.collect_steps(state, ballots, steps)
            for region in state.manifest.regions:
                count = deniable.verify_region(state, region.id, by_region[region.id])
                figures[region.id] = RegionFigures(
                    count.ballots,
                    count.dummies,
                    count.voters,
                    len(count.counted),
                    deniable.selected_tally(state, region.id, count.counted),
                )
        except deniable.StepFailure as exc:
            report.failed(Check(exc.step), exc.item, exc.reason)
            return None
    tallies: dict[str, RegionTally] = {}
    for region in state.manifest.regions:
        tallies[region.id] = figures[region.id].tally
    ballots_n = sum(f.ballots for f in figures.values())
    dummies_n = sum(f.dummies for f in figures.values())
    voters_n = sum(f.voters for f in figures.values())
    counted_n = sum(f.counted for f in figures.values())
    report.passed(
        Check.DUMMIES,
        f"{dummies_n} dummies, publicly dummies; group sizes are the cover of the ballots and "
        "voters in every region",
    )
    report.passed(
        Check.MIX, f"every shuffle proof verifies ({ballots_n + dummies_n} rows mixed first)"
    )
    report.passed(
        Check.GROUPS,
        f"{voters_n} groups by proven pseudonym, counters proven and consecutive in each",
    )
    report.passed(Check.FILTER, f"each group's last ballot selected with its proof ({voters_n})")
    report.passed(
        Check.ELIGIBILITY,
        f"{counted_n} counted rows, each a distinct listed credential's (second mix and list mix "
        "proven)",
    )
    report.summary["counted"] = counted_n
    report.summary["accepted"] = ballots_n
    return tallies


def _deniable_in_tasks(
    state: ElectionState,
    ballots: Iterable[Event],
    steps: Iterable[Event] | None,
    workers: int,
    dask: Any,
) -> Any:
    """The deniable checks as tasks (:mod:`referendum.protocol.deniable_tasks`), here or
    shared by ``workers`` processes or the Dask cluster ``dask``, so that no step is held
    decoded whole: each region's figures, or ``None`` when something does not hold (the
    checks one by one then name it)."""
    from referendum.protocol import deniable_tasks

    runner = open_runner(workers=workers, dask=dask)
    try:
        return deniable_tasks.check_in_tasks(
            state, ballots, steps, lambda tasks: runner.map(deniable_tasks.run_task, tasks)
        )
    except deniable_tasks.Unsure:
        return None
    finally:
        runner.close()


def _read_setup(
    path: str, p1: _Pass1, current: list[_Item], start: int = 0, end: int = 1 << 62
) -> tuple[int, bool]:
    """Read and merge the events from ``start`` up to ``voting.open`` (or ``end``); the
    offset just after the last line read, and whether it was ``voting.open``."""
    try:
        handle = open_binary(path)
    except OSError as exc:
        raise RecordError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    reached = start
    with handle:
        try:
            for index, (offset, line) in enumerate(_read_lines(handle, start, end), p1.lines):
                event = parse_event_line(line, index)
                check_join(p1.link, Link(event.height, event.parent, event.timestamp), index)
                p1.link = Link(event.height, event.hash, event.timestamp)
                p1.lines += 1
                reached = offset + len(line) + 1
                item: _Item = event
                if event.type == m.BALLOT_ACCEPTED:
                    item = BallotEntry(event.height, None, None, None, offset)
                elif event.type in DENIABLE_TYPES:
                    item = deniable_entry(event, offset, reached)
                elif event.type == m.BALLOT_REJECTED and p1.genesis is not None:
                    item = rejection_entry(p1.genesis, event, content=False)  # not open yet
                current.append(item)
                _consume(p1, item)
                current.pop()
                if event.type == m.VOTING_OPEN:
                    current.append(item)  # a setup that does not replay is blamed on it
                    return reached, True
        except LineError as exc:
            raise RecordError(f"{path}: line {exc.line + 1}: {exc.reason}") from None
    return reached, False


def _tasks(path: str, setup_end: int, start: int, end: int, chunk_bytes: int) -> list[RangeTask]:
    """The ranges of the lines in ``[start, end)``, past the setup (which ends at
    ``setup_end``)."""
    stamp = stamp_of(path)
    if start >= end:
        return []
    return [
        RangeTask(path, a, b, setup_end, stamp)
        for a, b in aligned_ranges(path, start, chunk_bytes, end=end)
    ]


def _sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open_binary(path, block=1 << 22) as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _merge(p1: _Pass1, result: RangeResult, path: str, current: list[_Item]) -> None:
    """Merge one range's result, in the order of the ranges."""
    try:
        if result.first is not None:
            check_join(p1.link, result.first, 0)
        if result.error is not None:
            raise result.error
    except LineError as exc:
        raise RecordError(f"{path}: line {p1.lines + exc.line + 1}: {exc.reason}") from None
    for item in result.items:
        current.append(item)
        _consume(p1, item)
        current.pop()
    if result.failures and p1.ballot_failure is None:
        first = result.failures[0]
        p1.ballot_failure = (f"event {first.height}", first.reason)
    if result.window_error and p1.window_error is None:
        p1.window_error = result.window_error
    for region, data in result.sums.items():
        sums = RegionSums.from_json(data)
        if region in p1.sums:
            p1.sums[region].merge(sums)
        else:
            p1.sums[region] = sums
    p1.sum_error = p1.sum_error or result.sum_error
    p1.lines += result.lines
    p1.link = result.last or p1.link


def _check_totals(p1: _Pass1, path: str, info: RecordInfo, sha256: str) -> None:
    """The line count, the head and the SHA-256 of ``events.jsonl`` against ``record.json``."""
    expected_count, head, events_sha256 = info.event_count, info.head, info.events_sha256
    if p1.lines != expected_count:
        raise RecordError(f"{path}: {p1.lines} events, but {RECORD_FILE} says {expected_count}")
    head_hash = None if p1.link is None else p1.link.hash
    expected = None if head is None else head.hash
    if head_hash != expected:
        raise RecordError(
            f"{path}: the last event's hash is {head_hash}, {RECORD_FILE} says {expected}"
        )
    if sha256 != events_sha256:
        raise RecordError(f"{path}: SHA-256 is {sha256}, {RECORD_FILE} says {events_sha256}")


def _consume(p1: _Pass1, item: _Item) -> None:
    if isinstance(item, Event) and item.height > 0 and item.type in PAYLOADS:
        check_payload(item.type, item.payload)
    if item.height == 0:
        if not isinstance(item, Event) or item.type != m.MANIFEST:
            raise RecordError("the first event is not a manifest")
        p1.non_ballot.append(item)
        p1.genesis = state_from_events([item])
        return
    _check_order(p1, item)
    if isinstance(item, RejectionEntry):
        p1.rejections[item.reason] += 1
        if p1.rejection_error is None:
            problem = item.problem or _misdecided(p1, item)
            if problem:
                p1.rejection_error = (f"event {item.height}", problem)
    elif isinstance(item, BallotEntry):
        if not p1.opened:
            p1.order_error = p1.order_error or (
                f"event {item.height}",
                "a ballot before voting opened",
            )
            return
        _check_ballot_sequence(p1, item)
    elif isinstance(item, DeniableEntry):
        _keep_deniable(p1, item)
    elif isinstance(item, Event):
        if item.type in DENIABLE_TYPES:  # its payload checked here, not where it was read
            raise RecordError(f"event {item.height} ({item.type}) read differently twice")
        key = _once_key(item)
        if key is not None:
            if key in p1.seen:  # reported by _check_order; the state keeps the first
                return
            p1.seen.add(key)
        p1.non_ballot.append(item)
        if item.type == m.VOTING_OPEN:
            p1.opened = True


def _keep_deniable(p1: _Pass1, entry: DeniableEntry) -> None:
    """Keep a deniable event's place (its payload is read again by the deniable checks) and
    what is judged of it before them."""
    if p1.first_deniable is None:
        p1.first_deniable = (entry.height, entry.type)
    if entry.type != m.BALLOT_DENIABLE:
        p1.deniable_steps.add(entry)
        return
    p1.deniable_ballots.add(entry)
    assert p1.genesis is not None  # the manifest is event 0
    moment = parse_timestamp(entry.timestamp, field_name="timestamp")
    if p1.deniable_window_error is None and not p1.genesis.manifest.in_window(moment):
        p1.deniable_window_error = entry.height


_PHASE_OF_STAGE = (Phase.SETUP, Phase.OPEN, Phase.CLOSED, Phase.TALLIED, Phase.PUBLISHED)


def _once_key(event: Event) -> tuple[str, object] | None:
    """What may appear only once: an event type, a trustee's event, a region's list."""
    if event.type in _ONCE:
        return (event.type, None)
    if event.type in _PER_TRUSTEE:
        return (event.type, event.payload["trustee"])
    if event.type == m.CREDENTIALS:
        return (event.type, event.payload["region"])
    return None


def _misdecided(p1: _Pass1, entry: RejectionEntry) -> str | None:
    """Why a refusal's reason is not the one the board's own decision gives at its point of
    the record (the phase, its timestamp, the tracking codes accepted before it, each
    credential's last ballot), if it is not.
    """
    assert entry.examined is not None and p1.genesis is not None
    try:
        expected = decide(
            entry.examined,
            phase=_PHASE_OF_STAGE[p1.stage],
            manifest=p1.genesis.manifest,
            moment=parse_timestamp(entry.timestamp, field_name="timestamp"),
            replayed=lambda code: hex_key(code) in p1.codes,
            last=lambda credential: _last_code(p1, credential),
        )
    except ReferendumError as exc:
        return f"the refusal cannot be re-decided: {exc}"
    if expected is None:
        return (
            f"refused as {entry.reason}, but the submission is a valid ballot at this point of "
            "the record: it should have been accepted"
        )
    if (expected.code, expected.field) != (entry.reason, entry.field):
        return (
            f"refused as {entry.reason} ({entry.field}), but the record gives "
            f"{expected.code} ({expected.field}: {expected.detail})"
        )
    return None


def _check_order(p1: _Pass1, event: _Item) -> None:
    if p1.order_error:
        return
    if isinstance(event, Event) and event.type in PAYLOADS:
        key = _once_key(event)
        if key is not None and key in p1.seen:
            whose = {m.CREDENTIALS: f" for region {key[1]}"}.get(
                event.type, f" of trustee {key[1]}" if event.type in _PER_TRUSTEE else ""
            )
            p1.order_error = (f"event {event.height}", f"a second {event.type} event{whose}")
            return
    for index in range(p1.stage + 1, len(_STAGES)):
        if _STAGES[index][0] == event.type:
            if index != p1.stage + 1 and not (event.type == m.RESULTS and p1.stage == 3):
                p1.order_error = (f"event {event.height}", f"{event.type} out of order")
            p1.stage = index
            return
    if event.type not in _STAGES[p1.stage][1] and event.type != m.MANIFEST:
        p1.order_error = (f"event {event.height}", f"{event.type} not allowed here")
    elif event.type == m.MANIFEST:
        p1.order_error = (f"event {event.height}", "a second manifest")


def _shown(value: object) -> object:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple):
        return value[1]
    return value


def _check_ballot_sequence(p1: _Pass1, entry: BallotEntry) -> None:
    p1.accepted += 1
    if entry.code in p1.codes and p1.revote_error is None:
        p1.revote_error = (f"event {entry.height}", "a ballot appears twice (replay)")
    p1.codes.add(entry.code)
    packed = p1.last.get(entry.credential)
    previous = None if packed is None else _unpack(packed)
    expected = None if previous is None else previous[0]
    if entry.replaces != expected and p1.revote_error is None:
        p1.revote_error = (
            f"event {entry.height}",
            f"'replaces' is {_shown(entry.replaces)!r}, "
            f"the credential's previous ballot is {_shown(expected)!r}",
        )
    if previous is not None:
        p1.revotes += 1
        p1.superseded.append(previous[1])
    p1.last[entry.credential] = _pack(entry.code, entry.offset)


def _last_code(p1: _Pass1, credential: str) -> str | None:
    """The tracking code of the credential's last ballot accepted so far in the record."""
    packed = p1.last.get(hex_key(credential))
    if packed is None:
        return None
    code = _unpack(packed)[0]
    return code.hex() if isinstance(code, bytes) else str(code)


def _pack(code: object, offset: int) -> object:
    if isinstance(code, bytes) and len(code) == 32:
        return code + offset.to_bytes(8, "big")
    return (code, offset)


def _unpack(packed: object) -> tuple[object, int]:
    if isinstance(packed, bytes):
        return packed[:32], int.from_bytes(packed[32:], "big")
    assert isinstance(packed, tuple)
    return packed[0], int(packed[1])


def _verify_ceremony(report: Report, state: ElectionState, events: list[Event]) -> None:
    try:
        check_ceremony_order(state, events)
        if state.election_key is None and state.opened_at is None:
            report.skipped(Check.KEY_CEREMONY, "the key ceremony is under way (no election key)")
            return
        detail = check_ceremony(state)
    except (ReferendumError, KeyError, TypeError, ValueError) as exc:
        report.failed(Check.KEY_CEREMONY, "trustee events", str(exc))
        return
    report.passed(Check.KEY_CEREMONY, detail)


def _verify_credentials(report: Report, state: ElectionState) -> None:
    regions = {r.id for r in state.manifest.regions}
    published = set(state.credentials)
    early = state.opened_at is None and published < regions  # lists still to come
    if published != regions and not early:
        missing = sorted(regions - published) or sorted(published - regions)
        report.failed(
            Check.CREDENTIALS, f"region {missing[0]}", "credential lists do not match the regions"
        )
        return
    try:
        total = check_all_credential_lists(state)
    except ReferendumError as exc:
        report.failed(Check.CREDENTIALS, "credentials", str(exc))
        return
    if early:
        report.passed(
            Check.CREDENTIALS,
            f"{total} public credentials in {len(published)} of {len(regions)} regions so far, "
            "signed by the credential authority",
        )
        return
    report.passed(
        Check.CREDENTIALS,
        f"{total} public credentials in {len(regions)} regions, signed by the credential "
        "authority, frozen before voting opened",
    )


def _verify_window(report: Report, state: ElectionState, p1: _Pass1) -> None:
    if p1.window_error:
        report.failed(Check.WINDOW, *p1.window_error)
        return
    if state.opened_at is None:
        report.skipped(Check.WINDOW, "voting has not opened")
        return
    last_close = parse_timestamp(state.manifest.window[-1].closes, field_name="window")
    if state.closed_at is not None and state.closed_at < last_close:
        report.failed(Check.WINDOW, "voting.close", "voting closed before the end of the window")
        return
    periods = ", ".join(f"{p.opens} to {p.closes}" for p in state.manifest.window)
    report.passed(Check.WINDOW, f"every ballot accepted within the voting periods ({periods})")


def _counted_sums(path: str, state: ElectionState, p1: _Pass1) -> dict[str, RegionTally]:
    """The per-region sums of the ballots that count: every ballot's, minus those replaced
    by a later ballot of the same credential (re-read by their offsets)."""
    if p1.sum_error:
        raise RecordError(p1.sum_error)
    replaced, error = sum_ballot_lines(path, p1.superseded, state)
    if error:
        raise RecordError(error)
    tallies = {}
    for region in state.manifest.regions:
        sums = p1.sums.get(region.id)
        if sums is None:
            style = state.manifest.ballot_style(region.id)
            zero = [[Ciphertext.zero() for _ in q.answers] for q in style]
            sums = RegionSums(0, zero)
        if region.id in replaced:
            sums.merge(replaced[region.id], sign=-1)
        tallies[region.id] = RegionTally(sums.ballots, sums.sums)
    return tallies


def _verify_count(
    report: Report,
    path: str,
    state: ElectionState,
    p1: _Pass1,
    counted: dict[str, RegionTally] | None = None,
) -> None:
    if state.tally is None:
        for check in (Check.TALLY, Check.DECRYPTION, Check.RESULTS, Check.OUTCOME):
            report.skipped(check, "no tally published")
        return
    try:
        sums = counted if counted is not None else _counted_sums(path, state, p1)
        recomputed = tally_payload(state.manifest, sums)
    except (ReferendumError, KeyError, TypeError, ValueError, LineError) as exc:
        report.failed(Check.TALLY, "ballots", f"cannot sum the ballots: {exc}")
        return
    if canonical_json(recomputed) != canonical_json(state.tally):
        bad = next(
            (
                r
                for r in recomputed["regions"]
                if recomputed["regions"][r] != state.tally.get("regions", {}).get(r)
            ),
            "regions",
        )
        report.failed(
            Check.TALLY, f"region {bad}", "published tally differs from the sum of the ballots"
        )
        return
    report.passed(
        Check.TALLY,
        "the encrypted tally is the sum of the rows the filter kept (each voter's last ballot)"
        if counted is not None
        else "the encrypted tally is the sum of the last ballot of each credential",
    )

    if state.results is None:
        try:  # shares published before the results must already be signed and well-formed
            for trustee, payload in sorted(state.shares.items()):
                parse_share_event(state, trustee, payload)
        except (ReferendumError, KeyError, TypeError, ValueError) as exc:
            report.failed(Check.DECRYPTION, "decryption shares", str(exc))
        else:
            report.skipped(Check.DECRYPTION, "no results published")
        for check in (Check.RESULTS, Check.OUTCOME):
            report.skipped(check, "no results published")
        return
    try:
        results = compute_results(state)
    except (ReferendumError, KeyError, TypeError, ValueError) as exc:
        report.failed(Check.DECRYPTION, "decryption shares", str(exc))
        return
    try:
        check_share_accounting(state, results, state.results)
    except ProofError as exc:
        report.failed(Check.DECRYPTION, "results", str(exc))
        return
    rejected = sorted(int(k) for k in results.get("rejected_shares", {}))
    report.passed(
        Check.DECRYPTION,
        f"signed decryption shares of trustees {results['trustees']} verified "
        f"(threshold {state.manifest.trustees.threshold})"
        + (f"; trustees {rejected} published failing shares" if rejected else ""),
    )
    if canonical_json(results["regions"]) != canonical_json(state.results.get("regions")):
        bad = next(
            (
                r
                for r in results["regions"]
                if results["regions"][r] != state.results["regions"].get(r)
            ),
            "regions",
        )
        report.failed(Check.RESULTS, f"region {bad}", "published counts differ from the decryption")
        return
    report.passed(Check.RESULTS, "published per-region counts equal the decrypted tally")
    report.summary["results"] = results["regions"]
    outcome = outcome_of(state.manifest, results["regions"])
    if canonical_json(outcome.to_mapping()) != canonical_json(state.results.get("outcome")):
        report.failed(Check.OUTCOME, "results.outcome", f"the rule gives {outcome.decision.value}")
        return
    report.summary["outcome"] = outcome.decision.value
    rule = (
        state.manifest.outcome_rule().describe()
        if state.manifest.questions[0].is_referendum
        else "an absolute majority against the status quo"
    )
    report.passed(Check.OUTCOME, f"{outcome.decision.value} under the rule: {rule}")
