"""libsodium, loaded through ctypes, for cross-checking libdecaf's ristretto255 in the tests
and the benchmarks.  The package's own arithmetic never calls it (docs/crypto-backend.md)."""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ["load_libsodium"]


def load_libsodium() -> ctypes.CDLL | None:
    """Debian's libsodium (``libsodium23``), initialised; ``None`` when it is not installed."""
    for name in ("libsodium.so.23", ctypes.util.find_library("sodium")):
        if name:
            try:
                lib = ctypes.CDLL(name)
            except OSError:
                continue
            if lib.sodium_init() >= 0:
                return lib
    return None
