"""The referendum's state, rebuilt from its non-ballot events.

Pure: the events come from a board (services) or from a published record (verify).
Ballots are not replayed here (there may be millions).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from referendum.crypto.ballot import BallotContext, QuestionShape
from referendum.crypto.group import Point
from referendum.crypto.hashing import sha256_fields
from referendum.errors import PhaseError, RecordError
from referendum.protocol.payloads import check_payload
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.record.manifest import Manifest, manifest_from_payload, parse_timestamp

__all__ = [
    "NON_BALLOT_TYPES",
    "ElectionState",
    "Phase",
    "apply_reissue",
    "credential_key",
    "manifest_fingerprint",
    "state_from_events",
    "tracking_key",
]

NON_BALLOT_TYPES = tuple(
    t for t in m.EVENT_TYPES if t not in (m.BALLOT_ACCEPTED, m.BALLOT_REJECTED, m.BALLOT_DENIABLE)
)


class Phase(enum.StrEnum):
    SETUP = "setup"  # manifest published; trustees' key ceremony and credentials under way
    READY = "ready"  # election key and every region's credentials published
    OPEN = "open"
    CLOSED = "closed"
    TALLIED = "tallied"  # encrypted tally published; decryption shares coming
    PUBLISHED = "published"  # results published


def manifest_fingerprint(manifest_payload: dict[str, Any]) -> bytes:
    """The election fingerprint: SHA-256 over the manifest's canonical JSON (spec: record.md)."""
    return sha256_fields("referendum/v1/manifest", canonical_json(manifest_payload))


def credential_key(public_credential_hex: str) -> str:
    """The board index key of the ballots cast under a public credential."""
    return f"credential:{public_credential_hex}"


def tracking_key(tracking_code: str) -> str:
    """The board index key of a ballot's tracking code."""
    return f"tracking:{tracking_code}"


