"""Refusals the record can prove: what a ``ballot.rejected`` event carries, and the one
decision that a board makes when it refuses a submission and a verifier re-makes from the
record alone (docs/spec/events.md, "ballot.rejected"; verification.md, ``REJECTIONS``).

A refusal carries the submission (:class:`Submission`): its JSON value when the body parses
as JSON, else its bytes in base64, or for an oversize body only its size and SHA-256.  The
reason is decided in two steps: :func:`examine` looks at the submission alone (its size and
form, its referendum, then, with the credential lists frozen at opening, its credential,
region, ballot, signature and proofs), and :func:`decide` places it in the record (the phase,
the moment against the voting periods, the tracking codes accepted before it).  The board
calls both where it appends (the moment is the event's timestamp); a verifier calls both for
each ``ballot.rejected`` event and fails when the recorded reason is not the one they give.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from referendum.clock import format_timestamp
from referendum.crypto.credentials import Signature, verify_signature
from referendum.crypto.group import Point
from referendum.errors import (
    BallotRejected,
    CryptoError,
    InputError,
    PhaseError,
    ReferendumError,
)
from referendum.protocol.ballots import (
    MAX_SUBMISSION_BYTES,
    REJECTION_CODES,
    check_replaces,
    parse_ballot,
    signing_message,
    verify_parsed,
)
from referendum.protocol.state import ElectionState, Phase
from referendum.record.bounded_json import SUBMISSION as SUBMISSION_BOUNDS
from referendum.record.bounded_json import check_bounds, value_depth
from referendum.record.canonical import (
    canonical_json,
    leading_member,
    parse_canonical_json,
    parse_json_strict,
)
from referendum.record.manifest import Manifest

__all__ = [
    "REFUSAL_MEMBERS",
    "SUBMISSION_MEMBERS",
    "Examined",
    "Refusal",
    "Submission",
    "attributed_credential",
    "decide",
    "examine",
    "examine_content",
    "examine_early",
    "recorded_refusal",
    "refusal_payload",
]

SUBMISSION_MEMBERS = frozenset(
    {"election", "region", "credential", "ballot", "signature", "replaces"}
)
"""The members of a ballot submission (exactly these)."""

REFUSAL_MEMBERS = frozenset(
    {
        "reason",
        "field",
        "detail",
        "credential",
        "submission",
        "submission_sha256",
        "submission_size",
    }
)
"""The members of a ``ballot.rejected`` payload (exactly these)."""

_DETAIL_CHARS = 500


@dataclass(frozen=True, slots=True)
class Refusal:
    """A reason to refuse: the reason code, the part of the submission at fault, and words."""

    code: str
    field: str
    detail: str

    @classmethod
    def of(cls, exc: BallotRejected) -> Refusal:
        return cls(exc.code, exc.field, exc.reason)

    def error(self) -> BallotRejected:
        return BallotRejected(self.code, self.field, self.detail)


class _Unparsed(enum.Enum):
    OVERSIZE = "oversize"  # larger than the limit: never parsed
    NOT_JSON = "not JSON"


@dataclass(frozen=True, slots=True)
class Submission:
    """A submission as the board received it (or as a refusal event records it).

    ``size`` and ``sha256`` are of the bytes received (for a submission given as an object,
    of its canonical JSON); ``value`` is their JSON value, unless they are oversize or not
    JSON; ``raw`` the bytes themselves when they are not JSON (the record then keeps them).
    """

    size: int
    sha256: str
    value: Any
    raw: bytes | None = None
    problem: str = ""  # why the bytes are not JSON
    canonical: bool = False  # ``raw`` is the canonical JSON of ``value``

    @classmethod
    def received(cls, submission: bytes | Mapping[str, Any]) -> Submission:
        if isinstance(submission, bytes):
            body = submission
        else:
            try:
                body = canonical_json(dict(submission))
            except (InputError, TypeError, ValueError, RecursionError):  # no JSON form:
                body = repr(sorted(submission.items(), key=repr)).encode("utf-8", "replace")
        size, digest = len(body), hashlib.sha256(body).hexdigest()
        if size > MAX_SUBMISSION_BYTES:
            return cls(size, digest, _Unparsed.OVERSIZE)
        return cls.of_bytes(body, size, digest)

    @classmethod
    def of_bytes(cls, body: bytes, size: int, digest: str) -> Submission:
        """Bytes within the limit: their value when they are strict JSON within the bounds of
        a submission (docs/spec/record.md, sections 2.3 and 2.4: nested at most 32 deep,
        numbers of at most 32 characters; canonical JSON, as a booth sends, is read fast),
        else not JSON (and kept as bytes)."""
        try:
            check_bounds(body, SUBMISSION_BOUNDS)
        except InputError as exc:
            return cls(size, digest, _Unparsed.NOT_JSON, body, f"beyond the bounds: {exc.reason}")
        try:
            value = parse_canonical_json(body, bounds=SUBMISSION_BOUNDS, bounds_checked=True)
            return cls(size, digest, value, body, canonical=True)
        except InputError:
            pass
        try:
            return cls(size, digest, parse_json_strict(body, bounds=SUBMISSION_BOUNDS), body)
        except InputError as exc:
            return cls(size, digest, _Unparsed.NOT_JSON, body, f"not JSON: {exc.reason}")

    def form(self) -> dict[str, Any]:
        """The submission's members, when it has the form of one; raises
        :class:`BallotRejected` (``oversize`` or ``malformed``) otherwise."""
        if self.value is _Unparsed.OVERSIZE:
            raise BallotRejected(
                "oversize", "body", f"{self.size} bytes; at most {MAX_SUBMISSION_BYTES}"
            )
        if self.value is _Unparsed.NOT_JSON:
            raise BallotRejected("malformed", "body", self.problem)
        data = self.value
        if not isinstance(data, dict):
            raise BallotRejected("malformed", "body", "expected a JSON object")
        for key in sorted(SUBMISSION_MEMBERS):
            if key not in data:
                raise BallotRejected("malformed", key, "missing")
        extra = set(data) - SUBMISSION_MEMBERS
        if extra:
            raise BallotRejected("malformed", sorted(extra)[0], "unexpected field")
        for key in ("election", "region", "credential"):
            if not isinstance(data[key], str):
                raise BallotRejected("malformed", key, "expected a string")
        return data

    def ballot_json(self) -> bytes | None:
        """The canonical JSON of the ``ballot`` member, cut from the bytes received when they
        are canonical JSON and ``ballot`` is their first member (as in every submission of
        the right form); ``None`` otherwise (encode the member)."""
        value = self.value
        if not self.canonical or self.raw is None or not isinstance(value, dict):
            return None
        if not value or min(value) != "ballot":
            return None
        return leading_member(self.raw, value)

    def stored(self) -> dict[str, Any] | None:
        """The refusal's ``submission`` member: ``{"json": value}`` for strict JSON (with what
        could be a secret left out, as :func:`_published` says), else ``{"base64": bytes}``;
        ``None`` for an oversize body."""
        if self.value is _Unparsed.OVERSIZE:
            return None
        if self.value is not _Unparsed.NOT_JSON:
            return {"json": _published(self.value)}
        assert self.raw is not None
        return {"base64": base64.b64encode(self.raw).decode("ascii")}

    @classmethod
    def from_record(cls, payload: Mapping[str, Any]) -> Submission:
        """The submission a refusal records; raises :class:`InputError` naming the member
        when its parts do not agree (the size, the digest, the encoding)."""
        size, digest, stored = (
            payload["submission_size"],
            payload["submission_sha256"],
            payload["submission"],
        )
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InputError("submission_size", "must be a non-negative integer")
        if not _is_hex32(digest):
            raise InputError("submission_sha256", "must be 64 lowercase hex digits")
        if stored is None:
            if size <= MAX_SUBMISSION_BYTES:
                raise InputError(
                    "submission",
                    f"null, but {size} bytes is within the limit of {MAX_SUBMISSION_BYTES}",
                )
            return cls(size, digest, _Unparsed.OVERSIZE)
        if size > MAX_SUBMISSION_BYTES:
            raise InputError("submission_size", f"{size} bytes: over the limit, yet recorded")
        if not isinstance(stored, dict) or len(stored) != 1:
            raise InputError("submission", 'expected {"json": value} or {"base64": string}')
        if "json" in stored:
            value = stored["json"]
            if value_depth(value) > SUBMISSION_BOUNDS.max_depth:
                raise InputError("submission", "nested deeper than a submission may be")
            if _published(value) != value:
                raise InputError("submission", "holds what a refusal leaves out")
            return cls(size, digest, value)
        text = stored.get("base64")
        if not isinstance(text, str):
            raise InputError("submission", 'expected {"json": value} or {"base64": string}')
        if len(text) > 4 * -(-MAX_SUBMISSION_BYTES // 3):
            raise InputError("submission.base64", "longer than the limit allows")
        try:
            body = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise InputError("submission.base64", "not base64") from None
        if base64.b64encode(body).decode("ascii") != text:
            raise InputError("submission.base64", "not in canonical base64 (padding)")
        if len(body) != size or hashlib.sha256(body).hexdigest() != digest:
            raise InputError("submission_sha256", "the size or SHA-256 of the bytes differs")
        submission = cls.of_bytes(body, size, digest)
        if submission.value is not _Unparsed.NOT_JSON:
            raise InputError("submission", "bytes that are JSON are recorded as JSON")
        return submission


def _published(value: Any) -> Any:
    """What a refusal shows of a submission's JSON value: everything but the values of
    members a submission does not have (published as ``null``) and a ``credential`` string
    that cannot be a public credential (published as ``""``): a client that sends what it
    should not (a private credential, under any name or typed as the credential) does not
    see it on the board.  Neither changes the reason the submission is refused for."""
    if not isinstance(value, dict):
        return value
    shown = {k: (v if k in SUBMISSION_MEMBERS else None) for k, v in value.items()}
    credential = shown.get("credential")
    if isinstance(credential, str) and not _is_hex32(credential):
        shown["credential"] = ""
    return shown


@dataclass(frozen=True, slots=True)
class Examined:
    """What a submission's content says, before its place in the record: the refusal of its
    size, form or referendum (``early``); then, when ``checked`` (with the credential lists
    frozen at opening), the refusal of its credential, region, ballot, signature or proofs
    (``content``), or the tracking code of a ballot that passed them all."""

    early: Refusal | None = None
    content: Refusal | None = None
    tracking_code: str | None = None
    checked: bool = False
    credential: str | None = None  # of a ballot that passed them all
    replaces: str | None = None  # what that ballot names as the ballot it replaces


def examine_early(state: ElectionState, submission: Submission) -> tuple[dict[str, Any], Examined]:
    """The submission's members, and its early refusal if any (then its members are ``{}``)."""
    try:
        data = submission.form()
        if data["election"] != state.fingerprint.hex():
            raise BallotRejected(
                "wrong_election", "election", "the ballot is for another referendum"
            )
    except BallotRejected as exc:
        return {}, Examined(early=Refusal.of(exc))
    return data, Examined()


