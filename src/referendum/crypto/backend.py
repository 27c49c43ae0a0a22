"""Which implementation of :mod:`referendum.crypto.group` this process uses.

Two implementations give the same results to the byte (docs/crypto-backend.md):

``decaf``
    libdecaf through the package's own cffi extension (``referendum.crypto._decaf``, built
    where libdecaf's headers exist), with the C multi-scalar multiplication and the C batch
    ballot checker: the fast one.
``sodium``
    libsodium through PyNaCl, whose wheels bundle it for Linux, macOS and Windows; RFC 9496's
    encodings in Python integers, and the batch checks falling back to the reference code:
    the portable one.

The choice is made once, when the package is first imported: ``REFERENDUM_GROUP_BACKEND``
names one (``decaf`` or ``sodium``); unset or empty, ``decaf`` is used when its extension is
installed and ``sodium`` otherwise.  The group itself (ristretto255) is never configurable.

>>> choose({"REFERENDUM_GROUP_BACKEND": "sodium"}, lambda name: True)
'sodium'
>>> choose({}, lambda name: name == "sodium")
'sodium'
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping
from typing import Final, Literal

from referendum.errors import BackendError

__all__ = [
    "BACKEND",
    "BACKENDS",
    "BACKEND_VARIABLE",
    "BackendName",
    "available",
    "choose",
    "slow_backend_note",
]

BackendName = Literal["decaf", "sodium"]
BACKENDS: Final[tuple[BackendName, ...]] = ("decaf", "sodium")
BACKEND_VARIABLE: Final = "REFERENDUM_GROUP_BACKEND"

_MODULES: Final[dict[str, str]] = {"decaf": "referendum.crypto._decaf", "sodium": "nacl.bindings"}
_MISSING: Final[dict[str, str]] = {
    "decaf": "the libdecaf extension (referendum.crypto._decaf) is not installed: it is built "
    "when the package is installed from source where libdecaf's headers exist (Debian and "
    "Ubuntu: apt install libdecaf-dev gcc); see docs/install.md",
    "sodium": "PyNaCl is not installed (pip install pynacl)",
}


def available(name: str) -> bool:
    """Whether backend ``name`` can be imported in this environment."""
    try:
        return importlib.util.find_spec(_MODULES[name]) is not None
    except ModuleNotFoundError:  # a parent package (nacl) is missing
        return False


def choose(
    environ: Mapping[str, str], is_available: Callable[[str], bool] = available
) -> BackendName:
    """The backend that ``environ`` asks for, or the fastest available one; ``BackendError``
    for an unknown name or a requested backend that is not installed."""
    wanted = environ.get(BACKEND_VARIABLE, "").strip()
    if not wanted:
        for name in BACKENDS:
            if is_available(name):
                return name
        raise BackendError(BACKEND_VARIABLE, "no group backend is installed: " + _MISSING["sodium"])
    for name in BACKENDS:
        if wanted == name:
            if not is_available(name):
                raise BackendError(BACKEND_VARIABLE, f"{name} was asked for, but {_MISSING[name]}")
            return name
    raise BackendError(
        BACKEND_VARIABLE,
        f"unknown group backend {wanted[:40]!r}: expected one of {', '.join(BACKENDS)} "
        "(or unset, for the fastest installed)",
    )


BACKEND: Final[BackendName] = choose(os.environ)
"""The backend of this process."""


PORTABLE_SLOWDOWN: Final = 32
"""How many times longer ``referendum verify`` takes per ballot on ``sodium`` than on
``decaf``: 31.7x measured side by side by ``referendum bench``'s backend step
(docs/performance.md, "On each group backend")."""


def slow_backend_note(backend: str = BACKEND) -> str | None:
    """What ``referendum verify`` prints (on standard error) when it runs on the slow backend:
    how much slower, and how to get the fast one; ``None`` on the fast one."""
    if backend != "sodium":
        return None
    return (
        "note: verifying on the portable group backend (libsodium through PyNaCl), about "
        f"{PORTABLE_SLOWDOWN:g} times slower per ballot than the libdecaf backend "
        "(docs/performance.md). For the fast one, install from the source distribution on a "
        "machine with libdecaf's headers and a C compiler (Debian, Ubuntu: "
        "apt install libdecaf-dev gcc; then pip install --no-binary referendum referendum); "
        "docs/install.md says how on each system."
    )