@dataclass
class ElectionState:
    """What the non-ballot events of a board say."""

    manifest: Manifest
    manifest_payload: dict[str, Any]
    fingerprint: bytes
    transport: dict[int, dict[str, Any]] = field(default_factory=dict)
    deals: dict[int, dict[str, Any]] = field(default_factory=dict)
    checks: dict[int, dict[str, Any]] = field(default_factory=dict)
    election_key: dict[str, Any] | None = None
    credentials: dict[str, list[str]] = field(default_factory=dict)
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    tally: dict[str, Any] | None = None
    shares: dict[int, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, Any] | None = None
    credential_events: list[dict[str, Any]] = field(default_factory=list)
    """The ``credentials`` and ``credentials.reissue`` payloads, in the record's order (a
    reissue has a ``revoked`` member)."""
    _credential_region: dict[str, str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    """Public credentials revoked by a reissue: never listed again."""

    @property
    def phase(self) -> Phase:
        if self.results is not None:
            return Phase.PUBLISHED
        if self.tally is not None:
            return Phase.TALLIED
        if self.closed_at is not None:
            return Phase.CLOSED
        if self.opened_at is not None:
            return Phase.OPEN
        if self.election_key is not None and set(self.credentials) == {
            r.id for r in self.manifest.regions
        }:
            return Phase.READY
        return Phase.SETUP

    @property
    def public_key(self) -> Point:
        if self.election_key is None:
            raise PhaseError("the election key is not published yet")
        return Point.from_hex(self.election_key["public_key"])

    def ballot_context(self, region_id: str) -> BallotContext:
        """The encryption context of a region's ballot style."""
        return BallotContext(
            fingerprint=self.fingerprint,
            public_key=self.public_key,
            questions=tuple(
                QuestionShape(
                    options=len(q.answers),
                    min_selections=q.min_selections,
                    max_selections=q.max_selections,
                )
                for q in self.manifest.ballot_style(region_id)
            ),
        )

    def region_of(self, public_credential_hex: str) -> str | None:
        """The region whose list holds this public credential, or ``None``."""
        return self._credential_region.get(public_credential_hex)

    def electorate(self, region_id: str) -> int:
        return len(self.credentials.get(region_id, ()))

    def require(self, *phases: Phase) -> None:
        if self.phase not in phases:
            wanted = " or ".join(p.value for p in phases)
            raise PhaseError(f"this step needs the phase {wanted}; the referendum is {self.phase}")


def apply_reissue(
    state: ElectionState, region: str, revoked: Iterable[str], added: Iterable[str]
) -> None:
    """Take ``revoked`` off the region's list and put ``added`` on it (kept in ascending
    order, the order of a published list)."""
    gone = set(revoked)
    fresh = list(added)
    state.credentials[region] = sorted(
        [c for c in state.credentials[region] if c not in gone] + fresh
    )
    for cred in gone:
        state._credential_region.pop(cred, None)
    state.revoked |= gone
    for cred in fresh:
        state._credential_region[cred] = region


def state_from_events(non_ballot_events: Iterable[Event]) -> ElectionState:
    """Replay non-ballot events (in order, genesis first) into an :class:`ElectionState`."""
    events: Iterator[Event] = iter(non_ballot_events)
    genesis = next(events, None)
    if genesis is None or genesis.type != m.MANIFEST:
        raise RecordError("the board holds no referendum (its first event is not a manifest)")
    payload = dict(genesis.payload)
    check_payload(m.MANIFEST, payload)
    state = ElectionState(
        manifest=manifest_from_payload(payload),
        manifest_payload=payload,
        fingerprint=manifest_fingerprint(payload),
    )
    for event in events:
        p = event.payload
        where = f"event {event.height} ({event.type})"
        if event.type in _BY_TRUSTEE:
            trustee = p.get("trustee")
            if not isinstance(trustee, int) or isinstance(trustee, bool):
                raise RecordError(f"{where}: 'trustee' must be an integer")
            table = _BY_TRUSTEE[event.type](state)
            if trustee in table:
                raise RecordError(f"{where}: a second {event.type} event of trustee {trustee}")
            table[trustee] = p
        elif event.type == m.CREDENTIALS:
            region = str(p["region"])
            if region in state.credentials:
                raise RecordError(f"{where}: a second credential list for region {region!r}")
            state.credentials[region] = list(p["public_credentials"])
            state.credential_events.append(p)
            for cred in state.credentials[region]:
                state._credential_region[cred] = region
        elif event.type == m.CREDENTIALS_REISSUE:
            if state.opened_at is not None:
                continue  # out of order (EVENT_ORDER): the lists were frozen at opening
            region = str(p["region"])
            state.credential_events.append(p)  # checked with the lists (CREDENTIALS)
            if region in state.credentials:
                apply_reissue(state, region, p["revoked"], p["public_credentials"])
        elif event.type in _ONCE:
            if _ONCE[event.type](state) is not None:
                raise RecordError(f"{where}: a second {event.type} event")
            if event.type == m.ELECTION_KEY:
                state.election_key = p
            elif event.type == m.VOTING_OPEN:
                state.opened_at = parse_timestamp(event.timestamp, field_name="timestamp")
            elif event.type == m.VOTING_CLOSE:
                state.closed_at = parse_timestamp(event.timestamp, field_name="timestamp")
            elif event.type == m.TALLY:
                state.tally = p
            elif event.type == m.RESULTS:
                state.results = p
    return state


_BY_TRUSTEE: dict[str, Callable[[ElectionState], dict[int, dict[str, Any]]]] = {
    m.TRUSTEE_TRANSPORT: lambda s: s.transport,
    m.TRUSTEE_DEAL: lambda s: s.deals,
    m.TRUSTEE_CHECK: lambda s: s.checks,
    m.DECRYPTION_SHARE: lambda s: s.shares,
}
_ONCE: dict[str, Callable[[ElectionState], object]] = {
    m.ELECTION_KEY: lambda s: s.election_key,
    m.VOTING_OPEN: lambda s: s.opened_at,
    m.VOTING_CLOSE: lambda s: s.closed_at,
    m.TALLY: lambda s: s.tally,
    m.RESULTS: lambda s: s.results,
}
