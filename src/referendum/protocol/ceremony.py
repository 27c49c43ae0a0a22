"""The trustees' key ceremony over record payloads (pure): who qualified, the election key.

Events, in order (docs/spec/record.md):

1. ``trustee.transport`` ``{trustee, name, transport_key, proof}``: each trustee's transport key;
2. ``trustee.deal`` ``{trustee, commitments, shares}``: Feldman commitments with a proof of
   the constant term, and the shares for every other trustee, encrypted to their transport keys;
3. ``trustee.check`` ``{trustee, complaints}``: each trustee's complaints against dealers
   whose shares did not match their commitments (empty when all were right);
4. ``election.key`` ``{qualified, public_key, verification_keys}``: derived from the above by
   :func:`derive_election_key`, which anyone can recompute.

A dealer is qualified when its commitments verify, it dealt a share to every other trustee,
and no justified complaint names it.  The key is the sum of the qualified dealers' constant
terms; trustee ``j``'s verification key is the sum of their commitments evaluated at ``j``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from referendum.crypto.group import Point
from referendum.crypto.proofs.schnorr import SchnorrProof
from referendum.crypto.threshold import (
    Commitments,
    Complaint,
    EncryptedShare,
    check_complaint,
    joint_public_key,
    verification_key,
    verify_transport_key,
)
from referendum.errors import InputError, PhaseError, ProofError, RecordError
from referendum.protocol.signing import TRUSTEE_DOMAIN, check_signed
from referendum.protocol.state import ElectionState, Phase
from referendum.protocol.tally import verified_shares
from referendum.record import messages as m

__all__ = [
    "ceremony_context",
    "check_ceremony",
    "deal_shares",
    "derive_election_key",
    "shares_of",
    "transport_keys",
]


def ceremony_context(state: ElectionState) -> bytes:
    """The context bound into every proof of the ceremony and of decryption: the fingerprint."""
    return state.fingerprint


def transport_keys(state: ElectionState) -> dict[int, Point]:
    """Every published transport key, each checked against its proof of possession."""
    keys = {}
    names = state.manifest.trustees.names
    for index, payload in sorted(state.transport.items()):
        if not 1 <= index <= len(names) or payload.get("name") != names[index - 1]:
            raise ProofError(f"trustee[{index}]: not a trustee of the manifest")
        public = Point.from_hex(payload["transport_key"])
        verify_transport_key(
            index,
            public,
            SchnorrProof.from_json(payload["proof"], field=f"trustee[{index}].proof"),
            ceremony_context(state),
        )
        keys[index] = public
    return keys


def deal_shares(state: ElectionState, dealer: int) -> dict[int, EncryptedShare]:
    """The encrypted shares a dealer published, by recipient."""
    return shares_of(state.deals[dealer], dealer)


def shares_of(payload: Mapping[str, Any], dealer: int) -> dict[int, EncryptedShare]:
    """The encrypted shares of a ``trustee.deal`` payload, by recipient."""
    shares = {}
    for raw in payload["shares"]:
        share = EncryptedShare.from_json(raw, field=f"trustee[{dealer}].shares")
        if share.dealer != dealer:
            raise RecordError(f"trustee[{dealer}].shares: a share names dealer {share.dealer}")
        shares[share.recipient] = share
    return shares


def derive_election_key(state: ElectionState) -> dict[str, Any]:
    """The ``election.key`` payload that the ceremony's events imply."""
    manifest = state.manifest
    n = len(manifest.trustees.names)
    t = manifest.trustees.threshold
    context = ceremony_context(state)
    keys = transport_keys(state)
    if set(keys) != set(range(1, n + 1)):
        raise ProofError(
            f"transport keys of trustees {sorted(set(range(1, n + 1)) - set(keys))} missing"
        )
    commitments: dict[int, Commitments] = {}
    shares: dict[int, dict[int, EncryptedShare]] = {}
    for index in sorted({*state.deals, *state.checks}):
        if index not in keys:
            raise ProofError(f"trustee[{index}]: an event from a trustee without a transport key")
    for event_type, events in ((m.TRUSTEE_DEAL, state.deals), (m.TRUSTEE_CHECK, state.checks)):
        for index, payload in events.items():
            check_signed(
                TRUSTEE_DOMAIN, context, event_type, payload, keys[index], who=f"trustee[{index}]"
            )
    for dealer in sorted(state.deals):
        c = Commitments.from_json(
            state.deals[dealer]["commitments"], field=f"trustee[{dealer}].commitments"
        )
        try:
            if c.dealer != dealer or c.threshold != t:
                raise ProofError(f"dealer {dealer}: commitments of the wrong dealer or degree")
            c.verify(context, threshold=t)
            dealt = deal_shares(state, dealer)
            if set(dealt) != set(range(1, n + 1)) - {dealer}:
                raise ProofError(f"dealer {dealer}: a share is missing")
        except ProofError:
            continue
        commitments[dealer] = c
        shares[dealer] = dealt
    disqualified: set[int] = set()
    for recipient, payload in sorted(state.checks.items()):
        for raw in payload["complaints"]:
            complaint = Complaint.from_json(raw, field=f"trustee[{recipient}].complaints")
            if complaint.recipient != recipient or complaint.dealer not in commitments:
                continue
            try:
                culprit = check_complaint(
                    complaint,
                    shares[complaint.dealer][recipient],
                    commitments[complaint.dealer],
                    keys[recipient],
                    context=context,
                )
            except ProofError:
                continue  # an unjustified complaint names nobody
            disqualified.add(culprit)
    qualified = sorted(set(commitments) - disqualified)
    if len(qualified) < t:
        raise ProofError(f"only {len(qualified)} qualified trustees; the threshold is {t}")
    used = [commitments[i] for i in qualified]
    return {
        "qualified": qualified,
        "disqualified": sorted(disqualified),
        "public_key": joint_public_key(used).hex(),
        "verification_keys": {str(j): verification_key(j, used).hex() for j in qualified},
    }


