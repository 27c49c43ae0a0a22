"""The light check of a receipt: is the voter's event in the log the witnesses cosigned?

``referendum track --receipt FILE URL`` against a board (rather than a record) reads no
record.  From the board it fetches the manifest (whose fingerprint it recomputes), the
board's latest signed checkpoint and the proofs; from each witness the manifest names, the
last checkpoint that witness cosigned.  It holds when:

1. the receipt is of this referendum and its signature verifies under the manifest's
   ``board_key`` (otherwise it proves nothing: an input error, nobody is accused);
2. the witnesses' cosigned checkpoints are consistent with one another (same root at the
   same size, or a verified consistency proof between them), and the board's own
   checkpoint, the one it shows this voter, with the largest of them;
3. a checkpoint that includes the receipt's height is **witnessed**: cosigned by one
   witness and extended by the cosigned checkpoints of at least the manifest's
   ``threshold`` witnesses in all (its own included);
4. the board's inclusion proof of the receipt's event hash (its leaf,
   ``SHA-256(0x00 || hash)``) at the receipt's height in the witnessed checkpoint verifies.

Two board-signed checkpoints that cannot both be true (2 failing: a split view) give a
``referendum-misbehaviour/1`` statement (:mod:`referendum.verify.split_view`); an inclusion
proof that fails gives one with the receipt, the witnessed checkpoint and the proof.  Too
few witnesses reachable or up to date is ``not_yet``: nobody is accused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from referendum.crypto.group import Point
from referendum.errors import InputError, ProofError, RecordError
from referendum.observe.client import Fetch, fetch, get_json, url_of
from referendum.observe.witness import board_manifest
from referendum.protocol.checkpoints import (
    MAX_NOTE_BYTES,
    Checkpoint,
    SignedNote,
    cosignatures,
    parse_note,
    verify_checkpoint,
)
from referendum.protocol.merkle import (
    HASH_SIZE,
    event_leaf,
    verify_consistency,
    verify_inclusion,
)
from referendum.protocol.receipts import BoardReceipt, check_receipt_signature
from referendum.record.manifest import Witness
from referendum.verify.receipt import STATEMENT_FORMAT
from referendum.verify.split_view import Conflict, conflict_of, split_view_statement

__all__ = ["LightVerdict", "check_light", "is_board"]

Status = Literal["holds", "misbehaviour", "not_yet"]


@dataclass
class LightVerdict:
    """What the board and the witnesses say of a receipt."""

    status: Status
    reason: str
    receipt: BoardReceipt
    board_key: str
    witnessed: SignedNote | None = None
    witnesses: list[str] = field(default_factory=list)
    """The names of the witnesses whose cosigned checkpoints the witnessed one is in."""
    problems: dict[str, str] = field(default_factory=dict)
    """Per witness left out: why."""
    evidence: dict[str, Any] | None = None

    @property
    def holds(self) -> bool:
        return self.status == "holds"

    def statement(self) -> dict[str, Any]:
        """The verdict as JSON; a misbehaviour's is self-contained (``evidence``)."""
        out: dict[str, Any] = {
            "verdict": self.status,
            "reason": self.reason,
            "receipt": self.receipt.to_json(),
            "board_key": self.board_key,
            "witnessed_checkpoint": None if self.witnessed is None else self.witnessed.text(),
            "witnesses": self.witnesses,
            "witness_problems": self.problems,
        }
        if self.status == "misbehaviour":
            out["format"] = STATEMENT_FORMAT
            out["evidence"] = self.evidence
        return out


def is_board(url: str, *, get: Fetch = fetch) -> bool:
    """Whether ``url`` is a board's address (it serves its log's checkpoint)."""
    try:
        status, _ = get(url_of(url, "/api/log/checkpoint"))
    except RecordError:
        return False
    return status == 200


@dataclass
class _Seen:
    member: Witness
    note: SignedNote


