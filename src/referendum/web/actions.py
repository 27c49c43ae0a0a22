"""The steps and queries the API and the pages share (each a thin call into the services).

Queries return plain JSON-ready dicts; steps append to the board and forget the cached state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal

from fastapi import Query

from referendum.board.protocol import Summary
from referendum.errors import InputError, PhaseError, RecordError
from referendum.protocol.state import ElectionState, Phase, credential_key, tracking_key
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import MAX_HEIGHT, Event
from referendum.record.manifest import Manifest, parse_timestamp
from referendum.services.keys import (
    TrusteeSecrets,
    publish_election_key,
    submit_trustee_event,
    trustee_check,
    trustee_deal,
    trustee_setup,
)
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voting import (
    close_voting,
    create,
    last_tracking_code,
    open_voting,
    publish_credentials,
)
from referendum.web.context import WebContext

__all__ = [
    "EVENTS_PAGE_MAX",
    "After",
    "Document",
    "OrganiserStep",
    "TrusteeStep",
    "accepted_page",
    "ballot_status",
    "ballots_by_region",
    "ceremony",
    "create_referendum",
    "events_page",
    "last_ballot_of",
    "organiser_step",
    "publish_document",
    "region_of_credential",
    "rejected_page",
    "require_record",
    "scheduled_step",
    "submit_trustee_step",
    "summary",
    "trustee_step",
    "upload_credentials",
]

After = Annotated[
    int,
    Query(
        ge=-1,
        le=MAX_HEIGHT,
        description="the height after which the page starts (-1: from the first event); "
        "at most 2**53 - 1, the largest height an event can have",
    ),
]
"""A page key: within every backend's integer range (SQLite's int64, PostgreSQL's bigint)."""
Document = Literal["manifest", "credentials"]
OrganiserStep = Literal["election-key", "open", "close", "tally", "results"]
TrusteeStep = Literal["setup", "deal", "check", "share"]
_PAGE_MAX = 500
EVENTS_PAGE_MAX = 2000


def scheduled_step(ctx: WebContext) -> str | None:
    """The step the manifest's times make due, taken: ``"open"`` once the first voting
    period has begun (if the referendum is ready), ``"close"`` once the last has ended;
    ``None`` when nothing is due."""
    if not ctx.has_referendum():
        return None
    state = ctx.state()
    now = ctx.clock()
    window = state.manifest.window
    first = parse_timestamp(window[0].opens, field_name="window")
    last = parse_timestamp(window[-1].closes, field_name="window")
    if state.phase is Phase.READY and first <= now < last:
        open_voting(ctx.board, ctx.clock)
    elif state.phase is Phase.OPEN and now >= last:
        close_voting(ctx.board, ctx.clock)
    else:
        return None
    ctx.invalidate()
    return "open" if state.phase is Phase.READY else "close"


BALLOT_TYPES: Final = frozenset({m.BALLOT_ACCEPTED, m.BALLOT_DENIABLE})
"""The events of a ballot on the board: visible revoting's, and deniable revoting's (which
name no credential, docs/spec/coercion.md)."""


def ballots_by_region(ctx: WebContext) -> dict[str, int]:
    """The ballots accepted in each region so far (revotes included, deniable ballots too):
    the board's counts, kept at each append (one read, not one per ballot)."""
    return ctx.board.region_counts(BALLOT_TYPES)


def summary(ctx: WebContext) -> dict[str, Any]:
    """What the board says about the referendum: manifest, phase, key, window, trustees,
    counts and, once published, the results."""
    if not ctx.has_referendum():
        return {"phase": "empty"}
    state = ctx.state()
    manifest = state.manifest
    n = len(manifest.trustees.names)
    trustees = [
        {
            "trustee": i,
            "name": name,
            "transport_key": i in state.transport,
            "dealt": i in state.deals,
            "checked": i in state.checks,
            "decryption_share": i in state.shares,
        }
        for i, name in enumerate(manifest.trustees.names, start=1)
    ]
    head = ctx.board.head()
    return {
        "phase": state.phase.value,
        "fingerprint": state.fingerprint.hex(),
        "manifest": state.manifest_payload,
        "election_key": None if state.election_key is None else state.election_key["public_key"],
        "question_shapes": [
            {"options": len(q.answers), "min": q.min_selections, "max": q.max_selections}
            for q in manifest.questions
        ],
        # each region's ballot style: the indices (into question_shapes) of its questions
        "ballot_styles": {
            r.id: [
                i
                for i, q in enumerate(manifest.questions)
                if q.regions is None or r.id in q.regions
            ]
            for r in manifest.regions
        },
        "electorate": {r.id: state.electorate(r.id) for r in manifest.regions},
        "trustees": trustees,
        "trustees_needed": manifest.trustees.threshold,
        "trustees_total": n,
        "opened_at": _iso(state.opened_at),
        "closed_at": _iso(state.closed_at),
        "accepted": ctx.board.count(m.BALLOT_ACCEPTED) + ctx.board.count(m.BALLOT_DENIABLE),
        "rejected": ctx.board.count(m.BALLOT_REJECTED),
        "head": None if head is None else {"height": head.height, "hash": head.hash},
        "results": state.results,
        "now": _iso(ctx.clock()),
    }


