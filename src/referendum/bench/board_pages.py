"""Public pages on a board of millions of ballots (issue 13 part 9): the read path.

:func:`build_board` makes, once, an SQLite board of ``ballots`` ballot events: a real
referendum's beginning (manifest, the trustees' key ceremony and election key, through the
services), then everything else **synthesised at the storage level**, documented as such:

* the credential lists of a national electorate (``ballots`` voters at ``turnout``), one per
  region, appended as they are (public credentials are SHA-256 values, not curve points; one
  real credential per region besides);
* ``ballots`` ``ballot.accepted`` events written straight into the tables, in the chain (each
  event's real hash over its parent), with their index keys and the Merkle tree's nodes (the
  board's own :func:`~referendum.board._tree.new_tree_rows`), every ``revote_every``-th a
  revote replacing an earlier ballot of its voter.  Each payload has the exact shape and size
  of a real ballot of the manifest (one was encrypted and signed for the template) with
  random bytes in its ciphertexts, proofs and signature: generating ten million real ballots
  at some 3,000 a second would take an hour, and a read path does not check them;
* voting.close, the tally, two decryption shares and results whose counts are the ballots
  counted in each region, so that ``/`` shows results.

Such a board serves every public page but does not verify (its ballots and lists are not
valid); it measures reads only.  :func:`page_figures` then starts ``referendum serve`` on it
and times the public pages over loopback (one keep-alive client), the server's start-up to
its first 200, and its resident memory after the requests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from referendum.bench.memory import process_cpu
from referendum.board import _tree
from referendum.board._rows import EVENT_COLUMNS
from referendum.board._sql import HEAD_QUERY
from referendum.board.sqlite import SqliteBoard
from referendum.clock import SteppingClock
from referendum.crypto.random import DeterministicRandom
from referendum.protocol.state import credential_key, tracking_key
from referendum.protocol.tally import outcome_of
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import event_hash_encoded, format_timestamp
from referendum.record.manifest import manifest_from_mapping
from referendum.services.credentials import (
    AuthorityKey,
    credential_list_payload,
    issue_credentials,
)
from referendum.services.keys import (
    publish_election_key,
    trustee_check,
    trustee_deal,
    trustee_setup,
)
from referendum.services.receipts import BoardKey
from referendum.services.state import load_state
from referendum.services.voter import prepare_ballot
from referendum.services.voting import create, open_voting

__all__ = [
    "PAGE_SIZE",
    "BoardShape",
    "board_key",
    "build_board",
    "credential_of",
    "memory_kib",
    "page_figures",
    "serve_command",
    "tracking_of",
    "until_up",
]

_OPENS = dt.datetime(2026, 5, 3, 6, 0, tzinfo=dt.UTC)
_HOURS = 14
_BATCH = 20_000
PAGE_SIZE = 8192
"""The synthesised board's SQLite page size.  With the default 4 KiB pages a page holds one
2.3 KB ballot and the file is 40% larger (docs/performance.md)."""
_HEX = re.compile(rb'"([0-9a-f]{64})"')
_CREDENTIAL, _TRACKING, _REPLACES = "c" * 64, "d" * 64, "e" * 64

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


class BoardShape:
    """Who cast which ballot on a synthesised board (everything derives from the seed)."""

    def __init__(
        self,
        ballots: int,
        *,
        regions: int = 24,
        turnout: float = 0.8,
        revote_every: int = 100,
        seed: int = 13,
        electorate: int | None = None,
    ) -> None:
        if ballots < 1 or regions < 1 or not 0 < turnout <= 1 or revote_every < 3:
            raise ValueError("ballots, regions >= 1; 0 < turnout <= 1; revote_every >= 3")
        self.ballots, self.regions, self.turnout = ballots, regions, turnout
        self.revote_every, self.seed = revote_every, seed
        b = revote_every
        self.voters = (ballots // b) * (b - 1) + min(ballots % b, b - 1)
        wanted = math.ceil(self.voters / turnout) if electorate is None else electorate
        self.electorate = max(self.voters, wanted)
        self.custom = electorate is not None

    def region_ids(self) -> list[str]:
        return [f"r{k + 1:02d}" for k in range(self.regions)]

    def is_revote(self, ballot: int) -> bool:
        return ballot % self.revote_every == self.revote_every - 1

    def replaced(self, ballot: int) -> int:
        """The ballot a revote replaces: the one in the middle of its block of ballots."""
        return ballot - (self.revote_every - 1) + self.revote_every // 2

    def voter_of(self, ballot: int) -> int:
        if self.is_revote(ballot):
            ballot = self.replaced(ballot)
        b = self.revote_every
        return (ballot // b) * (b - 1) + ballot % b

    def region_of_voter(self, voter: int) -> str:
        return f"r{voter % self.regions + 1:02d}"


def credential_of(shape: BoardShape, voter: int) -> str:
    """The synthetic public credential of a voter."""
    return hashlib.sha256(b"cred/%d/%d" % (shape.seed, voter)).hexdigest()


def tracking_of(shape: BoardShape, ballot: int) -> str:
    """The synthetic tracking code of a ballot."""
    return hashlib.sha256(b"track/%d/%d" % (shape.seed, ballot)).hexdigest()


def board_key(seed: int) -> BoardKey:
    """The board key of the synthesised referendum (the server signs its checkpoints)."""
    return BoardKey.generate(DeterministicRandom(b"board-pages/%d/board" % seed))


def _manifest(shape: BoardShape, authority: AuthorityKey, key: BoardKey) -> Any:
    closes = _OPENS + dt.timedelta(hours=_HOURS)
    return manifest_from_mapping(
        {
            "id": f"national-{shape.ballots}",
            "title": "National referendum",
            "questions": [
                {"id": "q1", "text": "Do you approve the law?", "answers": ["yes", "no"]}
            ],
            "regions": [{"id": r, "name": f"Region {r[1:]}"} for r in shape.region_ids()],
            "window": [
                {"opens": format_timestamp(_OPENS), "closes": format_timestamp(closes)},
            ],
            "trustees": {"names": ["A", "B", "C"], "threshold": 2},
            "credential_authority": authority.public.hex(),
            "board_key": key.public.hex(),
            "rule": {"turnout_quorum": "1/2"},
        }
    )


def _prefix(path: Path, shape: BoardShape, progress: Progress) -> tuple[bytes, str]:
    """The real beginning, the synthetic lists, voting.open; the template of a ballot's
    payload (canonical JSON with sentinels) and the open event's timestamp."""
    rng = DeterministicRandom(b"board-pages/%d" % shape.seed)
    authority = AuthorityKey.generate(rng)
    clock = SteppingClock(_OPENS - dt.timedelta(days=2), dt.timedelta(seconds=3))
    manifest = _manifest(shape, authority, board_key(shape.seed))
    with sqlite3.connect(path) as fresh:  # before the board's schema: 3 ballots a page
        fresh.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        fresh.execute("VACUUM")
    board = SqliteBoard(path, synchronous="normal")
    try:
        state = create(board, manifest, clock)
        secrets = [trustee_setup(board, i, rng, clock) for i in (1, 2, 3)]
        secrets = [trustee_deal(board, s, rng, clock) for s in secrets]
        for s in secrets:
            trustee_check(board, s, rng, clock)
        publish_election_key(board, clock)
        lists: dict[str, list[str]] = {r: [] for r in shape.region_ids()}
        for voter in range(shape.electorate):
            lists[shape.region_of_voter(voter)].append(credential_of(shape, voter))
        real = {}
        for region, publics in lists.items():
            progress(f"credential list of {region}: {len(publics):,} voters")
            issued = issue_credentials(manifest.id, region, 1, rng)[0]
            real[region] = issued
            payload = credential_list_payload(
                state.fingerprint, region, [*publics, issued.public], authority, rng
            )
            head = board.head()
            assert head is not None
            board.append(
                m.CREDENTIALS,
                payload,
                expected_head=head.hash,
                timestamp=format_timestamp(clock()),
            )
        lists.clear()
        clock.jump(_OPENS - dt.timedelta(minutes=5))
        progress("opening voting (the state of the whole electorate replayed once)")
        open_voting(board, clock)
        state = load_state(board)
        first = shape.region_ids()[0]
        ballot = prepare_ballot(state, real[first].private, {"q1": ["yes"]}, rng).submission
        opened = board.head()
        assert opened is not None
        stamp = board.get(opened.height).timestamp
    finally:
        board.close()
    template = {
        "ballot": ballot["ballot"],
        "credential": _CREDENTIAL,
        "region": "REGION",
        "replaces": _REPLACES,
        "signature": ballot["signature"],
        "tracking_code": _TRACKING,
    }
    return canonical_json(template), stamp


