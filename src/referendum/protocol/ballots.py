"""Ballots: the signing message, and the checks of a submission's ballot (credential,
region, form, signature, proofs).

Pure functions shared by the board's casting service and by the verifier; a submission's
form and the order of all the checks are :mod:`referendum.protocol.refusals`'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from referendum.crypto import ballot_batch
from referendum.crypto.ballot import (
    EncryptedBallot,
    tracking_code,
    verify_ballot,
)
from referendum.crypto.ballot_batch import BallotBatch
from referendum.crypto.credentials import Signature, verify_signature
from referendum.crypto.group import Point
from referendum.crypto.hashing import sha256_fields
from referendum.errors import (
    BallotRejected,
    CryptoError,
    EncodingError,
    InputError,
    ProofError,
    RecordError,
)
from referendum.protocol.payloads import REJECTION_CODES
from referendum.protocol.state import ElectionState
from referendum.record.canonical import canonical_json

__all__ = [
    "BALLOT_SIGNATURE_DOMAIN",
    "MAX_SUBMISSION_BYTES",
    "REJECTION_CODES",
    "ParsedBallot",
    "RegionBatches",
    "ballot_signing_message",
    "check_ballot",
    "check_replaces",
    "is_code",
    "parse_ballot",
    "signing_message",
    "verify_parsed",
]

MAX_SUBMISSION_BYTES = 64 * 1024


BALLOT_SIGNATURE_DOMAIN = "referendum/v2/ballot-signature"


def ballot_signing_message(
    fingerprint: bytes,
    credential_hex: str,
    region_id: str,
    ballot_json: Mapping[str, Any],
    replaces: str | None,
) -> bytes:
    """What a voter's credential signs: the election, credential, region, ballot and the
    tracking code of the ballot it replaces (``None``: the credential's first) (spec)."""
    return signing_message(
        fingerprint,
        bytes.fromhex(credential_hex),
        region_id,
        canonical_json(dict(ballot_json)),
        replaces,
    )


def signing_message(
    fingerprint: bytes,
    credential: bytes,
    region_id: str,
    canonical_ballot: bytes,
    replaces: str | None,
) -> bytes:
    """:func:`ballot_signing_message` from the ballot's canonical JSON bytes.  ``replaces`` is
    a tracking code (64 lowercase hex digits: its 32 bytes are signed) or ``None`` (signed as
    the empty field, which no code is); anything else raises :class:`ValueError`."""
    return sha256_fields(
        BALLOT_SIGNATURE_DOMAIN,
        fingerprint,
        credential,
        region_id.encode("utf-8"),
        canonical_ballot,
        _replaces_field(replaces),
    )


def _replaces_field(replaces: object) -> bytes:
    """The signed field of ``replaces``: a code's 32 bytes, or no bytes for ``None``."""
    if replaces is None:
        return b""
    raw = _code_bytes(replaces)
    if raw is None:
        raise ValueError("replaces must be null or a tracking code (64 lowercase hex digits)")
    return raw


def _code_bytes(value: object) -> bytes | None:
    """The 32 bytes written by ``value`` if it is 64 lowercase hex digits, else ``None``."""
    if not isinstance(value, str) or len(value) != 64:
        return None
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return None
    return raw if raw.hex() == value else None  # no upper case, no spaces


def is_code(value: object) -> bool:
    """Whether ``value`` is written as a tracking code or credential is: 64 lowercase hex."""
    return _code_bytes(value) is not None


class RegionBatches:
    """One :class:`~referendum.crypto.ballot_batch.BallotBatch` per region of a referendum,
    for ballots that passed every check but the cryptographic ones (shared by the board's
    batch ingest and the verifier)."""

    def __init__(self, state: ElectionState) -> None:
        self.state = state
        self._batches: dict[str, BallotBatch] = {}

    def __getitem__(self, region: str) -> BallotBatch:
        return self._batches[region]

    def batch_for(
        self, credential: object, region: object, canonical_ballot: bytes, replaces: object
    ) -> tuple[BallotBatch, bytes] | None:
        """The batch of ``region`` and the message the ballot's signature signs, when
        ``credential`` is on ``region``'s list and ``replaces`` is null or a code; ``None``
        otherwise (the ballot is then checked alone, which gives the reason), and always on a
        group backend without the C checker (:data:`~referendum.crypto.ballot_batch.AVAILABLE`).
        """
        if (
            not ballot_batch.AVAILABLE
            or not isinstance(credential, str)
            or not isinstance(region, str)
            or not (replaces is None or isinstance(replaces, str))
            or self.state.region_of(credential) != region
        ):
            return None
        try:
            message = signing_message(
                self.state.fingerprint,
                bytes.fromhex(credential),
                region,
                canonical_ballot,
                replaces,
            )
        except ValueError:  # not a code: checked alone, which names it
            return None
        batch = self._batches.get(region)
        if batch is None:
            batch = self._batches[region] = BallotBatch(self.state.ballot_context(region))
        return batch, message


def _reject(code: str, field: str, reason: str) -> BallotRejected:
    return BallotRejected(code, field, reason)


def check_replaces(replaces: str | None, last: str | None) -> None:
    """A submission names, in ``replaces``, the credential's last accepted ballot on the
    board (``last``; ``None`` when it has none), or the board refuses it as
    ``stale_replaces``: a signed ballot can only ever follow the ballot its voter saw last."""
    if replaces != last:
        raise _reject(
            "stale_replaces",
            "replaces",
            f"the submission replaces {replaces or 'no ballot'}, but the credential's last "
            f"ballot on the board is {last or 'none'}",
        )


@dataclass(frozen=True)
class ParsedBallot:
    """A ballot that passed every check but its signature and proofs."""

    credential: str
    region: str
    ballot: EncryptedBallot
    signature: Signature
    replaces: str | None
    message: bytes
    tracking_code: str


def parse_ballot(
    state: ElectionState,
    credential: str,
    region_id: str,
    ballot_obj: Any,
    signature_obj: Any,
    replaces: Any,
) -> ParsedBallot:
    """Every check but the cryptographic ones: a listed credential of that region, a
    well-formed ballot in canonical form, ``replaces`` null or a tracking code.  Raises
    :class:`BallotRejected`."""
    region = state.region_of(credential)
    if region is None:
        raise _reject("unknown_credential", "credential", "not on any region's credential list")
    if region_id != region:
        raise _reject("wrong_region", "region", f"the credential belongs to region {region!r}")
    try:
        ballot = EncryptedBallot.from_json(ballot_obj)
        signature = Signature.from_json(signature_obj)
        ballot_json = ballot.to_json()
        canonical = canonical_json(ballot_json)
    except (EncodingError, InputError, RecordError, ValueError, TypeError, KeyError) as exc:
        raise _reject("malformed", "ballot", str(exc)) from None
    if ballot_json != ballot_obj:  # to_json holds strings, lists and objects only
        raise _reject("malformed", "ballot", "not in canonical form")
    if not (replaces is None or is_code(replaces)):
        raise _reject("malformed", "replaces", "expected null or a tracking code (64 hex digits)")
    message = signing_message(
        state.fingerprint, bytes.fromhex(credential), region, canonical, replaces
    )
    return ParsedBallot(
        credential, region, ballot, signature, replaces, message, tracking_code(canonical)
    )


def verify_parsed(state: ElectionState, parsed: ParsedBallot) -> None:
    """The signature, then the proofs, each refusal with its own reason code."""
    try:
        verify_signature(Point.from_hex(parsed.credential), parsed.message, parsed.signature)
    except (CryptoError, ValueError) as exc:
        raise _reject("bad_signature", "signature", str(exc)) from None
    try:
        verify_ballot(
            state.ballot_context(parsed.region),
            parsed.ballot,
            binding=bytes.fromhex(parsed.credential),
        )
    except ProofError as exc:
        raise _reject("bad_proof", "ballot", str(exc)) from None


def check_ballot(
    state: ElectionState,
    credential: str,
    region_id: str,
    ballot_obj: Any,
    signature_obj: Any,
    replaces: Any,
) -> tuple[str, str]:
    """The checks every counted ballot passes, at casting and again in the verifier: listed
    credential of that region, canonical ballot, ``replaces`` null or a code, valid signature
    (over the ballot and ``replaces``) and proofs.  Returns the credential and the ballot's
    tracking code; raises :class:`BallotRejected`."""
    parsed = parse_ballot(state, credential, region_id, ballot_obj, signature_obj, replaces)
    verify_parsed(state, parsed)
    return parsed.credential, parsed.tracking_code
