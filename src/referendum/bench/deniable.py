"""Deniable against visible revoting: the tally's and the verifier's cost per ballot (issue 17
part 5, docs/performance.md "Deniable revoting").

For ``ballots`` ballots of ``voters`` voters in one region (one yes/no/blank question):

- **visible**: the tally is the homomorphic sum of the last ballot of each credential; the
  verifier checks each ballot (signature and proofs, in the C batch when it is built, as
  ``referendum verify`` does) and sums;
- **deniable**: the tallying authority's steps (dummies to the cover, the first mix, pseudonyms
  and counters, the filter, the second mix, the list's mix, eligibility pseudonyms) and the
  homomorphic sum; the verifier checks each ballot (its ``credential_proof`` and its selection
  proofs, in batches of 64) and every step (``protocol.deniable.verify_region``).

The ballot checks are timed on a sample of ``sample`` real ballots of each kind and counted
per ballot; the steps run on all the rows, built directly (an encrypted credential and
counter per ballot, random choices: the steps' cost does not depend on what the ballots say)
in ``workers`` processes, by chunks whose randomness is their own (the same ballots whatever
the workers), and kept as their encodings (320 bytes a ballot; for the tally in a
:class:`~referendum.protocol.deniable.PackedBallots`, as the tallying authority keeps them,
and the verifier's side reads them as events made one at a time).
Figures are CPU milliseconds per ballot (of this process and of its workers), beside the wall
seconds of each side and the peak resident memory.  The tallying authority proves each row's
and group's proofs in ``workers`` processes (``referendum tallying tally --workers``), and the
verifier's steps are checked as ``referendum verify --workers`` checks them
(:mod:`referendum.protocol.deniable_tasks`), here for 1.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from referendum.crypto.ballot import QuestionShape
from referendum.crypto.ballot_batch import AVAILABLE, BallotBatch
from referendum.crypto.deniable import encrypt_credential
from referendum.crypto.elgamal import Ciphertext, encrypt, public_key_table
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.protocol.deniable import (
    ROWS_PER_PART,
    PackedBallots,
    check_ballots,
)
from referendum.protocol.electorate import MemoryLists
from referendum.protocol.state import ElectionState, manifest_fingerprint
from referendum.record import messages as m
from referendum.record.event import Event
from referendum.record.manifest import manifest_from_mapping

__all__ = ["DeniableCosts", "deniable_costs", "projection"]

_REGION = "r"


@dataclass(frozen=True)
class DeniableCosts:
    """Milliseconds of CPU per ballot, side by side."""

    ballots: int
    voters: int
    dummies: int
    visible_tally_ms: float
    visible_verify_ms: float
    deniable_tally_ms: float
    deniable_verify_ms: float
    deniable_ballot_check_ms: float
    deniable_steps_verify_ms: float
    workers: int = 1
    tally_wall_s: float = 0.0
    steps_verify_wall_s: float = 0.0
    peak_mb: float = 0.0
    workers_peak_mb: float = 0.0
    setup_wall_s: float = 0.0
    setup_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in vars(self).items()}


def _cpu() -> float:
    """CPU seconds of this process and of its waited-for children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_mb(who: int) -> float:
    """Peak resident memory so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def _state(
    rng: DeterministicRandom, voters: list[bytes], tallying: Point, election: Point
) -> ElectionState:
    """The referendum's state: ``voters`` (their credentials' encodings) listed, ``election``
    its key."""
    payload = manifest_from_mapping(
        {
            "id": "bench-deniable",
            "title": "Bench",
            "questions": [{"id": "q1", "text": "Approve?", "answers": ["yes", "no", "blank"]}],
            "regions": [{"id": _REGION, "name": "R"}],
            "window": [{"opens": "2026-05-04T08:00:00Z", "closes": "2026-05-04T20:00:00Z"}],
            "trustees": {"names": ["A"], "threshold": 1},
            "credential_authority": base_mul(Scalar.random(rng)).hex(),
            "board_key": base_mul(Scalar.random(rng)).hex(),
            "revoting": "deniable",
            "tallying_authority": tallying.hex(),
        }
    ).to_payload()
    state = ElectionState(
        manifest=manifest_from_mapping(payload),
        manifest_payload=payload,
        fingerprint=manifest_fingerprint(payload),
        election_key={"public_key": election.hex()},
    )
    lists = MemoryLists()
    lists.publish(_REGION, sorted(c.hex() for c in voters))
    state.lists = lists
    return state


def _sample_checks(state: ElectionState, secrets: list[Scalar], sample: int) -> tuple[float, float]:
    """Per-ballot CPU milliseconds of checking ``sample`` real visible ballots (C batch when
    built) and ``sample`` real deniable ballots (``check_ballots``)."""
    from referendum.crypto.ballot import BallotContext, encrypt_ballot, tracking_code
    from referendum.crypto.credentials import sign, verify_signature
    from referendum.crypto.deniable import prove_credential
    from referendum.protocol import deniable
    from referendum.record.canonical import canonical_json
    from referendum.record.event import Event

    rng = DeterministicRandom(b"bench-deniable-sample")
    assert state.manifest.tallying_authority is not None
    authority = Point.from_hex(state.manifest.tallying_authority)
    shape = (QuestionShape(3, 1, 1),)
    ctx = BallotContext(state.fingerprint, state.public_key, shape)
    visible: list[tuple[str, dict[str, Any], dict[str, str], bytes]] = []
    events: list[Event] = []
    for i in range(sample):
        x = secrets[i % len(secrets)]
        c = base_mul(x)
        ballot, _ = encrypt_ballot(ctx, [[1, 0, 0]], rng, binding=c.to_bytes())
        message = canonical_json(ballot.to_json())
        visible.append((c.hex(), ballot.to_json(), sign(x, c, message, rng).to_json(), message))
        r = Scalar.random(rng)
        v = encrypt_credential(authority, c, r)
        dballot, _ = encrypt_ballot(ctx, [[0, 1, 0]], rng, binding=v.to_bytes())
        canonical = canonical_json(dballot.to_json())
        proof = prove_credential(
            authority,
            v,
            x,
            r,
            deniable.credential_context(state.fingerprint, _REGION, canonical),
            rng,
        )
        payload = {
            "region": _REGION,
            "ballot": dballot.to_json(),
            "voter": v.to_json(),
            "counter": Ciphertext.zero().to_json(),
            "credential_proof": proof.to_json(),
            "tracking_code": tracking_code(canonical),
        }
        events.append(Event(i, "", m.BALLOT_DENIABLE, "", payload, ""))
    start = time.process_time()
    if AVAILABLE:
        batch = BallotBatch(ctx)
        for credential, ballot_json, signature, message in visible:
            batch.add(credential, ballot_json, signature, message)
        assert batch.check()
    else:
        from referendum.crypto.ballot import EncryptedBallot, verify_ballot
        from referendum.crypto.credentials import Signature

        for credential, ballot_json, signature, message in visible:
            point = Point.from_hex(credential)
            verify_signature(point, message, Signature.from_json(signature))
            verify_ballot(ctx, EncryptedBallot.from_json(ballot_json), binding=point.to_bytes())
    visible_ms = (time.process_time() - start) * 1000 / sample
    start = time.process_time()
    check_ballots(state, authority, events)
    deniable_ms = (time.process_time() - start) * 1000 / sample
    return visible_ms, deniable_ms


_CHUNK: Final = 2048
"""Ballots made per task of the set-up (each about 10 fixed-base multiplications)."""


def _credential_secret(seed: int, voter: int) -> Scalar:
    """Voter ``voter``'s credential secret, derived alone (so any worker can make it)."""
    return Scalar.random(DeterministicRandom(b"bench-deniable %d credential %d" % (seed, voter)))