def examine_content(state: ElectionState, data: Mapping[str, Any]) -> Examined:
    """The one-by-one reference checks of a submission's ballot (state: of the open phase)."""
    try:
        parsed = parse_ballot(
            state,
            data["credential"],
            data["region"],
            data["ballot"],
            data["signature"],
            data["replaces"],
        )
        verify_parsed(state, parsed)
    except BallotRejected as exc:
        return Examined(content=Refusal.of(exc), checked=True)
    return Examined(
        tracking_code=parsed.tracking_code,
        checked=True,
        credential=parsed.credential,
        replaces=parsed.replaces,
    )


def examine(state: ElectionState, submission: Submission, *, content: bool = True) -> Examined:
    """:func:`examine_early`, then (when ``content``) :func:`examine_content`."""
    data, found = examine_early(state, submission)
    if found.early is not None or not content:
        return found
    return examine_content(state, data)


def decide(
    examined: Examined,
    *,
    phase: Phase,
    manifest: Manifest,
    moment: Any,
    replayed: Callable[[str], bool],
    last: Callable[[str], str | None],
) -> Refusal | None:
    """The reason a submission is refused for at this point of the record (``None``: it is
    accepted): its early refusal; voting not open or closed (``phase``); ``moment`` (the
    event's time) outside the voting periods; its content's refusal; a replay of a ballot
    accepted before it (``replayed`` of its tracking code); a ``replaces`` that is not the
    credential's last ballot accepted before it (``last`` of its credential)."""
    if examined.early is not None:
        return examined.early
    if phase is not Phase.OPEN:
        code = "not_open" if phase in (Phase.SETUP, Phase.READY) else "closed"
        return Refusal(code, "timestamp", f"voting is not open (the referendum is {phase})")
    if not manifest.in_window(moment):
        return Refusal(
            "outside_window",
            "timestamp",
            f"{format_timestamp(moment)} is outside the voting periods",
        )
    if not examined.checked:
        raise PhaseError("a submission's content is examined with the state of the open phase")
    if examined.content is not None:
        return examined.content
    assert examined.tracking_code is not None
    if replayed(examined.tracking_code):
        return Refusal("replayed", "ballot", "this exact ballot is already on the board")
    assert examined.credential is not None
    try:
        check_replaces(examined.replaces, last(examined.credential))
    except BallotRejected as exc:
        return Refusal.of(exc)
    return None