def ceremony(ctx: WebContext) -> dict[str, Any]:
    """The key ceremony's public events, for the booth to recompute the election key:
    ``{"events": [{"type", "payload"}]}``, the ``trustee.deal`` and ``trustee.check`` events
    by trustee, then ``election.key`` once published."""
    state = ctx.state()
    events = [{"type": m.TRUSTEE_DEAL, "payload": state.deals[i]} for i in sorted(state.deals)]
    events += [{"type": m.TRUSTEE_CHECK, "payload": state.checks[i]} for i in sorted(state.checks)]
    if state.election_key is not None:
        events.append({"type": m.ELECTION_KEY, "payload": state.election_key})
    return {"events": events}


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def region_of_credential(ctx: WebContext, public: str) -> str | None:
    """The region whose published list holds this public credential."""
    return ctx.state().region_of(public.lower())


def last_ballot_of(ctx: WebContext, public: str) -> str | None:
    """The tracking code of the credential's last accepted ballot (``None``: none yet).
    With deniable revoting always ``None``: whoever knows a public credential would otherwise
    see that its voter voted again (the board's index of who cast what stays private,
    docs/spec/coercion.md section 2)."""
    if ctx.state().manifest.deniable:
        return None
    return last_tracking_code(ctx.board, public.lower())


_BALLOT_FIELDS = ("region", "tracking_code", "replaces")
_REJECTION_FIELDS = (
    "reason",
    "field",
    "detail",
    "credential",
    "submission_sha256",
    "submission_size",
)


def _ballot_row(event: Event | Summary) -> dict[str, Any]:
    p = event.payload if isinstance(event, Event) else event.fields
    return {
        "height": event.height,
        "timestamp": event.timestamp,
        "region": p["region"],
        "tracking_code": p["tracking_code"],
        "replaces": p.get("replaces"),  # a deniable ballot names none
    }


def _rejection_row(summary: Summary) -> dict[str, Any]:
    return {"height": summary.height, "timestamp": summary.timestamp, **summary.fields}


def _page(
    ctx: WebContext, event_type: str, after: int, limit: int, names: tuple[str, ...]
) -> tuple[list[Summary], bool]:
    """At most ``limit`` events of the type after height ``after``, with the payload members
    ``names`` only (read by the database: a page never parses whole ballots), and whether more
    follow (one more is read to know: a "next page" link never leads to an empty page)."""
    limit = max(1, min(limit, _PAGE_MAX))
    found = ctx.board.summaries(_start(after), (event_type,), names, limit=limit + 1)
    return found[:limit], len(found) > limit


def _start(after: int) -> int:
    """The first height of a page after ``after``, within every backend's integer range."""
    return min(max(0, after + 1), MAX_HEIGHT + 1)


def accepted_page(ctx: WebContext, *, after: int = -1, limit: int = 100) -> dict[str, Any]:
    """Accepted ballots after height ``after`` (at most ``limit``), oldest first;
    ``next_after`` is the height to ask for the next page (``None``: this is the last)."""
    deniable = ctx.has_referendum() and ctx.state().manifest.deniable
    kind = m.BALLOT_DENIABLE if deniable else m.BALLOT_ACCEPTED
    found, more = _page(ctx, kind, after, limit, _BALLOT_FIELDS)
    rows = [_ballot_row(e) for e in found]
    return {"ballots": rows, "next_after": rows[-1]["height"] if more else None}


def rejected_page(ctx: WebContext, *, after: int = -1, limit: int = 100) -> dict[str, Any]:
    """Refused submissions with their reasons, after height ``after`` (as
    :func:`accepted_page`)."""
    found, more = _page(ctx, m.BALLOT_REJECTED, after, limit, _REJECTION_FIELDS)
    rows = [_rejection_row(e) for e in found]
    return {"rejections": rows, "next_after": rows[-1]["height"] if more else None}


def events_page(ctx: WebContext, *, after: int = -1, limit: int = 500) -> bytes:
    """The events after height ``after`` (at most ``limit``), each as its line of the
    record's ``events.jsonl`` (canonical JSON and a line feed): what an observer appends to
    its copy of the record and verifies (``referendum monitor``)."""
    limit = max(1, min(limit, EVENTS_PAGE_MAX))
    events = ctx.board.events(start=_start(after), limit=limit)
    return b"".join(canonical_json(event.to_json()) + b"\n" for event in events)


