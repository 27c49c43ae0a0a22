"""The referendum's state, rebuilt from its non-ballot events.

Pure: the events come from a board (services) or from a published record (verify).
Ballots are not replayed here (there may be millions).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from referendum.crypto.ballot import BallotContext, QuestionShape
from referendum.crypto.group import Point
from referendum.crypto.hashing import sha256_fields
from referendum.errors import PhaseError, RecordError
from referendum.protocol.electorate import CredentialLists, ListsView, MemoryLists
from referendum.protocol.payloads import check_payload
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.record.manifest import Manifest, manifest_from_payload, parse_timestamp

__all__ = [
    "LIST_TYPES",
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
LIST_TYPES = (m.CREDENTIALS, m.CREDENTIALS_REISSUE)
"""The events of the credential lists: a board that answers the state's
:class:`~referendum.protocol.electorate.CredentialLists` itself need not have them replayed
(docs/board.md, "Credential lists")."""


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
    lists: CredentialLists = field(default_factory=MemoryLists)
    """The published credential lists: replayed into memory, or the board's own index."""
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    tally: dict[str, Any] | None = None
    shares: dict[int, dict[str, Any]] = field(default_factory=dict)
    results: dict[str, Any] | None = None
    credential_events: list[dict[str, Any]] = field(default_factory=list)
    """The ``credentials`` and ``credentials.reissue`` payloads, in the record's order (a
    reissue has a ``revoked`` member), when they were replayed (not when the board answers
    :attr:`lists`)."""

    @property
    def credentials(self) -> Mapping[str, list[str]]:
        """Each published region's list (read whole when asked: a tally's need)."""
        return ListsView(self.lists)

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
        if self.election_key is not None and self.lists.regions() == {
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
        return self.lists.region_of(public_credential_hex)

    def electorate(self, region_id: str) -> int:
        return self.lists.electorate(region_id)

    def require(self, *phases: Phase) -> None:
        if self.phase not in phases:
            wanted = " or ".join(p.value for p in phases)
            raise PhaseError(f"this step needs the phase {wanted}; the referendum is {self.phase}")


def apply_reissue(
    state: ElectionState, region: str, revoked: Iterable[str], added: Iterable[str]
) -> None:
    """Take ``revoked`` off the region's list and put ``added`` on it (kept in ascending
    order, the order of a published list), in a state whose lists are in memory."""
    if not isinstance(state.lists, MemoryLists):
        raise TypeError("apply_reissue needs a state whose credential lists are in memory")
    state.lists.reissue(region, revoked, added)


def state_from_events(
    non_ballot_events: Iterable[Event], *, lists: CredentialLists | None = None
) -> ElectionState:
    """Replay non-ballot events (in order, genesis first) into an :class:`ElectionState`.

    With ``lists`` (a board's own index of its credential lists) the state asks them, and the
    events of the lists (:data:`LIST_TYPES`), if any are given, are not replayed."""
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
    memory: MemoryLists | None = None
    if lists is None:
        state.lists = memory = MemoryLists()
    else:
        state.lists = lists
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
        elif event.type in LIST_TYPES and memory is None:
            continue  # the board answers the lists
        elif event.type == m.CREDENTIALS and memory is not None:
            region = str(p["region"])
            if region in memory.regions():
                raise RecordError(f"{where}: a second credential list for region {region!r}")
            memory.publish(region, p["public_credentials"])
            state.credential_events.append(p)
        elif event.type == m.CREDENTIALS_REISSUE and memory is not None:
            if state.opened_at is not None:
                continue  # out of order (EVENT_ORDER): the lists were frozen at opening
            state.credential_events.append(p)  # checked with the lists (CREDENTIALS)
            memory.reissue(str(p["region"]), p["revoked"], p["public_credentials"])
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
