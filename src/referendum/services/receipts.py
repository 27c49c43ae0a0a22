"""The board's signing key and the receipts it signs for every ballot it accepts or refuses.

The organiser generates the board key before the referendum; its public half is the
manifest's ``board_key``, fixed by the fingerprint before voting opens.  Every service that
appends ballots (``cast``, ``cast_many``, the web server's queue) takes a
:class:`ReceiptSigner` and hands each voter a receipt signed with it
(:mod:`referendum.protocol.receipts`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from referendum.board.protocol import BulletinBoard
from referendum.crypto.random import RandomSource
from referendum.errors import InputError, ReferendumError
from referendum.protocol.checkpoints import Checkpoint, SignedNote, sign_checkpoint
from referendum.protocol.receipts import BoardReceipt, sign_receipt
from referendum.protocol.state import manifest_fingerprint
from referendum.record.event import Event
from referendum.services.signing_key import SigningKey

__all__ = ["BoardKey", "ReceiptSigner"]

_log = logging.getLogger("referendum.board")


@dataclass(frozen=True)
class BoardKey(SigningKey):
    """The board's receipt-signing key; its public half is the manifest's ``board_key``."""

    FORMAT: ClassVar[str] = "referendum-board-key/1"
    WHAT: ClassVar[str] = "board key"


@dataclass
class ReceiptSigner:
    """Signs receipts with the board key for the referendum on the board it is bound to."""

    key: BoardKey
    rng: RandomSource
    on_append: Callable[[BulletinBoard], object] | None = None
    """Called after each batch of appended ballots (the checkpoint publisher's due check)."""
    _fingerprint: bytes | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def bind(self, board: BulletinBoard) -> bytes:
        """The board's referendum fingerprint, after checking that the manifest names this
        key as its ``board_key`` (:class:`InputError` otherwise, before anything is cast)."""
        if self._fingerprint is not None:
            return self._fingerprint
        manifest = board.get(0).payload
        if manifest.get("board_key") != self.key.public.hex():
            raise InputError(
                "board-key", "this key is not the board_key of the referendum's manifest"
            )
        self._fingerprint = manifest_fingerprint(manifest)
        return self._fingerprint

    def sign(self, board: BulletinBoard, event: Event) -> BoardReceipt:
        """The receipt of an appended ``ballot.accepted`` or ``ballot.rejected`` event."""
        fingerprint = self.bind(board)
        with self._lock:  # the random source is not shared across threads unguarded
            return sign_receipt(event, fingerprint, self.key.secret, self.key.public, self.rng)

    def sign_checkpoint(self, checkpoint: Checkpoint) -> SignedNote:
        """The checkpoint signed with the board key (docs/spec/log.md section 3.2)."""
        with self._lock:
            return sign_checkpoint(checkpoint, self.key.secret, self.key.public, self.rng)

    def appended(self, board: BulletinBoard) -> None:
        """Tell :attr:`on_append` that ballots were appended.  Its failure is logged, never
        raised: the ballots are on the board and their receipts signed already."""
        if self.on_append is None:
            return
        try:
            self.on_append(board)
        except ReferendumError as exc:
            _log.warning("after appending ballots: %s", type(exc).__name__)
