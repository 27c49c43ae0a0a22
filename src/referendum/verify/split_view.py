"""Evidence that a board showed two views of its log: two checkpoints it signed that cannot
both be true.

A statement (``referendum-misbehaviour/1``, as ``track --receipt``'s, with ``kind``
``split_view``) holds the board key, the referendum's fingerprint and the two signed
checkpoint notes; :func:`check_statement` re-checks it with nothing else:

* ``same_size``: both are of one tree size with different roots.  Proven by the two
  signatures alone.
* ``rollback``: the later one (by the time the board wrote in it) is of a smaller tree.
  Proven by the two signatures alone: an append-only log never shrinks.
* ``inconsistent``: the larger one does not extend the smaller: the consistency proof the
  board served for them (included) fails.  The two signatures prove the board signed both;
  an honest board can always prove one extends the other, so anyone may ask it for a proof
  between the two sizes, and once the record is published the roots at both sizes are
  recomputed from it (docs/spec/log.md): at least one is not the record's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from referendum.crypto.group import Point
from referendum.errors import EncodingError, InputError, ProofError
from referendum.protocol.checkpoints import Checkpoint, parse_note, verify_checkpoint
from referendum.protocol.merkle import verify_consistency
from referendum.verify.receipt import STATEMENT_FORMAT

__all__ = ["KIND", "Conflict", "check_statement", "conflict_of", "split_view_statement"]

KIND: Final = "split_view"

Conflict = Literal["same_size", "rollback", "inconsistent"]


def conflict_of(first: Checkpoint, second: Checkpoint) -> Conflict | None:
    """How two checkpoints of one log conflict without a proof (``None``: a consistency
    proof between them is needed to tell)."""
    if first.size == second.size:
        return "same_size" if first.root != second.root else None
    small, large = (first, second) if first.size < second.size else (second, first)
    if small.time > large.time:
        return "rollback"
    return None


def split_view_statement(
    *,
    reason: str,
    conflict: Conflict,
    fingerprint: str,
    board_key: str,
    notes: Sequence[str],
    proof: Sequence[str] | None = None,
    seen_by: str | None = None,
) -> dict[str, Any]:
    """The statement (module docstring): ``notes`` are the two signed checkpoint notes, the
    one cosigned (or seen) first first; ``proof`` the failing consistency proof's hashes
    (hex) for ``inconsistent``; ``seen_by`` who kept it (a witness's name)."""
    out: dict[str, Any] = {
        "format": STATEMENT_FORMAT,
        "verdict": "misbehaviour",
        "kind": KIND,
        "conflict": conflict,
        "reason": reason,
        "fingerprint": fingerprint,
        "board_key": board_key,
        "checkpoints": list(notes),
    }
    if proof is not None:
        out["consistency_proof"] = list(proof)
    if seen_by is not None:
        out["seen_by"] = seen_by
    return out


def check_statement(statement: Mapping[str, Any]) -> str:
    """Re-check a split-view statement alone; what it proves.  :class:`InputError` naming
    the member when it is malformed or proves nothing (a signature that does not verify, two
    checkpoints that agree, a proof that holds)."""
    if statement.get("format") != STATEMENT_FORMAT or statement.get("kind") != KIND:
        raise InputError("format", f"not a {STATEMENT_FORMAT} statement of kind {KIND}")
    try:
        fingerprint = bytes.fromhex(str(statement["fingerprint"]))
        key = Point.from_hex(str(statement["board_key"]))
        notes = statement["checkpoints"]
    except (KeyError, ValueError, EncodingError) as exc:
        raise InputError("statement", f"malformed: {exc}") from None
    if not isinstance(notes, list) or len(notes) != 2 or not all(isinstance(n, str) for n in notes):
        raise InputError("checkpoints", "expected the two signed checkpoint notes")
    checkpoints = []
    for position, text in enumerate(notes):
        where = f"checkpoints[{position}]"
        try:
            checkpoints.append(
                verify_checkpoint(
                    parse_note(text, field=where), fingerprint=fingerprint, board_key=key
                )
            )
        except ProofError as exc:
            raise InputError(where, f"{exc}: the statement proves nothing") from None
    first, second = checkpoints
    conflict = conflict_of(first, second)
    if conflict == "same_size":
        return (
            f"the board signed two checkpoints of size {first.size} with different roots "
            f"({first.root.hex()} and {second.root.hex()}): a split view"
        )
    if conflict == "rollback":
        small, large = (first, second) if first.size < second.size else (second, first)
        return (
            f"the board signed a checkpoint of size {small.size} at {small.time}, after one of "
            f"size {large.size} at {large.time}: its log went backwards"
        )
    if first.size == second.size:
        raise InputError("checkpoints", "the two checkpoints are the same: no conflict")
    proof = statement.get("consistency_proof")
    if not isinstance(proof, list) or not all(isinstance(h, str) for h in proof):
        raise InputError("consistency_proof", "expected the hashes (hex) the board served")
    try:
        hashes = [bytes.fromhex(h) for h in proof]
    except ValueError:
        raise InputError("consistency_proof", "a hash is not hex") from None
    small, large = (first, second) if first.size < second.size else (second, first)
    try:
        verify_consistency(small.size, large.size, small.root, large.root, hashes)
    except ProofError as exc:
        return (
            f"the board signed checkpoints of sizes {small.size} and {large.size} and could not "
            f"prove that the second extends the first ({exc}); ask it for a consistency "
            "proof between the two sizes, or check both against the published record"
        )
    raise InputError("consistency_proof", "the proof holds: the checkpoints are consistent")
