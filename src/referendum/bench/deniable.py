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
counter per ballot, random choices: the steps' cost does not depend on what the ballots say).
Figures are CPU milliseconds per ballot (of this process and of its workers), beside the wall
seconds of each side and the peak resident memory.  The tallying authority proves each row's
and group's proofs in ``workers`` processes (``referendum tallying tally --workers``), and the
verifier's steps are checked as ``referendum verify --workers`` checks them
(:mod:`referendum.protocol.deniable_tasks`), here for 1.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from referendum.crypto.ballot import QuestionShape
from referendum.crypto.ballot_batch import AVAILABLE, BallotBatch
from referendum.crypto.deniable import encrypt_credential
from referendum.crypto.elgamal import Ciphertext, encrypt, public_key_table
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.protocol.deniable import (
    ROWS_PER_PART,
    DeniableBallot,
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


def _state(rng: DeterministicRandom, voters: list[Point], tallying: Point) -> ElectionState:
    from referendum.services.deniable import TallyingKey  # noqa: F401  (the key's type)

    trustee = Scalar.random(rng)
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
        election_key={"public_key": base_mul(trustee).hex()},
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
    from referendum.services.deniable import counter_offset, region_steps

    voters = voters or max(1, ballots - ballots // 50)
    rng = DeterministicRandom(b"bench-deniable %d" % seed)
    secret = Scalar.random(rng)
    authority = base_mul(secret)
    board = Scalar.random(rng)
    shared = authority * board
    credential_secrets = [Scalar.random(rng) for _ in range(voters)]
    credentials = [base_mul(x) for x in credential_secrets]
    state = _state(rng, credentials, authority)
    key_table = public_key_table(state.public_key)
    t_table = public_key_table(authority)
    parsed: list[DeniableBallot] = []
    seen: dict[int, int] = {}
    for i in range(ballots):
        owner = i % voters
        k = seen.get(owner, 0)
        seen[owner] = k + 1
        c = credentials[owner]
        value = counter_offset(shared, c.hex()) + k
        nonce = Scalar.random(rng)
        counter = Ciphertext(base_mul(nonce), base_mul(Scalar.from_int(value)) + t_table.mul(nonce))
        choice = i % 3
        choices = tuple(
            encrypt(key_table, 1 if o == choice else 0, Scalar.random(rng)) for o in range(3)
        )
        voter = encrypt_credential(authority, c, Scalar.random(rng))
        parsed.append(DeniableBallot(i, _REGION, voter, counter, choices, ""))

    # visible: the homomorphic sum of the counted ballots
    start = _cpu()
    total = [Ciphertext.zero()] * 3
    for b in parsed[ballots - voters :] if ballots > voters else parsed:
        total = [t + c for t, c in zip(total, b.choices, strict=True)]
    visible_sum_ms = (_cpu() - start) * 1000 / ballots

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
        dummies = _verify_in_tasks(state, parsed, spool.drafts(check=False), workers)
        steps_ms = (_cpu() - start) * 1000 / ballots
        verify_wall = time.perf_counter() - wall
    visible_check, deniable_check = _sample_checks(state, credential_secrets, min(sample, ballots))
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
    )


def _verify_in_tasks(
    state: ElectionState, parsed: list[DeniableBallot], parts: Iterable[Event], workers: int
) -> int:
    """The steps (read part by part from ``parts``) checked in ``workers`` processes as
    ``referendum verify --workers`` checks them (the ballots' own proofs are the sample's:
    these rows carry none); the dummies."""
    from referendum.protocol.deniable_tasks import check_in_tasks, run_task
    from referendum.verify.partition import open_runner

    ballots = [
        Event(
            b.height,
            "",
            m.BALLOT_DENIABLE,
            "",
            {
                "region": b.region,
                "voter": b.voter.to_json(),
                "counter": b.counter.to_json(),
                "ballot": {"questions": [{"selections": [c.to_json() for c in b.choices]}]},
                "tracking_code": str(b.height),
            },
            "",
        )
        for b in parsed
    ]
    runner = open_runner(workers=workers)
    try:
        figures = check_in_tasks(
            state, ballots, parts, lambda tasks: runner.map(run_task, tasks), check_ballots=False
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