def _payloads(shape: BoardShape, template: bytes) -> Callable[[int], bytes]:
    """The canonical JSON payload of ballot ``i`` (the template's slots filled)."""
    pieces = _HEX.split(template)  # text, hex, text, hex, ... text
    texts = pieces[0::2]
    slots = [p.decode() for p in pieces[1::2]]
    region_at = [i for i, t in enumerate(texts) if b'"REGION"' in t]
    randoms = sum(1 for s in slots if s not in (_CREDENTIAL, _TRACKING, _REPLACES))
    chooser = random.Random(shape.seed)

    def payload(i: int) -> bytes:
        noise = chooser.randbytes(32 * randoms).hex()
        voter = shape.voter_of(i)
        out = [texts[0]]
        k = 0
        for slot, text in zip(slots, texts[1:], strict=True):
            if slot == _CREDENTIAL:
                value = f'"{credential_of(shape, voter)}"'
            elif slot == _TRACKING:
                value = f'"{tracking_of(shape, i)}"'
            elif slot == _REPLACES:
                value = (
                    f'"{tracking_of(shape, shape.replaced(i))}"' if shape.is_revote(i) else "null"
                )
            else:
                value = f'"{noise[64 * k : 64 * k + 64]}"'
                k += 1
            out.append(value.encode())
            out.append(text)
        for index in region_at:  # texts are shared: replace in this ballot's copy only
            position = 2 * index
            out[position] = out[position].replace(
                b'"REGION"', f'"{shape.region_of_voter(voter)}"'.encode()
            )
        return b"".join(out)

    return payload


