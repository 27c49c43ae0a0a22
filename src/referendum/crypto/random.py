"""Sources of randomness, injected into every randomised function.

``SystemRandom`` reads the operating system's generator; ``DeterministicRandom`` is a seeded
SHAKE-256 stream for demos, tests and known-answer vectors only (never for a real referendum).
"""

from __future__ import annotations

import hashlib
import os
from typing import Protocol

from referendum.crypto.hashing import encode_fields
from referendum.errors import UsageError

__all__ = ["DRBG_DOMAIN", "DeterministicRandom", "RandomSource", "SystemRandom"]

DRBG_DOMAIN = b"referendum/v1/drbg"
_BLOCK = 4096


class RandomSource(Protocol):
    """Anything that yields uniformly random bytes."""

    def random_bytes(self, n: int) -> bytes:
        """Return ``n`` random bytes."""
        ...


class SystemRandom:
    """The operating system's cryptographic generator (``os.urandom``)."""

    def random_bytes(self, n: int) -> bytes:
        """Return ``n`` bytes from ``os.urandom``."""
        if n < 0:
            raise UsageError("n must be >= 0")
        return os.urandom(n)


class DeterministicRandom:
    """A reproducible byte stream from a seed, for demos, tests and vectors only.

    Block ``k`` (``k = 0, 1, ...``) of the stream is the first 4096 bytes of
    ``SHAKE-256(encode_fields(b"referendum/v1/drbg", seed, k as 8-byte big-endian))``; the
    stream is the concatenation of the blocks.

    >>> DeterministicRandom(b"seed").random_bytes(4).hex()
    '0a75250e'
    """

    __slots__ = ("_block", "_buffer", "_seed")

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes):
            raise UsageError("seed must be bytes")
        self._seed = seed
        self._block = 0
        self._buffer = b""

    def _next_block(self) -> bytes:
        data = encode_fields(DRBG_DOMAIN, self._seed, self._block.to_bytes(8, "big"))
        self._block += 1
        return hashlib.shake_256(data).digest(_BLOCK)

    def random_bytes(self, n: int) -> bytes:
        """Return the next ``n`` bytes of the stream."""
        if n < 0:
            raise UsageError("n must be >= 0")
        while len(self._buffer) < n:
            self._buffer += self._next_block()
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out
