"""Deniable revoting in the record (docs/spec/coercion.md sections 3 and 6): a deniable
ballot's form and checks, the context of every proof, and the checks of the tallying
authority's steps, one per verifier check (``DENIABLE_BALLOTS``, ``DUMMIES``, ``MIX``,
``GROUPS``, ``FILTER``, ``ELIGIBILITY``).

Pure functions over payloads, shared by the services (the board checks each ballot with
them, the tallying authority refuses to publish a tally its own steps do not pass) and by the
verifier, so that both apply one definition.  Every failure is a :class:`StepFailure`
naming the step, the item (``ballot 12``, ``row 3``, ``group 2``) and the equation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, overload

from referendum.crypto.ballot import BallotContext, EncryptedBallot, ballot_equations
from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.deniable import (
    COUNTER_DOMAIN,
    CREDENTIAL_DOMAIN,
    DUMMY_TAG,
    PSEUDONYM_DOMAIN,
    PSEUDONYM_KEY_DOMAIN,
    REAL_TAG,
    REENCRYPTION_DOMAIN,
    CounterOpening,
    FilterStatement,
    counter_relation,
    credential_relation,
    filter_equations,
    filter_relations,
    pseudonym_key_relation,
    pseudonym_relation,
    reencryption_relation,
)
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.hashing import encode_fields, sha256_fields
from referendum.crypto.json_fields import CryptoInputError
from referendum.crypto.proofs.linear import LinearProof, OrProof, linear_equations
from referendum.crypto.proofs.shuffle import (
    Row,
    ShuffleProof,
    ShuffleStatement,
    rows_from_json,
    shuffle_equations,
)
from referendum.crypto.proofs.shuffle_prover import decode_row
from referendum.errors import EncodingError, InputError, ProofError, RecordError
from referendum.protocol.padding import cover
from referendum.protocol.state import ElectionState
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event

__all__ = [
    "CLOSING_MEMBERS",
    "MAX_BALLOTS_PER_VOTER",
    "OFFSET_DOMAIN",
    "PART_LISTS",
    "ROWS_PER_PART",
    "SIGNATURE_DOMAIN",
    "STAGES",
    "DeniableBallot",
    "PackedBallots",
    "RegionCount",
    "RegionSteps",
    "StepFailure",
    "ballot_equations_in",
    "ballot_row",
    "candidate_of",
    "check_ballots",
    "choices_of",
    "collect_steps",
    "column_sums",
    "consecutive_problem",
    "counter_equations",
    "cover_problem",
    "credential_context",
    "eligibility_problem",
    "filter_group_equations",
    "group_rows",
    "item_context",
    "key_equations",
    "merge_parts",
    "merge_steps",
    "mix_context",
    "parse_deniable_ballot",
    "pseudonym_equations",
    "rows_per_part",
    "selected_tally",
    "signing_message",
    "split_step",
    "tally_of_sums",
    "verify_region",
    "width_of",
]

SIGNATURE_DOMAIN: Final = "referendum/v3/deniable-ballot-signature"
OFFSET_DOMAIN: Final = "referendum/v3/counter-offset"
STAGES: Final = ("ballots", "selected", "list")
MAX_BALLOTS_PER_VOTER: Final = 16
"""The board's cap on a credential's ballots, which caps the cover's ladder (section 7)."""
ROWS_PER_PART: Final = 4096
"""The rows of each list that one part of a step holds at most (fewer for wide rows:
:func:`split_step`), so that a part's event stays far below a record line's 64 MiB."""
PART_LISTS: Final[Mapping[str, tuple[str, ...]]] = {
    m.TALLY_DUMMIES: ("rows",),
    m.TALLY_MIX: (
        "outputs",
        "proof.permutation",
        "proof.chain",
        "proof.t_chain",
        "proof.s_chain",
        "proof.s_permuted",
    ),
    m.TALLY_GROUPS: ("rows",),
    m.TALLY_FILTER: ("selected",),
    m.TALLY_ELIGIBILITY: ("selected", "list"),
}
"""The members of each step that hold one item per row (a dotted name is a member of a
member): every part holds a consecutive slice of each (docs/spec/coercion.md section 6.1)."""
CLOSING_MEMBERS: Final[Mapping[str, tuple[str, ...]]] = {
    m.TALLY_DUMMIES: (),
    m.TALLY_MIX: (
        "proof.t_sum",
        "proof.t_product",
        "proof.t_weighted",
        "proof.t_reencryption",
        "proof.s_sum",
        "proof.s_product",
        "proof.s_weighted",
        "proof.s_reencryption",
    ),
    m.TALLY_GROUPS: ("key",),
    m.TALLY_FILTER: (),
    m.TALLY_ELIGIBILITY: ("key",),
}
"""The members of each step that belong to no row: in the step's last part only."""