@dataclass(frozen=True, slots=True)
class _Chunk:
    """Ballots ``start .. end - 1`` to make: their randomness is the chunk's own (``seed``
    and ``start``), so the ballots are the same however many workers make them."""

    seed: int
    start: int
    end: int
    voters: int
    counted_from: int
    authority: bytes
    election: bytes
    shared: bytes


@dataclass(frozen=True, slots=True)
class _Made:
    """A chunk's ballots (each the 32-byte encodings of its points: ``voter``, ``counter``,
    the choices, 320 bytes), the credentials of the voters whose first ballot it holds (in
    order), and the visible tally's share: the sum of its counted ballots' choices and the
    CPU seconds of that sum alone."""

    rows: list[bytes]
    firsts: list[bytes]
    sums: tuple[Ciphertext, ...]
    sum_cpu: float


def _make_chunk(chunk: _Chunk) -> _Made:
    """Make a chunk's ballots.  Ballot ``i`` is voter ``i mod voters``'s ``(i div voters)``-th
    (one in fifty revotes once, by default); those from ``counted_from`` on are the last of
    their voter's, which the visible tally sums (here, where they are still points)."""
    from referendum.services.deniable import counter_offset

    rng = DeterministicRandom(b"bench-deniable %d ballots %d" % (chunk.seed, chunk.start))
    authority = Point.from_bytes(chunk.authority)
    shared = Point.from_bytes(chunk.shared)
    key_table = public_key_table(Point.from_bytes(chunk.election))
    t_table = public_key_table(authority)
    rows: list[bytes] = []
    firsts: list[bytes] = []
    sums: tuple[Ciphertext, ...] = (Ciphertext.zero(),) * 3
    sum_cpu = 0.0
    for i in range(chunk.start, chunk.end):
        owner, k = i % chunk.voters, i // chunk.voters
        c = base_mul(_credential_secret(chunk.seed, owner))
        if k == 0:
            firsts.append(c.to_bytes())
        value = counter_offset(shared, c.hex()) + k
        nonce = Scalar.random(rng)
        counter = Ciphertext(base_mul(nonce), base_mul(Scalar.from_int(value)) + t_table.mul(nonce))
        choice = i % 3
        choices = [
            encrypt(key_table, 1 if o == choice else 0, Scalar.random(rng)) for o in range(3)
        ]
        voter = encrypt_credential(authority, c, Scalar.random(rng))
        rows.append(b"".join(ct.to_bytes() for ct in (voter, counter, *choices)))
        if i >= chunk.counted_from:
            began = time.process_time()
            sums = tuple(t + c for t, c in zip(sums, choices, strict=True))
            sum_cpu += time.process_time() - began
    return _Made(rows, firsts, sums, sum_cpu)


