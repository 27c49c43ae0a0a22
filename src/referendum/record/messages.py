"""Event types of the election record (their payloads are specified in docs/spec/record.md)."""

from __future__ import annotations

from typing import Final

__all__ = [
    "BALLOT_ACCEPTED",
    "BALLOT_DENIABLE",
    "BALLOT_REJECTED",
    "CREDENTIALS",
    "CREDENTIALS_REISSUE",
    "DECRYPTION_SHARE",
    "ELECTION_KEY",
    "EVENT_TYPES",
    "MANIFEST",
    "RESULTS",
    "TALLY",
    "TALLY_DUMMIES",
    "TALLY_ELIGIBILITY",
    "TALLY_FILTER",
    "TALLY_GROUPS",
    "TALLY_MIX",
    "TALLY_STEPS",
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
BALLOT_DENIABLE: Final = "ballot.deniable"  # deniable revoting (docs/spec/coercion.md)
VOTING_CLOSE: Final = "voting.close"
TALLY_DUMMIES: Final = "tally.dummies"
TALLY_MIX: Final = "tally.mix"
TALLY_GROUPS: Final = "tally.groups"
TALLY_FILTER: Final = "tally.filter"
TALLY_ELIGIBILITY: Final = "tally.eligibility"
TALLY_STEPS: Final = (TALLY_DUMMIES, TALLY_MIX, TALLY_GROUPS, TALLY_FILTER, TALLY_ELIGIBILITY)
"""The tallying authority's events of deniable revoting, before the tally."""
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
    BALLOT_DENIABLE,
    VOTING_CLOSE,
    *TALLY_STEPS,
    TALLY,
    DECRYPTION_SHARE,
    RESULTS,
)
