"""Benaloh challenges: what a challenged ballot reveals, and checking it.

A challenge (docs/spec/crypto.md section 5.5) is an encrypted ballot that was **never
signed**, with its selections and every nonce; the voting client then makes a fresh ballot
to cast.  The CLI (``referendum vote --challenge``) and the booth write the same file, which
``referendum check-challenge`` and the ``/challenge`` page check::

    {"format": "referendum-challenge/2", "election": fingerprint hex, "region": id,
     "credential": public credential hex, "ballot": {...}, "tracking_code": hex,
     "choices": {"q1": ["yes"]}, "selections": [[1, 0, 0]], "nonces": {...}}

It holds no signature, so whoever sees it without the private credential cannot cast it;
a file with any other member (a ``signature``, a ``submission``) is refused.

With deniable revoting (docs/spec/coercion.md section 10) the format is
``referendum-challenge/3`` with two more members: ``voter`` (the encrypted credential the
ballot's proofs are bound to) and ``voter_nonce`` (its nonce, so that the checker sees it
encrypts the voter's own credential).  It holds no ``credential_proof`` either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from referendum.crypto.ballot import BallotNonces, tracking_code
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.json_fields import scalar
from referendum.errors import InputError, ProofError
from referendum.protocol.state import ElectionState
from referendum.record.canonical import canonical_json
from referendum.services.voter import (
    DeniableChoices,
    EncryptedChoices,
    check_challenge,
    selections_from_choices,
)

__all__ = [
    "CHALLENGE_FORMAT",
    "CHALLENGE_MEMBERS",
    "DENIABLE_CHALLENGE_FORMAT",
    "DENIABLE_CHALLENGE_MEMBERS",
    "challenge_data",
    "check_challenge_data",
]

CHALLENGE_FORMAT: Final = "referendum-challenge/2"
CHALLENGE_MEMBERS: Final = frozenset(
    {
        "format",
        "election",
        "region",
        "credential",
        "ballot",
        "tracking_code",
        "choices",
        "selections",
        "nonces",
    }
)
DENIABLE_CHALLENGE_FORMAT: Final = "referendum-challenge/3"
DENIABLE_CHALLENGE_MEMBERS: Final = CHALLENGE_MEMBERS | {"voter", "voter_nonce"}


def challenge_data(
    state: ElectionState,
    encrypted: EncryptedChoices,
    choices: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """The challenge file of an unsigned ballot (it reveals the ballot's content)."""
    extra: dict[str, Any] = {}
    if isinstance(encrypted, DeniableChoices):
        extra = {"voter": encrypted.voter.to_json(), "voter_nonce": encrypted.voter_nonce.hex()}
    return {
        **extra,
        "format": DENIABLE_CHALLENGE_FORMAT if extra else CHALLENGE_FORMAT,
        "election": state.fingerprint.hex(),
        "region": encrypted.region,
        "credential": encrypted.credential,
        "ballot": encrypted.ballot,
        "tracking_code": encrypted.tracking_code,
        "choices": {q: list(a) for q, a in choices.items()},
        "selections": [list(row) for row in encrypted.selections],
        "nonces": encrypted.nonces.to_json(),
    }


def check_challenge_data(state: ElectionState, data: Any) -> str:
    """Check a challenge against ``state``; returns the choices it holds, in words
    (``ProofError`` if the ballot does not encrypt them, ``InputError`` if malformed)."""
    deniable = state.manifest.deniable
    expected = DENIABLE_CHALLENGE_FORMAT if deniable else CHALLENGE_FORMAT
    members = DENIABLE_CHALLENGE_MEMBERS if deniable else CHALLENGE_MEMBERS
    if not isinstance(data, dict) or data.get("format") != expected:
        raise InputError("challenge.format", f"expected an object with format {expected!r}")
    extra = sorted(set(data) - members)
    if extra:
        raise InputError(
            f"challenge.{extra[0]}",
            "not a member of a challenge (a challenged ballot is never signed nor cast)",
        )
    missing = sorted(members - set(data))
    if missing:
        raise InputError(f"challenge.{missing[0]}", "missing")
    if data["election"] != state.fingerprint.hex():
        raise ProofError("the challenge is for another referendum")
    choices, credential = data["choices"], data["credential"]
    if not isinstance(choices, dict) or not isinstance(data["ballot"], dict):
        raise InputError("challenge", "choices and ballot are objects")
    region = state.region_of(str(credential))
    if region is None:
        raise InputError("challenge.credential", "not on any region's list")
    if data["region"] != region:
        raise ProofError(f"the credential is on the list of {region!r}, not {data['region']!r}")
    selections = selections_from_choices(state.manifest, choices, region)
    if [list(row) for row in selections] != data["selections"]:
        raise ProofError("the choices shown are not the selections revealed")
    nonces = BallotNonces.from_json(data["nonces"], field="challenge.nonces")
    voter = None
    if deniable:
        voter = (
            Ciphertext.from_json(data["voter"], field="challenge.voter"),
            scalar(data["voter_nonce"], "challenge.voter_nonce"),
        )
    check_challenge(
        state, data["ballot"], selections, nonces, credential=str(credential), voter=voter
    )
    if tracking_code(canonical_json(data["ballot"])) != data["tracking_code"]:
        raise ProofError("the tracking code shown is not the ballot's")
    return "; ".join(f"{q}: {', '.join(a) or '-'}" for q, a in sorted(choices.items()))