class _Check:
    def __init__(self, receipt: BoardReceipt, board: str, get: Fetch) -> None:
        self.receipt, self.board, self.get = receipt, board, get
        fingerprint, manifest = board_manifest(get, board)
        if receipt.fingerprint != fingerprint:
            raise InputError(
                "receipt.fingerprint",
                f"this receipt is for another referendum (fingerprint {receipt.fingerprint}); "
                f"the board's is {fingerprint}",
            )
        self.fingerprint = bytes.fromhex(fingerprint)
        self.key = Point.from_hex(manifest.board_key)
        try:
            check_receipt_signature(receipt, self.key)
        except ProofError:
            raise InputError(
                "receipt.signature",
                "does not verify under the board key of the manifest: the receipt was "
                "altered or forged, and proves nothing (no one is accused)",
            ) from None
        if manifest.witnesses is None:
            raise InputError(
                "manifest.witnesses",
                "the board's manifest names no witnesses: a light check needs them (check "
                "the receipt against the published record instead)",
            )
        self.policy = manifest.witnesses
        self.verdict = LightVerdict("not_yet", "", receipt, self.key.hex())

    def note(self, url: str, what: str) -> SignedNote:
        status, body = self.get(url)
        if status != 200:
            raise RecordError(f"{what}: {url}: HTTP {status}")
        if len(body) > MAX_NOTE_BYTES:
            raise RecordError(f"{what}: larger than {MAX_NOTE_BYTES} bytes")
        try:
            note = parse_note(body, field=what)
            verify_checkpoint(note, fingerprint=self.fingerprint, board_key=self.key)
        except (InputError, ProofError) as exc:
            raise RecordError(f"{what}: {exc}") from None
        return note

    def witnessed_notes(self) -> list[_Seen]:
        seen = []
        for member in self.policy.members:
            what = f"witness {member.name}"
            try:
                note = self.note(url_of(member.url, f"/checkpoint/{self.fingerprint.hex()}"), what)
                public = Point.from_hex(member.public_key)
                if not cosignatures(note, {member.name: public}):
                    raise RecordError(f"{what}: the checkpoint it serves has no cosignature of it")
            except (RecordError, ProofError) as exc:
                self.verdict.problems[member.name] = str(exc)
                continue
            seen.append(_Seen(member, note))
        return seen

    def proof(self, path: str, what: str, **query: int) -> list[bytes]:
        url = url_of(self.board, path, **query)
        data = get_json(url, get=self.get)
        hashes = data.get("hashes") if isinstance(data, Mapping) else None
        if not isinstance(hashes, list) or len(hashes) > 128:
            raise RecordError(f"{url}: not {what}")
        try:
            out = [bytes.fromhex(h) for h in hashes if isinstance(h, str)]
        except ValueError:
            raise RecordError(f"{url}: {what}: a hash is not hex") from None
        if len(out) != len(hashes) or any(len(h) != HASH_SIZE for h in out):
            raise RecordError(f"{url}: {what}: a hash is not 32 bytes of hex")
        return out

    def conflict(self, a: Checkpoint, b: Checkpoint) -> tuple[Conflict, list[bytes] | None] | None:
        """How two board-signed checkpoints conflict (``None``: consistent)."""
        found = conflict_of(a, b)
        if found is not None:
            return found, None
        if a.size == b.size:
            return None
        small, large = (a, b) if a.size < b.size else (b, a)
        proof = (
            []
            if small.size == 0
            else self.proof(
                "/api/log/consistency",
                "a consistency proof",
                **{"from": small.size, "to": large.size},
            )
        )
        try:
            verify_consistency(small.size, large.size, small.root, large.root, proof)
        except ProofError:
            return "inconsistent", proof
        return None

    def split(
        self, why: str, first: SignedNote, second: SignedNote, conflict: Conflict, proof: Any
    ) -> LightVerdict:
        self.verdict.status = "misbehaviour"
        self.verdict.reason = why
        self.verdict.evidence = split_view_statement(
            reason=why,
            conflict=conflict,
            fingerprint=self.fingerprint.hex(),
            board_key=self.key.hex(),
            notes=[first.text(), second.text()],
            proof=None if proof is None else [h.hex() for h in proof],
        )
        return self.verdict

    def run(self, shown: SignedNote) -> LightVerdict:
        receipt, verdict = self.receipt, self.verdict
        seen = sorted(self.witnessed_notes(), key=lambda s: s.note.checkpoint.size)
        for position, first in enumerate(seen):  # the witnesses saw one log, or a split view
            for second in seen[position + 1 :]:
                found = self.conflict(first.note.checkpoint, second.note.checkpoint)
                if found is not None:
                    return self.split(
                        f"witnesses {first.member.name} and {second.member.name} cosigned "
                        "checkpoints of the board that cannot both be true: the board showed "
                        "them two views of its log",
                        first.note,
                        second.note,
                        *found,
                    )
        if seen:  # every cosigned checkpoint is a prefix of the largest: compare with it
            largest = seen[-1]
            found = self.conflict(largest.note.checkpoint, shown.checkpoint)
            if found is not None:
                return self.split(
                    f"the board's checkpoint of size {shown.checkpoint.size} (the one it shows "
                    "you) cannot be true together with the checkpoint of size "
                    f"{largest.note.checkpoint.size} that witness {largest.member.name} "
                    "cosigned: a split view",
                    largest.note,
                    shown,
                    *found,
                )
        for position, candidate in enumerate(seen):
            if candidate.note.checkpoint.size <= receipt.height:
                continue
            agreeing = [s.member.name for s in seen[position:]]  # each extends the candidate
            if len(agreeing) >= self.policy.threshold:
                verdict.witnessed, verdict.witnesses = candidate.note, sorted(agreeing)
                break
        if verdict.witnessed is None:
            verdict.reason = (
                f"no checkpoint that includes event {receipt.height} is cosigned by "
                f"{self.policy.threshold} of the manifest's witnesses yet: check again later"
            )
            return verdict
        target = verdict.witnessed.checkpoint
        proof = self.proof(
            "/api/log/inclusion", "an inclusion proof", index=receipt.height, size=target.size
        )
        leaf = event_leaf(receipt.event_hash)
        try:
            verify_inclusion(receipt.height, target.size, leaf, proof, target.root)
        except ProofError as exc:
            verdict.status = "misbehaviour"
            verdict.reason = (
                f"the board signed that event {receipt.height} has hash {receipt.event_hash}, "
                f"and cannot prove it is in the log witnesses {' and '.join(verdict.witnesses)} "
                f"cosigned ({exc})"
            )
            verdict.evidence = {
                "receipt": receipt.to_json(),
                "witnessed_checkpoint": verdict.witnessed.text(),
                "inclusion_proof": [h.hex() for h in proof],
            }
            return verdict
        verdict.status = "holds"
        verdict.reason = (
            f"your ballot (event {receipt.height}) is in the log that witnesses "
            f"{' and '.join(verdict.witnesses)} have cosigned (checkpoint of size {target.size})"
        )
        return verdict


def check_light(
    receipt: BoardReceipt, board: str, *, get: Fetch = fetch, shown: str | None = None
) -> LightVerdict:
    """Check ``receipt`` against the board at ``board`` and the manifest's witnesses
    (module docstring); ``shown`` is the checkpoint note the board showed the voter
    (default: the board's latest).  :class:`InputError` for a receipt that proves nothing;
    :class:`RecordError` when the board cannot be read."""
    check = _Check(receipt, board, get)
    if shown is None:
        note = check.note(url_of(board, "/api/log/checkpoint"), "the board's checkpoint")
    else:
        try:
            note = parse_note(shown, field="checkpoint")
            verify_checkpoint(note, fingerprint=check.fingerprint, board_key=check.key)
        except (InputError, ProofError) as exc:
            raise RecordError(f"the checkpoint shown: {exc}") from None
    return check.run(note)
