"""``referendum track --receipt``: does a published record hold the event a receipt names?

A receipt (:mod:`referendum.protocol.receipts`) is the board's signed statement that, at its
height, its chain reached an event with its hash.  Against a record (a directory or the
http(s) URL of one) this module checks, reading the record only:

1. the receipt is for this record's referendum (its fingerprint) and was signed with the
   manifest's ``board_key`` (otherwise the receipt proves nothing: an input error, never an
   accusation);
2. the record's chain holds the event at that height, with that hash, of that kind, subject
   and timestamp, and reaches the record's head (the whole record is read as
   ``referendum verify`` reads it: every hash, every link, ``record.json``).

When the record holds another event there, or stops short of it although it goes on past
the receipt's time, the board has rewritten its chain after signing: the verdict carries a
self-contained statement (the receipt, the board key, what the record holds instead) that
anyone can check.  A record that simply ends before the receipt's time is older than the
receipt (``not_yet``): no one is accused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from referendum.crypto.group import Point
from referendum.errors import InputError, ManifestError, ProofError, RecordError
from referendum.protocol.receipts import (
    BoardReceipt,
    check_receipt_signature,
    parse_short_code,
    short_code_matches,
)
from referendum.protocol.state import manifest_fingerprint
from referendum.record import messages as m
from referendum.record.event import Event
from referendum.record.io import EVENTS_FILE, RecordInfo, read_events
from referendum.record.manifest import manifest_from_mapping
from referendum.verify.source import join, open_binary, record_info

__all__ = [
    "STATEMENT_FORMAT",
    "ReceiptVerdict",
    "check_receipt",
    "find_short_code",
    "record_events",
]

STATEMENT_FORMAT = "referendum-misbehaviour/1"

Status = Literal["holds", "misbehaviour", "not_yet"]


@dataclass
class ReceiptVerdict:
    """What the record says of a receipt."""

    status: Status
    receipt: BoardReceipt
    board_key: str
    info: RecordInfo
    reason: str
    found: Event | None = None
    """The record's event at the receipt's height (``None``: the record is shorter)."""
    elsewhere: list[int] = field(default_factory=list)
    """Other heights where the record holds the receipt's tracking code or digest."""
    replaced_by: Event | None = None
    """For a ballot: the credential's next accepted ballot after it, if any."""

    @property
    def holds(self) -> bool:
        return self.status == "holds"

    def statement(self) -> dict[str, Any]:
        """The verdict as JSON; for misbehaviour, a statement anyone can check alone: the
        receipt and the board key verify its signature, the event and the record's head show
        what the board published instead."""
        head = self.info.head
        out: dict[str, Any] = {
            "verdict": self.status,
            "reason": self.reason,
            "receipt": self.receipt.to_json(),
            "short_code": self.receipt.short_code,
            "board_key": self.board_key,
            "record": {
                "event_count": self.info.event_count,
                "head_hash": None if head is None else head.hash,
                "events_sha256": self.info.events_sha256,
                "event_at_height": None if self.found is None else self.found.to_json(),
                "subject_at_heights": self.elsewhere,
            },
        }
        if self.status == "misbehaviour":
            out["format"] = STATEMENT_FORMAT
        if self.replaced_by is not None:
            out["replaced_by"] = {
                "height": self.replaced_by.height,
                "tracking_code": self.replaced_by.payload["tracking_code"],
            }
        return out


def record_events(location: str | os.PathLike[str]) -> tuple[RecordInfo, Iterator[Event]]:
    """``record.json`` of a record directory or URL, and its events (each checked)."""
    info = record_info(location)
    where = join(location, EVENTS_FILE)

    def events() -> Iterator[Event]:
        try:
            handle = open_binary(where)
        except OSError as exc:
            raise RecordError(f"{where}: cannot be read: {exc.strerror or exc}") from None
        with handle:
            yield from read_events(handle, str(where), info)

    return info, events()


