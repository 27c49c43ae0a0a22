"""Checking a Benaloh challenge from the booth against a published record.

The booth shows, for a challenged (never cast) ballot::

    {"format": "referendum-challenge/1", "election": fingerprint hex, "credential": hex,
     "region": id, "choices": {"q1": ["yes"]}, "ballot": {...}, "nonces": {...},
     "tracking_code": hex}

The check re-encrypts the choices with the nonces (``services.voter.check_challenge``),
checks the tracking code, and that no ballot with that code was accepted on the board.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from referendum.crypto.ballot import BallotNonces, tracking_code
from referendum.errors import InputError, ProofError
from referendum.protocol.state import NON_BALLOT_TYPES, ElectionState, state_from_events
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.io import read_record
from referendum.services.voter import check_challenge, selections_from_choices

__all__ = ["CHALLENGE_FORMAT", "check_challenge_data", "check_challenge_file"]

CHALLENGE_FORMAT = "referendum-challenge/1"


def check_challenge_data(state: ElectionState, data: Any) -> str:
    """Check a challenge against ``state``; returns what the ballot held (``ProofError`` if
    the ballot does not encrypt it, ``InputError`` for a malformed challenge)."""
    if not isinstance(data, dict) or data.get("format") != CHALLENGE_FORMAT:
        raise InputError("challenge", f"expected an object with format {CHALLENGE_FORMAT!r}")
    for key in ("election", "credential", "choices", "ballot", "nonces", "tracking_code"):
        if key not in data:
            raise InputError(f"challenge.{key}", "missing")
    if data["election"] != state.fingerprint.hex():
        raise ProofError("the challenge is for another referendum")
    choices = data["choices"]
    if not isinstance(choices, dict):
        raise InputError("challenge.choices", "expected an object")
    selections = selections_from_choices(state.manifest, choices)
    nonces = BallotNonces.from_json(data["nonces"], field="challenge.nonces")
    check_challenge(state, data["ballot"], selections, nonces, credential=str(data["credential"]))
    code = tracking_code(canonical_json(data["ballot"]))
    if code != data["tracking_code"]:
        raise ProofError("the tracking code shown is not the ballot's")
    shown = "; ".join(f"{q}: {', '.join(a) or '-'}" for q, a in sorted(choices.items()))
    return shown


def check_challenge_file(data: Any, record: Path) -> str:
    """Check a challenge against the record in ``record`` (see the module docstring)."""
    reader = read_record(record)
    non_ballot = []
    cast_codes = set()
    for event in reader.events():
        if event.type in NON_BALLOT_TYPES:
            non_ballot.append(event)
        elif event.type == m.BALLOT_ACCEPTED:
            cast_codes.add(event.payload["tracking_code"])
    state = state_from_events(non_ballot)
    shown = check_challenge_data(state, data)
    if data["tracking_code"] in cast_codes:
        raise ProofError("this challenged ballot was cast: a challenged ballot must never be")
    return f"the challenged ballot encrypts {shown}; it was not cast"
