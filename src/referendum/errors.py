"""The one exception tree of the package.

::

    ReferendumError
    ├── InputError              bad input from a user: names the field and the reason (CLI exit 2)
    │   ├── ManifestError       a referendum manifest
    │   ├── PayloadError        an event payload not of its spec's exact form (names the member)
    │   ├── CaseFileError       a legitimacy case file (standards)
    │   ├── TableError          a results table (forensics)
    │   ├── AuditInputError     audit tallies, manifests, samples, seeds
    │   └── BackendError        REFERENDUM_GROUP_BACKEND names no installed group backend
    ├── CryptoError             group encodings, proofs and signatures
    │   ├── EncodingError       bytes that are not a canonical point or scalar
    │   └── ProofError          a proof or signature that does not verify
    ├── BallotRejected          a ballot the board refused (carries a reason code)
    ├── UnjudgedSubmission      a submission whose checks failed unexpectedly: refused alone
    ├── DroppedBallot           the board's last ballot of a credential is not the voter's own
    ├── BoardError              the bulletin board
    │   ├── HeadMovedError      appending with a stale head: someone appended first
    │   └── BoardCorrupted      the stored chain does not link or hash correctly
    ├── RecordError             an election record that cannot be read
    ├── DeliveryError           a mail server refused a step of a mailing (names the step)
    ├── VerificationFailed      a check of ``referendum verify`` failed (names check and item)
    └── PhaseError              an action out of order (voting not open, already tallied...)

``UsageError`` (a subclass of both ``ReferendumError`` and ``TypeError``) is kept for
programming mistakes by callers of the library, never for user input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AuditInputError",
    "BackendError",
    "BallotRejected",
    "BoardCorrupted",
    "BoardError",
    "CaseFileError",
    "CryptoError",
    "DeliveryError",
    "DroppedBallot",
    "EncodingError",
    "HeadMovedError",
    "InputError",
    "ManifestError",
    "PayloadError",
    "PhaseError",
    "ProofError",
    "RecordError",
    "ReferendumError",
    "TableError",
    "UnjudgedSubmission",
    "UsageError",
    "VerificationFailed",
]


class ReferendumError(Exception):
    """Base of every error this package raises on purpose."""


class InputError(ReferendumError):
    """Bad input: ``field`` names what was wrong (a key path, column, row...), ``reason`` why."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" if field else reason)


class ManifestError(InputError):
    """A referendum manifest that does not validate."""


class PayloadError(InputError):
    """An event payload that does not have exactly its spec's members, types and sizes
    (``field`` is the dotted path of the member at fault)."""


class CaseFileError(InputError):
    """A legitimacy case file that does not validate."""


class TableError(InputError):
    """A results table with missing columns or bad rows."""


class AuditInputError(InputError):
    """Bad audit input: a seed, tallies, a ballot manifest or a sample file."""


class BackendError(InputError):
    """``REFERENDUM_GROUP_BACKEND`` names an unknown group backend, or one that is not
    installed (:mod:`referendum.crypto.backend`)."""


class CryptoError(ReferendumError):
    """A cryptographic failure."""


class EncodingError(CryptoError):
    """Bytes that do not decode to a canonical group element or scalar."""


class ProofError(CryptoError):
    """A zero-knowledge proof or a signature that does not verify."""


class BallotRejected(ReferendumError):
    """A ballot the board refused; ``code`` is a stable reason code, ``field`` the culprit.
    Once the refusal is logged, ``receipt`` holds the board's signed refusal receipt (JSON)."""

    def __init__(self, code: str, field: str, reason: str) -> None:
        self.code = code
        self.field = field
        self.reason = reason
        self.receipt: Mapping[str, Any] | None = None
        super().__init__(f"ballot rejected ({code}): {field}: {reason}")


class UnjudgedSubmission(ReferendumError):
    """A submission the board could not judge: checking it raised an unexpected error
    (``cause``: its class name).  It is refused alone, without a ``ballot.rejected`` event (no
    refusal a verifier could re-decide), and the other submissions of its batch go on."""

    def __init__(self, cause: str) -> None:
        self.cause = cause
        super().__init__(
            f"the board could not judge this submission ({cause}); it is not on the board"
        )


class DroppedBallot(ReferendumError):
    """The board names, as a credential's last ballot, another than the one the voter's device
    cast last (``board``: the board's code or ``None``; ``own``: the device's): the board may
    have dropped the voter's last ballot.  The device refuses to vote on it."""

    def __init__(self, board: str | None, own: str) -> None:
        self.board = board
        self.own = own
        shown = f"is {board}" if board is not None else "is none (no ballot)"
        super().__init__(
            f"the board says this credential's last ballot {shown}, but the last ballot this "
            f"device cast is {own}: the board may have dropped your last ballot (or another "
            "device voted with your credential). Not voting; keep your tracking code and "
            "receipt, and report it to the organiser and the observers"
        )


class BoardError(ReferendumError):
    """A bulletin board failure."""


class HeadMovedError(BoardError):
    """The board's head is not the one the appender expected."""


class BoardCorrupted(BoardError):
    """Stored events that do not form a valid hash chain."""


class RecordError(ReferendumError):
    """An election record that cannot be read (missing file, bad JSON, unknown version)."""


class DeliveryError(ReferendumError):
    """A mail server that refused or failed a step (``connect``, ``starttls``, ``login``,
    ``MAIL FROM``, ``DATA``...) of a mailing; ``step`` names it."""

    def __init__(self, step: str, reason: str) -> None:
        self.step = step
        self.reason = reason
        super().__init__(f"{step}: {reason}")


class VerificationFailed(ReferendumError):
    """A verification check failed: ``check`` is its id, ``item`` what failed it."""

    def __init__(self, check: str, item: str, reason: str) -> None:
        self.check = check
        self.item = item
        self.reason = reason
        super().__init__(f"{check} failed on {item}: {reason}")


class PhaseError(ReferendumError):
    """An action attempted in the wrong phase of the referendum."""


class UsageError(ReferendumError, TypeError):
    """A programming mistake by a caller of the library (not a user input problem)."""
