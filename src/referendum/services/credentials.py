"""The credential authority: issuing private credentials, publishing the public ones.

The authority is separate from the board: it generates, for each region, one private
credential per voter (delivered to the voter) and publishes only the derived public
credentials.  The board accepts ballots signed under listed public credentials only, so the
board alone cannot add a ballot that verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from referendum.crypto.credentials import derive_credential, generate_private_credential
from referendum.crypto.random import RandomSource
from referendum.errors import InputError
from referendum.protocol.signing import AUTHORITY_DOMAIN, signed
from referendum.record import messages as m
from referendum.services.signing_key import SigningKey

__all__ = [
    "AuthorityKey",
    "IssuedCredential",
    "credential_list_payload",
    "issue_credentials",
    "reissue_payload",
]


@dataclass(frozen=True)
class AuthorityKey(SigningKey):
    """The credential authority's signing key; its public half goes in the manifest."""

    FORMAT: ClassVar[str] = "referendum-authority-key/1"
    WHAT: ClassVar[str] = "authority key"


def credential_list_payload(
    fingerprint: bytes,
    region: str,
    public_credentials: list[str],
    authority: AuthorityKey,
    rng: RandomSource,
) -> dict[str, object]:
    """A region's list of public credentials (sorted), signed by the authority."""
    payload = {"region": region, "public_credentials": sorted(public_credentials)}
    secret, public = authority.secret, authority.public
    return signed(AUTHORITY_DOMAIN, fingerprint, m.CREDENTIALS, payload, secret, public, rng)


def reissue_payload(
    fingerprint: bytes,
    region: str,
    revoked: list[str],
    public_credentials: list[str],
    authority: AuthorityKey,
    rng: RandomSource,
) -> dict[str, object]:
    """A reissue of a region's credentials before voting opens: ``revoked`` come off the
    region's list and ``public_credentials`` (no more of them) go on it, signed."""
    payload = {
        "region": region,
        "revoked": sorted(revoked),
        "public_credentials": sorted(public_credentials),
    }
    secret, public = authority.secret, authority.public
    return signed(
        AUTHORITY_DOMAIN, fingerprint, m.CREDENTIALS_REISSUE, payload, secret, public, rng
    )


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
