"""The credential authority: issuing private credentials, publishing the public ones.

The authority is separate from the board: it generates, for each region, one private
credential per voter (delivered to the voter) and publishes only the derived public
credentials.  The board accepts ballots signed under listed public credentials only, so the
board alone cannot add a ballot that verifies.
"""

from __future__ import annotations

from dataclasses import dataclass

from referendum.crypto.credentials import derive_credential, generate_private_credential
from referendum.crypto.random import RandomSource
from referendum.errors import InputError

__all__ = ["IssuedCredential", "issue_credentials"]


@dataclass(frozen=True)
class IssuedCredential:
    """One voter's credential: the private string (secret, for the voter) and the public key."""

    region: str
    private: str
    public: str


def issue_credentials(
    election_id: str, region: str, count: int, rng: RandomSource
) -> list[IssuedCredential]:
    """Generate ``count`` credentials bound to ``region`` of the referendum ``election_id``."""
    if count < 1:
        raise InputError("count", "at least one credential")
    issued = []
    for _ in range(count):
        private = generate_private_credential(rng)
        _, public = derive_credential(election_id, private)
        issued.append(IssuedCredential(region=region, private=private, public=public.hex()))
    return issued
