"""The checks of deniable revoting cut into independent tasks, so that worker processes or a
Dask cluster share them as they share the visible ballots' ranges (docs/performance.md, "How
verification scales").

:func:`check_in_tasks` reads the ballots and the tallying authority's steps (their JSON, as
the record holds them) and hands out tasks: batches of ballots (their ``credential_proof``
and selection proofs), ranges of each mix's rows (the shuffle proof's equations split by
:mod:`referendum.crypto.proofs.shuffle_ranges`), ranges of pseudonyms and opened counters,
batches of the filter's groups, ranges of the eligibility pseudonyms.  A task decodes its
slice and builds its equations with the very functions the one-process checks use
(:mod:`referendum.protocol.deniable`); the parent keeps what joins the rows (the grouping by
pseudonym, the runs of counters, the cover, each group's candidate, the eligibility sets,
each shuffle's challenge and the terms that belong to no row).

The tasks answer only "all hold".  When anything does not hold (a task, or a check of the
parent), :func:`check_in_tasks` raises :class:`Unsure` and the caller runs the one-process
checks (:func:`~referendum.protocol.deniable.check_ballots`,
:func:`~referendum.protocol.deniable.verify_region`), which name the first failure: so the
report is the same however many workers ran it, as the C batch leaves its diagnosis to the
reference code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain as chain_iterables
from typing import Any, Final

from referendum.crypto.ballot import BallotContext
from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.deniable import (
    DUMMY_TAG,
    REAL_TAG,
)
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point
from referendum.crypto.json_fields import point, scalar
from referendum.crypto.proofs.shuffle import chain_generator, rows_from_json
from referendum.crypto.proofs.shuffle_ranges import (
    ProofClosing,
    ShuffleCheck,
    prepare_encoded,
    range_sum_of,
    rest_sum,
)
from referendum.errors import ProofError, ReferendumError
from referendum.protocol.deniable import (
    CLOSING_MEMBERS,
    MAX_BALLOTS_PER_VOTER,
    PART_LISTS,
    ballot_equations_in,
    candidate_of,
    consecutive_problem,
    counter_equations,
    cover_problem,
    eligibility_problem,
    filter_group_equations,
    group_rows,
    item_context,
    key_equations,
    mix_context,
    pseudonym_equations,
    tally_of_sums,
    width_of,
)
from referendum.protocol.state import ElectionState
from referendum.record import messages as m
from referendum.record.event import Event

__all__ = [
    "BALLOTS_PER_TASK",
    "FILTER_GROUPS_PER_TASK",
    "ITEMS_PER_TASK",
    "ROWS_PER_TASK",
    "BallotsTask",
    "EncodedRows",
    "FilterTask",
    "MixRange",
    "PseudonymsTask",
    "RegionFigures",
    "Task",
    "TaskRunner",
    "Unsure",
    "check_in_tasks",
    "run_task",
]

BALLOTS_PER_TASK: Final = 128
"""Ballots per task (about 0.1 s of one core)."""
ROWS_PER_TASK: Final = 1024
"""Rows of a mix per task."""
ITEMS_PER_TASK: Final = 512
"""Pseudonyms (with their counters) per task."""
FILTER_GROUPS_PER_TASK: Final = 128
"""Filter groups per task (a group's OR proof is many equations: about 40 KB decoded)."""

_REAL: Final = REAL_TAG.to_json()
_DUMMY: Final = DUMMY_TAG.to_json()
_IDENTITY: Final = Point.identity().hex()
_PARTS: Final = ("alpha", "beta")
_ROW_LISTS: Final = ("permutation", "chain", "t_chain", "s_chain", "s_permuted")
_MEMBERS: Final = frozenset(
    {*_ROW_LISTS, "t_sum", "t_product", "t_weighted", "t_reencryption"}
    | {"s_sum", "s_product", "s_weighted", "s_reencryption"}
)


class Unsure(ProofError):
    """Something of a deniable record does not hold (or is malformed): the one-process checks
    name what."""


def _encoding(value: Any) -> bytes:
    """The 32 bytes of a point's or scalar's hex; :class:`Unsure` unless it is the canonical
    lower-case hex of 32 bytes (what decoding it later would require)."""
    if not isinstance(value, str) or len(value) != 64:
        raise Unsure("an encoding that is not 32 bytes in hex")
    out = bytes.fromhex(value)
    if out.hex() != value:
        raise Unsure("an encoding that is not lower-case hex")
    return out


class EncodedRows:
    """Rows of ciphertexts held as the 32-byte encodings of their points (one ``bytes`` of
    ``64·width`` per row, about a ninth of the rows' JSON), handed out as JSON again: a mix's
    inputs and outputs, and what the steps after a mix join on (a row's credential, counter,
    tag, the candidate row).  An encoding that is not the canonical lower-case hex of 32
    bytes is :class:`Unsure`."""

    __slots__ = ("_rows", "_width")

    def __init__(self, rows: Iterable[Sequence[Mapping[str, str]]], width: int) -> None:
        self._width = width
        self._rows: list[bytes] = []
        for row in rows:
            self.append(row)

    def append(self, row: Sequence[Mapping[str, str]]) -> None:
        if not isinstance(row, list) or len(row) != self._width:
            raise Unsure("a row of another width")
        self._rows.append(b"".join(_encoding(ct[part]) for ct in row for part in _PARTS))

    def __len__(self) -> int:
        return len(self._rows)

    def cell(self, i: int, k: int) -> dict[str, str]:
        """Ciphertext ``k`` of row ``i`` as JSON."""
        return Ciphertext.json_of_bytes(self._rows[i][64 * k : 64 * k + 64])

    def row(self, i: int) -> list[dict[str, str]]:
        """Row ``i`` as JSON."""
        return [self.cell(i, k) for k in range(self._width)]

    def encodings(self) -> Iterator[bytes]:
        """Every point's 32 bytes, row by row, ``alpha`` before ``beta`` (the order of the
        shuffle's seed)."""
        for raw in self._rows:
            for k in range(0, len(raw), 32):
                yield raw[k : k + 32]


class _PackedJson:
    """Items of a step's list held as their compact JSON (one ``bytes`` each), parsed again
    by the slice."""

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[bytes] = []

    def extend(self, items: Iterable[Any]) -> None:
        self._items += [json.dumps(item, separators=(",", ":")).encode() for item in items]

    def __len__(self) -> int:
        return len(self._items)

    def decoded(self, start: int, end: int) -> list[Any]:
        return [json.loads(item) for item in self._items[start:end]]


class _StepReader:
    """The steps' part events, in record order, handed out one step at a time: the next
    step must be the one asked for (its region, type and stage), its parts numbered
    ``0 .. parts-1``, the closing members in the last part only; else :class:`Unsure`."""

    def __init__(self, events: Iterable[Event]) -> None:
        self._events = iter(events)
        self._next = next(self._events, None)

    def done(self) -> bool:
        return self._next is None

    def parts(self, region: str, event_type: str, stage: str = "") -> Iterator[dict[str, Any]]:
        """The payloads of the next step's parts, each read as it is asked for."""
        first = self._next
        if first is None:
            raise Unsure(f"no {event_type} {stage}")
        count = first.payload.get("parts")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise Unsure(f"{event_type}: parts")
        for k in range(count):
            event = self._next
            if event is None:
                raise Unsure(f"{event_type}: a part missing")
            payload = event.payload
            got = (event.type, payload.get("region"), payload.get("stage", ""))
            if got != (event_type, region, stage):
                raise Unsure(f"{got} where {(event_type, region, stage)} comes next")
            if payload.get("part") != k or payload.get("parts") != count:
                raise Unsure(f"{event_type}: part {payload.get('part')} where {k} comes next")
            for path in CLOSING_MEMBERS[event_type]:
                outer, _, name = path.rpartition(".")
                holder = payload[outer] if outer else payload
                if (name in holder) != (k == count - 1):
                    raise Unsure(f"{event_type}: {path} in a part not last, or not in the last")
            self._next = next(self._events, None)
            yield payload

    def packed(self, region: str, event_type: str) -> tuple[dict[str, Any], dict[str, _PackedJson]]:
        """The next step's members but its lists, and each list's items as compact JSON
        (:class:`_PackedJson`): a step whose last part brings what its rows' checks need
        (a pseudonym key) held at a tenth of its parsed size."""
        lists = PART_LISTS[event_type]
        members: dict[str, Any] = {}
        packed = {path: _PackedJson() for path in lists}
        for payload in self.parts(region, event_type):
            for path in lists:
                if not isinstance(payload[path], list):
                    raise Unsure(f"{event_type}: {path}")
                packed[path].extend(payload[path])
            members |= {k: v for k, v in payload.items() if k not in lists}
        del members["part"], members["parts"]
        return members, packed


@dataclass(frozen=True, slots=True)
class BallotsTask:
    """A batch of ``ballot.deniable`` payloads: their proofs (``DENIABLE_BALLOTS``)."""

    contexts: Mapping[str, BallotContext]
    authority: Point
    payloads: tuple[Mapping[str, Any], ...]

    def run(self) -> None:
        equations: list[Equation] = []
        for payload in self.payloads:
            context = self.contexts[str(payload["region"])]
            equations += ballot_equations_in(context, self.authority, payload, label="ballot")
        verify_equations(equations)


@dataclass(frozen=True, slots=True)
class MixRange:
    """Rows ``start ..`` of mix number ``mix``: their weighted share of every equation of its
    shuffle proof, and (``sums``) the sums of the output rows' choice columns."""

    mix: int
    check: ShuffleCheck
    context: bytes
    start: int
    inputs: list[Any]
    outputs: list[Any]
    proof: Mapping[str, list[Any]]
    chain_before: str | None
    sums: bool

    def run(self) -> tuple[Point, list[Ciphertext] | None]:
        inputs = rows_from_json(self.inputs, field="inputs")
        outputs = rows_from_json(self.outputs, field="outputs")
        if any(len(r) != self.check.width for r in (*inputs, *outputs)):
            raise ProofError("mix: a row of another width")
        p = self.proof
        points = {n: [point(v, n) for v in p[n]] for n in ("permutation", "chain", "t_chain")}
        scalars = {n: [scalar(v, n) for v in p[n]] for n in ("s_chain", "s_permuted")}
        before = (
            chain_generator(self.context)
            if self.chain_before is None
            else point(self.chain_before, "chain")
        )
        total = range_sum_of(
            self.check,
            self.context,
            self.start,
            inputs,
            outputs,
            points["permutation"],
            before,
            points["chain"],
            points["t_chain"],
            scalars["s_chain"],
            scalars["s_permuted"],
        )
        if not self.sums:
            return total, None
        sums = [Ciphertext.zero()] * (self.check.width - 1)
        for row in outputs:
            sums = [s + c for s, c in zip(sums, row[1:], strict=True)]
        return total, sums


@dataclass(frozen=True, slots=True)
class PseudonymsTask:
    """Rows ``start ..`` of a step's pseudonyms (``groups``, ``eligibility.selected``,
    ``eligibility.list``) and, for ``groups``, their opened counters."""

    fingerprint: bytes
    region: str
    step: str
    key: tuple[str, str]
    start: int
    rows: list[Mapping[str, Any]]
    voters: list[Any]
    counters: list[Any] | None = None
    authority: Point | None = None

    def run(self) -> None:
        key = (Point.from_hex(self.key[0]), Point.from_hex(self.key[1]))
        voters = [Ciphertext.from_json(v, field="voter") for v in self.voters]
        fp, region = self.fingerprint, self.region
        _, equations = pseudonym_equations(
            fp, region, self.step, key, self.rows, voters, self.start
        )
        if self.counters is not None:
            assert self.authority is not None
            counters = [Ciphertext.from_json(c, field="counter") for c in self.counters]
            _, more = counter_equations(fp, region, self.authority, self.rows, counters, self.start)
            equations += more
        verify_equations(equations)


@dataclass(frozen=True, slots=True)
class FilterTask:
    """A batch of the filter's groups: each ``(g, its rows' tags, the candidate's place, the
    candidate row, the selected row's JSON)``."""

    fingerprint: bytes
    region: str
    keys: tuple[Point, Point]
    groups: list[tuple[int, list[Any], int, list[Any], Mapping[str, Any]]]

    def run(self) -> None:
        equations: list[Equation] = []
        for g, tags, candidate, row, chosen in self.groups:
            _, more = filter_group_equations(
                self.fingerprint,
                self.region,
                self.keys,
                g,
                [Ciphertext.from_json(t, field="tag") for t in tags],
                candidate,
                tuple(Ciphertext.from_json(c, field="row") for c in row),
                chosen,
            )
            equations += more
        verify_equations(equations)


Task = BallotsTask | MixRange | PseudonymsTask | FilterTask
TaskRunner = Callable[[Iterable[Task]], Iterable[tuple[bool, int | None, Any]]]
"""Maps :func:`run_task` over tasks (here, in worker processes, on a cluster) and yields the
results in the tasks' order."""


def run_task(task: Task) -> tuple[bool, int | None, Any]:
    """Run one task where it is (a worker): ``(holds, the mix's number or None, the mix
    range's value)``; a task that fails for any reason is ``holds = False``, and the one-process
    checks then say why."""
    try:
        value = task.run()
    except Exception:
        return False, None, None
    return True, task.mix if isinstance(task, MixRange) else None, value


@dataclass(frozen=True)
class RegionFigures:
    """What a region's steps establish: its ballots, dummies, voters (groups), counted rows
    and their tally (a :class:`~referendum.protocol.tally.RegionTally`)."""

    ballots: int
    dummies: int
    voters: int
    counted: int
    tally: Any


@dataclass
class _Plan:
    state: ElectionState
    ballots: Iterable[Event]
    steps: Iterable[Event] | None
    cap: int
    check_ballots: bool = True
    totals: list[Point] = field(default_factory=list)
    sums: dict[str, list[Ciphertext]] = field(default_factory=dict)
    figures: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    _sum_of_mix: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert self.state.manifest.tallying_authority is not None
        self.authority = Point.from_hex(self.state.manifest.tallying_authority)
        self.election = self.state.public_key
        self.fp = self.state.fingerprint

    def tasks(self) -> Iterator[Task]:
        regions = {r.id for r in self.state.manifest.regions}
        contexts = {r: self.state.ballot_context(r) for r in sorted(regions)}
        codes: set[str] = set()
        # each region's first mix's inputs, the ballots' rows kept as encodings as they are
        # read (only when the steps are checked: what they join on)
        inputs = {r: EncodedRows([], width_of(self.state, r) + 3) for r in regions}
        batch: list[Mapping[str, Any]] = []
        for event in self.ballots:
            payload = event.payload
            if payload["region"] not in regions or payload["tracking_code"] in codes:
                raise Unsure("a ballot's region or a replay")
            codes.add(payload["tracking_code"])
            if self.steps is not None:
                choices = [s for q in payload["ballot"]["questions"] for s in q["selections"]]
                row = [payload["voter"], payload["counter"], _REAL, *choices]
                inputs[payload["region"]].append(row)
            if self.check_ballots:
                batch.append(payload)
            if len(batch) == BALLOTS_PER_TASK:
                yield BallotsTask(contexts, self.authority, tuple(batch))
                batch = []
        if batch:
            yield BallotsTask(contexts, self.authority, tuple(batch))
        del codes, batch
        if self.steps is None:
            return
        reader = _StepReader(self.steps)
        for region in self.state.manifest.regions:
            yield from self._region(region.id, inputs.pop(region.id), reader)
        if not reader.done():
            raise Unsure("a step after the last region's, or for a region with no ballots")

    def _region(self, region: str, inputs: EncodedRows, reader: _StepReader) -> Iterator[Task]:
        """One region's tasks, ``inputs`` its ballots' rows, its steps read part by part from
        ``reader`` in the order of docs/spec/coercion.md section 3.2: only what joins the
        steps is held across them (a mix's rows as encodings, the counters, the groups), and
        within a mix only its rows' encodings (its parts are read once)."""
        width = width_of(self.state, region)
        self.sums[region] = [Ciphertext.zero()] * width
        if not len(inputs):
            self.figures[region] = (0, 0, 0, 0)
            return

        authority, election = self.authority, self.election
        ballots_n = len(inputs)
        for part in reader.parts(region, m.TALLY_DUMMIES):
            rows = part["rows"]
            if not isinstance(rows, list):
                raise Unsure("dummies: rows")
            for r in rows:
                inputs.append([r["voter"], r["counter"], _DUMMY, *[_REAL] * width])
            del rows, part
        dummies_n = len(inputs) - ballots_n
        keys = (authority,) * 3 + (election,) * width
        mixed_rows = EncodedRows([], width + 3)
        yield from self._mix(region, "ballots", keys, inputs, reader, mixed_rows)
        del inputs

        # GROUPS: the rows held as compact JSON until the last part brings the key
        groups, packed = reader.packed(region, m.TALLY_GROUPS)
        rows = packed["rows"]
        if len(rows) != len(mixed_rows):
            raise Unsure("groups: a pseudonym per mixed row")
        key = self._key(region, "groups", groups["key"])
        del groups
        values: list[int] = []
        pseudonyms: list[bytes] = []
        for start in range(0, len(rows), ITEMS_PER_TASK):
            end = min(start + ITEMS_PER_TASK, len(rows))
            chunk = rows.decoded(start, end)
            values += [r["counter"] for r in chunk]
            pseudonyms += [bytes.fromhex(r["pseudonym"]) for r in chunk]
            yield PseudonymsTask(
                self.fp,
                region,
                "groups",
                key,
                start,
                chunk,
                [mixed_rows.cell(i, 0) for i in range(start, end)],
                [mixed_rows.cell(i, 1) for i in range(start, end)],
                authority,
            )
        grouped = group_rows(pseudonyms)
        del rows, packed, pseudonyms
        for g, rows_of in enumerate(grouped):
            if consecutive_problem(g, rows_of, values):
                raise Unsure("counters")
        if cover_problem([len(r) for r in grouped], ballots_n, self.cap):
            raise Unsure("cover")

        # FILTER, part by part (no member closes it): the selected rows kept as encodings
        # for the second mix
        second_inputs = EncodedRows([], width + 1)
        items: list[tuple[int, list[Any], int, list[Any], Mapping[str, Any]]] = []
        for part in reader.parts(region, m.TALLY_FILTER):
            selected = part["selected"]
            if not isinstance(selected, list) or len(second_inputs) + len(selected) > len(grouped):
                raise Unsure("filter: a row per group")
            for chosen in selected:
                g = len(second_inputs)
                rows_of = grouped[g]
                candidate = candidate_of(rows_of, values)
                tags = [mixed_rows.cell(i, 2) for i in rows_of]
                items.append((g, tags, candidate, mixed_rows.row(rows_of[candidate]), chosen))
                second_inputs.append([chosen["voter"], *chosen["choices"]])
                if len(items) == FILTER_GROUPS_PER_TASK:
                    yield FilterTask(self.fp, region, (authority, election), items)
                    items = []
            del selected, part
        if items:
            yield FilterTask(self.fp, region, (authority, election), items)
        if len(second_inputs) != len(grouped):
            raise Unsure("filter: a row per group")
        voters_n = len(grouped)
        del items, mixed_rows, values, grouped

        # ELIGIBILITY: the second mix, the list's mix, the pseudonyms of both
        counted_n = len(second_inputs)
        second = EncodedRows([], width + 1)
        yield from self._mix(
            region, "selected", (authority,) + (election,) * width, second_inputs, reader, second
        )
        del second_inputs
        credentials = self.state.credentials[region]
        if not credentials:
            raise Unsure("no listed credential")
        listed = EncodedRows([], 1)
        for c in credentials:
            listed.append([{"alpha": _IDENTITY, "beta": c}])
        list_mix = EncodedRows([], 1)
        yield from self._mix(region, "list", (authority,), listed, reader, list_mix)
        del listed
        eligibility, packed = reader.packed(region, m.TALLY_ELIGIBILITY)
        key = self._key(region, "eligibility", eligibility["key"])
        lists = {
            "eligibility.selected": (packed["selected"], second),
            "eligibility.list": (packed["list"], list_mix),
        }
        named: dict[str, list[bytes]] = {}
        for step, (rows, voters) in lists.items():
            if len(rows) != len(voters):
                raise Unsure(f"{step}: a pseudonym per row")
            named[step] = []
            for start in range(0, len(rows), ITEMS_PER_TASK):
                end = min(start + ITEMS_PER_TASK, len(rows))
                chunk = rows.decoded(start, end)
                named[step] += [bytes.fromhex(r["pseudonym"]) for r in chunk]
                yield PseudonymsTask(
                    self.fp,
                    region,
                    step,
                    key,
                    start,
                    chunk,
                    [voters.cell(i, 0) for i in range(start, end)],
                )
        problem = eligibility_problem(named["eligibility.selected"], named["eligibility.list"])
        if problem:
            raise Unsure(problem)
        self.figures[region] = (ballots_n, dummies_n, voters_n, counted_n)

    def _key(self, region: str, step: str, key: Mapping[str, Any]) -> tuple[str, str]:
        """The pseudonym key's proof, checked here; its ``(S, U)`` for the tasks."""
        context = item_context(self.fp, region, f"{step}.key", 0)
        verify_equations(key_equations(self.authority, key, context, f"{step}.key")[2])
        return str(key["S"]), str(key["U"])

    def _mix(
        self,
        region: str,
        stage: str,
        keys: tuple[Point, ...],
        inputs: EncodedRows,
        reader: _StepReader,
        outputs: EncodedRows,
    ) -> Iterator[MixRange]:
        """A mix's ranges, its parts read once from ``reader`` (each part's outputs and
        proof lists kept as encodings in ``outputs`` and here); its challenge and closing
        terms here."""
        n, w = len(inputs), len(keys)
        lists: dict[str, list[bytes]] = {name: [] for name in _ROW_LISTS}
        proof: Mapping[str, Any] = {}
        for part in reader.parts(region, m.TALLY_MIX, stage):
            rows, proof = part["outputs"], part["proof"]
            last = "t_sum" in proof
            if not isinstance(rows, list) or not isinstance(proof, dict):
                raise Unsure(f"mix {stage}: rows")
            if set(proof) != (_MEMBERS if last else set(_ROW_LISTS)):
                raise Unsure(f"mix {stage}: the proof's members")
            for row in rows:
                outputs.append(row)
            for name in _ROW_LISTS:
                if not isinstance(proof[name], list):
                    raise Unsure(f"mix {stage}: proof.{name}")
                lists[name] += [_encoding(h) for h in proof[name]]
        if n == 0 or len(outputs) != n or any(len(v) != n for v in lists.values()):
            raise Unsure(f"mix {stage}: rows")
        for name in ("t_reencryption", "s_reencryption"):
            if not isinstance(proof[name], list) or len(proof[name]) != w:
                raise Unsure(f"mix {stage}: proof.{name}")
        raw = bytes.fromhex
        t4 = [raw(ct[part]) for ct in proof["t_reencryption"] for part in ("alpha", "beta")]
        commitments = lists["chain"] + [raw(proof[n]) for n in ("t_sum", "t_product", "t_weighted")]
        commitments += t4 + lists["t_chain"]
        responses = [raw(proof[name]) for name in ("s_sum", "s_product", "s_weighted")]
        responses += [raw(h) for h in proof["s_reencryption"]]
        responses += lists["s_chain"] + lists["s_permuted"]
        context = mix_context(self.fp, region, stage)
        check = prepare_encoded(
            context,
            [k.to_bytes() for k in keys],
            n,
            chain_iterables(inputs.encodings(), outputs.encodings()),
            lists["permutation"],
            commitments,
            responses,
        )
        del t4, commitments, responses  # hashed: not held while the ranges run
        closing = ProofClosing(
            point(proof["t_sum"], "t_sum"),
            point(proof["t_product"], "t_product"),
            point(proof["t_weighted"], "t_weighted"),
            tuple(Ciphertext.from_json(c, field="t_reencryption") for c in proof["t_reencryption"]),
            scalar(proof["s_sum"], "s_sum"),
            scalar(proof["s_product"], "s_product"),
            scalar(proof["s_weighted"], "s_weighted"),
            tuple(scalar(s, "s_reencryption") for s in proof["s_reencryption"]),
            point(lists["chain"][-1].hex(), "chain"),
        )
        index = len(self.totals)
        self.totals.append(rest_sum(check, context, keys, closing))
        if stage == "selected":
            self._sum_of_mix[index] = region
        for start in range(0, n, ROWS_PER_TASK):
            end = min(start + ROWS_PER_TASK, n)
            yield MixRange(
                index,
                check,
                context,
                start,
                [inputs.row(i) for i in range(start, end)],
                [outputs.row(i) for i in range(start, end)],
                {name: [h.hex() for h in lists[name][start:end]] for name in _ROW_LISTS},
                None if start == 0 else lists["chain"][start - 1].hex(),
                stage == "selected",
            )

    def add(self, mix: int, value: tuple[Point, list[Ciphertext] | None]) -> None:
        total, sums = value
        self.totals[mix] = self.totals[mix] + total
        if sums is not None:
            region = self._sum_of_mix[mix]
            self.sums[region] = [a + b for a, b in zip(self.sums[region], sums, strict=True)]

    def conclude(self) -> dict[str, RegionFigures]:
        if not all(total.is_identity() for total in self.totals):
            raise Unsure("a shuffle proof")
        out = {}
        for region, (ballots, dummies, voters, counted) in self.figures.items():
            tally = tally_of_sums(self.state, region, counted, self.sums[region])
            out[region] = RegionFigures(ballots, dummies, voters, counted, tally)
        return out


def check_in_tasks(
    state: ElectionState,
    ballots: Iterable[Event],
    steps: Iterable[Event] | None,
    run: TaskRunner,
    *,
    cap: int = MAX_BALLOTS_PER_VOTER,
    check_ballots: bool = True,
) -> dict[str, RegionFigures]:
    """Every check of deniable revoting (the ballots' and, unless ``steps`` is ``None``, every
    region's steps) through ``run``, which maps :func:`run_task` over the tasks wherever it
    likes and yields the results in order; each region's figures and tally.  The steps are
    read one at a time, in record order (each region's in the order of docs/spec/coercion.md
    section 3.2, regions in the manifest's order), and only what joins them is held: ``steps``
    may be a reader of the record part by part.  :class:`Unsure` when anything does not
    hold (steps in another order too: the one-process checks accept any order).
    ``check_ballots=False`` leaves out the ballots' own proofs (for a benchmark whose rows
    carry none)."""
    try:
        plan = _Plan(state, ballots, steps, cap, check_ballots)
        for holds, mix, value in run(plan.tasks()):
            if not holds:
                raise Unsure("a task")
            if mix is not None:
                plan.add(mix, value)
        return plan.conclude()
    except Unsure:
        raise
    except (ReferendumError, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise Unsure(repr(exc)) from None
