"""The voter's side: encrypting a ballot, then either signing it to cast or challenging it.

Runs where the voter is (the CLI here, the browser booth in the web app): the private
credential never leaves this module's caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from referendum.crypto.ballot import (
    BallotContext,
    BallotNonces,
    EncryptedBallot,
    audit_ballot,
    encrypt_ballot,
    encrypt_ballot_with_nonces,
    random_ballot_nonces,
    tracking_code,
)
from referendum.crypto.credentials import derive_credential, sign, sign_with_nonce
from referendum.crypto.deniable import CREDENTIAL_DOMAIN, credential_relation, encrypt_credential
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point, Scalar
from referendum.crypto.proofs.linear import prove_linear_with_nonces
from referendum.crypto.random import RandomSource
from referendum.errors import DroppedBallot, InputError, ProofError
from referendum.protocol.ballots import ballot_signing_message
from referendum.protocol.state import ElectionState
from referendum.record.canonical import canonical_json
from referendum.record.manifest import Manifest

__all__ = [
    "DeniableChoices",
    "EncryptedChoices",
    "PreparedBallot",
    "check_challenge",
    "check_last_ballot",
    "deniable_submission_with_nonces",
    "encrypt_choices",
    "encrypt_deniable_choices",
    "encrypt_deniable_with_nonces",
    "prepare_ballot",
    "prepare_deniable_ballot",
    "public_credential_of",
    "selections_from_choices",
    "sign_ballot",
    "sign_deniable_ballot",
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


@dataclass(frozen=True)
class DeniableChoices(EncryptedChoices):
    """An encrypted deniable ballot, not yet proven for its credential nor signed: what the
    voter either challenges (revealing the nonces, ``voter``'s included) or casts.  Its
    selection proofs are bound to ``voter``, the credential encrypted with ``voter_nonce``."""

    voter: Ciphertext
    voter_nonce: Scalar


def encrypt_deniable_with_nonces(
    ctx: BallotContext,
    region: str,
    authority: Point,
    credential: Point,
    selections: Sequence[Sequence[int]],
    ballot_nonces: BallotNonces,
    voter_nonce: Scalar,
) -> DeniableChoices:
    """Deterministic core of a deniable ballot's encryption: ``voter`` encrypts the public
    credential under the tallying authority's key, and the selection proofs are bound to
    ``voter``'s 64 bytes."""
    voter = encrypt_credential(authority, credential, voter_nonce)
    ballot = encrypt_ballot_with_nonces(ctx, selections, ballot_nonces, binding=voter.to_bytes())
    ballot_json = ballot.to_json()
    return DeniableChoices(
        region=region,
        credential=credential.hex(),
        voter=voter,
        ballot=ballot_json,
        tracking_code=tracking_code(canonical_json(ballot_json)),
        selections=tuple(tuple(row) for row in selections),
        nonces=ballot_nonces,
        voter_nonce=voter_nonce,
    )


def deniable_submission_with_nonces(
    fingerprint: bytes,
    authority: Point,
    secret: Scalar,
    encrypted: DeniableChoices,
    proof_nonces: Sequence[Scalar],
    signature_nonce: Scalar,
) -> dict[str, Any]:
    """Deterministic core of casting a deniable ballot: the ``credential_proof`` (context:
    the fingerprint, the region, the ballot's canonical JSON) and the signature the board
    checks (``deniable.signing_message``, kept off the record)."""
    from referendum.protocol import deniable

    canonical = canonical_json(encrypted.ballot)
    context = deniable.credential_context(fingerprint, encrypted.region, canonical)
    proof = prove_linear_with_nonces(
        CREDENTIAL_DOMAIN,
        credential_relation(authority, encrypted.voter),
        (secret, encrypted.voter_nonce),
        context,
        proof_nonces,
    ).to_json()
    public = bytes.fromhex(encrypted.credential)
    message = deniable.signing_message(
        fingerprint, public, encrypted.region, canonical, encrypted.voter, proof
    )
    signature = sign_with_nonce(secret, Point.from_bytes(public), message, signature_nonce)
    return {
        "election": fingerprint.hex(),
        "region": encrypted.region,
        "credential": encrypted.credential,
        "ballot": encrypted.ballot,
        "voter": encrypted.voter.to_json(),
        "credential_proof": proof,
        "signature": signature.to_json(),
    }


def _authority_of(state: ElectionState) -> Point:
    if state.manifest.tallying_authority is None:
        raise InputError("revoting", "this referendum has visible revoting")
    return Point.from_hex(state.manifest.tallying_authority)


def encrypt_deniable_choices(
    state: ElectionState,
    public_credential: str,
    choices: Mapping[str, Sequence[str]],
    rng: RandomSource,
) -> DeniableChoices:
    """Encrypt a deniable ballot for the credential's region with fresh nonces; nothing is
    proven for the credential nor signed, so the result can be challenged safely."""
    authority = _authority_of(state)
    region = state.region_of(public_credential)
    if region is None:
        raise InputError("credential", "this credential is not on any region's list")
    selections = selections_from_choices(state.manifest, choices, region)
    ctx = state.ballot_context(region)
    voter_nonce = Scalar.random(rng)
    nonces = random_ballot_nonces(ctx, rng)
    credential = Point.from_hex(public_credential)
    return encrypt_deniable_with_nonces(
        ctx, region, authority, credential, selections, nonces, voter_nonce
    )


def sign_deniable_ballot(
    state: ElectionState,
    private_credential: str,
    encrypted: DeniableChoices,
    rng: RandomSource,
) -> dict[str, Any]:
    """The submission casting ``encrypted`` (never challenged): the ``credential_proof`` and
    the board's signature, made with the private credential."""
    secret, public = derive_credential(state.manifest.id, private_credential)
    if public.hex() != encrypted.credential:
        raise InputError("credential", "this ballot was encrypted for another credential")
    proof_nonces = (Scalar.random(rng), Scalar.random(rng))
    return deniable_submission_with_nonces(
        state.fingerprint,
        _authority_of(state),
        secret,
        encrypted,
        proof_nonces,
        Scalar.random(rng),
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
    encrypted = encrypt_deniable_choices(
        state, public_credential_of(state, private_credential), choices, rng
    )
    submission = sign_deniable_ballot(state, private_credential, encrypted, rng)
    return PreparedBallot(
        submission, encrypted.tracking_code, encrypted.selections, encrypted.nonces
    )


def check_challenge(
    state: ElectionState,
    ballot_json: Mapping[str, Any],
    selections: Sequence[Sequence[int]],
    nonces: BallotNonces,
    *,
    credential: str,
    voter: tuple[Ciphertext, Scalar] | None = None,
) -> None:
    """Benaloh challenge: check that the ballot encrypts ``selections`` under the revealed
    nonces.  For a deniable ballot, ``voter`` is its encrypted credential with the nonce
    revealed: it must encrypt ``credential`` under the tallying authority's key with that
    nonce, and the ballot is bound to it.  Raises :class:`~referendum.errors.ProofError`
    if not."""
    region = state.region_of(credential)
    if region is None:
        raise InputError("credential", "not on any region's credential list")
    binding = bytes.fromhex(credential)
    if voter is not None:
        ciphertext, nonce = voter
        expected = encrypt_credential(_authority_of(state), Point.from_hex(credential), nonce)
        if expected != ciphertext:
            raise ProofError("voter: not the credential encrypted with the nonce revealed")
        binding = ciphertext.to_bytes()
    audit_ballot(
        state.ballot_context(region),
        EncryptedBallot.from_json(ballot_json),
        selections,
        nonces,
        binding=binding,
    )
