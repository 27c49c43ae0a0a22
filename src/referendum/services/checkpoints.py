"""The board's transparency log as a service: signed checkpoints and the proofs it serves.

:class:`CheckpointPublisher` signs a checkpoint of the board's tree with the board key when
one is due (``docs/spec/log.md`` section 3.3): every ``every`` events, every ``seconds``
seconds while the tree grows, and after every event that is not a ballot's (the manifest,
the ceremony, each phase change), and stores it on the board.  :func:`inclusion`,
:func:`consistency` and :func:`checkpoint_page` are the answers of the log's HTTP endpoints
(section 6), read from the board's stored tree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from referendum.board.protocol import CHECKPOINT_PAGE, BulletinBoard
from referendum.clock import Clock, format_timestamp
from referendum.errors import HeadMovedError, InputError
from referendum.protocol import merkle
from referendum.protocol.checkpoints import (
    Checkpoint,
    SignedNote,
    origin_of,
    parse_note,
)
from referendum.protocol.state import NON_BALLOT_TYPES
from referendum.record.event import parse_timestamp
from referendum.services.receipts import ReceiptSigner

__all__ = [
    "CheckpointPolicy",
    "CheckpointPublisher",
    "board_size",
    "checkpoint_page",
    "consistency",
    "inclusion",
    "stored_notes",
]


@dataclass(frozen=True)
class CheckpointPolicy:
    """When checkpoints are due: every ``every`` events, or ``seconds`` after the last one
    when the tree has grown since (and after every event that is not a ballot's)."""

    every: int = 1000
    seconds: float = 10.0

    def __post_init__(self) -> None:
        if not isinstance(self.every, int) or self.every < 1:
            raise InputError("checkpoint-every", f"must be a positive integer, got {self.every}")
        if not self.seconds > 0:
            raise InputError("checkpoint-seconds", f"must be positive, got {self.seconds}")


def board_size(board: BulletinBoard) -> int:
    """How many events the board holds (the size of its tree)."""
    head = board.head()
    return 0 if head is None else head.height + 1


@dataclass
class CheckpointPublisher:
    """Signs and stores the board's checkpoints (thread-safe; several publishers on one board
    are safe too: the board refuses a checkpoint that does not grow)."""

    signer: ReceiptSigner
    """Holds the board key (and signs with it under its lock)."""
    clock: Clock
    policy: CheckpointPolicy = field(default_factory=CheckpointPolicy)
    _last: Checkpoint | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def _latest(self, board: BulletinBoard) -> Checkpoint | None:
        stored = board.latest_checkpoint()
        if stored is None:
            return None
        if self._last is None or self._last.size != stored[0]:
            self._last = parse_note(stored[1], field="stored checkpoint").checkpoint
        return self._last

    def due(self, board: BulletinBoard) -> bool:
        """Whether the policy asks for a checkpoint of the board's tree now."""
        size = board_size(board)
        last = self._latest(board)
        if size == 0 or (last is not None and size <= last.size):
            return False
        if last is None or size - last.size >= self.policy.every:
            return True
        age = self.clock() - parse_timestamp(last.time)
        if age >= timedelta(seconds=self.policy.seconds):
            return True
        # the first is enough: one short query (a stream would cost PostgreSQL a server-side
        # cursor, on a connection of its own, after every batch of ballots)
        return bool(list(board.events(last.size, NON_BALLOT_TYPES, limit=1)))

    def publish_if_due(self, board: BulletinBoard) -> SignedNote | None:
        """Publish a checkpoint when :meth:`due`; the new checkpoint or None."""
        with self._lock:
            if not self.due(board):
                return None
            return self._publish(board)

    def publish(self, board: BulletinBoard) -> SignedNote | None:
        """Publish a checkpoint of the tree now, if it has grown since the last one."""
        with self._lock:
            last = self._latest(board)
            if board_size(board) == 0 or (last is not None and board_size(board) <= last.size):
                return None
            return self._publish(board)

    def _publish(self, board: BulletinBoard) -> SignedNote | None:
        fingerprint = self.signer.bind(board)
        size = board_size(board)
        last = self._latest(board)
        time = format_timestamp(self.clock())
        if last is not None and time < last.time:
            time = last.time  # times never go backwards, whatever the clock does
        checkpoint = Checkpoint(origin_of(fingerprint), size, merkle.root_at(size, board), time)
        note = self.signer.sign_checkpoint(checkpoint)
        try:
            board.add_checkpoint(size, note.text())
        except HeadMovedError:
            return None  # another publisher was first: its checkpoint stands
        self._last = checkpoint
        return note


def _size_param(value: int, field: str, size: int) -> None:
    if value > size:
        raise InputError(field, f"the board holds {size} events, not {value}")


def inclusion(board: BulletinBoard, index: int, size: int) -> dict[str, Any]:
    """``{"index", "size", "leaf", "hashes"}``: event ``index``'s leaf hash and inclusion
    proof in the tree of ``size`` events; :class:`InputError` naming ``index`` or ``size``."""
    _size_param(size, "size", board_size(board))
    proof = merkle.inclusion_proof(index, size, board)
    leaf = merkle.event_leaf(board.get(index).hash)
    return {"index": index, "size": size, "leaf": leaf.hex(), "hashes": [h.hex() for h in proof]}


def consistency(board: BulletinBoard, old_size: int, new_size: int) -> dict[str, Any]:
    """``{"from", "to", "hashes"}``: the consistency proof between two sizes of the tree;
    :class:`InputError` naming ``from`` or ``to``."""
    _size_param(new_size, "to", board_size(board))
    proof = merkle.consistency_proof(old_size, new_size, board)
    return {"from": old_size, "to": new_size, "hashes": [h.hex() for h in proof]}


def checkpoint_page(board: BulletinBoard, after: int = -1) -> dict[str, Any]:
    """``{"checkpoints": [note, ...], "more": bool}``: the stored checkpoints of size greater
    than ``after``, ascending, :data:`CHECKPOINT_PAGE` at most."""
    if after < -1:
        raise InputError("after", f"must be at least -1, got {after}")
    if after >= board_size(board):  # no checkpoint is larger than the board (nor any key)
        return {"checkpoints": [], "more": False}
    rows = board.checkpoints(after, CHECKPOINT_PAGE + 1)
    return {
        "checkpoints": [note for _, note in rows[:CHECKPOINT_PAGE]],
        "more": len(rows) > CHECKPOINT_PAGE,
    }


def stored_notes(board: BulletinBoard, *, at_most: int | None = None) -> Iterator[str]:
    """Every checkpoint the board stores, ascending (what a record's checkpoints.jsonl holds);
    with ``at_most``, those of trees of at most that many events only (a record of the
    board's first ``at_most`` events must not hold a checkpoint of a larger log)."""
    after = -1
    while True:
        page = board.checkpoints(after, CHECKPOINT_PAGE)
        for size, note in page:
            if at_most is not None and size > at_most:
                return
            yield note
        if len(page) < CHECKPOINT_PAGE:
            return
        after = page[-1][0]
