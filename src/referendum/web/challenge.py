"""Checking a Benaloh challenge made in the booth.

The booth shows, for a challenged (never cast) ballot, the same file as ``referendum vote
--challenge`` writes (so ``referendum check-challenge FILE`` checks it too), plus the choices
in words::

    {"format": "referendum-challenge/1", "election": fingerprint hex,
     "choices": {"q1": ["yes"]}, "selections": [[1, 0, 0]], "nonces": {...},
     "submission": {election, region, credential, ballot, signature}, "tracking_code": hex}

The check re-encrypts the selections with the nonces (``services.voter.check_challenge``)
and checks that they are the choices shown and that the tracking code is the ballot's.
"""

from __future__ import annotations

from typing import Any

from referendum.crypto.ballot import BallotNonces, tracking_code
from referendum.errors import InputError, ProofError
from referendum.protocol.state import ElectionState
from referendum.record.canonical import canonical_json
from referendum.services.voter import check_challenge, selections_from_choices

__all__ = ["CHALLENGE_FORMAT", "check_challenge_data"]

CHALLENGE_FORMAT = "referendum-challenge/1"


def check_challenge_data(state: ElectionState, data: Any) -> str:
    """Check a challenge against ``state``; returns the choices it holds, in words
    (``ProofError`` if the ballot does not encrypt them, ``InputError`` if malformed)."""
    if not isinstance(data, dict) or data.get("format") != CHALLENGE_FORMAT:
        raise InputError("challenge", f"expected an object with format {CHALLENGE_FORMAT!r}")
    for key in ("election", "choices", "selections", "nonces", "submission", "tracking_code"):
        if key not in data:
            raise InputError(f"challenge.{key}", "missing")
    if data["election"] != state.fingerprint.hex():
        raise ProofError("the challenge is for another referendum")
    choices = data["choices"]
    submission = data["submission"]
    if not isinstance(choices, dict) or not isinstance(submission, dict):
        raise InputError("challenge", "choices and submission are objects")
    region = state.region_of(str(submission.get("credential")))
    if region is None:
        raise InputError("challenge.submission.credential", "not on any region's list")
    selections = selections_from_choices(state.manifest, choices, region)
    if [list(row) for row in selections] != data["selections"]:
        raise ProofError("the choices shown are not the selections revealed")
    nonces = BallotNonces.from_json(data["nonces"], field="challenge.nonces")
    ballot = submission.get("ballot")
    check_challenge(
        state, ballot or {}, selections, nonces, credential=str(submission.get("credential"))
    )
    if tracking_code(canonical_json(ballot)) != data["tracking_code"]:
        raise ProofError("the tracking code shown is not the ballot's")
    return "; ".join(f"{q}: {', '.join(a) or '-'}" for q, a in sorted(choices.items()))
