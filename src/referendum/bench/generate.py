"""A valid election record of any size, generated quickly and in parallel (for benchmarks).

The referendum's setup (manifest, key ceremony, credential lists, opening) goes through the
services on a memory board, as a real one would.  The ballots are built in worker processes
with the voter's pure functions (credential derivation, encryption with proofs, signature),
each worker writing the canonical payloads of its slice of voters to a file and returning the
public credentials and per-region sums of its ballots.  The record is then written in one
stream: setup events, every ballot event (hashes chained here), closing, tally, the shares of
two of the three trustees and the results, all computed with the protocol's pure functions.
One voter in ``revote_every`` votes twice (the second ballot replaces the first).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referendum.board.memory import MemoryBoard
from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock, format_timestamp
from referendum.crypto.ballot import BallotContext, encrypt_ballot, tracking_code
from referendum.crypto.credentials import derive_credential, generate_private_credential, sign
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point
from referendum.crypto.random import DeterministicRandom
from referendum.errors import UsageError
from referendum.protocol.ballots import ballot_signing_message
from referendum.protocol.state import state_from_events
from referendum.protocol.tally import RegionTally, compute_results, tally_payload
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import GENESIS_PARENT, Event, Head, event_hash_encoded, make_event
from referendum.record.io import EVENTS_FILE, RECORD_FILE, RecordInfo
from referendum.record.manifest import Manifest, manifest_from_mapping
from referendum.services.credentials import AuthorityKey, credential_list_payload
from referendum.services.keys import (
    TrusteeSecrets,
    decryption_payload,
    publish_election_key,
    trustee_check,
    trustee_deal,
    trustee_setup,
)
from referendum.services.receipts import BoardKey
from referendum.services.state import load_state
from referendum.services.voting import create, open_voting, publish_credentials
from referendum.verify.ballots import RegionSums

__all__ = [
    "OPENS",
    "Ceremony",
    "GeneratedRecord",
    "VoterSlice",
    "bench_manifest",
    "ceremony",
    "generate_record",
    "make_ballots",
]

OPENS = dt.datetime(2026, 5, 4, 6, 0, tzinfo=dt.UTC)
_ANSWERS = ("yes", "no", "blank")


@dataclass(frozen=True)
class GeneratedRecord:
    """Where the record is and what it holds."""

    directory: Path
    voters: int
    ballots: int
    events: int
    bytes: int


def bench_manifest(regions: int, authority: str, board_key: str) -> Manifest:
    """One yes/no/blank question, ``regions`` regions, five voting days, 2 of 3 trustees."""
    days = [OPENS + dt.timedelta(days=d) for d in range(5)]
    return manifest_from_mapping(
        {
            "id": "bench",
            "title": "Benchmark referendum",
            "questions": [{"id": "q1", "text": "Approve?", "answers": list(_ANSWERS)}],
            "regions": [{"id": f"r{i:02d}", "name": f"Region {i}"} for i in range(regions)],
            "window": [
                {
                    "opens": format_timestamp(d),
                    "closes": format_timestamp(d + dt.timedelta(hours=14)),
                }
                for d in days
            ],
            "trustees": {"names": ["A", "B", "C"], "threshold": 2},
            "credential_authority": authority,
            "board_key": board_key,
            "rule": {},
        }
    )


@dataclass
class Ceremony:
    """A referendum created on a board with its key ceremony done (no credentials yet)."""

    manifest: Manifest
    authority: AuthorityKey
    board_key: BoardKey
    secrets: list[TrusteeSecrets]
    clock: SteppingClock
    rng: DeterministicRandom


def ceremony(board: BulletinBoard, *, regions: int, seed: int) -> Ceremony:
    """Create the benchmark referendum on ``board`` and run its key ceremony."""
    rng = DeterministicRandom(b"bench-setup-%d" % seed)
    authority = AuthorityKey.generate(rng)
    board_key = BoardKey.generate(DeterministicRandom(b"bench-board-%d" % seed))
    manifest = bench_manifest(regions, authority.public.hex(), board_key.public.hex())
    clock = SteppingClock(OPENS - dt.timedelta(days=2), dt.timedelta(seconds=1))
    create(board, manifest, clock)
    secrets = [trustee_setup(board, i, rng, clock) for i in (1, 2, 3)]
    secrets = [trustee_deal(board, s, rng, clock) for s in secrets]
    secrets = [trustee_check(board, s, rng, clock) for s in secrets]
    publish_election_key(board, clock)
    return Ceremony(manifest, authority, board_key, secrets, clock, rng)


@dataclass(frozen=True)
class VoterSlice:
    """Voters ``first..last`` (exclusive) of a referendum, whose ballots go to ``out``."""

    first: int
    last: int  # exclusive
    seed: int
    election_id: str
    fingerprint: bytes
    public_key: bytes
    regions: tuple[str, ...]
    revote_every: int
    out: str


def make_ballots(
    job: VoterSlice,
) -> tuple[dict[str, list[str]], dict[str, tuple[int, list[list[bytes]]]], int]:
    """Build the ballots of voters ``first..last`` into ``job.out`` (one canonical payload per
    line); return the public credentials per region, the per-region sums of the ballots that
    count, and the number of ballots written."""
    ctx = BallotContext(job.fingerprint, Point.from_bytes(job.public_key), (_shape(),))
    rng = DeterministicRandom(b"bench-%d-%d" % (job.seed, job.first))
    chooser = random.Random(job.seed * 1_000_003 + job.first)
    credentials: dict[str, list[str]] = {r: [] for r in job.regions}
    sums: dict[str, RegionSums] = {}
    written = 0
    with open(job.out, "wb") as out:
        for voter in range(job.first, job.last):
            region = job.regions[voter % len(job.regions)]
            private = generate_private_credential(rng)
            secret, public = derive_credential(job.election_id, private)
            credentials[region].append(public.hex())
            votes = 2 if job.revote_every and voter % job.revote_every == 0 else 1
            replaces = None
            for _ in range(votes):
                choice = chooser.choices(range(3), weights=(52, 45, 3))[0]
                selections = [tuple(1 if a == choice else 0 for a in range(3))]
                ballot, _ = encrypt_ballot(ctx, selections, rng, binding=public.to_bytes())
                ballot_json = ballot.to_json()
                message = ballot_signing_message(
                    job.fingerprint, public.hex(), region, ballot_json, replaces
                )
                code = tracking_code(canonical_json(ballot_json))
                payload = {
                    "credential": public.hex(),
                    "region": region,
                    "ballot": ballot_json,
                    "signature": sign(secret, public, message, rng).to_json(),
                    "tracking_code": code,
                    "replaces": replaces,
                }
                out.write(canonical_json(payload) + b"\n")
                written += 1
                replaces = code
                last = [[s.ciphertext for s in q.selections] for q in ballot.questions]
            counted = sums.get(region)
            if counted is None:
                sums[region] = RegionSums(1, last)
            else:
                counted.merge(RegionSums(1, last))
    return credentials, {r: s.to_json() for r, s in sums.items()}, written


def _shape() -> Any:
    from referendum.crypto.ballot import QuestionShape

    return QuestionShape(options=3, min_selections=1, max_selections=1)


def generate_record(
    out: Path,
    *,
    voters: int,
    regions: int = 4,
    workers: int = 2,
    seed: int = 1,
    revote_every: int = 50,
    progress: Callable[[int, int], None] | None = None,
) -> GeneratedRecord:
    """Write a complete, valid record of ``voters`` voters to ``out`` (a new directory)."""
    if voters < 1 or regions < 1:
        raise UsageError("at least one voter and one region")
    board = MemoryBoard()
    done = ceremony(board, regions=regions, seed=seed)
    manifest, authority, secrets, clock, rng = (
        done.manifest,
        done.authority,
        done.secrets,
        done.clock,
        done.rng,
    )
    state = load_state(board)
    region_ids = tuple(r.id for r in manifest.regions)
    out.mkdir(parents=True, exist_ok=False)
    with tempfile.TemporaryDirectory(dir=out) as scratch:
        size = max(1, min(20_000, -(-voters // (workers * 4))))
        jobs = [
            VoterSlice(
                a,
                min(voters, a + size),
                seed,
                manifest.id,
                state.fingerprint,
                state.public_key.to_bytes(),
                region_ids,
                revote_every,
                os.path.join(scratch, f"{a:012d}.jsonl"),
            )
            for a in range(0, voters, size)
        ]
        credentials: dict[str, list[str]] = {r: [] for r in region_ids}
        sums: dict[str, RegionSums] = {}
        ballots = 0
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for creds, part, written in pool.map(make_ballots, jobs):
                for r, listed in creds.items():
                    credentials[r] += listed
                for r, data in part.items():
                    region_sums = RegionSums.from_json(data)
                    if r in sums:
                        sums[r].merge(region_sums)
                    else:
                        sums[r] = region_sums
                ballots += written
                if progress:
                    progress(ballots, voters)
        for r in region_ids:
            payload = credential_list_payload(state.fingerprint, r, credentials[r], authority, rng)
            publish_credentials(board, payload, clock)
        clock.jump(OPENS - dt.timedelta(minutes=5))
        open_voting(board, clock)
        setup = list(board.events())
        ballot_time = format_timestamp(OPENS + dt.timedelta(hours=1))
        tail = _tail(setup, manifest, sums, secrets, rng)
        info = _write(out, setup, [j.out for j in jobs], ballot_time, tail)
    return GeneratedRecord(
        out, voters, ballots, info.event_count, (out / EVENTS_FILE).stat().st_size
    )


def _tail(
    setup: list[Event],
    manifest: Manifest,
    sums: dict[str, RegionSums],
    secrets: list[TrusteeSecrets],
    rng: DeterministicRandom,
) -> list[tuple[str, str, dict[str, Any]]]:
    """Closing, tally, two trustees' shares and the results: ``(type, timestamp, payload)``."""
    closes = manifest.window[-1].closes
    after = dt.datetime.fromisoformat(closes.replace("Z", "+00:00"))
    stamps = [format_timestamp(after + dt.timedelta(minutes=k + 1)) for k in range(5)]
    tallies = {
        r.id: (
            RegionTally(sums[r.id].ballots, sums[r.id].sums)
            if r.id in sums
            else RegionTally(
                0, [[Ciphertext.zero() for _ in q.answers] for q in manifest.ballot_style(r.id)]
            )
        )
        for r in manifest.regions
    }
    events = [*setup]
    tail: list[tuple[str, str, dict[str, Any]]] = []

    def add(event_type: str, stamp: str, payload: dict[str, Any]) -> None:
        tail.append((event_type, stamp, payload))
        events.append(make_event(len(events), events[-1].hash, event_type, stamp, payload))

    add(m.VOTING_CLOSE, stamps[0], {})
    add(m.TALLY, stamps[1], tally_payload(manifest, tallies))
    for k, trustee in enumerate((1, 3)):
        state = state_from_events(events)
        payload = decryption_payload(state, secrets[trustee - 1], rng)
        add(m.DECRYPTION_SHARE, stamps[2 + k], payload)
    add(m.RESULTS, stamps[4], compute_results(state_from_events(events)))
    return tail


