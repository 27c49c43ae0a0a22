"""What every request handler shares: the board, the clocks, randomness, accounts, limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from referendum.board.protocol import BulletinBoard
from referendum.clock import Clock, system_clock
from referendum.crypto.random import RandomSource, SystemRandom
from referendum.protocol.state import ElectionState, Phase
from referendum.record import messages as m
from referendum.services.checkpoints import CheckpointPolicy, CheckpointPublisher
from referendum.services.ingest import CastQueue
from referendum.services.receipts import BoardKey, ReceiptSigner
from referendum.services.state import load_state
from referendum.web.auth import Accounts
from referendum.web.security import RateLimiter

__all__ = ["Limits", "WebContext"]


@dataclass(frozen=True)
class Limits:
    """Request limits: body sizes (bytes) and times (seconds), the casting rate per client."""

    body: int = 256 * 1024
    upload: int = 64 * 1024 * 1024
    body_seconds: float = 20.0
    """Seconds a request has, after its headers, to send its body (408 after)."""
    upload_seconds: float = 600.0
    """The same for an organiser's upload (up to ``upload`` bytes over a slow link)."""
    cast_per_second: float = 1.0
    cast_burst: int = 20
    export_interval: float = 30.0
    """Seconds between rebuilds of the record archives and the verifier's report (built in
    the background: ``web/exports.py``)."""
    export_wait: float = 1.0
    """Seconds a request for an archive or the report waits for a build running in the
    background before answering with what there is (an earlier value, or 503)."""
    export_in_thread: int = 5000
    """Boards of at most this many events are exported in a thread of the server even when a
    process could open the board (starting one costs about a second of CPU; such an export
    takes about as long)."""


@dataclass
class WebContext:
    """The server's shared state; one per application."""

    board: BulletinBoard
    accounts: Accounts = field(default_factory=Accounts)
    clock: Clock = system_clock
    monotonic: Callable[[], float] = time.monotonic
    rng: RandomSource = field(default_factory=SystemRandom)
    limits: Limits = field(default_factory=Limits)
    workers: int = 1
    secure_cookies: bool = False
    board_key: BoardKey | None = None
    """Signs the receipt of every ballot accepted or refused (the manifest's ``board_key``)
    and the log's checkpoints."""
    checkpoint_policy: CheckpointPolicy = field(default_factory=CheckpointPolicy)
    """When the log's checkpoints are due (docs/spec/log.md section 3.3)."""
    schedule: bool = False
    """Open voting when the manifest's first period begins and close it when the last one
    has ended, without the organiser (``referendum serve --schedule``)."""
    board_url: str | None = None
    """The board's URL, when the server opened it from one (``referendum serve``): the record's
    exports are then built in a process of their own that opens it again (``web/builds.py``),
    else in a thread of the server's."""
    publisher: CheckpointPublisher | None = field(default=None, init=False)
    _state: ElectionState | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    cache: dict[str, Any] = field(default_factory=dict, init=False)
    limiter: RateLimiter = field(init=False)
    casts: CastQueue = field(init=False)
    """Group commit: ballots that arrive while a batch is being cast are cast together
    (one batch check, one transaction) rather than one at a time."""

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(
            rate=self.limits.cast_per_second, burst=self.limits.cast_burst, clock=self.monotonic
        )
        signer = None if self.board_key is None else ReceiptSigner(self.board_key, self.rng)
        if signer is not None and self.board.head() is not None:
            signer.bind(self.board)  # a key that is not the manifest's stops the server now
        if signer is not None:
            self.publisher = CheckpointPublisher(signer, self.clock, self.checkpoint_policy)
            signer.on_append = self.publisher.publish_if_due
        self.casts = CastQueue(self.board, self.clock, state=self.state, signer=signer)

    def state(self) -> ElectionState:
        """The referendum's state (replayed from the board's non-ballot events; cached while
        voting is open, when only ballots are appended, and once the results are published,
        when nothing is)."""
        with self._lock:
            cached = self._state
        if cached is not None and (
            cached.phase is Phase.PUBLISHED or not self.board.count(m.VOTING_CLOSE)
        ):
            return cached
        state = load_state(self.board)
        with self._lock:
            # while voting is open only ballots are appended (until voting.close, looked for
            # above); once results are published nothing is: the state is final
            self._state = state if state.phase in (Phase.OPEN, Phase.PUBLISHED) else None
        return state

    def invalidate(self) -> None:
        """Forget the cached state (after appending a non-ballot event), and publish the
        checkpoint that such an event makes due."""
        with self._lock:
            self._state = None
        self.checkpoint_if_due()

    def checkpoint_if_due(self) -> None:
        """Publish a checkpoint of the log if one is due (and the server holds the key)."""
        if self.publisher is not None and self.board.head() is not None:
            self.publisher.publish_if_due(self.board)

    def has_referendum(self) -> bool:
        """Whether the board holds a manifest yet."""
        return self.board.head() is not None