class StepFailure(ProofError):
    """A step of deniable revoting that fails: ``step`` is the verifier's check
    (``DUMMIES``...), ``item`` what failed (``region north, row 3``)."""

    def __init__(self, step: str, item: str, reason: str) -> None:
        super().__init__(f"{step}: {item}: {reason}")
        self.step = step
        self.item = item
        self.reason = reason


# --- contexts and messages ------------------------------------------------------------------


def credential_context(fingerprint: bytes, region: str, canonical_ballot: bytes) -> bytes:
    """The ``credential_proof``'s context: the fingerprint, the region, the ballot's
    canonical JSON (the encrypted credential is in the relation itself)."""
    return encode_fields(fingerprint, region.encode("utf-8"), canonical_ballot)


def signing_message(
    fingerprint: bytes,
    credential: bytes,
    region: str,
    canonical_ballot: bytes,
    voter: Ciphertext,
    credential_proof: Mapping[str, Any],
) -> bytes:
    """What the voter's credential signs for the board (kept off the record)."""
    return sha256_fields(
        SIGNATURE_DOMAIN,
        fingerprint,
        credential,
        region.encode("utf-8"),
        canonical_ballot,
        voter.to_bytes(),
        canonical_json(dict(credential_proof)),
    )


def mix_context(fingerprint: bytes, region: str, stage: str) -> bytes:
    """``ctx = encode_fields(F, utf8(region), ascii(stage))``: a mix's context."""
    return encode_fields(fingerprint, region.encode("utf-8"), stage.encode("ascii"))


def item_context(fingerprint: bytes, region: str, step: str, index: int) -> bytes:
    """The context of one proof of a step: the fingerprint, the region, the step's name
    (``groups.key``, ``groups``, ``filter``, ``eligibility.list``...) and the row's index."""
    return encode_fields(
        fingerprint, region.encode("utf-8"), step.encode("ascii"), index.to_bytes(8, "big")
    )


# --- the ballot -----------------------------------------------------------------------------


def width_of(state: ElectionState, region: str) -> int:
    """The ciphertexts of a region's ballot choices: one per answer of each question."""
    return sum(len(q.answers) for q in state.manifest.ballot_style(region))


def choices_of(ballot_json: Mapping[str, Any]) -> tuple[Ciphertext, ...]:
    """A ballot's selections, question by question, answer by answer."""
    return tuple(
        Ciphertext.from_json(s, field="ballot")
        for q in ballot_json["questions"]
        for s in q["selections"]
    )


@dataclass(frozen=True, slots=True)
class DeniableBallot:
    """A ``ballot.deniable`` event's values."""

    height: int
    region: str
    voter: Ciphertext
    counter: Ciphertext
    choices: tuple[Ciphertext, ...]
    tracking_code: str


def ballot_row(ballot: DeniableBallot) -> Row:
    """The ballot's row in the first mix: ``(voter, counter, tag, choices...)``."""
    return (ballot.voter, ballot.counter, REAL_TAG, *ballot.choices)


def _cell_bytes(ciphertext: Mapping[str, Any]) -> bytes:
    return bytes.fromhex(ciphertext["alpha"]) + bytes.fromhex(ciphertext["beta"])