def _lines(
    setup: list[Event], files: list[str], ballot_time: str, tail: list[tuple[str, str, Any]]
) -> Iterator[bytes]:
    parent = GENESIS_PARENT
    height = 0
    for event in setup:
        parent = event.hash
        height = event.height + 1
        yield canonical_json(event.to_json()) + b"\n"
    prefix = b',"parent":"'
    for name in files:
        with open(name, "rb") as handle:
            for raw in handle:
                payload = raw[:-1]
                digest = event_hash_encoded(height, parent, m.BALLOT_ACCEPTED, ballot_time, payload)
                yield b"".join(
                    (
                        b'{"hash":"',
                        digest.encode(),
                        b'","height":',
                        str(height).encode(),
                        prefix,
                        parent.encode(),
                        b'","payload":',
                        payload,
                        b',"timestamp":"',
                        ballot_time.encode(),
                        b'","type":"ballot.accepted"}\n',
                    )
                )
                parent, height = digest, height + 1
    for event_type, stamp, payload in tail:
        event = make_event(height, parent, event_type, stamp, payload)
        parent, height = event.hash, height + 1
        yield canonical_json(event.to_json()) + b"\n"


def _write(
    out: Path,
    setup: list[Event],
    files: list[str],
    ballot_time: str,
    tail: list[tuple[str, str, Any]],
) -> RecordInfo:
    digest = hashlib.sha256()
    count = 0
    last = b""
    with open(out / EVENTS_FILE, "wb") as handle:
        for line in _lines(setup, files, ballot_time, tail):
            digest.update(line)
            handle.write(line)
            count += 1
            last = line
    head_hash = last[len(b'{"hash":"') :][:64].decode()  # the first member of the line
    info = RecordInfo(count, Head(count - 1, head_hash), digest.hexdigest())
    (out / RECORD_FILE).write_bytes(canonical_json(info.to_json()) + b"\n")
    return info