def _generate(
    seed: int,
    ballots: int,
    voters: int,
    authority: Point,
    election: Point,
    shared: Point,
    workers: int,
) -> tuple[list[bytes], list[bytes], float]:
    """The ballots' encodings (:func:`_make_chunk`) made in ``workers`` processes, every
    voter's credential, and the CPU seconds of the visible tally (the sum of the counted
    ballots, made in the chunks and added here)."""
    from referendum.verify.partition import open_runner

    keys = (authority.to_bytes(), election.to_bytes(), shared.to_bytes())
    chunks = (
        _Chunk(seed, a, min(a + _CHUNK, ballots), voters, max(0, ballots - voters), *keys)
        for a in range(0, ballots, _CHUNK)
    )
    encoded: list[bytes] = []
    credentials: list[bytes] = []
    total: tuple[Ciphertext, ...] = (Ciphertext.zero(),) * 3
    sum_cpu = 0.0
    runner = open_runner(workers=workers)
    try:
        for made in runner.map(_make_chunk, chunks):
            encoded += made.rows
            credentials += made.firsts
            began = time.process_time()
            total = tuple(t + c for t, c in zip(total, made.sums, strict=True))
            sum_cpu += made.sum_cpu + time.process_time() - began
    finally:
        runner.close()
    return encoded, credentials, sum_cpu


def _cell(raw: bytes, k: int) -> dict[str, str]:
    return Ciphertext.json_of_bytes(raw[64 * k : 64 * k + 64])


def _events(encoded: Iterable[bytes]) -> Iterator[Event]:
    """Each ballot (its encodings, ballot ``i`` at height ``i``) as a ``ballot.deniable``
    event (its ciphertexts as JSON, no proofs), made as it is read (no point decoded)."""
    for i, raw in enumerate(encoded):
        payload = {
            "region": _REGION,
            "voter": _cell(raw, 0),
            "counter": _cell(raw, 1),
            "ballot": {"questions": [{"selections": [_cell(raw, k) for k in range(2, 5)]}]},
            "tracking_code": str(i),
        }
        yield Event(i, "", m.BALLOT_DENIABLE, "", payload, "")


