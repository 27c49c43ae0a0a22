"""``referendum monitor URL``: an observer following a board as it runs.

The monitor asks the board's public API for the events after the last one it has
(``GET /api/events?after=H``: record lines), appends them to its own copy of the record and
checks them with the verifier's own machinery (:class:`~referendum.verify.record_verifier.
RecordFollower`: every hash and link, the order of the phases, every ballot's signature and
proofs, revotes, refusals, and once published the tally, decryption and results).  So at any
moment it knows the verdict on the record so far, and the running count of ballots in each
region, without downloading the record again.  A failure is final: the board served an
event that does not verify, and the monitor stops reading.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from referendum.errors import RecordError
from referendum.observe.client import Fetch, fetch, url_of
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
            with self.events_path.open("ab") as handle:
                handle.write(body)
            self._sha256.update(body)
            self.follower.advance()
            self._report = None
            new += lines
            if lines < self.page:
                break
        return new

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
            "report": self.report().to_json(),
        }