def check_ceremony(state: ElectionState) -> str:
    """Recompute the election key from the ceremony and compare it with the published one."""
    if state.election_key is None:
        raise RecordError("no election key published")
    expected = derive_election_key(state)
    if expected != state.election_key:
        for key in ("qualified", "disqualified", "public_key", "verification_keys"):
            if expected.get(key) != state.election_key.get(key):
                raise ProofError(f"election.key.{key} does not follow from the trustees' events")
    named = f"; disqualified: {expected['disqualified']}" if expected["disqualified"] else ""
    return (
        f"{len(state.transport)} trustees, qualified {expected['qualified']}{named}; "
        f"election key {expected['public_key'][:16]}... recomputed"
    )


_MEMBERS = {
    m.TRUSTEE_TRANSPORT: {"trustee", "name", "transport_key", "proof"},
    m.TRUSTEE_DEAL: {"trustee", "commitments", "shares", "signature"},
    m.TRUSTEE_CHECK: {"trustee", "complaints", "signature"},
    m.DECRYPTION_SHARE: {"trustee", "regions"},
}


def check_trustee_event(state: ElectionState, event_type: str, payload: Mapping[str, Any]) -> None:
    """Check a trustee's event before it is appended (a step made offline and uploaded): its
    place in the ceremony, its members, and its proofs and signature.  Raises
    :class:`InputError`, :class:`PhaseError` or :class:`ProofError`."""
    if event_type not in _MEMBERS:
        raise InputError("type", f"not a trustee's event: {event_type!r}")
    if set(payload) != _MEMBERS[event_type]:
        raise InputError("payload", f"expected exactly the members {sorted(_MEMBERS[event_type])}")
    trustee = payload["trustee"]
    n = len(state.manifest.trustees.names)
    if not isinstance(trustee, int) or isinstance(trustee, bool) or not 1 <= trustee <= n:
        raise InputError("trustee", f"trustees are numbered 1 to {n}")
    if event_type == m.DECRYPTION_SHARE:
        state.require(Phase.TALLIED)
        if trustee in state.shares:
            raise PhaseError(f"trustee {trustee} has already published decryption shares")
        verified_shares(state, trustee, payload)
        return
    state.require(Phase.SETUP)
    context = ceremony_context(state)
    if event_type == m.TRUSTEE_TRANSPORT:
        if trustee in state.transport:
            raise PhaseError(f"trustee {trustee} already published a transport key")
        if payload["name"] != state.manifest.trustees.names[trustee - 1]:
            raise InputError("name", "not this trustee's name in the manifest")
        proof = SchnorrProof.from_json(payload["proof"], field="proof")
        verify_transport_key(trustee, Point.from_hex(str(payload["transport_key"])), proof, context)
        return
    done, needs = (
        (state.deals, state.transport)
        if event_type == m.TRUSTEE_DEAL
        else (state.checks, state.deals)
    )
    if len(needs) < n:
        raise PhaseError(f"{len(needs)} of {n} trustees have done the previous step")
    if trustee in done:
        raise PhaseError(f"trustee {trustee} has already done this step")
    keys = transport_keys(state)
    check_signed(
        TRUSTEE_DOMAIN, context, event_type, payload, keys[trustee], who=f"trustee[{trustee}]"
    )
    if event_type == m.TRUSTEE_DEAL:
        c = Commitments.from_json(payload["commitments"], field="commitments")
        if c.dealer != trustee:
            raise ProofError("commitments: of another dealer")
        c.verify(context, threshold=state.manifest.trustees.threshold)
        if set(shares_of(payload, trustee)) != set(range(1, n + 1)) - {trustee}:
            raise InputError("shares", "one share for every other trustee is needed")
        return
    for raw in payload["complaints"]:
        complaint = Complaint.from_json(raw, field="complaints")
        if complaint.recipient != trustee:
            raise InputError("complaints", "a complaint of another trustee")
