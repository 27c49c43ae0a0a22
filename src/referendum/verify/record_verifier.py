"""``verify_record``: every check of docs/spec/verification.md, streamed over the record.

Two streamed passes over ``events.jsonl``: the first checks the chain, the order of events,
the key ceremony, the credential lists, the window and every accepted ballot (signature,
region, proofs, tracking code, replacement); the second sums the ballots that count.  Memory
holds the non-ballot events, one small integer per credential and one digest per ballot.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from referendum.errors import (
    BoardCorrupted,
    InputError,
    RecordError,
    ReferendumError,
)
from referendum.protocol.ballots import REJECTION_CODES
from referendum.protocol.ceremony import check_ceremony
from referendum.protocol.credentials import check_all_credential_lists
from referendum.protocol.state import ElectionState, state_from_events
from referendum.protocol.tally import (
    compute_results,
    homomorphic_tally,
    outcome_of,
    tally_payload,
)
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.record.io import read_record
from referendum.record.manifest import parse_timestamp
from referendum.verify.ballots import ChunkChecker
from referendum.verify.report import Check, Report

__all__ = ["verify_record"]

CHUNK = 256

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
                m.BALLOT_REJECTED,
            }
        ),
    ),
    (m.VOTING_OPEN, frozenset({m.BALLOT_ACCEPTED, m.BALLOT_REJECTED})),
    (m.VOTING_CLOSE, frozenset({m.BALLOT_REJECTED})),
    (m.TALLY, frozenset({m.DECRYPTION_SHARE, m.BALLOT_REJECTED})),
    (m.RESULTS, frozenset({m.BALLOT_REJECTED})),
]


_CHECK_OF_TYPE = {
    m.MANIFEST: Check.MANIFEST,
    m.TRUSTEE_TRANSPORT: Check.KEY_CEREMONY,
    m.TRUSTEE_DEAL: Check.KEY_CEREMONY,
    m.TRUSTEE_CHECK: Check.KEY_CEREMONY,
    m.ELECTION_KEY: Check.KEY_CEREMONY,
    m.CREDENTIALS: Check.CREDENTIALS,
    m.VOTING_OPEN: Check.CREDENTIALS,  # the state frozen at opening is built here
    m.BALLOT_ACCEPTED: Check.BALLOTS,
    m.BALLOT_REJECTED: Check.REJECTIONS,
    m.VOTING_CLOSE: Check.WINDOW,
    m.TALLY: Check.TALLY,
    m.DECRYPTION_SHARE: Check.DECRYPTION,
    m.RESULTS: Check.RESULTS,
}


class _Pass1:
    """State of the first pass."""

    def __init__(self) -> None:
        self.setup_events: list[Event] = []
        self.non_ballot: list[Event] = []
        self.stage = 0
        self.order_error: tuple[str, str] | None = None
        self.window_error: tuple[str, str] | None = None
        self.revote_error: tuple[str, str] | None = None
        self.last_height: dict[str, int] = {}
        self.last_code: dict[str, str] = {}
        self.codes: set[bytes] = set()
        self.accepted = 0
        self.revotes = 0
        self.rejections: Counter[str] = Counter()
        self.rejection_error: tuple[str, str] | None = None


def verify_record(directory: Path, *, workers: int = 1) -> Report:
    """Verify the record in ``directory``; the report lists every check's result."""
    report = Report()
    try:
        reader = read_record(directory)
    except RecordError as exc:
        report.failed(Check.RECORD_FORMAT, "record.json", str(exc))
        return report
    info = reader.info
    report.passed(Check.RECORD_FORMAT, f"referendum-record version {info.version}")

    p1 = _Pass1()
    state: ElectionState | None = None
    checker: ChunkChecker | None = None
    ballot_failure: tuple[str, str] | None = None
    chunk: list[tuple[int, dict[str, Any]]] = []

    def flush() -> None:
        nonlocal ballot_failure
        if checker is None or not chunk:
            chunk.clear()
            return
        parts = [chunk[i : i + CHUNK] for i in range(0, len(chunk), CHUNK)]
        for failures in checker.run(parts):
            if failures and ballot_failure is None:
                ballot_failure = (f"event {failures[0].height}", failures[0].reason)
        chunk.clear()

    current: Event | None = None
    try:
        for event in reader.events():
            current = event
            if event.height == 0:
                if event.type != m.MANIFEST:
                    raise RecordError("the first event is not a manifest")
                p1.setup_events.append(event)
                p1.non_ballot.append(event)
                state = state_from_events(p1.setup_events)
                continue
            _check_order(p1, event)
            if event.type == m.BALLOT_REJECTED:
                p1.rejections[str(event.payload.get("reason"))] += 1
                problem = _malformed_rejection(event.payload)
                if problem and p1.rejection_error is None:
                    p1.rejection_error = (f"event {event.height}", problem)
                continue
            if event.type == m.BALLOT_ACCEPTED:
                if checker is None:
                    p1.order_error = p1.order_error or (
                        f"event {event.height}",
                        "a ballot before voting opened",
                    )
                    continue
                _check_ballot_sequence(p1, event, state)
                chunk.append((event.height, event.payload))
                if len(chunk) >= CHUNK * checker.workers:
                    flush()
                continue
            p1.non_ballot.append(event)
            if p1.stage == 0:
                p1.setup_events.append(event)
            if event.type == m.VOTING_OPEN:
                state = state_from_events(p1.setup_events)
                checker = ChunkChecker(p1.setup_events, state, workers)
        flush()
    except (RecordError, BoardCorrupted) as exc:
        report.failed(Check.CHAIN, "events.jsonl", str(exc))
        return report
    except (ReferendumError, KeyError, TypeError, ValueError) as exc:
        assert current is not None
        check = _CHECK_OF_TYPE.get(current.type, Check.EVENT_ORDER)
        report.failed(check, f"event {current.height} ({current.type})", f"malformed: {exc!r}")
        return report
    finally:
        if checker is not None:
            checker.close()
    report.passed(Check.CHAIN, f"{info.event_count} events, hashes and links verified")

    try:
        full = state_from_events(p1.non_ballot)
    except (ReferendumError, KeyError, TypeError, ValueError) as exc:
        report.failed(Check.MANIFEST, "event 0", str(exc))
        return report
    report.passed(
        Check.MANIFEST,
        f"referendum {full.manifest.id!r}, fingerprint {full.fingerprint.hex()[:16]}...",
    )
    report.summary["fingerprint"] = full.fingerprint.hex()

    if p1.order_error:
        report.failed(Check.EVENT_ORDER, *p1.order_error)
    else:
        report.passed(Check.EVENT_ORDER, "events in the order of the referendum's phases")

    _verify_ceremony(report, full)
    _verify_credentials(report, full)
    _verify_window(report, full, p1)

    if ballot_failure:
        report.failed(Check.BALLOTS, *ballot_failure)
    elif p1.accepted:
        report.passed(
            Check.BALLOTS,
            f"{p1.accepted} accepted ballots: listed credential, region, signature, proofs",
        )
    else:
        report.skipped(Check.BALLOTS, "no ballots")
    if p1.revote_error:
        report.failed(Check.REVOTES, *p1.revote_error)
    else:
        report.passed(
            Check.REVOTES,
            f"{p1.revotes} replacements recorded; "
            f"{len(p1.last_height)} ballots count (last per credential)",
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
    report.summary["counted"] = len(p1.last_height)
    report.summary["rejected"] = dict(p1.rejections)

    _verify_count(report, directory, full, p1)
    return report


def _is_hex(value: object, length: int = 64) -> bool:
    return (
        isinstance(value, str)
        and len(value) == length
        and all(c in "0123456789abcdef" for c in value)
    )


def _malformed_rejection(payload: dict[str, Any]) -> str | None:
    """A rejection is the board's statement about a submission only its sender holds: its
    form is checked (a known reason, the submission's digest); its words cannot be."""
    if set(payload) != {"reason", "field", "detail", "credential", "submission_sha256"}:
        return "unexpected members"
    if payload["reason"] not in REJECTION_CODES:
        return f"unknown reason {payload['reason']!r}"
    if not isinstance(payload["field"], str) or not isinstance(payload["detail"], str):
        return "field and detail must be strings"
    if payload["credential"] is not None and not _is_hex(payload["credential"]):
        return "credential must be null or 64 hex digits"
    if not _is_hex(payload["submission_sha256"]):
        return "submission_sha256 must be 64 hex digits"
    return None


def _check_order(p1: _Pass1, event: Event) -> None:
    if p1.order_error:
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


def _check_ballot_sequence(p1: _Pass1, event: Event, state: ElectionState | None) -> None:
    p1.accepted += 1
    payload = event.payload
    credential = str(payload.get("credential"))
    code = str(payload.get("tracking_code"))
    digest = hashlib.sha256(code.encode()).digest()
    if digest in p1.codes and p1.revote_error is None:
        p1.revote_error = (f"event {event.height}", "a ballot appears twice (replay)")
    p1.codes.add(digest)
    expected = p1.last_code.get(credential)
    if payload.get("replaces") != expected and p1.revote_error is None:
        p1.revote_error = (
            f"event {event.height}",
            f"'replaces' is {payload.get('replaces')!r}, "
            f"the credential's previous ballot is {expected!r}",
        )
    if expected is not None:
        p1.revotes += 1
    p1.last_height[credential] = event.height
    p1.last_code[credential] = code
    if state is not None and p1.window_error is None:
        try:
            moment = parse_timestamp(event.timestamp, field_name="timestamp")
        except InputError as exc:
            p1.window_error = (f"event {event.height}", str(exc))
            return
        if not state.manifest.in_window(moment):
            p1.window_error = (
                f"event {event.height}",
                f"ballot accepted at {event.timestamp}, outside the voting periods",
            )


def _verify_ceremony(report: Report, state: ElectionState) -> None:
    try:
        detail = check_ceremony(state)
    except (ReferendumError, KeyError, TypeError, ValueError) as exc:
        report.failed(Check.KEY_CEREMONY, "trustee events", str(exc))
        return
    report.passed(Check.KEY_CEREMONY, detail)


def _verify_credentials(report: Report, state: ElectionState) -> None:
    regions = {r.id for r in state.manifest.regions}
    published = set(state.credentials)
    if published != regions:
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


def _verify_count(report: Report, directory: Path, state: ElectionState, p1: _Pass1) -> None:
    if state.tally is None:
        for check in (Check.TALLY, Check.DECRYPTION, Check.RESULTS, Check.OUTCOME):
            report.skipped(check, "no tally published")
        return
    ballots = (e for e in read_record(directory).events() if e.type == m.BALLOT_ACCEPTED)
    try:
        tallies = homomorphic_tally(state.manifest, p1.last_height, ballots)
        recomputed = tally_payload(state.manifest, tallies)
    except (ReferendumError, KeyError, TypeError, ValueError) as exc:
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
        Check.TALLY, "the encrypted tally is the sum of the last ballot of each credential"
    )

    if state.results is None:
        for check in (Check.DECRYPTION, Check.RESULTS, Check.OUTCOME):
            report.skipped(check, "no results published")
        return
    try:
        used = [int(t) for t in state.results["trustees"]]
        results = compute_results(state, trustees=used)
    except (ReferendumError, KeyError, TypeError, ValueError) as exc:
        report.failed(Check.DECRYPTION, "decryption shares", str(exc))
        return
    report.passed(
        Check.DECRYPTION,
        f"decryption shares of trustees {used} verified "
        f"(threshold {state.manifest.trustees.threshold})",
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
