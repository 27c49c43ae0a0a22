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

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
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
    MAX_BALLOTS_PER_VOTER,
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
    merged_in_order,
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
_ROW_LISTS: Final = ("permutation", "chain", "t_chain", "s_chain", "s_permuted")
_MEMBERS: Final = frozenset(
    {*_ROW_LISTS, "t_sum", "t_product", "t_weighted", "t_reencryption"}
    | {"s_sum", "s_product", "s_weighted", "s_reencryption"}
)


class Unsure(ProofError):
    """Something of a deniable record does not hold (or is malformed): the one-process checks
    name what."""


class EncodedRows:
    """A mix's output rows held as the 32-byte encodings of their points (one ``bytes`` of
    ``64·width`` per row, about a ninth of the rows' JSON), handed out as JSON again: what the
    steps after a mix join on (a row's credential, counter, tag, the candidate row).  An
    encoding that is not the canonical lower-case hex of 32 bytes is :class:`Unsure`."""

    __slots__ = ("_rows", "_width")

    def __init__(self, rows: Sequence[Sequence[Mapping[str, str]]], width: int) -> None:
        self._width = width
        self._rows = [self._encode(row) for row in rows]

    def _encode(self, row: Sequence[Mapping[str, str]]) -> bytes:
        if len(row) != self._width:
            raise Unsure("mix: a row of another width")
        out = b"".join(bytes.fromhex(ct[part]) for ct in row for part in ("alpha", "beta"))
        if len(out) != 64 * self._width or out.hex() != "".join(
            ct[part] for ct in row for part in ("alpha", "beta")
        ):
            raise Unsure("mix: an encoding that is not 32 bytes in lower-case hex")
        return out

    def __len__(self) -> int:
        return len(self._rows)

    def cell(self, i: int, k: int) -> dict[str, str]:
        """Ciphertext ``k`` of row ``i`` as JSON."""
        raw = self._rows[i]
        return {
            "alpha": raw[64 * k : 64 * k + 32].hex(),
            "beta": raw[64 * k + 32 : 64 * k + 64].hex(),
        }

    def row(self, i: int) -> list[dict[str, str]]:
        """Row ``i`` as JSON."""
        return [self.cell(i, k) for k in range(self._width)]


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
    ballots: Sequence[Event]
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
        by_region: dict[str, list[Mapping[str, Any]]] = {r: [] for r in regions}
        batch: list[Mapping[str, Any]] = []
        for event in self.ballots:
            payload = event.payload
            if payload["region"] not in regions or payload["tracking_code"] in codes:
                raise Unsure("a ballot's region or a replay")
            codes.add(payload["tracking_code"])
            by_region[payload["region"]].append(payload)
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
        stream = merged_in_order(self.steps)
        for region in self.state.manifest.regions:
            yield from self._region(region.id, by_region.pop(region.id), stream)
        if next(stream, None) is not None:
            raise Unsure("a step after the last region's, or for a region with no ballots")

    def _region(
        self,
        region: str,
        ballots: list[Mapping[str, Any]],
        stream: Iterator[Event],
    ) -> Iterator[Task]:
        """One region's tasks, its steps read from ``stream`` one at a time (each step's
        parts merged) in the order of docs/spec/coercion.md section 3.2: only what joins the
        steps is held across them (a mix's outputs as encodings, the counters, the groups)."""
        width = width_of(self.state, region)
        self.sums[region] = [Ciphertext.zero()] * width
        if not ballots:
            self.figures[region] = (0, 0, 0, 0)
            return

        def need(event_type: str, stage: str = "") -> dict[str, Any]:
            event = next(stream, None)
            if event is None:
                raise Unsure(f"no {event_type} {stage}")
            got = (event.payload["region"], event.type, event.payload.get("stage", ""))
            if got != (region, event_type, stage):
                raise Unsure(f"{got} where {(region, event_type, stage)} comes next")
            return dict(event.payload)

        authority, election = self.authority, self.election
        dummies = need(m.TALLY_DUMMIES)["rows"]
        inputs: list[list[Any]] = []
        for payload in ballots:
            choices = [
                {"alpha": s["alpha"], "beta": s["beta"]}
                for q in payload["ballot"]["questions"]
                for s in q["selections"]
            ]
            inputs.append([payload["voter"], payload["counter"], _REAL, *choices])
        ballots_n, dummies_n = len(ballots), len(dummies)
        del ballots
        inputs += [[r["voter"], r["counter"], _DUMMY, *[_REAL] * width] for r in dummies]
        del dummies
        keys = (authority,) * 3 + (election,) * width
        mixed = need(m.TALLY_MIX, "ballots")
        yield from self._mix(region, "ballots", keys, inputs, mixed)
        del inputs
        mixed_rows = EncodedRows(mixed["outputs"], width + 3)
        del mixed

        # GROUPS
        groups = need(m.TALLY_GROUPS)
        rows = groups["rows"]
        if len(rows) != len(mixed_rows):
            raise Unsure("groups: a pseudonym per mixed row")
        key = self._key(region, "groups", groups["key"])
        del groups
        for start in range(0, len(rows), ITEMS_PER_TASK):
            end = min(start + ITEMS_PER_TASK, len(rows))
            yield PseudonymsTask(
                self.fp,
                region,
                "groups",
                key,
                start,
                rows[start:end],
                [mixed_rows.cell(i, 0) for i in range(start, end)],
                [mixed_rows.cell(i, 1) for i in range(start, end)],
                authority,
            )
        values = [r["counter"] for r in rows]
        grouped = group_rows([bytes.fromhex(r["pseudonym"]) for r in rows])
        del rows
        for g, rows_of in enumerate(grouped):
            if consecutive_problem(g, rows_of, values):
                raise Unsure("counters")
        if cover_problem([len(r) for r in grouped], ballots_n, self.cap):
            raise Unsure("cover")

        # FILTER
        selected = need(m.TALLY_FILTER)["selected"]
        if len(selected) != len(grouped):
            raise Unsure("filter: a row per group")
        items: list[tuple[int, list[Any], int, list[Any], Mapping[str, Any]]] = []
        for g, (rows_of, chosen) in enumerate(zip(grouped, selected, strict=True)):
            candidate = candidate_of(rows_of, values)
            tags = [mixed_rows.cell(i, 2) for i in rows_of]
            items.append((g, tags, candidate, mixed_rows.row(rows_of[candidate]), chosen))
            if len(items) == FILTER_GROUPS_PER_TASK:
                yield FilterTask(self.fp, region, (authority, election), items)
                items = []
        if items:
            yield FilterTask(self.fp, region, (authority, election), items)
        voters_n = len(grouped)
        del items, mixed_rows, values, grouped

        # ELIGIBILITY: the second mix, the list's mix, the pseudonyms of both
        second_inputs = [[c["voter"], *c["choices"]] for c in selected]
        del selected
        counted_n = len(second_inputs)
        second = need(m.TALLY_MIX, "selected")
        yield from self._mix(
            region, "selected", (authority,) + (election,) * width, second_inputs, second
        )
        del second_inputs
        second_voters = [r[0] for r in second["outputs"]]
        del second
        listed = [[{"alpha": _IDENTITY, "beta": c}] for c in self.state.credentials[region]]
        if not listed:
            raise Unsure("no listed credential")
        list_mix = need(m.TALLY_MIX, "list")
        yield from self._mix(region, "list", (authority,), listed, list_mix)
        del listed
        list_voters = [r[0] for r in list_mix["outputs"]]
        del list_mix
        eligibility = need(m.TALLY_ELIGIBILITY)
        key = self._key(region, "eligibility", eligibility["key"])
        lists = {
            "eligibility.selected": (eligibility["selected"], second_voters),
            "eligibility.list": (eligibility["list"], list_voters),
        }
        for step, (rows, voters) in lists.items():
            if len(rows) != len(voters):
                raise Unsure(f"{step}: a pseudonym per row")
            for start in range(0, len(rows), ITEMS_PER_TASK):
                end = start + ITEMS_PER_TASK
                yield PseudonymsTask(
                    self.fp, region, step, key, start, rows[start:end], voters[start:end]
                )
        problem = eligibility_problem(
            [bytes.fromhex(r["pseudonym"]) for r in eligibility["selected"]],
            [bytes.fromhex(r["pseudonym"]) for r in eligibility["list"]],
        )
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
        inputs: list[list[Any]],
        payload: Mapping[str, Any],
    ) -> Iterator[MixRange]:
        """A mix's ranges; its challenge and closing terms here."""
        outputs, proof = payload["outputs"], payload["proof"]
        n, w = len(inputs), len(keys)
        if n == 0 or not isinstance(outputs, list) or len(outputs) != n:
            raise Unsure(f"mix {stage}: rows")
        for row in (*inputs, *outputs):
            if not isinstance(row, list) or len(row) != w:
                raise Unsure(f"mix {stage}: a row of another width")
        if not isinstance(proof, dict) or set(proof) != _MEMBERS:
            raise Unsure(f"mix {stage}: the proof's members")
        lengths = [(name, n) for name in _ROW_LISTS]
        for name, length in [*lengths, ("t_reencryption", w), ("s_reencryption", w)]:
            if not isinstance(proof[name], list) or len(proof[name]) != length:
                raise Unsure(f"mix {stage}: proof.{name}")
        raw = bytes.fromhex
        values = [
            raw(ct[part])
            for rows in (inputs, outputs)
            for row in rows
            for ct in row
            for part in ("alpha", "beta")
        ]
        t4 = [raw(ct[part]) for ct in proof["t_reencryption"] for part in ("alpha", "beta")]
        commitments = [raw(h) for h in proof["chain"]]
        commitments += [raw(proof[name]) for name in ("t_sum", "t_product", "t_weighted")]
        commitments += t4 + [raw(h) for h in proof["t_chain"]]
        responses = [raw(proof[name]) for name in ("s_sum", "s_product", "s_weighted")]
        for name in ("s_reencryption", "s_chain", "s_permuted"):
            responses += [raw(h) for h in proof[name]]
        context = mix_context(self.fp, region, stage)
        check = prepare_encoded(
            context,
            [k.to_bytes() for k in keys],
            n,
            values,
            [raw(h) for h in proof["permutation"]],
            commitments,
            responses,
        )
        del values, t4, commitments, responses  # hashed: not held while the ranges run
        closing = ProofClosing(
            point(proof["t_sum"], "t_sum"),
            point(proof["t_product"], "t_product"),
            point(proof["t_weighted"], "t_weighted"),
            tuple(Ciphertext.from_json(c, field="t_reencryption") for c in proof["t_reencryption"]),
            scalar(proof["s_sum"], "s_sum"),
            scalar(proof["s_product"], "s_product"),
            scalar(proof["s_weighted"], "s_weighted"),
            tuple(scalar(s, "s_reencryption") for s in proof["s_reencryption"]),
            point(proof["chain"][-1], "chain"),
        )
        index = len(self.totals)
        self.totals.append(rest_sum(check, context, keys, closing))
        if stage == "selected":
            self._sum_of_mix[index] = region
        for start in range(0, n, ROWS_PER_TASK):
            end = start + ROWS_PER_TASK
            yield MixRange(
                index,
                check,
                context,
                start,
                inputs[start:end],
                outputs[start:end],
                {name: proof[name][start:end] for name in _ROW_LISTS},
                None if start == 0 else proof["chain"][start - 1],
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
    ballots: Sequence[Event],
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
