"""Receipts the voter keeps: the board's signed statement that it appended an event.

When the board accepts a ballot, or refuses a submission, it signs a *receipt* naming the
referendum (its fingerprint), what happened (``accepted`` with the ballot's tracking code, or
``refused`` with the submission's SHA-256), and where: the event's height, hash and timestamp.
The event hash commits to every event before it, so a record whose chain does not pass
through that event, at that height, is a record the board has rewritten; the receipt,
signed with the ``board_key`` of the manifest (fixed before voting by the fingerprint), proves
it to anyone.  The format is ``docs/spec/record.md`` section 10.

The signed message is::

    sha256_fields("referendum/v1/receipt", fingerprint, utf8(kind), subject, u64(height),
                  event hash, utf8(timestamp))

(``subject``: the 32 bytes of the tracking code or of the submission's SHA-256; ``fingerprint``
and ``event hash``: 32 bytes each), signed with the Schnorr signature of ballots
(:mod:`referendum.crypto.credentials`).

The *short code* (:func:`short_code`) is what a voter can write down: the height and 60 bits
of the event hash, with two check characters.  It is not signed: it finds the voter's event
and checks that the record still holds it, but it proves nothing to anyone else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from referendum.crypto.credentials import (
    ALPHABET,
    Signature,
    check_characters,
    sign,
    verify_signature,
)
from referendum.crypto.group import Point, Scalar
from referendum.crypto.hashing import sha256_fields
from referendum.crypto.random import RandomSource
from referendum.errors import InputError
from referendum.record import messages as m
from referendum.record.canonical import parse_json_strict
from referendum.record.event import Event, check_timestamp

__all__ = [
    "MAX_RECEIPT_BYTES",
    "RECEIPT_DOMAIN",
    "RECEIPT_FORMAT",
    "SUBJECT_FIELD",
    "BoardReceipt",
    "ReceiptKind",
    "check_receipt_signature",
    "parse_receipt",
    "parse_short_code",
    "short_code",
    "short_code_matches",
    "sign_receipt",
]

RECEIPT_FORMAT: Final = "referendum-receipt/1"
RECEIPT_DOMAIN: Final = "referendum/v1/receipt"
MAX_RECEIPT_BYTES: Final = 16 * 1024
"""A receipt file is a few hundred bytes; a larger file is refused unread."""

ReceiptKind = Literal["accepted", "refused", "deniable"]
SUBJECT_FIELD: Final[dict[str, str]] = {
    "accepted": "tracking_code",
    "refused": "submission_sha256",
    "deniable": "tracking_code",
}
"""The member naming what the receipt is about, per kind (also the event payload's member);
``deniable``: a ``ballot.deniable`` event (docs/spec/coercion.md)."""
_EVENT_TYPE: Final = {
    "accepted": m.BALLOT_ACCEPTED,
    "refused": m.BALLOT_REJECTED,
    "deniable": m.BALLOT_DENIABLE,
}
_KIND_OF: Final[dict[str, ReceiptKind]] = {
    m.BALLOT_ACCEPTED: "accepted",
    m.BALLOT_REJECTED: "refused",
    m.BALLOT_DENIABLE: "deniable",
}
_SHORT_HASH_CHARS: Final = 12  # 60 bits of the event hash
_MAX_HEIGHT_DIGITS: Final = 16  # 2^53 - 1 has 16 digits


@dataclass(frozen=True, slots=True)
class BoardReceipt:
    """A receipt: the fields the board signed and its signature."""

    fingerprint: str
    kind: ReceiptKind
    subject: str
    height: int
    event_hash: str
    timestamp: str
    signature: Signature

    @property
    def subject_field(self) -> str:
        """``tracking_code`` or ``submission_sha256``."""
        return SUBJECT_FIELD[self.kind]

    @property
    def event_type(self) -> str:
        """The type of the event the receipt names."""
        return _EVENT_TYPE[self.kind]

    @property
    def short_code(self) -> str:
        """The code a voter can write down (:func:`short_code`)."""
        return short_code(self.height, self.event_hash)

    def message(self) -> bytes:
        """The signed message (module docstring)."""
        return _message(
            self.fingerprint, self.kind, self.subject, self.height, self.event_hash, self.timestamp
        )

    def to_json(self) -> dict[str, Any]:
        """The receipt document (canonical JSON of this is the receipt file)."""
        return {
            "format": RECEIPT_FORMAT,
            "fingerprint": self.fingerprint,
            "kind": self.kind,
            self.subject_field: self.subject,
            "height": self.height,
            "event_hash": self.event_hash,
            "timestamp": self.timestamp,
            "signature": self.signature.to_json(),
        }

    def matches(self, event: Event) -> bool:
        """Whether ``event`` is the event this receipt names (every signed field agrees)."""
        return (
            event.height == self.height
            and event.hash == self.event_hash
            and event.type == self.event_type
            and event.timestamp == self.timestamp
            and event.payload.get(self.subject_field) == self.subject
        )


def _message(
    fingerprint: str, kind: str, subject: str, height: int, event_hash: str, timestamp: str
) -> bytes:
    return sha256_fields(
        RECEIPT_DOMAIN,
        bytes.fromhex(fingerprint),
        kind.encode("utf-8"),
        bytes.fromhex(subject),
        height.to_bytes(8, "big"),
        bytes.fromhex(event_hash),
        timestamp.encode("utf-8"),
    )


def sign_receipt(
    event: Event, fingerprint: bytes, secret: Scalar, public: Point, rng: RandomSource
) -> BoardReceipt:
    """The board's receipt of an appended ``ballot.accepted``, ``ballot.rejected`` or
    ``ballot.deniable`` event."""
    kind = _KIND_OF.get(event.type)
    if kind is None:
        raise InputError("event.type", f"no receipt is given for a {event.type} event")
    subject = event.payload[SUBJECT_FIELD[kind]]
    message = _message(fingerprint.hex(), kind, subject, event.height, event.hash, event.timestamp)
    return BoardReceipt(
        fingerprint=fingerprint.hex(),
        kind=kind,
        subject=subject,
        height=event.height,
        event_hash=event.hash,
        timestamp=event.timestamp,
        signature=sign(secret, public, message, rng),
    )


def check_receipt_signature(receipt: BoardReceipt, board_key: Point) -> None:
    """Raise :class:`ProofError` unless the board key signed this receipt."""
    verify_signature(board_key, receipt.message(), receipt.signature)


def _hex32(data: Mapping[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise InputError(f"receipt.{key}", "expected 64 lowercase hex digits")
    return value


def parse_receipt(raw: bytes) -> BoardReceipt:
    """Read a receipt file; :class:`InputError` naming ``receipt.<member>`` when malformed."""
    if len(raw) > MAX_RECEIPT_BYTES:
        raise InputError("receipt", f"larger than {MAX_RECEIPT_BYTES} bytes: not a receipt")
    try:
        data = parse_json_strict(raw)
    except InputError as exc:
        raise InputError("receipt", f"not JSON: {exc.reason}") from None
    if not isinstance(data, dict):
        raise InputError("receipt", "expected a JSON object")
    if data.get("format") != RECEIPT_FORMAT:
        raise InputError(
            "receipt.format", f"expected {RECEIPT_FORMAT!r}, got {data.get('format')!r}"
        )
    kind = data.get("kind")
    if kind not in SUBJECT_FIELD:
        raise InputError(
            "receipt.kind", f"expected 'accepted', 'refused' or 'deniable', got {kind!r}"
        )
    subject_field = SUBJECT_FIELD[kind]
    expected = {"format", "fingerprint", "kind", subject_field, "height", "event_hash"}
    expected |= {"timestamp", "signature"}
    if set(data) != expected:
        missing, extra = sorted(expected - set(data)), sorted(set(data) - expected)
        first = (missing or extra)[0]
        what = "missing" if missing else "unknown member"
        raise InputError(f"receipt.{first}", f"{what} (a {kind} receipt has {sorted(expected)})")
    height = data["height"]
    if not isinstance(height, int) or isinstance(height, bool) or not 0 < height < 2**53:
        raise InputError("receipt.height", "expected a positive integer")
    timestamp = data["timestamp"]
    if not isinstance(timestamp, str):
        raise InputError("receipt.timestamp", "expected a string")
    check_timestamp(timestamp, field="receipt.timestamp")
    return BoardReceipt(
        fingerprint=_hex32(data, "fingerprint"),
        kind=kind,
        subject=_hex32(data, subject_field),
        height=height,
        event_hash=_hex32(data, "event_hash"),
        timestamp=timestamp,
        signature=Signature.from_json(data["signature"], field="receipt.signature"),
    )


def _hash_chars(event_hash: str) -> str:
    value = int(event_hash[:15], 16)  # the first 60 bits
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(_SHORT_HASH_CHARS)))


def short_code(height: int, event_hash: str) -> str:
    """``HEIGHT-AAAA-BBBB-CCCC-KK``: the height in decimal, the first 60 bits of the event
    hash in 12 characters of the credentials' base-32 alphabet, and 2 check characters over
    the 12 characters followed by the height's digits.

    >>> short_code(42, "0123456789abcdef" * 4)
    '42-04hm-asw9-nf6y-df'
    """
    chars = _hash_chars(event_hash)
    check = check_characters(chars + str(height))
    return f"{height}-{chars[:4]}-{chars[4:8]}-{chars[8:]}-{check}"


def parse_short_code(text: str) -> tuple[int, str]:
    """``(height, 12 hash characters)`` of a typed short code (case, spaces and the dashes
    after the first ignored; ``o`` read as ``0``, ``i``/``l`` as ``1``); :class:`InputError`
    naming ``short-code`` when it is malformed or its check characters do not match."""
    cleaned = "".join(
        {"o": "0", "i": "1", "l": "1"}.get(c, c) for c in text.lower() if c not in " \t"
    )
    digits, sep, rest = cleaned.partition("-")
    if not sep or not digits.isascii() or not digits.isdigit() or len(digits) > _MAX_HEIGHT_DIGITS:
        raise InputError("short-code", "expected HEIGHT-AAAA-BBBB-CCCC-KK, the height in digits")
    body = rest.replace("-", "")
    if len(body) != _SHORT_HASH_CHARS + 2 or body.strip(ALPHABET):
        raise InputError("short-code", "expected 14 characters of 0-9 and a-z after the height")
    chars, check = body[:_SHORT_HASH_CHARS], body[_SHORT_HASH_CHARS:]
    height = int(digits)
    if check_characters(chars + str(height)) != check:
        raise InputError("short-code", "the check characters do not match (mistyped code?)")
    return height, chars


def short_code_matches(chars: str, event_hash: str) -> bool:
    """Whether the 12 characters of a short code are those of ``event_hash``."""
    return _hash_chars(event_hash) == chars