def attributed_credential(fingerprint: bytes, submission: Submission) -> str | None:
    """The credential a refusal names: the submission's ``credential`` when the submission
    has the form of one and its signature by that credential verifies over this referendum,
    its region and its ballot (so no one but the credential's holder can be named)."""
    try:
        data = submission.form()
        credential = data["credential"]
        if not _is_hex32(credential):
            return None
        message = signing_message(
            fingerprint,
            bytes.fromhex(credential),
            data["region"],
            canonical_json(data["ballot"]),
            data["replaces"],
        )
        verify_signature(
            Point.from_hex(credential), message, Signature.from_json(data["signature"])
        )
    except (ReferendumError, CryptoError, KeyError, TypeError, ValueError):
        return None
    return str(credential)


def refusal_payload(refusal: Refusal, submission: Submission, fingerprint: bytes) -> dict[str, Any]:
    """The ``ballot.rejected`` payload of a refusal (no secret is ever in it)."""
    return {
        "reason": refusal.code,
        "field": refusal.field,
        "detail": refusal.detail[:_DETAIL_CHARS],
        "credential": attributed_credential(fingerprint, submission),
        "submission": submission.stored(),
        "submission_sha256": submission.sha256,
        "submission_size": submission.size,
    }


def recorded_refusal(
    state: ElectionState, payload: Mapping[str, Any], *, content: bool = True
) -> tuple[Refusal, Examined]:
    """A ``ballot.rejected`` payload read back: the refusal it states and the examination
    of the submission it records (``content``: with ``state`` of the open phase).  Raises
    :class:`InputError` naming the member at fault when the payload is not one a board
    makes: unknown members or reason, a submission whose parts disagree, a credential named
    that the submission's signature does not prove."""
    if not isinstance(payload, Mapping) or set(payload) != REFUSAL_MEMBERS:
        raise InputError("payload", f"members must be exactly {sorted(REFUSAL_MEMBERS)}")
    reason, field, detail = payload["reason"], payload["field"], payload["detail"]
    if reason not in REJECTION_CODES:
        raise InputError("reason", f"unknown reason {reason!r}")
    if not isinstance(field, str) or not isinstance(detail, str):
        raise InputError("field", "field and detail must be strings")
    if len(detail) > _DETAIL_CHARS:
        raise InputError("detail", f"longer than {_DETAIL_CHARS} characters")
    submission = Submission.from_record(payload)
    named = payload["credential"]
    if named != attributed_credential(state.fingerprint, submission):
        raise InputError(
            "credential",
            "names a credential whose signature the submission does not carry"
            if named is not None
            else "null, but the submission is signed by its credential",
        )
    try:
        found = examine(state, submission, content=content)
    except (PhaseError, ReferendumError) as exc:  # a state without an election key
        raise InputError("submission", f"cannot be examined: {exc}") from None
    return Refusal(reason, field, detail), found


def _is_hex32(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )
