"""The voter's side: encrypting a ballot, then either signing it to cast or challenging it.

Runs where the voter is (the CLI here, the browser booth in the web app): the private
credential never leaves this module's caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from referendum.crypto.ballot import (
    BallotNonces,
    EncryptedBallot,
    audit_ballot,
    encrypt_ballot,
    tracking_code,
)
from referendum.crypto.credentials import derive_credential, sign
from referendum.crypto.random import RandomSource
from referendum.errors import DroppedBallot, InputError
from referendum.protocol.ballots import ballot_signing_message
from referendum.protocol.state import ElectionState
from referendum.record.canonical import canonical_json
from referendum.record.manifest import Manifest

__all__ = [
    "EncryptedChoices",
    "PreparedBallot",
    "check_challenge",
    "check_last_ballot",
    "encrypt_choices",
    "prepare_ballot",
    "prepare_deniable_ballot",
    "public_credential_of",
    "selections_from_choices",
    "sign_ballot",
]


@dataclass(frozen=True)
class EncryptedChoices:
    """An encrypted ballot with its proofs, not signed: what the voter either challenges
    (revealing ``selections`` and ``nonces``) or signs and casts, never both."""

    region: str
    credential: str
    ballot: dict[str, Any]
    tracking_code: str
    selections: tuple[tuple[int, ...], ...]
    nonces: BallotNonces


@dataclass(frozen=True)
class PreparedBallot:
    """An encrypted, signed ballot ready to cast."""

    submission: dict[str, Any]
    tracking_code: str
    selections: tuple[tuple[int, ...], ...]
    nonces: BallotNonces


def selections_from_choices(
    manifest: Manifest, choices: Mapping[str, Sequence[str]], region_id: str
) -> tuple[tuple[int, ...], ...]:
    """Turn ``{"q1": ["yes"]}`` into 0/1 selection vectors for the region's ballot style,
    checking every question."""
    style = manifest.ballot_style(region_id)
    unknown = set(choices) - {q.id for q in style}
    if unknown:
        raise InputError(
            "choices", f"question {sorted(unknown)[0]!r} is not on the ballot of {region_id!r}"
        )
    out = []
    for q in style:
        chosen = list(choices.get(q.id, ()))
        for answer in chosen:
            if answer not in q.answers:
                raise InputError(
                    f"choices.{q.id}",
                    f"{answer!r} is not an answer; expected one of {list(q.answers)}",
                )
        if len(set(chosen)) != len(chosen):
            raise InputError(f"choices.{q.id}", "an answer is chosen twice")
        if not q.min_selections <= len(chosen) <= q.max_selections:
            raise InputError(
                f"choices.{q.id}",
                f"choose between {q.min_selections} and {q.max_selections} answers",
            )
        out.append(tuple(1 if a in chosen else 0 for a in q.answers))
    return tuple(out)


def encrypt_choices(
    state: ElectionState,
    public_credential: str,
    choices: Mapping[str, Sequence[str]],
    rng: RandomSource,
) -> EncryptedChoices:
    """Encrypt and prove a ballot for the credential's region, with fresh nonces; nothing is
    signed (the private credential is not needed), so the result can be challenged safely."""
    region = state.region_of(public_credential)
    if region is None:
        raise InputError("credential", "this credential is not on any region's list")
    selections = selections_from_choices(state.manifest, choices, region)
    ballot, nonces = encrypt_ballot(
        state.ballot_context(region),
        selections,
        rng,
        binding=bytes.fromhex(public_credential),
    )
    ballot_json = ballot.to_json()
    return EncryptedChoices(
        region=region,
        credential=public_credential,
        ballot=ballot_json,
        tracking_code=tracking_code(canonical_json(ballot_json)),
        selections=selections,
        nonces=nonces,
    )


def sign_ballot(
    state: ElectionState,
    private_credential: str,
    encrypted: EncryptedChoices,
    rng: RandomSource,
    *,
    replaces: str | None = None,
) -> dict[str, Any]:
    """The submission casting ``encrypted``: sign it with the private credential, naming the
    ballot it replaces (``replaces``: the tracking code of the credential's last ballot on the
    board, checked with :func:`check_last_ballot`; ``None`` for its first ballot; the board
    refuses it unless that is still the credential's last).  Only for a ballot that was never
    challenged (its nonces never shown)."""
    secret, public = derive_credential(state.manifest.id, private_credential)
    if public.hex() != encrypted.credential:
        raise InputError("credential", "this ballot was encrypted for another credential")
    message = ballot_signing_message(
        state.fingerprint, encrypted.credential, encrypted.region, encrypted.ballot, replaces
    )
    return {
        "election": state.fingerprint.hex(),
        "region": encrypted.region,
        "credential": encrypted.credential,
        "ballot": encrypted.ballot,
        "signature": sign(secret, public, message, rng).to_json(),
        "replaces": replaces,
    }


def check_last_ballot(board_last: str | None, own_last: str | None) -> str | None:
    """What the voter's next ballot names in ``replaces``: the board's answer ``board_last``
    (the credential's last ballot there), once checked against ``own_last``, the tracking
    code of the last ballot this device cast (``None`` when it knows of none).  Raises
    :class:`~referendum.errors.DroppedBallot` when they differ."""
    if own_last is not None and board_last != own_last:
        raise DroppedBallot(board_last, own_last)
    return board_last


def public_credential_of(state: ElectionState, private_credential: str) -> str:
    """The public credential (hex) of a private credential in this referendum."""
    return derive_credential(state.manifest.id, private_credential)[1].hex()


def prepare_ballot(
    state: ElectionState,
    private_credential: str,
    choices: Mapping[str, Sequence[str]],
    rng: RandomSource,
    *,
    replaces: str | None = None,
) -> PreparedBallot:
    """Encrypt, prove and sign a ballot for the credential's region (to cast at once),
    replacing the ballot whose tracking code is ``replaces`` (see :func:`sign_ballot`)."""
    encrypted = encrypt_choices(
        state, public_credential_of(state, private_credential), choices, rng
    )
    return PreparedBallot(
        submission=sign_ballot(state, private_credential, encrypted, rng, replaces=replaces),
        tracking_code=encrypted.tracking_code,
        selections=encrypted.selections,
        nonces=encrypted.nonces,
    )


def prepare_deniable_ballot(
    state: ElectionState,
    private_credential: str,
    choices: Mapping[str, Sequence[str]],
    rng: RandomSource,
) -> PreparedBallot:
    """A ballot for a referendum with deniable revoting (docs/spec/coercion.md section 3.1):
    the public credential encrypted for the tallying authority (``voter``), a
    ``credential_proof`` that the author holds its secret, the selection proofs bound to
    ``voter``, and the signature the board checks (kept off the record).  Every ballot is
    cast the same way, first or not: nothing names the ballot it replaces."""
    from referendum.crypto.deniable import encrypt_credential, prove_credential
    from referendum.crypto.group import Point, Scalar
    from referendum.protocol import deniable

    if state.manifest.tallying_authority is None:
        raise InputError("revoting", "this referendum has visible revoting")
    authority = Point.from_hex(state.manifest.tallying_authority)
    secret, public = derive_credential(state.manifest.id, private_credential)
    region = state.region_of(public.hex())
    if region is None:
        raise InputError("credential", "this credential is not on any region's list")
    selections = selections_from_choices(state.manifest, choices, region)
    r = Scalar.random(rng)
    voter = encrypt_credential(authority, public, r)
    ballot, nonces = encrypt_ballot(
        state.ballot_context(region), selections, rng, binding=voter.to_bytes()
    )
    ballot_json = ballot.to_json()
    canonical = canonical_json(ballot_json)
    context = deniable.credential_context(state.fingerprint, region, canonical)
    proof = prove_credential(authority, voter, secret, r, context, rng).to_json()
    message = deniable.signing_message(
        state.fingerprint, public.to_bytes(), region, canonical, voter, proof
    )
    submission = {
        "election": state.fingerprint.hex(),
        "region": region,
        "credential": public.hex(),
        "ballot": ballot_json,
        "voter": voter.to_json(),
        "credential_proof": proof,
        "signature": sign(secret, public, message, rng).to_json(),
    }
    return PreparedBallot(submission, tracking_code(canonical), selections, nonces)


def check_challenge(
    state: ElectionState,
    ballot_json: Mapping[str, Any],
    selections: Sequence[Sequence[int]],
    nonces: BallotNonces,
    *,
    credential: str,
) -> None:
    """Benaloh challenge: check that the ballot encrypts ``selections`` under the revealed
    nonces.  Raises :class:`~referendum.errors.ProofError` if not."""
    region = state.region_of(credential)
    if region is None:
        raise InputError("credential", "not on any region's credential list")
    audit_ballot(
        state.ballot_context(region),
        EncryptedBallot.from_json(ballot_json),
        selections,
        nonces,
        binding=bytes.fromhex(credential),
    )