def _board_key(genesis: Event, receipt: BoardReceipt) -> Point:
    if genesis.type != m.MANIFEST:
        raise RecordError("event 0: the record does not start with a manifest")
    try:
        manifest = manifest_from_mapping(genesis.payload)
    except ManifestError as exc:
        raise RecordError(f"event 0: the manifest: {exc}") from None
    fingerprint = manifest_fingerprint(genesis.payload).hex()
    if receipt.fingerprint != fingerprint:
        raise InputError(
            "receipt.fingerprint",
            f"this receipt is for another referendum (fingerprint {receipt.fingerprint}); "
            f"this record's is {fingerprint}",
        )
    key = Point.from_hex(manifest.board_key)
    try:
        check_receipt_signature(receipt, key)
    except ProofError:
        raise InputError(
            "receipt.signature",
            "does not verify under the board key of this record's manifest: the receipt "
            "was altered or forged, and proves nothing (no one is accused)",
        ) from None
    return key


def check_receipt(receipt: BoardReceipt, location: str | os.PathLike[str]) -> ReceiptVerdict:
    """Check ``receipt`` against the record at ``location`` (module docstring).

    Raises :class:`InputError` for a receipt of another referendum or with a bad signature,
    :class:`RecordError` for a record that cannot be read or whose chain is broken.
    """
    info, events = record_events(location)
    key: Point | None = None
    found: Event | None = None
    elsewhere: list[int] = []
    replaced_by: Event | None = None
    last: Event | None = None
    for event in events:
        last = event
        if key is None:
            key = _board_key(event, receipt)
            continue
        if event.height == receipt.height:
            found = event
        elif event.type == receipt.event_type and (
            event.payload.get(receipt.subject_field) == receipt.subject
        ):
            elsewhere.append(event.height)
        if (
            replaced_by is None
            and found is not None
            and found.type == m.BALLOT_ACCEPTED
            and event.height > found.height
            and event.type == m.BALLOT_ACCEPTED
            and event.payload.get("credential") == found.payload.get("credential")
        ):
            replaced_by = event
    if key is None or last is None:
        raise RecordError(f"{join(location, EVENTS_FILE)}: the record holds no events")
    status, reason = _judge(receipt, found, last)
    return ReceiptVerdict(
        status,
        receipt,
        key.hex(),
        info,
        reason,
        found=found,
        elsewhere=elsewhere,
        replaced_by=replaced_by if status == "holds" else None,
    )


def _judge(receipt: BoardReceipt, found: Event | None, last: Event) -> tuple[Status, str]:
    what = f"{receipt.kind} {receipt.subject_field} {receipt.subject}"
    if found is not None and receipt.matches(found):
        return "holds", (
            f"the record holds event {receipt.height} ({what}) with the receipt's hash, and "
            f"its chain goes on through it to its head (event {last.height})"
        )
    if found is not None:
        if found.hash == receipt.event_hash:
            return "misbehaviour", (
                f"the board signed a receipt whose fields do not match event "
                f"{receipt.height} that it names ({found.type})"
            )
        return "misbehaviour", (
            f"the board signed that event {receipt.height} of its chain is {what} with hash "
            f"{receipt.event_hash}; the record's event {receipt.height} is a {found.type} "
            f"with hash {found.hash}: the record is not the chain the board signed"
        )
    if last.timestamp > receipt.timestamp:
        return "misbehaviour", (
            f"the board signed that its chain reached event {receipt.height} ({what}) at "
            f"{receipt.timestamp}; the record goes on to {last.timestamp} but ends at event "
            f"{last.height}: the record is not the chain the board signed"
        )
    return "not_yet", (
        f"the record ends at event {last.height} ({last.timestamp}), before the receipt's "
        f"event {receipt.height} ({receipt.timestamp}): it was published earlier; check a "
        "later record"
    )


def find_short_code(code: str, location: str | os.PathLike[str]) -> tuple[Event | None, bool]:
    """The record's event at a short code's height (``None``: the record is shorter), and
    whether its hash begins as the code says.  The code is not signed: a mismatch is a reason
    to check the receipt file, never evidence (record.md section 10.3)."""
    height, chars = parse_short_code(code)
    _, events = record_events(location)
    found = None
    for event in events:  # read to the end: the chain and record.json are checked
        if event.height == height:
            found = event
    return found, found is not None and short_code_matches(chars, found.hash)