class PackedBallots(Sequence[DeniableBallot]):
    """One region's ``ballot.deniable`` events kept as their ciphertexts' encodings (one
    ``bytes`` of ``64·(2 + choices)`` a ballot, about 320 for a yes/no/blank question, where a
    decoded :class:`DeniableBallot` holds about 5 KB of points), each decoded when it is asked
    for: the tallying authority's ballots of a national region fit in memory.  Events whose
    form the board checked when they were cast are added with :meth:`add`."""

    __slots__ = ("_codes", "_heights", "_rows", "region")

    def __init__(self, region: str) -> None:
        self.region = region
        self._heights: list[int] = []
        self._codes: list[str] = []
        self._rows: list[bytes] = []

    def add(self, event: Event) -> None:
        """Keep ``event`` (a ``ballot.deniable`` of this region); ``InputError`` naming the
        field when a ciphertext is not hex (points are checked when decoded)."""
        p = event.payload
        if str(p["region"]) != self.region:
            raise InputError("region", f"a ballot of {p['region']!r} among {self.region!r}'s")
        try:
            cells = [_cell_bytes(p["voter"]), _cell_bytes(p["counter"])]
            cells += [_cell_bytes(c) for q in p["ballot"]["questions"] for c in q["selections"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"events[{event.height}]", f"not a deniable ballot: {exc}") from None
        if any(len(c) != 64 for c in cells):
            raise InputError(f"events[{event.height}]", "a ciphertext is not 64 bytes")
        self._heights.append(event.height)
        self._codes.append(str(p["tracking_code"]))
        self._rows.append(b"".join(cells))

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> DeniableBallot: ...

    @overload
    def __getitem__(self, index: slice) -> list[DeniableBallot]: ...

    def __getitem__(self, index: int | slice) -> DeniableBallot | list[DeniableBallot]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = range(len(self._rows))[index]
        voter, counter, *choices = decode_row(self._rows[i])
        return DeniableBallot(
            self._heights[i], self.region, voter, counter, tuple(choices), self._codes[i]
        )

    def __iter__(self) -> Iterator[DeniableBallot]:
        for i in range(len(self._rows)):
            yield self[i]

    def row_encodings(self) -> Iterator[bytes]:
        """Each ballot's row of the first mix (:func:`ballot_row`) as its encodings, without
        decoding a point."""
        tag = REAL_TAG.to_bytes()
        for raw in self._rows:
            yield raw[:128] + tag + raw[128:]


def parse_deniable_ballot(event: Event) -> DeniableBallot:
    """The values of a ``ballot.deniable`` event (its form checked already)."""
    p = event.payload
    return DeniableBallot(
        event.height,
        str(p["region"]),
        Ciphertext.from_json(p["voter"], field="voter"),
        Ciphertext.from_json(p["counter"], field="counter"),
        choices_of(p["ballot"]),
        str(p["tracking_code"]),
    )


def ballot_equations_of(
    state: ElectionState, authority: Point, payload: Mapping[str, Any], *, label: str
) -> list[Equation]:
    """The equations of a deniable ballot's proofs: its ``credential_proof`` and its
    selection proofs bound to ``voter``.  Raises :class:`~referendum.errors.CryptoError`
    or :class:`~referendum.errors.InputError` (malformed)."""
    ctx = state.ballot_context(str(payload["region"]))
    return ballot_equations_in(ctx, authority, payload, label=label)


def ballot_equations_in(
    ctx: BallotContext, authority: Point, payload: Mapping[str, Any], *, label: str
) -> list[Equation]:
    """:func:`ballot_equations_of` for the ballot context of the payload's region (what a
    worker process holds instead of the whole state)."""
    from referendum.crypto.ballot import tracking_code

    region = str(payload["region"])
    ballot = EncryptedBallot.from_json(payload["ballot"])
    canonical = canonical_json(ballot.to_json())
    if ballot.to_json() != payload["ballot"]:
        raise ProofError(f"{label}.ballot: not in canonical form")
    if tracking_code(canonical) != payload["tracking_code"]:
        raise ProofError(f"{label}.tracking_code: not the ballot's tracking code")
    voter = Ciphertext.from_json(payload["voter"], field="voter")
    relation = credential_relation(authority, voter)
    proof = LinearProof.from_json(payload["credential_proof"], relation, field="credential_proof")
    context = credential_context(ctx.fingerprint, region, canonical)
    out = linear_equations(
        CREDENTIAL_DOMAIN, relation, proof, context, label=f"{label}.credential_proof"
    )
    out += ballot_equations(ctx, ballot, binding=voter.to_bytes(), label=f"{label}.ballot")
    Ciphertext.from_json(payload["counter"], field="counter")
    return out


def check_ballots(
    state: ElectionState, authority: Point, events: Sequence[Event], *, batch: int = 64
) -> None:
    """``DENIABLE_BALLOTS``: every deniable ballot's region, form, ``credential_proof`` and
    selection proofs, in batches of ``batch`` ballots (one multi-scalar multiplication each;
    a batch that fails is checked ballot by ballot, naming the first bad one)."""
    regions = {r.id for r in state.manifest.regions}
    codes: set[str] = set()
    for start in range(0, len(events), batch):
        equations: list[Equation] = []
        for event in events[start : start + batch]:
            label = f"event {event.height}"
            if event.payload["region"] not in regions:
                raise StepFailure("DENIABLE_BALLOTS", label, "region: not in the manifest")
            if event.payload["tracking_code"] in codes:
                raise StepFailure("DENIABLE_BALLOTS", label, "a ballot appears twice (replay)")
            codes.add(event.payload["tracking_code"])
            try:
                equations += ballot_equations_of(state, authority, event.payload, label=label)
            except (ProofError, EncodingError, InputError) as exc:
                raise StepFailure("DENIABLE_BALLOTS", label, str(exc)) from None
        try:
            verify_equations(equations)
        except ProofError as exc:
            label = str(exc).split(".", 1)[0]
            raise StepFailure("DENIABLE_BALLOTS", label, str(exc)) from None


# --- the tallying authority's steps ------------------------------------------------------------


@dataclass
class RegionSteps:
    """One region's deniable ballots and the tallying authority's steps about them (each
    step's parts merged into one event: :func:`merge_parts`)."""

    ballots: list[DeniableBallot] = field(default_factory=list)
    events: dict[tuple[str, str], Event] = field(default_factory=dict)

    def step(self, event_type: str, stage: str = "") -> Event | None:
        return self.events.get((event_type, stage))


_STEP_OF = {
    m.TALLY_DUMMIES: "DUMMIES",
    m.TALLY_MIX: "MIX",
    m.TALLY_GROUPS: "GROUPS",
    m.TALLY_FILTER: "FILTER",
    m.TALLY_ELIGIBILITY: "ELIGIBILITY",
}
_PART_BUDGET: Final = 16 << 20
"""The bytes of rows one part holds at most (a quarter of a record line)."""


def _member(payload: Mapping[str, Any], path: str) -> tuple[Mapping[str, Any], str]:
    """The object holding member ``path`` (``name`` or ``outer.name``) and its name."""
    outer, _, name = path.rpartition(".")
    return (payload[outer] if outer else payload), name


def _part_copy(payload: Mapping[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """A copy of ``payload`` whose objects holding ``paths`` are copies too (one level)."""
    out = dict(payload)
    for outer in {p.rpartition(".")[0] for p in paths} - {""}:
        out[outer] = dict(payload[outer])
    return out


def rows_per_part(row_bytes: int, rows: int = ROWS_PER_PART) -> int:
    """``R`` of docs/spec/coercion.md section 6.1: ``rows`` rows per part, fewer when
    ``row_bytes`` (the canonical JSON of the first item of each list, added up) is so large
    that ``rows`` of them would pass 16 MiB."""
    return max(1, min(rows, _PART_BUDGET // max(row_bytes, 1)))


def split_step(
    event_type: str, payload: Mapping[str, Any], *, rows: int = ROWS_PER_PART
) -> list[dict[str, Any]]:
    """A step's payload as the payloads of its parts (docs/spec/coercion.md section 6.1):
    part ``k`` of ``n`` holds rows ``k·R .. (k+1)·R - 1`` of every list of
    :data:`PART_LISTS` (``R`` is ``rows``, fewer when the rows are so wide that ``R`` of them
    would pass 16 MiB), the step's other members, and, in the last part only, the
    :data:`CLOSING_MEMBERS`.  A step with no rows is one part."""
    lists = PART_LISTS[event_type]
    closing = CLOSING_MEMBERS[event_type]
    values = {}
    for path in lists:
        holder, name = _member(payload, path)
        values[path] = holder[name]
    per = rows_per_part(sum(len(canonical_json(v[0])) for v in values.values() if v), rows)
    count = max(1, -(-max(len(v) for v in values.values()) // per))
    out = []
    for k in range(count):
        part = _part_copy(payload, (*lists, *closing))
        for path, value in values.items():
            holder, name = _member(part, path)
            holder[name] = value[k * per : (k + 1) * per]  # type: ignore[index]
        if k < count - 1:
            for path in closing:
                holder, name = _member(part, path)
                del holder[name]  # type: ignore[attr-defined]
        part["part"] = k
        part["parts"] = count
        out.append(part)
    return out


def merge_parts(events: Sequence[Event]) -> Event:
    """One step from its parts' events (record order, one step: its type, region and
    stage): the lists of :data:`PART_LISTS` concatenated in part order, the closing members
    of the last part; a :class:`StepFailure` of the step when a part is out of order,
    missing, repeated or closes the step early.  The merged event has the last part's
    height and hash."""
    step = _STEP_OF[events[0].type]
    lists = PART_LISTS[events[0].type]
    closing = CLOSING_MEMBERS[events[0].type]
    parts = events[0].payload["parts"]
    if not isinstance(parts, int) or parts < 1:
        raise StepFailure(step, f"event {events[0].height}", "parts: expected a count >= 1")
    for k, event in enumerate(events):
        item = f"event {event.height}"
        got = event.payload["part"]
        if k >= parts:
            raise StepFailure(
                step, item, f"part {got} after the step's {parts} parts (a second step?)"
            )
        if got != k:
            raise StepFailure(
                step, item, f"part {got} where part {k} of {parts} comes next (parts in order)"
            )
        if event.payload["parts"] != parts:
            raise StepFailure(
                step, item, f"parts {event.payload['parts']}: the step's first part says {parts}"
            )
        for path in closing:
            holder, name = _member(event.payload, path)
            if (name in holder) != (k == parts - 1):
                where = "missing from the last part" if k == parts - 1 else "in a part not last"
                raise StepFailure(step, item, f"{path}: {where} (only the last closes the step)")
    if len(events) < parts:
        raise StepFailure(
            step,
            f"event {events[-1].height}",
            f"parts {len(events)} .. {parts - 1} of the step's {parts} are missing",
        )
    last = events[-1]
    merged = _part_copy(last.payload, lists)
    del merged["part"], merged["parts"]
    for path in lists:
        holder, name = _member(merged, path)
        joined: list[Any] = []
        for event in events:
            part_holder, _ = _member(event.payload, path)
            value = part_holder[name]
            if not isinstance(value, list):
                raise StepFailure(step, f"event {event.height}", f"{path}: expected a list")
            joined += value
        holder[name] = joined  # type: ignore[index]
    return Event(
        height=last.height,
        parent=last.parent,
        type=last.type,
        timestamp=last.timestamp,
        payload=merged,
        hash=last.hash,
    )


def collect_steps(
    state: ElectionState, ballots: Sequence[Event], steps: Sequence[Event]
) -> dict[str, RegionSteps]:
    """Each region's ballots (record order) and steps, each step's parts merged
    (:func:`merge_parts`); a part out of order, missing or of a second step of a kind for a
    region is a :class:`StepFailure` of its step."""
    out = {r.id: RegionSteps() for r in state.manifest.regions}
    for event in ballots:
        out[str(event.payload["region"])].ballots.append(parse_deniable_ballot(event))
    for region, events in merge_steps(state, steps).items():
        out[region].events = events
    return out


def merge_steps(
    state: ElectionState, steps: Sequence[Event]
) -> dict[str, dict[tuple[str, str], Event]]:
    """Each region's steps by ``(type, stage)``, each step's parts merged
    (:func:`merge_parts`); :func:`collect_steps` without the ballots."""
    out: dict[str, dict[tuple[str, str], Event]] = {r.id: {} for r in state.manifest.regions}
    parts: dict[tuple[str, str, str], list[Event]] = {}
    for event in steps:
        region = event.payload["region"]
        if region not in out:
            raise StepFailure(_STEP_OF[event.type], f"event {event.height}", "unknown region")
        key = (str(region), event.type, str(event.payload.get("stage", "")))
        parts.setdefault(key, []).append(event)
    for (region, event_type, stage), events in parts.items():
        out[region][(event_type, stage)] = merge_parts(events)
    return out


@dataclass(frozen=True)
class RegionCount:
    """What the steps of one region establish: the rows that count (the second mix's
    outputs), the number of ballots, dummies and voters."""

    counted: tuple[Row, ...]
    ballots: int
    dummies: int
    voters: int


def _required(steps: RegionSteps, event_type: str, stage: str, region: str) -> Event:
    event = steps.step(event_type, stage)
    if event is None:
        name = f"{event_type} ({stage})" if stage else event_type
        raise StepFailure(_STEP_OF[event_type], f"region {region}", f"no {name} event")
    return event


def key_equations(
    authority: Point, key: Mapping[str, Any], context: bytes, label: str
) -> tuple[Point, Point, list[Equation]]:
    """A pseudonym key's ``S``, ``U`` and the equations of its proof."""
    s_point = Point.from_hex(key["S"])
    u_point = Point.from_hex(key["U"])
    relation = pseudonym_key_relation(authority, s_point, u_point)
    proof = LinearProof.from_json(key["proof"], relation, field=f"{label}.proof")
    return (
        s_point,
        u_point,
        linear_equations(PSEUDONYM_KEY_DOMAIN, relation, proof, context, label=label),
    )


def _pseudonyms(
    state: ElectionState,
    authority: Point,
    region: str,
    step: str,
    key: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    voters: Sequence[Ciphertext],
    key_step: str,
) -> tuple[list[Point], list[Equation]]:
    """The pseudonyms of ``voters`` and the equations of their proofs and of the key's
    (proven under ``key_step``'s context)."""
    if len(rows) != len(voters):
        raise ProofError(f"{step}: {len(rows)} pseudonyms for {len(voters)} rows")
    fp = state.fingerprint
    s_point, u_point, equations = key_equations(
        authority, key, item_context(fp, region, f"{key_step}.key", 0), f"{key_step}.key"
    )
    out, more = pseudonym_equations(fp, region, step, (s_point, u_point), rows, voters, 0)
    return out, equations + more


def pseudonym_equations(
    fingerprint: bytes,
    region: str,
    step: str,
    key: tuple[Point, Point],
    rows: Sequence[Mapping[str, Any]],
    voters: Sequence[Ciphertext],
    start: int,
) -> tuple[list[Point], list[Equation]]:
    """The pseudonyms of rows ``start ..`` of a step (``rows`` and ``voters`` hold those rows)
    and the equations of their proofs under the key ``(S, U)``."""
    s_point, u_point = key
    out: list[Point] = []
    equations: list[Equation] = []
    for i, (row, voter) in enumerate(zip(rows, voters, strict=True), start):
        pseudonym = Point.from_hex(row["pseudonym"])
        relation = pseudonym_relation(s_point, u_point, voter, pseudonym)
        proof = LinearProof.from_json(row["proof"], relation, field=f"{step}[{i}].proof")
        equations += linear_equations(
            PSEUDONYM_DOMAIN,
            relation,
            proof,
            item_context(fingerprint, region, step, i),
            label=f"{step}[{i}].pseudonym",
        )
        out.append(pseudonym)
    return out, equations


def counter_equations(
    fingerprint: bytes,
    region: str,
    authority: Point,
    rows: Sequence[Mapping[str, Any]],
    counters: Sequence[Ciphertext],
    start: int,
) -> tuple[list[int], list[Equation]]:
    """The opened counters of rows ``start ..`` of ``tally.groups`` (``rows`` and the mixed
    rows' ``counters`` hold those rows) and the equations of their decryption proofs; a
    :class:`~referendum.errors.ProofError` for a counter that does not decrypt to its value."""
    values: list[int] = []
    equations: list[Equation] = []
    for i, (row, counter) in enumerate(zip(rows, counters, strict=True), start):
        value = row["counter"]
        factor = Point.from_hex(row["factor"])
        relation = counter_relation(authority, counter, factor)
        proof = LinearProof.from_json(
            row["counter_proof"], relation, field=f"groups[{i}].counter_proof"
        )
        opening = CounterOpening(value, factor, proof)
        equations += linear_equations(
            COUNTER_DOMAIN,
            relation,
            opening.proof,
            item_context(fingerprint, region, "groups.counter", i),
            label=f"groups[{i}].counter",
        )
        if counter.beta - factor != base_mul(Scalar.from_int(value)):
            raise ProofError(f"groups[{i}].counter: the ciphertext does not decrypt to {value}")
        values.append(value)
    return values, equations


def filter_group_equations(
    fingerprint: bytes,
    region: str,
    keys: tuple[Point, Point],
    g: int,
    tags: Sequence[Ciphertext],
    candidate: int,
    row: Row,
    chosen: Mapping[str, Any],
) -> tuple[Row, list[Equation]]:
    """Group ``g``'s selected row ``(voter', choices')`` and the equations of its proofs:
    ``voter'`` re-encrypts the candidate ``row``'s credential, and the filter's OR proof
    over the group's ``tags`` (``keys``: the tallying authority's and the election's)."""
    authority, election = keys
    width = len(row) - 3
    voter_after = Ciphertext.from_json(chosen["voter"], field=f"filter[{g}].voter")
    relation = reencryption_relation(authority, row[0], voter_after)
    voter_proof = LinearProof.from_json(
        chosen["voter_proof"], relation, field=f"filter[{g}].voter_proof"
    )
    equations = linear_equations(
        REENCRYPTION_DOMAIN,
        relation,
        voter_proof,
        item_context(fingerprint, region, "filter.voter", g),
        label=f"filter[{g}].voter",
    )
    choices = tuple(
        Ciphertext.from_json(c, field=f"filter[{g}].choices[{k}]")
        for k, c in enumerate(chosen["choices"])
    )
    if len(choices) != width:
        raise ProofError(f"filter[{g}].choices: {len(choices)} for {width}")
    statement = FilterStatement(
        authority, election, tuple(tags), candidate, tuple(row[3:]), choices
    )
    proof = OrProof.from_json(
        chosen["proof"], filter_relations(statement), field=f"filter[{g}].proof"
    )
    equations += filter_equations(
        statement, proof, item_context(fingerprint, region, "filter", g), label=f"filter[{g}]"
    )
    return (voter_after, *choices), equations


def cover_problem(group_sizes: Sequence[int], ballots: int, cap: int) -> str | None:
    """Why the sizes of a region's groups are not the cover of its ballots and voters (one
    group per voter), or ``None`` when they are."""
    expected = cover(voters=len(group_sizes), ballots=ballots, max_per_voter=cap)
    got: dict[int, int] = {}
    for size in group_sizes:
        got[size] = got.get(size, 0) + 1
    if tuple(sorted(got.items())) == expected:
        return None
    return (
        f"the group sizes {sorted(got.items())} are not the cover {list(expected)} of "
        f"{ballots} ballots and {len(group_sizes)} voters"
    )


def consecutive_problem(g: int, rows_of: Sequence[int], values: Sequence[int]) -> str | None:
    """Why group ``g``'s counters (``values`` of its rows) are not one run of consecutive
    integers, or ``None``."""
    run = sorted(values[i] for i in rows_of)
    if run == list(range(run[0], run[0] + len(run))):
        return None
    return (
        f"group {g} (rows {list(rows_of)[:4]}): counters {run[:6]} are not one run of "
        "consecutive integers"
    )


def group_rows(pseudonyms: Sequence[bytes]) -> list[list[int]]:
    """The rows of each group (equal pseudonyms), groups numbered by their first row."""
    members: dict[bytes, list[int]] = {}
    for i, p in enumerate(pseudonyms):
        members.setdefault(p, []).append(i)
    return list(members.values())


def candidate_of(rows_of: Sequence[int], values: Sequence[int]) -> int:
    """The place in its group of the row with the highest opened counter."""
    return max(range(len(rows_of)), key=lambda k: values[rows_of[k]])


def _run_step(step: str, region: str, check: Any) -> Any:
    """``check()``, its failures as a :class:`StepFailure` of ``step``."""
    try:
        return check()
    except StepFailure:
        raise
    except (ProofError, EncodingError, InputError, CryptoInputError, RecordError) as exc:
        raise StepFailure(step, f"region {region}", str(exc)) from None
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise StepFailure(step, f"region {region}", f"malformed: {exc!r}") from None


def _mix(
    state: ElectionState,
    region: str,
    stage: str,
    keys: tuple[Point, ...],
    inputs: tuple[Row, ...],
    event: Event,
) -> tuple[Row, ...]:
    """The mix of ``stage``: its outputs, after its proof verifies."""

    def check() -> tuple[Row, ...]:
        outputs = rows_from_json(event.payload["outputs"], field="outputs")
        if len(outputs) != len(inputs) or (outputs and len(outputs[0]) != len(keys)):
            raise ProofError(
                f"mix {stage}: {len(outputs)} output rows for {len(inputs)} inputs of width "
                f"{len(keys)}"
            )
        proof = ShuffleProof.from_json(event.payload["proof"], rows=len(inputs), width=len(keys))
        statement = ShuffleStatement(
            keys, mix_context(state.fingerprint, region, stage), inputs, outputs
        )
        verify_equations(shuffle_equations(statement, proof, label=f"mix {stage}"))
        return outputs

    result: tuple[Row, ...] = _run_step("MIX", region, check)
    return result


def verify_region(
    state: ElectionState, region: str, steps: RegionSteps, *, cap: int = MAX_BALLOTS_PER_VOTER
) -> RegionCount:
    """Every step of one region, in order (``DUMMIES``, ``MIX``, ``GROUPS``, ``FILTER``,
    ``ELIGIBILITY``): the rows that count.  A region without ballots has no step events."""
    manifest = state.manifest
    assert manifest.tallying_authority is not None
    authority = Point.from_hex(manifest.tallying_authority)
    election = state.public_key
    width = width_of(state, region)
    fp = state.fingerprint
    if not steps.ballots:
        if steps.events:
            event = next(iter(steps.events.values()))
            raise StepFailure(
                _STEP_OF[event.type], f"event {event.height}", "a step for a region with no ballots"
            )
        return RegionCount((), 0, 0, 0)

    # DUMMIES: each dummy row is publicly a dummy (its tag and choices are implicit)
    dummies_event = _required(steps, m.TALLY_DUMMIES, "", region)

    def dummies() -> list[Row]:
        rows = []
        for i, row in enumerate(dummies_event.payload["rows"]):
            voter = Ciphertext.from_json(row["voter"], field=f"rows[{i}].voter")
            counter = Ciphertext.from_json(row["counter"], field=f"rows[{i}].counter")
            rows.append((voter, counter, DUMMY_TAG, *(REAL_TAG,) * width))
        return rows

    dummy_rows: list[Row] = _run_step("DUMMIES", region, dummies)
    inputs = tuple(ballot_row(b) for b in steps.ballots) + tuple(dummy_rows)
    for i, row in enumerate(inputs[: len(steps.ballots)]):
        if len(row) != 3 + width:
            raise StepFailure("DENIABLE_BALLOTS", f"region {region}, ballot {i}", "width")

    # MIX (ballots)
    keys = (authority, authority, authority) + (election,) * width
    mix_event = _required(steps, m.TALLY_MIX, "ballots", region)
    mixed = _mix(state, region, "ballots", keys, inputs, mix_event)

    # GROUPS: a pseudonym and an opened counter per mixed row
    groups_event = _required(steps, m.TALLY_GROUPS, "", region)

    def groups() -> tuple[list[list[int]], list[int]]:
        payload = groups_event.payload
        rows = payload["rows"]
        pseudonyms, equations = _pseudonyms(
            state,
            authority,
            region,
            "groups",
            payload["key"],
            rows,
            [r[0] for r in mixed],
            "groups",
        )
        values, more = counter_equations(fp, region, authority, rows, [r[1] for r in mixed], 0)
        verify_equations(equations + more)
        grouped = group_rows([p.to_bytes() for p in pseudonyms])
        for g, rows_of in enumerate(grouped):
            if problem := consecutive_problem(g, rows_of, values):
                raise ProofError(problem)
        return grouped, values

    grouped, values = _run_step("GROUPS", region, groups)

    # DUMMIES again: the group sizes are exactly the cover of (ballots, voters)
    def sizes() -> None:
        if problem := cover_problem([len(r) for r in grouped], len(steps.ballots), cap):
            raise ProofError(problem)

    _run_step("DUMMIES", region, sizes)

    # FILTER: per group, the row with the highest counter is the candidate
    filter_event = _required(steps, m.TALLY_FILTER, "", region)

    def filtered() -> list[Row]:
        selected = filter_event.payload["selected"]
        if len(selected) != len(grouped):
            raise ProofError(f"filter: {len(selected)} selected rows for {len(grouped)} groups")
        equations: list[Equation] = []
        out: list[Row] = []
        for g, (rows_of, chosen) in enumerate(zip(grouped, selected, strict=True)):
            candidate = candidate_of(rows_of, values)
            row_out, more = filter_group_equations(
                fp,
                region,
                (authority, election),
                g,
                [mixed[i][2] for i in rows_of],
                candidate,
                mixed[rows_of[candidate]],
                chosen,
            )
            equations += more
            out.append(row_out)
        verify_equations(equations)
        return out

    selected: list[Row] = _run_step("FILTER", region, filtered)

    # ELIGIBILITY: the selected rows and the region's list, mixed, then pseudonyms under one
    # fresh key: every selected row's is a listed credential's, and no two are equal
    second = _mix(
        state,
        region,
        "selected",
        (authority,) + (election,) * width,
        tuple(selected),
        _required(steps, m.TALLY_MIX, "selected", region),
    )
    listed = tuple(
        (Ciphertext(Point.identity(), Point.from_hex(c)),) for c in state.credentials[region]
    )
    if not listed:
        raise StepFailure("ELIGIBILITY", f"region {region}", "ballots, but no listed credential")
    list_mix = _mix(
        state, region, "list", (authority,), listed, _required(steps, m.TALLY_MIX, "list", region)
    )
    eligibility_event = _required(steps, m.TALLY_ELIGIBILITY, "", region)

    def eligible() -> None:
        payload = eligibility_event.payload
        chosen, equations = _pseudonyms(
            state,
            authority,
            region,
            "eligibility.selected",
            payload["key"],
            payload["selected"],
            [r[0] for r in second],
            "eligibility",
        )
        listed_p, more = _pseudonyms(
            state,
            authority,
            region,
            "eligibility.list",
            payload["key"],
            payload["list"],
            [r[0] for r in list_mix],
            "eligibility",
        )
        verify_equations(equations + more[1:])  # the key's proof is the same: once
        problem = eligibility_problem(
            [p.to_bytes() for p in chosen], [p.to_bytes() for p in listed_p]
        )
        if problem:
            raise ProofError(problem)

    _run_step("ELIGIBILITY", region, eligible)
    return RegionCount(second, len(steps.ballots), len(dummy_rows), len(grouped))


def eligibility_problem(selected: Sequence[bytes], listed: Sequence[bytes]) -> str | None:
    """Why the selected rows' pseudonyms are not distinct pseudonyms of listed credentials,
    or ``None``."""
    known = set(listed)
    seen: set[bytes] = set()
    for i, p in enumerate(selected):
        if p not in known:
            return f"selected row {i}: its credential is not on the region's list"
        if p in seen:
            return f"selected row {i}: a second row of one credential"
        seen.add(p)
    return None


def column_sums(rows: Sequence[Row], width: int) -> list[Ciphertext]:
    """The sum of each choice column (1 .. ``width``) of second-mix rows."""
    sums = [Ciphertext.zero()] * width
    for row in rows:
        sums = [s + c for s, c in zip(sums, row[1:], strict=True)]
    return sums


def selected_tally(state: ElectionState, region: str, counted: Sequence[Row]) -> Any:
    """The :class:`~referendum.protocol.tally.RegionTally` of the rows that count."""
    return tally_of_sums(state, region, len(counted), column_sums(counted, width_of(state, region)))


def tally_of_sums(state: ElectionState, region: str, rows: int, sums: Sequence[Ciphertext]) -> Any:
    """The :class:`~referendum.protocol.tally.RegionTally` of ``rows`` counted rows whose
    choice columns sum to ``sums``."""
    from referendum.protocol.tally import RegionTally

    style = state.manifest.ballot_style(region)
    nested: list[list[Ciphertext]] = []
    k = 0
    for question in style:
        nested.append(list(sums[k : k + len(question.answers)]))
        k += len(question.answers)
    return RegionTally(rows, nested)
