"""Signed payloads: trustees sign their ceremony and decryption events with their transport
key, the credential authority signs each region's credential list with the key named in the
manifest.  So the board, which appends every event, cannot forge or alter them.

The signed message is ``sha256_fields(domain, fingerprint, event type, canonical JSON of the
payload without its "signature" member)``; the signature is a Schnorr signature (the same
scheme as ballots', crypto/credentials.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from referendum.crypto.credentials import Signature, sign, verify_signature
from referendum.crypto.group import Point, Scalar
from referendum.crypto.hashing import sha256_fields
from referendum.crypto.random import RandomSource
from referendum.errors import ProofError
from referendum.record.canonical import canonical_json

__all__ = ["AUTHORITY_DOMAIN", "TRUSTEE_DOMAIN", "check_signed", "signed"]

TRUSTEE_DOMAIN = "referendum/v1/trustee-event"
AUTHORITY_DOMAIN = "referendum/v1/credential-list"


def _message(domain: str, fingerprint: bytes, event_type: str, payload: Mapping[str, Any]) -> bytes:
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    return sha256_fields(domain, fingerprint, event_type.encode("ascii"), canonical_json(unsigned))


def signed(
    domain: str,
    fingerprint: bytes,
    event_type: str,
    payload: Mapping[str, Any],
    secret: Scalar,
    public: Point,
    rng: RandomSource,
) -> dict[str, Any]:
    """The payload with a ``signature`` member added."""
    signature = sign(secret, public, _message(domain, fingerprint, event_type, payload), rng)
    return {**payload, "signature": signature.to_json()}


def check_signed(
    domain: str,
    fingerprint: bytes,
    event_type: str,
    payload: Mapping[str, Any],
    public: Point,
    *,
    who: str,
) -> None:
    """Raise :class:`ProofError` naming ``who`` unless the payload's signature verifies."""
    if "signature" not in payload:
        raise ProofError(f"{who}: the {event_type} event is not signed")
    try:
        signature = Signature.from_json(payload["signature"], field=f"{who}.signature")
        verify_signature(public, _message(domain, fingerprint, event_type, payload), signature)
    except ProofError as exc:
        raise ProofError(f"{who}: bad signature on the {event_type} event ({exc})") from None
