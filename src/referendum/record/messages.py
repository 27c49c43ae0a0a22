"""Event types of the election record and strict accessors for their payloads.

The payload of every type is specified in docs/spec/record.md.  The accessors raise
:class:`~referendum.errors.RecordError` naming the event and the field, so that a verifier
reports exactly which item of which event is malformed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from referendum.errors import RecordError

__all__ = [
    "BALLOT_ACCEPTED",
    "BALLOT_REJECTED",
    "CREDENTIALS",
    "DECRYPTION_SHARE",
    "ELECTION_KEY",
    "EVENT_TYPES",
    "MANIFEST",
    "RESULTS",
    "TALLY",
    "TRUSTEE_CHECK",
    "TRUSTEE_DEAL",
    "TRUSTEE_TRANSPORT",
    "VOTING_CLOSE",
    "VOTING_OPEN",
    "Fields",
]

MANIFEST: Final = "manifest"
TRUSTEE_TRANSPORT: Final = "trustee.transport"
TRUSTEE_DEAL: Final = "trustee.deal"
TRUSTEE_CHECK: Final = "trustee.check"
ELECTION_KEY: Final = "election.key"
CREDENTIALS: Final = "credentials"
VOTING_OPEN: Final = "voting.open"
BALLOT_ACCEPTED: Final = "ballot.accepted"
BALLOT_REJECTED: Final = "ballot.rejected"
VOTING_CLOSE: Final = "voting.close"
TALLY: Final = "tally"
DECRYPTION_SHARE: Final = "tally.share"
RESULTS: Final = "results"

EVENT_TYPES: Final = (
    MANIFEST,
    TRUSTEE_TRANSPORT,
    TRUSTEE_DEAL,
    TRUSTEE_CHECK,
    ELECTION_KEY,
    CREDENTIALS,
    VOTING_OPEN,
    BALLOT_ACCEPTED,
    BALLOT_REJECTED,
    VOTING_CLOSE,
    TALLY,
    DECRYPTION_SHARE,
    RESULTS,
)


class Fields:
    """Typed, strict access to a JSON object, naming ``where`` and the key on error."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise RecordError(f"{where}: expected an object")
        self.data: Mapping[str, Any] = data
        self.where = where

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise RecordError(f"{self.where}.{key}: missing")
        return self.data[key]

    def str(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise RecordError(f"{self.where}.{key}: expected a string")
        return value

    def opt_str(self, key: str) -> str | None:
        if self.data.get(key) is None:
            return None
        return self.str(key)

    def int(self, key: str) -> int:
        value = self._get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecordError(f"{self.where}.{key}: expected an integer")
        return value

    def list(self, key: str) -> list[Any]:
        value = self._get(key)
        if not isinstance(value, list):
            raise RecordError(f"{self.where}.{key}: expected a list")
        return value

    def obj(self, key: str) -> Fields:
        return Fields(self._get(key), f"{self.where}.{key}")

    def raw(self, key: str) -> Any:
        return self._get(key)

    def keys(self) -> list[str]:
        return list(self.data.keys())
