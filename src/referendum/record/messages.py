"""Event types of the election record (their payloads are specified in docs/spec/record.md)."""

from __future__ import annotations

from typing import Final

__all__ = [
    "BALLOT_ACCEPTED",
    "BALLOT_REJECTED",
    "CREDENTIALS",
    "CREDENTIALS_REISSUE",
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
]

MANIFEST: Final = "manifest"
TRUSTEE_TRANSPORT: Final = "trustee.transport"
TRUSTEE_DEAL: Final = "trustee.deal"
TRUSTEE_CHECK: Final = "trustee.check"
ELECTION_KEY: Final = "election.key"
CREDENTIALS: Final = "credentials"
CREDENTIALS_REISSUE: Final = "credentials.reissue"
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
    CREDENTIALS_REISSUE,
    VOTING_OPEN,
    BALLOT_ACCEPTED,
    BALLOT_REJECTED,
    VOTING_CLOSE,
    TALLY,
    DECRYPTION_SHARE,
    RESULTS,
)
