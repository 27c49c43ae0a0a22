"""Signed checkpoints of the board's Merkle tree and witness cosignatures on them.

A checkpoint is a C2SP ``tlog-checkpoint`` note body: the origin, the tree size in decimal,
the root in base64 and one extension line with the time, each ending in a newline::

    referendum/<fingerprint, 64 hex digits>
    <tree size>
    <base64 of the 32-byte root>
    time <timestamp, YYYY-MM-DDTHH:MM:SS.ffffffZ>

It is a C2SP ``signed-note``: the body, an empty line, then signature lines
``— <key name> <base64(4-byte key id || signature bytes)>``.  The board signs with the
manifest's ``board_key`` under the key name equal to the origin; witnesses add cosignature
lines in the shape of C2SP ``tlog-cosignature`` (the signature bytes are an 8-byte big-endian
time in Unix seconds, then the signature).  Both use the Schnorr signature over ristretto255
of :mod:`referendum.crypto.credentials` (``R || z``, 64 bytes) on domain-separated messages::

    board:   sha256_fields("referendum/v1/checkpoint", body)
    witness: sha256_fields("referendum/v1/cosignature",
                           "cosignature/v1\\ntime <unix seconds>\\n" || body)

and a key id ``SHA-256(key name || 0x0A || type || public key)[:4]`` where ``type`` is the
signed-note byte 0xff followed by the ASCII identifier of the scheme
(:data:`CHECKPOINT_SIGNATURE_TYPE`, :data:`COSIGNATURE_TYPE`).  The spec is
``docs/spec/log.md`` section 3.

>>> from referendum.crypto.random import DeterministicRandom
>>> from referendum.crypto.group import Scalar, base_mul
>>> from referendum.protocol.merkle import EMPTY_ROOT
>>> secret = Scalar.from_int(7)
>>> fingerprint = bytes(32)
>>> checkpoint = Checkpoint(origin_of(fingerprint), 0, EMPTY_ROOT, "2026-03-01T08:00:00.000000Z")
>>> note = sign_checkpoint(checkpoint, secret, base_mul(secret), DeterministicRandom(b"doc"))
>>> parsed = parse_note(note.text())
>>> verify_checkpoint(parsed, fingerprint=fingerprint, board_key=base_mul(secret)).size
0
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from referendum.crypto.credentials import Signature, sign_with_nonce, verify_signature
from referendum.crypto.group import Point, Scalar
from referendum.crypto.hashing import sha256_fields
from referendum.crypto.random import RandomSource
from referendum.errors import EncodingError, InputError, ProofError
from referendum.protocol.merkle import HASH_SIZE
from referendum.record.event import check_timestamp

__all__ = [
    "CHECKPOINT_DOMAIN",
    "CHECKPOINT_SIGNATURE_TYPE",
    "COSIGNATURE_DOMAIN",
    "COSIGNATURE_TYPE",
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "Checkpoint",
    "Cosignature",
    "NoteSignature",
    "SignedNote",
    "check_progress",
    "cosign",
    "cosign_with_nonce",
    "cosignature_message",
    "cosignatures",
    "key_id",
    "origin_of",
    "parse_checkpoint",
    "parse_note",
    "sign_checkpoint",
    "sign_checkpoint_with_nonce",
    "verify_checkpoint",
    "verify_cosignature",
]

CHECKPOINT_DOMAIN: Final = "referendum/v1/checkpoint"
COSIGNATURE_DOMAIN: Final = "referendum/v1/cosignature"
CHECKPOINT_SIGNATURE_TYPE: Final = b"\xffreferendum/v1/checkpoint-schnorr-ristretto255"
"""The signed-note signature type of the board's checkpoint signatures (in the key id)."""
COSIGNATURE_TYPE: Final = b"\xffreferendum/v1/cosignature-schnorr-ristretto255"
"""The signed-note signature type of witness cosignatures (in the key id)."""
ORIGIN_PREFIX: Final = "referendum/"
MAX_NOTE_BYTES: Final = 64 * 1024
"""A signed checkpoint is a few hundred bytes; a larger note is refused unread."""
MAX_SIGNATURES: Final = 64
"""At most this many signature lines (signed-note asks verifiers to accept at least 16)."""