def _ballots(
    path: Path, shape: BoardShape, template: bytes, opened: str, progress: Progress
) -> None:
    """Write the ballots straight into the tables, ``_BATCH`` per transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    fetch: _tree.Fetch = lambda query, params: conn.execute(query, params).fetchall()  # noqa: E731
    payload = _payloads(shape, template)
    start = dt.datetime.strptime(opened, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    step = dt.timedelta(hours=_HOURS - 1) / shape.ballots
    try:
        head = conn.execute(HEAD_QUERY).fetchone()
        height, parent = head[0] + 1, head[1]
        for first in range(0, shape.ballots, _BATCH):
            rows, keys, hashes = [], [], []
            for i in range(first, min(first + _BATCH, shape.ballots)):
                encoded = payload(i)
                stamp = format_timestamp(start + step * (i + 1))
                digest = event_hash_encoded(height, parent, m.BALLOT_ACCEPTED, stamp, encoded)
                rows.append((height, parent, m.BALLOT_ACCEPTED, stamp, encoded.decode(), digest))
                voter = shape.voter_of(i)
                keys.append((credential_key(credential_of(shape, voter)), height))
                keys.append((tracking_key(tracking_of(shape, i)), height))
                hashes.append(digest)
                height, parent = height + 1, digest
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows
            )
            conn.executemany("INSERT INTO event_keys (key, height) VALUES (?, ?)", keys)
            size = rows[0][0]
            conn.executemany(
                "INSERT INTO log_nodes (node, hash) VALUES (?, ?)",
                _tree.new_tree_rows(fetch, size, hashes),
            )
            conn.execute("COMMIT")
            if first // _BATCH % 25 == 0:
                progress(f"ballots: {first + len(rows):,} of {shape.ballots:,}")
    finally:
        conn.close()


def _closing(path: Path, shape: BoardShape, progress: Progress) -> None:
    """voting.close, a tally, two shares and results counting each region's last ballots."""
    progress("closing: tally and results (synthetic)")
    board = SqliteBoard(path, synchronous="normal")
    try:
        manifest = load_state(board).manifest
        counted = {r: 0 for r in shape.region_ids()}
        for voter in range(shape.voters):
            counted[shape.region_of_voter(voter)] += 1
        listed = {r: 1 for r in shape.region_ids()}  # each region's real credential
        for voter in range(shape.electorate):
            listed[shape.region_of_voter(voter)] += 1
        chooser = random.Random(shape.seed)
        regions: dict[str, Any] = {}
        for region, n in counted.items():
            yes = round(n * chooser.uniform(0.45, 0.7))
            regions[region] = {
                "ballots": n,
                "electorate": listed[region],
                "questions": {"q1": {"yes": yes, "no": n - yes}},
            }
        results = {
            "trustees": [1, 2],
            "regions": regions,
            "outcome": outcome_of(manifest, regions).to_mapping(),
        }
        moment = _OPENS + dt.timedelta(hours=_HOURS, minutes=1)
        closing: list[tuple[str, dict[str, Any]]] = [
            (m.VOTING_CLOSE, {}),
            (m.TALLY, {"regions": {r: {"ballots": n} for r, n in counted.items()}}),
            (m.DECRYPTION_SHARE, {"trustee": 1}),
            (m.DECRYPTION_SHARE, {"trustee": 2}),
            (m.RESULTS, results),
        ]
        for k, (kind, body) in enumerate(closing):
            head = board.head()
            assert head is not None
            stamp = format_timestamp(moment + dt.timedelta(minutes=k))
            board.append(kind, body, expected_head=head.hash, timestamp=stamp)
    finally:
        board.close()


