"""The witness: it follows a board's log and cosigns each checkpoint that extends the last
one it cosigned.

For each new checkpoint the board serves (``GET /api/log/checkpoint``) the witness checks,
in this order, and cosigns only when every check holds:

0. it reads the checkpoints the board published after the last one it cosigned
   (``GET /api/log/checkpoints?after=SIZE``), in order;
1. the note parses and the board's signature verifies under the ``board_key`` of the
   manifest whose fingerprint the checkpoint's origin names (the manifest is fetched from
   the board and its fingerprint recomputed here; once the witness cosigned a checkpoint of
   a referendum, the board key is the one in its state);
2. against the last checkpoint it cosigned of that referendum (its state): not the same
   size with another root, not a smaller tree at a later time, not an earlier time for a
   larger tree, and the board's consistency proof from the last size to the new one
   (``GET /api/log/consistency``, RFC 9162 section 2.1.4) verifies;
3. then it cosigns (C2SP tlog-cosignature shape,
   :func:`referendum.protocol.checkpoints.cosign`), records the cosigned note in its state
   durably (:mod:`referendum.observe.witness_state`), and only then serves it.

Two signed checkpoints that cannot both be true (a split view) are refused and kept as a
statement (:mod:`referendum.verify.split_view`) in the state's evidence directory; the
witness goes on refusing every checkpoint that does not extend the last one it cosigned.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from referendum.clock import Clock, system_clock
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.random import RandomSource
from referendum.errors import InputError, ManifestError, ProofError, RecordError
from referendum.observe.client import Fetch, fetch, get_json, url_of
from referendum.observe.witness_state import LogState, WitnessState
from referendum.protocol.checkpoints import (
    CHECKPOINT_SIGNATURE_TYPE,
    MAX_NOTE_BYTES,
    Checkpoint,
    SignedNote,
    check_progress,
    cosign,
    key_id,
    parse_note,
    verify_checkpoint,
)
from referendum.protocol.merkle import HASH_SIZE, verify_consistency
from referendum.protocol.state import manifest_fingerprint
from referendum.record.manifest import Manifest, manifest_from_payload
from referendum.verify.split_view import Conflict, conflict_of, split_view_statement

__all__ = ["Outcome", "Witness", "board_manifest"]

Status = Literal["cosigned", "unchanged", "older", "refused", "split_view"]


@dataclass(frozen=True)
class Outcome:
    """What the witness did with one checkpoint."""

    status: Status
    size: int | None
    reason: str
    evidence: str | None = None
    """The path of the kept statement, for a split view."""

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "size": self.size,
            "reason": self.reason,
            "evidence": self.evidence,
        }


def board_manifest(get: Fetch, board: str) -> tuple[str, Manifest]:
    """The fingerprint (hex) and manifest of the referendum a board serves (the
    fingerprint recomputed here, not taken from the board)."""
    url = url_of(board, "/api/referendum")
    data = get_json(url, get=get)
    if not isinstance(data, dict) or not isinstance(data.get("manifest"), dict):
        raise RecordError(f"{url}: the board serves no referendum yet")
    try:
        manifest = manifest_from_payload(data["manifest"])
    except ManifestError as exc:
        raise RecordError(f"{url}: the board's manifest: {exc}") from None
    return manifest_fingerprint(data["manifest"]).hex(), manifest


@dataclass
class Witness:
    """A witness named ``name`` (its key name) with the secret key ``secret``, following
    the board at ``board``, keeping its state in ``state``."""

    board: str
    name: str
    secret: Scalar
    state: WitnessState
    rng: RandomSource
    clock: Clock = system_clock
    get: Fetch = fetch
    _log: tuple[str, Point] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.public = base_mul(self.secret)

    def log_key(self) -> tuple[str, Point]:
        """The fingerprint and board key of the board's referendum (fetched once; a board
        key already in the state is kept: the fingerprint fixes it)."""
        if self._log is None:
            fingerprint, manifest = board_manifest(self.get, self.board)
            key = Point.from_hex(manifest.board_key)
            known = self.state.logs.get(fingerprint)
            if known is not None and known.board_key != key.hex():
                raise RecordError(
                    f"{self.board}: the manifest's board key differs from the one this "
                    "witness's state holds for this fingerprint"
                )
            self._log = fingerprint, key
        return self._log

    def poll(self) -> list[Outcome]:
        """Offer :meth:`offer` every checkpoint the board published after the last one
        cosigned (``GET /api/log/checkpoints?after=SIZE``, ascending), then the latest
        (``GET /api/log/checkpoint``: a second checkpoint of the size last cosigned is in no
        list after that size).  :class:`RecordError` when the board
        cannot be read (nothing is judged then)."""
        fingerprint, _ = self.log_key()
        outcomes: list[Outcome] = []
        while True:
            last = self.state.logs.get(fingerprint)
            after = -1 if last is None else last.size
            url = url_of(self.board, "/api/log/checkpoints", after=after)
            status, body = self.get(url)
            if status == 404:
                return [*outcomes, self._latest()]
            notes, more = _checkpoint_page(url, status, body)
            for text in notes:
                outcomes.append(self.offer(text))
                if outcomes[-1].status in ("split_view", "refused"):
                    return outcomes  # the rest is offered again at the next poll
            now = self.state.logs.get(fingerprint)
            if not more or not notes or now is None or now.size <= after:
                # and the latest: a checkpoint of the size last cosigned with another root
                # is in no list "after" that size (a page that cosigned nothing new ends the
                # reading too: a board cannot keep the witness asking for the same page)
                return [*outcomes, self._latest()]

    def _latest(self) -> Outcome:
        url = url_of(self.board, "/api/log/checkpoint")
        status, body = self.get(url)
        if status != 200:
            raise RecordError(f"{url}: HTTP {status}")
        if len(body) > MAX_NOTE_BYTES:
            return self._refused(None, f"{url}: the checkpoint is larger than {MAX_NOTE_BYTES}")
        return self.offer(body.decode("utf-8", errors="replace"))

    def offer(self, text: str) -> Outcome:
        """Check a signed checkpoint note against the last one cosigned, and cosign it when
        it extends it (module docstring)."""
        fingerprint, key = self.log_key()
        try:
            note = parse_note(text)
        except InputError as exc:
            return self._refused(None, f"malformed checkpoint: {exc}")
        try:
            checkpoint = verify_checkpoint(
                note, fingerprint=bytes.fromhex(fingerprint), board_key=key
            )
        except ProofError as exc:
            return self._refused(note.checkpoint.size, str(exc))
        last = self.state.logs.get(fingerprint)
        if last is not None:
            verdict = self._against(last, note, checkpoint, fingerprint, key)
            if verdict is not None:
                return verdict
        return self._cosign(note, checkpoint, fingerprint, key)

    def _against(
        self,
        last: LogState,
        note: SignedNote,
        checkpoint: Checkpoint,
        fingerprint: str,
        key: Point,
    ) -> Outcome | None:
        """The outcome when ``checkpoint`` does not extend ``last`` (``None``: it does)."""
        previous = parse_note(last.note).checkpoint
        size = checkpoint.size
        conflict = conflict_of(previous, checkpoint)
        if conflict is not None:
            return self._split(conflict, last, note, fingerprint, key, None)
        if size == previous.size:
            return Outcome("unchanged", size, f"already cosigned the checkpoint of size {size}")
        if size < previous.size:
            return Outcome(
                "older",
                size,
                f"the checkpoint of size {size} is older than the last one cosigned "
                f"({previous.size}): nothing to cosign",
            )
        try:
            check_progress(previous, checkpoint)
        except ProofError as exc:
            return self._refused(size, str(exc))
        try:
            proof = self._consistency(previous.size, size)
        except RecordError as exc:
            return self._refused(size, f"no consistency proof: {exc}")
        try:
            verify_consistency(previous.size, size, previous.root, checkpoint.root, proof)
        except ProofError as exc:
            return self._split("inconsistent", last, note, fingerprint, key, proof, str(exc))
        return None

    def _consistency(self, old: int, new: int) -> list[bytes]:
        url = url_of(self.board, "/api/log/consistency", **{"from": old, "to": new})
        data = get_json(url, get=self.get)
        hashes = data.get("hashes") if isinstance(data, Mapping) else None
        if (
            not isinstance(data, Mapping)
            or data.get("from") != old
            or data.get("to") != new
            or not isinstance(hashes, list)
            or len(hashes) > 128
            or not all(isinstance(h, str) and len(h) == 2 * HASH_SIZE for h in hashes)
        ):
            raise RecordError(f"{url}: not a consistency proof from {old} to {new}")
        try:
            return [bytes.fromhex(h) for h in hashes]
        except ValueError:
            raise RecordError(f"{url}: a hash is not hex") from None

    def _cosign(
        self, note: SignedNote, checkpoint: Checkpoint, fingerprint: str, key: Point
    ) -> Outcome:
        moment = self.clock()
        line = cosign(checkpoint, self.name, self.secret, self.public, _unix(moment), self.rng)
        board_line = _board_line(note, key)
        cosigned = SignedNote(checkpoint, (board_line, line))
        self.state.record(
            LogState(
                fingerprint,
                key.hex(),
                checkpoint.size,
                checkpoint.root,
                checkpoint.time,
                cosigned.text(),
            )
        )
        return Outcome(
            "cosigned", checkpoint.size, f"cosigned the checkpoint of size {checkpoint.size}"
        )

    def _split(
        self,
        conflict: Conflict,
        last: LogState,
        note: SignedNote,
        fingerprint: str,
        key: Point,
        proof: list[bytes] | None,
        detail: str | None = None,
    ) -> Outcome:
        previous = parse_note(last.note)
        board_only = SignedNote(previous.checkpoint, (_board_line(previous, key),))
        shown = SignedNote(note.checkpoint, (_board_line(note, key),))
        size = note.checkpoint.size
        reason = {
            "same_size": f"a second checkpoint of size {size} with another root than the "
            "one this witness cosigned",
            "rollback": f"a checkpoint of size {size}, smaller than the {previous.checkpoint.size} "
            "this witness cosigned, at a later time",
            "inconsistent": f"the checkpoint of size {size} does not extend the one of size "
            f"{previous.checkpoint.size} this witness cosigned ({detail})",
        }[conflict]
        statement = split_view_statement(
            reason=reason,
            conflict=conflict,
            fingerprint=fingerprint,
            board_key=key.hex(),
            notes=[board_only.text(), shown.text()],
            proof=None if proof is None else [h.hex() for h in proof],
            seen_by=self.name,
        )
        path = self.state.keep_evidence(statement)
        return Outcome("split_view", size, f"refused: {reason}", evidence=str(path))

    def _refused(self, size: int | None, reason: str) -> Outcome:
        return Outcome("refused", size, f"refused: {reason}")

    def cosigned(self, fingerprint: str) -> str | None:
        """The last note this witness cosigned of a referendum (``None``: none yet)."""
        log = self.state.logs.get(fingerprint)
        return None if log is None else log.note


def _checkpoint_page(url: str, status: int, body: bytes) -> tuple[list[str], bool]:
    """The notes and ``more`` of a ``/api/log/checkpoints`` answer."""
    if status != 200:
        raise RecordError(f"{url}: HTTP {status}")
    try:
        data = json.loads(body)
    except ValueError:
        raise RecordError(f"{url}: the answer is not JSON") from None
    notes = data.get("checkpoints") if isinstance(data, dict) else None
    more = data.get("more") if isinstance(data, dict) else None
    if (
        not isinstance(notes, list)
        or len(notes) > 1000
        or not all(isinstance(n, str) for n in notes)
        or not isinstance(more, bool)
    ):
        raise RecordError(f"{url}: not a list of checkpoints")
    return notes, more


def _board_line(note: SignedNote, key: Point) -> Any:
    wanted = key_id(note.checkpoint.origin, CHECKPOINT_SIGNATURE_TYPE, key)
    return next(
        s for s in note.signatures if s.name == note.checkpoint.origin and s.key_id == wanted
    )


def _unix(moment: dt.datetime) -> int:
    return int(moment.timestamp())
