"""docs/spec/record.md section 10, written again from the text alone (hashlib and the
alphabet): the receipt's signed message and the short code agree with the project's."""

from __future__ import annotations

import hashlib

from referendum.crypto.credentials import Signature
from referendum.crypto.group import Point, Scalar
from referendum.protocol.receipts import BoardReceipt, short_code

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def fields(*parts: bytes) -> bytes:
    return b"".join(u64(len(p)) + p for p in parts)


def spec_message(
    fingerprint: str, kind: str, subject: str, height: int, event_hash: str, timestamp: str
) -> bytes:
    return hashlib.sha256(
        fields(
            b"referendum/v1/receipt",
            bytes.fromhex(fingerprint),
            kind.encode(),
            bytes.fromhex(subject),
            u64(height),
            bytes.fromhex(event_hash),
            timestamp.encode(),
        )
    ).digest()


def spec_short_code(height: int, event_hash: str) -> str:
    v = int(event_hash[:15], 16)
    chars = "".join(ALPHABET[(v >> (5 * (11 - i))) & 31] for i in range(12))
    body = chars + str(height)
    check = sum((i + 1) * ALPHABET.index(c) for i, c in enumerate(body)) % 1021
    kk = ALPHABET[check >> 5] + ALPHABET[check & 31]
    return f"{height}-{chars[:4]}-{chars[4:8]}-{chars[8:]}-{kk}"


def test_the_signed_message_follows_the_spec() -> None:
    signature = Signature(Point.generator(), Scalar.from_int(1))
    for kind in ("accepted", "refused"):
        receipt = BoardReceipt(
            fingerprint="11" * 32,
            kind=kind,  # type: ignore[arg-type]
            subject="22" * 32,
            height=1234,
            event_hash="ab" * 32,
            timestamp="2026-05-04T08:01:00.000000Z",
            signature=signature,
        )
        assert receipt.message() == spec_message(
            "11" * 32, kind, "22" * 32, 1234, "ab" * 32, "2026-05-04T08:01:00.000000Z"
        )
        assert set(receipt.to_json()) == {
            "format", "fingerprint", "kind", "height", "event_hash", "timestamp", "signature",
            "tracking_code" if kind == "accepted" else "submission_sha256",
        }  # fmt: skip


def test_the_short_code_follows_the_spec() -> None:
    assert spec_short_code(42, "0123456789abcdef" * 4) == "42-04hm-asw9-nf6y-df"
    for height, digest in ((1, "f" * 64), (9_007_199_254_740_991, "0" * 64), (77, "9a" * 32)):
        assert short_code(height, digest) == spec_short_code(height, digest)
