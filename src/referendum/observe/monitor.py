"""``referendum monitor URL``: an observer following a board as it runs.

The monitor asks the board's public API for the events after the last one it has
(``GET /api/events?after=H``: record lines), appends them to its own copy of the record and
checks them with the verifier's own machinery (:class:`~referendum.verify.record_verifier.
RecordFollower`: every hash and link, the order of the phases, every ballot's signature and
proofs, revotes, refusals, and once published the tally, decryption and results).  So at any
moment it knows the verdict on the record so far, and the running count of ballots in each
region, without downloading the record again.  A failure is final: the board served an
event that does not verify, and the monitor stops reading.

It also checks each checkpoint the board publishes (``GET /api/log/checkpoints?after=SIZE``,
docs/spec/log.md section 4) against the events it has: the board's signature under the
manifest's key, sizes increasing and times not decreasing, and the root of the Merkle tree of
that many events, recomputed here.  A checkpoint larger than the events seen waits for them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from referendum.crypto.group import Point
from referendum.errors import InputError, ProofError, RecordError
from referendum.observe.client import Fetch, fetch, url_of
from referendum.protocol.checkpoints import Checkpoint, parse_note, verify_checkpoint
from referendum.protocol.merkle import MemoryTree, event_leaf
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Head
from referendum.record.io import EVENTS_FILE, RECORD_FILE, RecordInfo
from referendum.verify.record_verifier import RecordFollower
from referendum.verify.report import Report

__all__ = ["PAGE", "Monitor", "RegionCount"]

PAGE: Final = 2000
"""Events asked for in one request (the board's largest page)."""

_ACCEPTED = b'"type":"' + m.BALLOT_ACCEPTED.encode() + b'"'


@dataclass
class RegionCount:
    """A region's ballots so far: ``accepted`` (every accepted ballot) and ``counting``
    (the last ballot of each credential: accepted minus those a later one replaced)."""

    accepted: int = 0
    counting: int = 0

    def to_json(self) -> dict[str, int]:
        return {"accepted": self.accepted, "counting": self.counting}


@dataclass
class Monitor:
    """Follows the board at ``url``, keeping its copy of the record in ``directory``."""

    url: str
    directory: Path
    get: Fetch = fetch
    page: int = PAGE
    regions: dict[str, RegionCount] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tree = MemoryTree()
        self.checkpoints: list[Checkpoint] = []
        """The checkpoints checked against the events, ascending."""
        self.log_error: str | None = None
        """Why a checkpoint the board signed is not of the events it served (final)."""
        self._pending: list[str] = []
        self.directory.mkdir(parents=True, exist_ok=True)
        self.events_path = self.directory / EVENTS_FILE
        self.events_path.write_bytes(b"")  # a fresh copy: every event is checked here
        self.follower = RecordFollower(str(self.events_path))
        self._sha256 = hashlib.sha256()
        self._report: Report | None = None

    @property
    def events(self) -> int:
        """The events checked so far."""
        return self.follower.events

    @property
    def head(self) -> Head | None:
        link = self.follower.head
        return None if link is None else Head(link.height, link.hash)

    def poll(self) -> int:
        """Fetch and check every event the board has after those already checked; the
        number of new events.  :class:`RecordError` when the board cannot be read (nothing
        is judged then); a served event that fails its checks ends the following (see
        :meth:`report`)."""
        new = 0
        while self.follower.report.sound:
            url = url_of(self.url, "/api/events", after=self.events - 1, limit=self.page)
            status, body = self.get(url)
            if status != 200:
                raise RecordError(f"{url}: HTTP {status}")
            if not body:
                break
            lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
            self._count(body)
            self._leaves(body)
            with self.events_path.open("ab") as handle:
                handle.write(body)
            self._sha256.update(body)
            self.follower.advance()
            self._report = None
            new += lines
            if lines < self.page:
                break
        if self.follower.report.sound and self.log_error is None:
            self._check_checkpoints()
        return new

    def _leaves(self, body: bytes) -> None:
        """The tree's leaves of the served lines (a canonical line begins with its hash; a
        line that does not is refused by the follower, and the tree stops there)."""
        leaves = []
        for line in body.splitlines():
            if not (line.startswith(b'{"hash":"') and line[73:74] == b'"'):
                break
            try:
                leaves.append(event_leaf(line[9:73].decode("ascii")))
            except ValueError:
                break
        self.tree.extend(leaves)

    def _check_checkpoints(self) -> None:
        genesis = self.follower.genesis
        if genesis is None:
            return
        while not self._pending:
            after = self.checkpoints[-1].size if self.checkpoints else -1
            url = url_of(self.url, "/api/log/checkpoints", after=after)
            status, body = self.get(url)
            if status == 404:
                return  # a board without a log
            if status != 200:
                raise RecordError(f"{url}: HTTP {status}")
            try:
                data = json.loads(body)
                notes, more = data["checkpoints"], data["more"]
            except (ValueError, KeyError, TypeError):
                raise RecordError(f"{url}: not a list of checkpoints") from None
            if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
                raise RecordError(f"{url}: not a list of checkpoints")
            self._pending = notes
            if not notes or not more:
                break
        key = Point.from_hex(genesis.manifest.board_key)
        while self._pending:
            text = self._pending[0]
            try:
                checkpoint = verify_checkpoint(
                    parse_note(text), fingerprint=genesis.fingerprint, board_key=key
                )
            except (InputError, ProofError) as exc:
                self.log_error = f"a checkpoint the board published: {exc}"
                return
            if checkpoint.size > self.tree.size:
                return  # checked once the monitor has that many events
            self._pending.pop(0)
            problem = None
            if self.checkpoints and checkpoint.size <= self.checkpoints[-1].size:
                problem = (
                    f"its size is not above the last checkpoint's ({self.checkpoints[-1].size})"
                )
            elif self.checkpoints and checkpoint.time < self.checkpoints[-1].time:
                problem = f"its time {checkpoint.time} is before the last checkpoint's"
            elif checkpoint.root != self.tree.root_at(checkpoint.size):
                problem = "its root is not the root of the tree of the board's events"
            if problem is not None:
                self.log_error = f"checkpoint of size {checkpoint.size}: {problem}"
                return
            self.checkpoints.append(checkpoint)

    def report(self) -> Report:
        """The verifier's report on the events so far (a failure names the event)."""
        if self._report is None:
            self._report = self.follower.conclude()
        return self._report

    def _count(self, body: bytes) -> None:
        for line in body.splitlines():
            if _ACCEPTED not in line:
                continue
            try:
                payload = json.loads(line)["payload"]
                region, replaces = str(payload["region"]), payload["replaces"]
            except (ValueError, KeyError, TypeError):
                continue  # the follower names what is wrong with it
            count = self.regions.setdefault(region, RegionCount())
            count.accepted += 1
            if replaces is None:
                count.counting += 1

    def write_record_json(self) -> Path:
        """Make the copy a record directory (``record.json`` beside ``events.jsonl``) that
        ``referendum verify`` reads; its path."""
        info = RecordInfo(self.events, self.head, self._sha256.hexdigest())
        path = self.directory / RECORD_FILE
        path.write_bytes(canonical_json(info.to_json()) + b"\n")
        return path

    def to_json(self) -> dict[str, Any]:
        """What the monitor knows: the board, the events, the head, the regions' counts and
        the verifier's report so far."""
        head = self.head
        return {
            "board": self.url,
            "events": self.events,
            "head": None if head is None else {"height": head.height, "hash": head.hash},
            "regions": {r: c.to_json() for r, c in sorted(self.regions.items())},
            "checkpoints": len(self.checkpoints),
            "log_error": self.log_error,
            "report": self.report().to_json(),
        }