def build_board(
    folder: Path, shape: BoardShape, *, progress: Progress = _quiet
) -> tuple[Path, dict[str, Any]]:
    """The board of ``shape`` under ``folder`` (built unless a finished one is there, whose
    figures are read back): its path and the build's figures."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"board-{shape.ballots}-s{shape.seed}" + (f"-e{shape.electorate}" * shape.custom)
    path, done = folder / f"{name}.sqlite", folder / f"{name}.json"
    if done.exists() and path.exists():
        return path, dict(json.loads(done.read_text(encoding="utf-8")))
    for stale in folder.glob(f"{name}.sqlite*"):
        stale.unlink()
    started, cpu = time.perf_counter(), time.process_time()
    template, opened = _prefix(path, shape, progress)
    _ballots(path, shape, template, opened, progress)
    _closing(path, shape, progress)
    figures = {
        "ballots": shape.ballots,
        "voters": shape.voters,
        "electorate": shape.electorate + shape.regions,
        "regions": shape.regions,
        "revote_every": shape.revote_every,
        "ballot_payload_bytes": len(template),
        "build_seconds": round(time.perf_counter() - started, 1),
        "build_cpu_seconds": round(time.process_time() - cpu, 1),
        "database_gib": round(_size(path) / 2**30, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    done.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return path, figures


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(f"{path.name}*"))


def memory_kib(pid: int) -> dict[str, int]:
    """The resident memory of a process and its peak (``/proc/PID/status``), KiB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            found[key] = int(value.split()[0])
    return found


def _quantiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1e3, 3),
        "p99_ms": round(ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)] * 1e3, 3),
        "max_ms": round(ordered[-1] * 1e3, 3),
    }