def ballot_status(ctx: WebContext, code: str) -> dict[str, Any] | None:
    """Where a tracking code stands: on the board, and whether a later ballot replaced it
    (with deniable revoting, ``counts`` is ``None``: the board does not tell, docs/spec/
    coercion.md)."""
    code = code.strip().lower()
    if len(code) != 64 or any(ch not in "0123456789abcdef" for ch in code):
        raise InputError("tracking_code", "a tracking code is 64 hexadecimal digits")
    events = ctx.board.lookup(tracking_key(code))
    if not events:
        return None
    event = events[-1]
    if event.type == m.BALLOT_DENIABLE:  # its credential's index is the board's secret
        return {
            "height": event.height,
            "timestamp": event.timestamp,
            "region": event.payload["region"],
            "tracking_code": event.payload["tracking_code"],
            "replaces": None,
            "counts": None,
            "replaced_by": None,
            "deniable": True,
        }
    later = ctx.board.lookup(credential_key(event.payload["credential"]))
    last = later[-1] if later else event
    replaced_by = None if last.height == event.height else last.payload["tracking_code"]
    return {
        **_ballot_row(event),
        "counts": replaced_by is None,
        "replaced_by": replaced_by,
    }


def create_referendum(ctx: WebContext, manifest: Manifest) -> dict[str, Any]:
    """Publish a manifest on the empty board."""
    state = create(ctx.board, manifest, ctx.clock)
    ctx.invalidate()
    return {"fingerprint": state.fingerprint.hex(), "phase": state.phase.value}


def upload_credentials(ctx: WebContext, payload: Any) -> dict[str, Any]:
    """Publish a region's signed credential list (made by the credential authority)."""
    if not isinstance(payload, Mapping):
        raise InputError("credentials", "expected the credential authority's JSON object")
    _need_referendum(ctx)
    publish_credentials(ctx.board, payload, ctx.clock)
    ctx.invalidate()
    return {"region": payload.get("region"), "phase": ctx.state().phase.value}


def publish_document(ctx: WebContext, document: Document, data: Any) -> dict[str, Any]:
    """Publish an uploaded manifest or credential list, as read by
    :func:`referendum.web.documents.read_document` (a :class:`Manifest`, or the list's
    JSON value)."""
    if document == "manifest":
        if not isinstance(data, Manifest):
            raise InputError("manifest", "expected a manifest")
        return create_referendum(ctx, data)
    return upload_credentials(ctx, data)


def _need_referendum(ctx: WebContext) -> ElectionState:
    if not ctx.has_referendum():
        raise PhaseError("the board holds no referendum yet: publish a manifest first")
    return ctx.state()


def organiser_step(ctx: WebContext, step: OrganiserStep) -> dict[str, Any]:
    """One of the organiser's phase changes."""
    _need_referendum(ctx)
    out: dict[str, Any] = {}
    if step == "election-key":
        out["election_key"] = publish_election_key(ctx.board, ctx.clock)["public_key"]
    elif step == "open":
        open_voting(ctx.board, ctx.clock)
    elif step == "close":
        close_voting(ctx.board, ctx.clock)
    elif step == "tally":
        publish_tally(ctx.board, ctx.clock)
    elif step == "results":
        out["results"] = publish_results(ctx.board, ctx.clock)
    else:  # pragma: no cover - the Literal type forbids it
        raise InputError("step", f"unknown step {step!r}")
    ctx.invalidate()
    out["phase"] = ctx.state().phase.value
    return out


def trustee_step(
    ctx: WebContext, trustee: int, step: TrusteeStep, key_file: Any | None
) -> dict[str, Any] | None:
    """A trustee's step.  ``setup`` makes the key file; the later steps take it back (it is
    used for this request only, never stored or logged) and return it updated."""
    _need_referendum(ctx)
    if step == "setup":
        secrets = trustee_setup(ctx.board, trustee, ctx.rng, ctx.clock)
    else:
        if key_file is None:
            raise InputError("key_file", "this step needs the trustee's key file")
        secrets = TrusteeSecrets.from_json(key_file)
        if secrets.trustee != trustee:
            raise InputError("key_file", f"this key file is trustee {secrets.trustee}'s")
        if step == "deal":
            secrets = trustee_deal(ctx.board, secrets, ctx.rng, ctx.clock)
        elif step == "check":
            secrets = trustee_check(ctx.board, secrets, ctx.rng, ctx.clock)
        elif step == "share":
            publish_share(ctx.board, secrets, ctx.rng, ctx.clock)
            ctx.invalidate()
            return None
        else:  # pragma: no cover
            raise InputError("step", f"unknown step {step!r}")
    ctx.invalidate()
    return secrets.to_json()


def submit_trustee_step(ctx: WebContext, trustee: int, data: Any) -> dict[str, Any]:
    """A step the trustee made offline (``referendum trustee STEP --record DIR --out FILE``):
    checked as a verifier would, then appended.  The key file never reaches the server."""
    _need_referendum(ctx)
    if not isinstance(data, dict) or set(data) != {"type", "payload"}:
        raise InputError("step_file", "expected {type, payload} as written by the CLI's --out")
    payload = data["payload"]
    if not isinstance(payload, dict) or payload.get("trustee") != trustee:
        raise InputError("step_file.payload.trustee", f"this step is not trustee {trustee}'s")
    submit_trustee_event(ctx.board, str(data["type"]), payload, ctx.clock)
    ctx.invalidate()
    return {"ok": True, "type": data["type"], "phase": ctx.state().phase.value}


def require_record(ctx: WebContext) -> None:
    """``RecordError`` when the board is still empty."""
    if not ctx.has_referendum():
        raise RecordError("the board holds no referendum yet")
