"""The trustees' key ceremony over record payloads (pure): who qualified, the election key.

Events, in order (docs/spec/events.md), each step once per trustee and only after every
trustee did the step before (:class:`CeremonyProgress`, which the board and the verifier both
apply):

1. ``trustee.transport`` ``{trustee, name, transport_key, proof}``: each trustee's transport key;
2. ``trustee.deal`` ``{trustee, commitments, shares, signature}``: Feldman commitments with a
   proof of the constant term, and the shares for every other trustee, encrypted to their
   transport keys;
3. ``trustee.check`` ``{trustee, complaints, signature}``: each trustee's complaints against
   dealers whose shares did not match their commitments (empty when all were right);
4. ``election.key`` ``{qualified, disqualified, public_key, verification_keys}``: derived from
   the above by :func:`derive_election_key`, which anyone can recompute.  No trustee event
   follows it.

A dealer is qualified when its commitments verify, it dealt a share to every other trustee,
and no justified complaint names it.  The key is the sum of the qualified dealers' constant
terms; trustee ``j``'s verification key is the sum of their commitments evaluated at ``j``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
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
from referendum.protocol.payloads import check_payload
from referendum.protocol.signing import TRUSTEE_DOMAIN, check_signed
from referendum.protocol.state import ElectionState, Phase
from referendum.protocol.tally import parse_share_event
from referendum.record import messages as m
from referendum.record.event import Event

__all__ = [
    "CeremonyProgress",
    "ceremony_context",
    "check_ceremony",
    "check_ceremony_order",
    "check_trustee_event",
    "complaints_of",
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


_STEPS = (m.TRUSTEE_TRANSPORT, m.TRUSTEE_DEAL, m.TRUSTEE_CHECK)


@dataclass
class CeremonyProgress:
    """Which trustees did which step of the ceremony, and whether the election key is out.

    :meth:`admit` is the ceremony's order, one definition for the board (before appending)
    and the verifier (replaying the record): each step once per trustee, a step only after
    every trustee did the one before, ``election.key`` only after every ``trustee.check``,
    and no trustee event after ``election.key``."""

    trustees: int
    done: dict[str, set[int]] = field(default_factory=lambda: {t: set() for t in _STEPS})
    keyed: bool = False

    @staticmethod
    def of(state: ElectionState) -> CeremonyProgress:
        progress = CeremonyProgress(len(state.manifest.trustees.names))
        progress.done[m.TRUSTEE_TRANSPORT] = set(state.transport)
        progress.done[m.TRUSTEE_DEAL] = set(state.deals)
        progress.done[m.TRUSTEE_CHECK] = set(state.checks)
        progress.keyed = state.election_key is not None
        return progress

    def _missing(self, step: str) -> list[int]:
        return sorted(set(range(1, self.trustees + 1)) - self.done[step])

    def admit(self, event_type: str, trustee: int | None = None) -> None:
        """Raise :class:`PhaseError` unless the event may come next; then count it."""
        if event_type == m.ELECTION_KEY:
            if self.keyed:
                raise PhaseError("the election key is already published")
            if missing := self._missing(m.TRUSTEE_CHECK):
                raise PhaseError(
                    f"election.key before the trustee.check of trustees {missing}: "
                    "every trustee checks its shares first"
                )
            self.keyed = True
            return
        if self.keyed:
            raise PhaseError(f"no {event_type} after election.key: the ceremony is over")
        step = _STEPS.index(event_type)
        assert trustee is not None
        if step and (missing := self._missing(_STEPS[step - 1])):
            raise PhaseError(
                f"{event_type} of trustee {trustee} before the {_STEPS[step - 1]} "
                f"of trustees {missing}"
            )
        if trustee in self.done[event_type]:
            raise PhaseError(f"trustee {trustee} has already published its {event_type}")
        self.done[event_type].add(trustee)


def check_ceremony_order(state: ElectionState, events: Iterable[Event]) -> None:
    """Replay the record's ceremony events through :meth:`CeremonyProgress.admit`; raise
    :class:`ProofError` naming the first event out of place."""
    progress = CeremonyProgress(len(state.manifest.trustees.names))
    for event in events:
        if event.type not in (*_STEPS, m.ELECTION_KEY):
            continue
        try:
            progress.admit(event.type, event.payload.get("trustee"))
        except PhaseError as exc:
            raise ProofError(f"event {event.height} ({event.type}): {exc}") from None


_COMPLAINT = {"dealer", "recipient", "shared", "proof"}
_DLEQ = {"a1", "a2", "response"}


def complaints_of(payload: Mapping[str, Any], trustee: int, n: int) -> list[Complaint]:
    """The complaints of a ``trustee.check`` payload, each well-formed (raises
    :class:`InputError` naming the complaint): exactly its members, they parse, its recipient
    is the event's trustee, its dealer another trustee, and no dealer is named twice.  Whether
    a complaint is *justified* is judged apart (:func:`derive_election_key`); an unjustified
    one is ignored."""
    raw = payload.get("complaints")
    if not isinstance(raw, list):
        raise InputError(f"trustee[{trustee}].complaints", "expected a list")
    out: list[Complaint] = []
    for k, item in enumerate(raw):
        where = f"trustee[{trustee}].complaints[{k}]"
        if not isinstance(item, dict) or set(item) != _COMPLAINT:
            raise InputError(where, f"expected exactly the members {sorted(_COMPLAINT)}")
        if not isinstance(item["proof"], dict) or set(item["proof"]) != _DLEQ:
            raise InputError(f"{where}.proof", f"expected exactly the members {sorted(_DLEQ)}")
        complaint = Complaint.from_json(item, field=where)
        if complaint.recipient != trustee:
            raise InputError(f"{where}.recipient", f"not {trustee}, the trustee complaining")
        if not 1 <= complaint.dealer <= n or complaint.dealer == trustee:
            raise InputError(f"{where}.dealer", "not another trustee of the manifest")
        if any(c.dealer == complaint.dealer for c in out):
            raise InputError(f"{where}.dealer", f"a second complaint against {complaint.dealer}")
        out.append(complaint)
    return out


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
    for event_type, events in ((m.TRUSTEE_DEAL, state.deals), (m.TRUSTEE_CHECK, state.checks)):
        if missing := sorted(set(range(1, n + 1)) - set(events)):
            raise ProofError(f"the {event_type} events of trustees {missing} are missing")
        if extra := sorted(set(events) - set(keys)):
            raise ProofError(f"{event_type} events of trustees {extra}, not of the manifest")
    commitments: dict[int, Commitments] = {}
    shares: dict[int, dict[int, EncryptedShare]] = {}
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
        for complaint in complaints_of(payload, recipient, n):
            if complaint.dealer not in commitments:
                continue  # not a candidate: disqualified already
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


_TRUSTEE_EVENTS = frozenset(
    {m.TRUSTEE_TRANSPORT, m.TRUSTEE_DEAL, m.TRUSTEE_CHECK, m.DECRYPTION_SHARE}
)


def check_trustee_event(state: ElectionState, event_type: str, payload: Mapping[str, Any]) -> None:
    """Check a trustee's event before it is appended (a step made offline and uploaded): its
    place in the ceremony, its members, and its proofs and signature.  Raises
    :class:`InputError`, :class:`PhaseError` or :class:`ProofError`.

    A ``tally.share`` is refused when it is unsigned, malformed or not of a qualified
    trustee, but not for a share whose proof fails: signed, it is the trustee's own statement,
    kept as evidence and named in the results' ``rejected_shares``."""
    if event_type not in _TRUSTEE_EVENTS:
        raise InputError("type", f"not a trustee's event: {event_type!r}")
    check_payload(event_type, payload)  # exactly its members, types and sizes
    trustee = payload["trustee"]
    n = len(state.manifest.trustees.names)
    if not isinstance(trustee, int) or isinstance(trustee, bool) or not 1 <= trustee <= n:
        raise InputError("trustee", f"trustees are numbered 1 to {n}")
    if event_type == m.DECRYPTION_SHARE:
        state.require(Phase.TALLIED)
        if trustee in state.shares:
            raise PhaseError(f"trustee {trustee} has already published decryption shares")
        parse_share_event(state, trustee, payload)
        return
    state.require(Phase.SETUP, Phase.READY)
    CeremonyProgress.of(state).admit(event_type, trustee)
    context = ceremony_context(state)
    if event_type == m.TRUSTEE_TRANSPORT:
        if payload["name"] != state.manifest.trustees.names[trustee - 1]:
            raise InputError("name", "not this trustee's name in the manifest")
        proof = SchnorrProof.from_json(payload["proof"], field="proof")
        verify_transport_key(trustee, Point.from_hex(str(payload["transport_key"])), proof, context)
        return
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
    complaints_of(payload, trustee, n)