def _paths(shape: BoardShape, requests: int, first_ballot: int) -> dict[str, Iterator[str]]:
    """The requests of each kind: random ballots' codes, deep pages at random heights."""
    chooser = random.Random(shape.seed + 1)

    def codes() -> Iterator[str]:
        while True:
            yield tracking_of(shape, chooser.randrange(shape.ballots))

    def deep() -> Iterator[int]:
        while True:
            yield first_ballot + chooser.randrange(shape.ballots)

    tracked, tracked_page, heights, api_heights, event_heights = (
        codes(),
        codes(),
        deep(),
        deep(),
        deep(),
    )
    repeat = ["/", "/?lang=uk", "/ballots", "/rejections", "/api/referendum", "/api/results"]
    kinds: dict[str, Iterator[str]] = {p: iter([p] * requests) for p in repeat}
    kinds["/ballots?after=H (deep page)"] = (
        f"/ballots?after={next(heights)}" for _ in range(requests)
    )
    kinds["/api/ballots?after=H (deep page)"] = (
        f"/api/ballots?after={next(api_heights)}" for _ in range(requests)
    )
    kinds["/api/events?after=H&limit=100 (record lines)"] = (
        f"/api/events?after={next(event_heights)}&limit=100" for _ in range(requests)
    )
    kinds["/api/ballots/CODE (tracking)"] = (
        f"/api/ballots/{next(tracked)}" for _ in range(requests)
    )
    kinds["/track?code=CODE"] = (f"/track?code={next(tracked_page)}" for _ in range(requests))
    return kinds


def serve_command(path: Path, shape: BoardShape, port: int) -> list[str]:
    """``referendum serve`` on the synthesised board at ``path`` (its board key written
    beside it, no accounts)."""
    key_file = path.with_suffix(".board-key.json")
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(board_key(shape.seed).to_json(), handle)
    return [
        sys.executable, "-m", "referendum.cli", "serve", "--db", f"sqlite:///{path}",
        "--port", str(port), "--tokens", str(path.with_suffix(".no-tokens.json")),
        "--board-key", str(key_file),
    ]  # fmt: skip


def until_up(client: Any, server: subprocess.Popen[bytes]) -> None:
    """Return once the server answers ``/`` with 200 (``RuntimeError`` if it exits first)."""
    import httpx

    while True:
        if server.poll() is not None:
            raise RuntimeError("the server exited before answering")
        try:
            if client.get("/").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.02)


def page_figures(
    path: Path, shape: BoardShape, *, port: int, requests: int = 200, timeout: float = 600
) -> dict[str, Any]:
    """Start ``referendum serve`` on the board at ``path``; time its start-up to the first 200
    of ``/``, then ``requests`` requests of each public page, and read its memory."""
    import httpx

    command = serve_command(path, shape, port)
    figures: dict[str, Any] = {"load_average_before": [round(x, 2) for x in os.getloadavg()]}
    started = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=timeout) as client:
            until_up(client, server)
            figures["startup_to_first_200_s"] = round(time.perf_counter() - started, 3)
            figures["startup_cpu_s"] = round(process_cpu(server.pid), 3)
            figures["memory_after_startup_kib"] = memory_kib(server.pid)
            first_ballot = int(client.get("/api/ballots").json()["ballots"][0]["height"])
            timings: dict[str, Any] = {}
            for kind, paths in _paths(shape, requests, first_ballot).items():
                samples = []
                cpu = process_cpu(server.pid)
                for request in paths:
                    begun = time.perf_counter()
                    answer = client.get(request)
                    samples.append(time.perf_counter() - begun)
                    if answer.status_code != 200:
                        raise RuntimeError(f"{request}: HTTP {answer.status_code}")
                timings[kind] = {
                    **_quantiles(samples),
                    "server_cpu_ms": round((process_cpu(server.pid) - cpu) / len(samples) * 1e3, 3),
                }
            figures["pages"] = timings
            figures["requests_per_kind"] = requests
            figures["memory_after_requests_kib"] = memory_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return figures