def deniable_costs(
    ballots: int,
    *,
    voters: int | None = None,
    sample: int = 256,
    seed: int = 17,
    workers: int = 1,
    rows_per_part: int = ROWS_PER_PART,
) -> DeniableCosts:
    """The figures for ``ballots`` ballots of ``voters`` voters (default: one in fifty
    revotes once, as in docs/spec/coercion.md section 7), the steps verified in ``workers``
    processes.  As the tallying authority does, the steps are spooled to disk in parts of
    ``rows_per_part`` rows and checked from there, part by part."""
    from referendum.services.deniable import region_steps

    voters = voters or max(1, ballots - ballots // 50)
    rng = DeterministicRandom(b"bench-deniable %d" % seed)
    secret = Scalar.random(rng)
    authority = base_mul(secret)
    board = Scalar.random(rng)
    shared = authority * board
    began, wall = _cpu(), time.perf_counter()
    election = Scalar.random(rng)
    encoded, credentials, visible_sum = _generate(
        seed, ballots, voters, authority, base_mul(election), shared, workers
    )
    state = _state(rng, credentials, authority, base_mul(election))
    del credentials
    parsed = PackedBallots(_REGION)  # as the tallying authority keeps them
    for event in _events(encoded):
        parsed.add(event)
    setup_wall, setup_ms = time.perf_counter() - wall, (_cpu() - began) * 1000 / ballots

    # visible: the homomorphic sum of the counted ballots (made with them, in the chunks)
    visible_sum_ms = visible_sum * 1000 / ballots

    # deniable: the tallying authority's steps, then the sum of the rows that count
    start, wall = _cpu(), time.perf_counter()
    from referendum.services.deniable import MAX_STEP_BYTES
    from referendum.services.step_spool import StepSpool
    from referendum.verify.partition import open_runner

    with StepSpool(max_bytes=MAX_STEP_BYTES, rows=rows_per_part) as spool:
        runner = open_runner(workers=workers)
        try:
            pool = runner.map if workers > 1 else map
            for event_type, payload in region_steps(
                state, _REGION, parsed, secret, shared, rng, pool
            ):
                spool.add(event_type, payload)
                del payload
        finally:
            runner.close()  # waits for the workers: their CPU time is counted
        tally_ms = (_cpu() - start) * 1000 / ballots
        tally_wall = time.perf_counter() - wall
        start, wall = _cpu(), time.perf_counter()
        dummies = _verify_in_tasks(state, encoded, spool.drafts(check=False), workers)
        steps_ms = (_cpu() - start) * 1000 / ballots
        verify_wall = time.perf_counter() - wall
    secrets = [_credential_secret(seed, j) for j in range(min(sample, ballots, voters))]
    visible_check, deniable_check = _sample_checks(state, secrets, min(sample, ballots))
    return DeniableCosts(
        ballots=ballots,
        voters=voters,
        dummies=dummies,
        visible_tally_ms=visible_sum_ms,
        visible_verify_ms=visible_check + visible_sum_ms,
        deniable_tally_ms=tally_ms,
        deniable_verify_ms=deniable_check + steps_ms,
        deniable_ballot_check_ms=deniable_check,
        deniable_steps_verify_ms=steps_ms,
        workers=workers,
        tally_wall_s=tally_wall,
        steps_verify_wall_s=verify_wall,
        peak_mb=_peak_mb(resource.RUSAGE_SELF),
        workers_peak_mb=_peak_mb(resource.RUSAGE_CHILDREN),
        setup_wall_s=setup_wall,
        setup_ms=setup_ms,
    )


def _verify_in_tasks(
    state: ElectionState, encoded: list[bytes], parts: Iterable[Event], workers: int
) -> int:
    """The steps (read part by part from ``parts``) checked in ``workers`` processes as
    ``referendum verify --workers`` checks them (the ballots' own proofs are the sample's:
    these rows carry none), the ballots handed over as events one at a time; the dummies."""
    from referendum.protocol.deniable_tasks import check_in_tasks, run_task
    from referendum.verify.partition import open_runner

    runner = open_runner(workers=workers)
    try:
        figures = check_in_tasks(
            state,
            _events(encoded),
            parts,
            lambda tasks: runner.map(run_task, tasks),
            check_ballots=False,
        )
    finally:
        runner.close()  # waits for the workers: their CPU time is counted
    return figures[_REGION].dummies


def projection(done: list[dict[str, Any]], ballots: int) -> dict[str, float]:
    """The wall seconds (tally, steps' verification, and the sampled ballot checks' CPU
    spread over the workers) and the peak memory of ``ballots`` ballots, projected from the
    figures of sizes already run: time linear in the ballots from the largest, memory as the
    line through the two largest (from the largest alone, proportional, with one)."""
    last = max(done, key=lambda f: f["ballots"])
    scale = ballots / last["ballots"]
    check_s = last["deniable_ballot_check_ms"] * last["ballots"] / 1000 / last["workers"]
    wall = (last["tally_wall_s"] + last["steps_verify_wall_s"] + check_s) * scale
    sizes = sorted(done, key=lambda f: f["ballots"])[-2:]
    if len(sizes) == 2 and sizes[1]["ballots"] > sizes[0]["ballots"]:
        a, b = sizes
        slope = (b["peak_mb"] - a["peak_mb"]) / (b["ballots"] - a["ballots"])
        peak = b["peak_mb"] + slope * (ballots - b["ballots"])
    else:
        peak = last["peak_mb"] * scale
    return {"ballots": ballots, "wall_s": round(wall, 1), "peak_mb": round(peak, 1)}