_SIGNATURE_BYTES: Final = 64
_EM_DASH: Final = "\u2014 "
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,15}")
_ORIGIN_RE = re.compile(r"referendum/[0-9a-f]{64}")
_NAME_RE = re.compile(r"[\x21-\x2a\x2c-\x7e]{1,256}")  # printable ASCII, no space, no '+'
_BASE64_RE = re.compile(r"[A-Za-z0-9+/]+={0,2}")
_MAX_SIZE: Final = 2**53 - 1


def origin_of(fingerprint: bytes) -> str:
    """The origin line (and the board's key name) of a referendum's log."""
    return ORIGIN_PREFIX + fingerprint.hex()


def key_id(name: str, signature_type: bytes, public: Point) -> bytes:
    """``SHA-256(name || 0x0A || signature_type || public key)[:4]`` (signed-note)."""
    return hashlib.sha256(
        name.encode("ascii") + b"\n" + signature_type + public.to_bytes()
    ).digest()[:4]


def _b64decode(text: str, field: str) -> bytes:
    if not _BASE64_RE.fullmatch(text) or len(text) % 4:
        raise InputError(field, "is not standard base64 (RFC 4648 section 4, padded)")
    try:
        data = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise InputError(field, "is not standard base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise InputError(field, "is not the canonical base64 of its bytes")
    return data


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The body of a checkpoint: origin, tree size, root, time."""

    origin: str
    size: int
    root: bytes
    time: str

    def body(self) -> str:
        """The note text (four lines, each ending in a newline)."""
        root = base64.b64encode(self.root).decode("ascii")
        return f"{self.origin}\n{self.size}\n{root}\ntime {self.time}\n"

    def body_bytes(self) -> bytes:
        """:meth:`body` as UTF-8 (ASCII) bytes: what is signed."""
        return self.body().encode("ascii")


def parse_checkpoint(text: str, *, field: str = "checkpoint") -> Checkpoint:
    """Parse a checkpoint body; :class:`InputError` naming the line at fault."""
    if not text.endswith("\n"):
        raise InputError(field, "does not end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) != 4:
        raise InputError(
            field, f"has {len(lines)} lines, not 4 (origin, size, root, time extension)"
        )
    origin, size_text, root_text, time_line = lines
    if not _ORIGIN_RE.fullmatch(origin):
        raise InputError(f"{field}.origin", f"{origin[:80]!r} is not referendum/<64 hex digits>")
    if not _SIZE_RE.fullmatch(size_text) or int(size_text) > _MAX_SIZE:
        raise InputError(
            f"{field}.size", f"{size_text[:20]!r} is not a decimal tree size (no leading zero)"
        )
    root = _b64decode(root_text, f"{field}.root")
    if len(root) != HASH_SIZE:
        raise InputError(f"{field}.root", f"is {len(root)} bytes, not {HASH_SIZE}")
    if not time_line.startswith("time "):
        raise InputError(f"{field}.time", "the extension line is not 'time <timestamp>'")
    time = time_line[len("time ") :]
    check_timestamp(time, field=f"{field}.time")
    return Checkpoint(origin, int(size_text), root, time)


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, key id and the signature bytes after the id."""

    name: str
    key_id: bytes
    data: bytes

    def line(self) -> str:
        """``— <name> <base64(key id || data)>`` with its newline."""
        encoded = base64.b64encode(self.key_id + self.data).decode("ascii")
        return f"{_EM_DASH}{self.name} {encoded}\n"


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A checkpoint with its signature lines (the board's first, then cosignatures)."""

    checkpoint: Checkpoint
    signatures: tuple[NoteSignature, ...]

    def text(self) -> str:
        """The signed note: body, empty line, signature lines."""
        return self.checkpoint.body() + "\n" + "".join(s.line() for s in self.signatures)

    def with_signatures(self, extra: Sequence[NoteSignature]) -> SignedNote:
        """The note with ``extra`` signature lines added after its own (duplicates dropped)."""
        known = list(self.signatures)
        known.extend(s for s in extra if s not in known)
        return replace(self, signatures=tuple(known))


def parse_note(text: str | bytes, *, field: str = "checkpoint") -> SignedNote:
    """Parse a signed checkpoint note; :class:`InputError` naming what is malformed.

    Signatures are parsed, not verified (:func:`verify_checkpoint`, :func:`verify_cosignature`).
    """
    if isinstance(text, bytes):
        if len(text) > MAX_NOTE_BYTES:
            raise InputError(field, f"is larger than {MAX_NOTE_BYTES} bytes")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError(field, "is not UTF-8") from None
    if len(text.encode("utf-8")) > MAX_NOTE_BYTES:
        raise InputError(field, f"is larger than {MAX_NOTE_BYTES} bytes")
    if any(ch < " " and ch != "\n" for ch in text):
        raise InputError(field, "contains a control character other than newline")
    body, separator, rest = text.rpartition("\n\n")
    if not separator:
        raise InputError(field, "has no empty line before its signatures")
    checkpoint = parse_checkpoint(body + "\n", field=field)
    if not rest.endswith("\n"):
        raise InputError(f"{field}.signatures", "the last signature line has no newline")
    lines = rest[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise InputError(f"{field}.signatures", f"more than {MAX_SIGNATURES} signature lines")
    signatures: list[NoteSignature] = []
    for position, line in enumerate(lines):
        where = f"{field}.signatures[{position}]"
        if not line.startswith(_EM_DASH):
            raise InputError(where, "does not start with an em dash and a space")
        name, space, encoded = line[len(_EM_DASH) :].partition(" ")
        if not space or not _NAME_RE.fullmatch(name):
            raise InputError(where, "the key name is empty or has a space, '+' or non-ASCII")
        data = _b64decode(encoded, where)
        if len(data) < 5:
            raise InputError(where, "is shorter than a key id and a signature")
        signatures.append(NoteSignature(name, data[:4], data[4:]))
    return SignedNote(checkpoint, tuple(signatures))


# -- the board's signature -------------------------------------------------------------------


def _checkpoint_message(checkpoint: Checkpoint) -> bytes:
    return sha256_fields(CHECKPOINT_DOMAIN, checkpoint.body_bytes())


def _signature_bytes(signature: Signature) -> bytes:
    return signature.commitment.to_bytes() + signature.response.to_bytes()


def _signature_of(data: bytes, what: str) -> Signature:
    if len(data) != _SIGNATURE_BYTES:
        raise ProofError(f"{what}: the signature is {len(data)} bytes, not {_SIGNATURE_BYTES}")
    try:
        return Signature(Point.from_bytes(data[:32]), Scalar.from_bytes(data[32:]))
    except EncodingError as exc:
        raise ProofError(f"{what}: the signature does not decode ({exc})") from None


def sign_checkpoint_with_nonce(
    checkpoint: Checkpoint, secret: Scalar, public: Point, nonce: Scalar
) -> SignedNote:
    """Deterministic twin of :func:`sign_checkpoint`."""
    signature = sign_with_nonce(secret, public, _checkpoint_message(checkpoint), nonce)
    line = NoteSignature(
        checkpoint.origin,
        key_id(checkpoint.origin, CHECKPOINT_SIGNATURE_TYPE, public),
        _signature_bytes(signature),
    )
    return SignedNote(checkpoint, (line,))


def sign_checkpoint(
    checkpoint: Checkpoint, secret: Scalar, public: Point, rng: RandomSource
) -> SignedNote:
    """The checkpoint signed with the board's key (key name: the origin)."""
    return sign_checkpoint_with_nonce(checkpoint, secret, public, Scalar.random(rng))


def verify_checkpoint(note: SignedNote, *, fingerprint: bytes, board_key: Point) -> Checkpoint:
    """The checkpoint, once its origin names ``fingerprint`` and the board's signature holds;
    :class:`ProofError` saying what failed otherwise.

    The board's line is the one whose key name is the origin and whose key id is
    ``board_key``'s; lines of other keys are ignored here (cosignatures).
    """
    checkpoint = note.checkpoint
    expected = origin_of(fingerprint)
    what = f"checkpoint of size {checkpoint.size}"
    if checkpoint.origin != expected:
        raise ProofError(f"{what}: the origin {checkpoint.origin} is not this referendum's")
    wanted = key_id(expected, CHECKPOINT_SIGNATURE_TYPE, board_key)
    lines = [s for s in note.signatures if s.name == expected and s.key_id == wanted]
    if not lines:
        raise ProofError(f"{what}: no signature by the manifest's board key")
    for line in lines:
        signature = _signature_of(line.data, f"{what}: the board's line")
        try:
            verify_signature(board_key, _checkpoint_message(checkpoint), signature)
        except ProofError:
            raise ProofError(f"{what}: the board's signature does not verify") from None
    return checkpoint


# -- witness cosignatures ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cosignature:
    """A verified witness cosignature: who, and the time (Unix seconds) it states."""

    name: str
    timestamp: int


def cosignature_message(checkpoint: Checkpoint, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` then the checkpoint body (tlog-cosignature)."""
    return f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + checkpoint.body_bytes()


def _cosignature_digest(checkpoint: Checkpoint, timestamp: int) -> bytes:
    return sha256_fields(COSIGNATURE_DOMAIN, cosignature_message(checkpoint, timestamp))


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise InputError("name", "a key name is 1 to 256 printable ASCII, no space or '+'")


def cosign_with_nonce(
    checkpoint: Checkpoint, name: str, secret: Scalar, public: Point, timestamp: int, nonce: Scalar
) -> NoteSignature:
    """Deterministic twin of :func:`cosign`."""
    _check_name(name)
    if not 0 <= timestamp < 2**63:
        raise InputError("timestamp", f"must be from 0 to 2**63 - 1, got {timestamp}")
    signature = sign_with_nonce(secret, public, _cosignature_digest(checkpoint, timestamp), nonce)
    return NoteSignature(
        name,
        key_id(name, COSIGNATURE_TYPE, public),
        timestamp.to_bytes(8, "big") + _signature_bytes(signature),
    )


def cosign(
    checkpoint: Checkpoint,
    name: str,
    secret: Scalar,
    public: Point,
    timestamp: int,
    rng: RandomSource,
) -> NoteSignature:
    """A witness's cosignature line on ``checkpoint`` at ``timestamp`` (Unix seconds).

    A witness calls this only after checking the checkpoint's signature and its consistency
    with the last checkpoint it cosigned; the line promises exactly that.
    """
    return cosign_with_nonce(checkpoint, name, secret, public, timestamp, Scalar.random(rng))


def verify_cosignature(
    checkpoint: Checkpoint, line: NoteSignature, *, name: str, public: Point
) -> Cosignature:
    """The cosignature of witness ``name`` (key ``public``) on ``checkpoint``;
    :class:`ProofError` naming the witness when the line is not its valid cosignature."""
    what = f"cosignature of {name} on the checkpoint of size {checkpoint.size}"
    if line.name != name or line.key_id != key_id(name, COSIGNATURE_TYPE, public):
        raise ProofError(f"{what}: the line is signed by another key")
    if len(line.data) != 8 + _SIGNATURE_BYTES:
        raise ProofError(f"{what}: {len(line.data)} bytes, not 8 (time) + {_SIGNATURE_BYTES}")
    timestamp = int.from_bytes(line.data[:8], "big")
    if timestamp >= 2**63:
        raise ProofError(f"{what}: the time does not fit in 63 bits")
    signature = _signature_of(line.data[8:], what)
    try:
        verify_signature(public, _cosignature_digest(checkpoint, timestamp), signature)
    except ProofError:
        raise ProofError(f"{what}: the signature does not verify") from None
    return Cosignature(name, timestamp)


def cosignatures(note: SignedNote, witnesses: Mapping[str, Point]) -> list[Cosignature]:
    """The valid cosignatures on ``note`` of the named witnesses (one per witness).

    A line with a witness's name and key id that does not verify raises ProofError (signed-note
    asks verifiers to reject such a note); lines of other keys are ignored.
    """
    found: dict[str, Cosignature] = {}
    for line in note.signatures:
        public = witnesses.get(line.name)
        if public is None or line.key_id != key_id(line.name, COSIGNATURE_TYPE, public):
            continue
        cosignature = verify_cosignature(note.checkpoint, line, name=line.name, public=public)
        found.setdefault(line.name, cosignature)
    return list(found.values())


def check_progress(previous: Checkpoint, current: Checkpoint) -> None:
    """:class:`ProofError` if ``current`` goes back from ``previous`` in size or time, or
    gives another root for the same size (the consistency proof is checked separately)."""
    if current.size < previous.size:
        raise ProofError(
            f"checkpoint of size {current.size}: the tree went backwards from {previous.size}"
        )
    if current.time < previous.time:
        raise ProofError(
            f"checkpoint of size {current.size}: its time {current.time} is before "
            f"{previous.time}, the time of the checkpoint of size {previous.size}"
        )
    if current.size == previous.size and current.root != previous.root:
        raise ProofError(
            f"checkpoint of size {current.size}: two different roots for one size (a split view)"
        )
