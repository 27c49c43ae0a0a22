"""A board's log for the witness tests: a Merkle tree the test grows, signed checkpoints,
consistency proofs, and a fork (a second view sharing a prefix), served as the board's API
serves them (``/api/referendum``, ``/api/log/checkpoint``, ``/api/log/consistency``) to a
fetch function or over loopback HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from core.helpers import BOARD_KEY, manifest
from referendum.crypto.random import DeterministicRandom
from referendum.protocol.checkpoints import Checkpoint, origin_of, sign_checkpoint
from referendum.protocol.merkle import MemoryTree, consistency_proof, event_leaf, inclusion_proof
from referendum.protocol.receipts import BoardReceipt, sign_receipt
from referendum.protocol.state import manifest_fingerprint
from referendum.record import messages as m
from referendum.record.event import GENESIS_PARENT, Event, format_timestamp, make_event

START = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


@dataclass
class View:
    """One view of the log: its events, their leaves and the tree."""

    events: list[Event] = field(default_factory=list)
    leaves: list[bytes] = field(default_factory=list)
    tree: MemoryTree = field(default_factory=MemoryTree)

    def extend(self, events: list[Event]) -> None:
        self.events.extend(events)
        leaves = [event_leaf(e.hash) for e in events]
        self.leaves.extend(leaves)
        self.tree.extend(leaves)


class FakeLog:
    """The log of a board whose manifest is the core tests' (``witnesses`` as given)."""

    def __init__(self, **manifest_fields: Any) -> None:
        self.payload = manifest(**manifest_fields).to_payload()
        self.fingerprint = manifest_fingerprint(self.payload)
        self.rng = DeterministicRandom(b"fake-log")
        self.view = View()
        self.seconds = 0
        self.counter = 0
        self.lock = threading.Lock()
        """Held while serving a request: hold it to change the log under a running server."""

    def grow(self, count: int) -> None:
        """Append ``count`` accepted ballots (their events: only the hash matters here)."""
        events = self.view.events
        added: list[Event] = []
        for _ in range(count):
            self.counter += 1
            previous = (events + added)[-1] if events or added else None
            added.append(
                make_event(
                    len(events) + len(added),
                    GENESIS_PARENT if previous is None else previous.hash,
                    m.BALLOT_ACCEPTED,
                    format_timestamp(START + dt.timedelta(microseconds=self.counter)),
                    {"tracking_code": hashlib.sha256(b"%d" % self.counter).hexdigest()},
                )
            )
        self.view.extend(added)

    def fork(self, keep: int) -> View:
        """Switch to a view holding the first ``keep`` events, then others; the old view."""
        old = self.view
        self.view = View()
        self.view.extend(old.events[:keep])
        self.counter += 10_000
        return old

    def receipt(self, height: int) -> BoardReceipt:
        """The board's signed receipt of the event at ``height`` of the current view."""
        event = self.view.events[height]
        return sign_receipt(event, self.fingerprint, BOARD_KEY.secret, BOARD_KEY.public, self.rng)

    def note(self, *, size: int | None = None) -> str:
        """The board's signed checkpoint of the current view (of ``size`` leaves)."""
        size = len(self.view.leaves) if size is None else size
        self.seconds += 1
        checkpoint = Checkpoint(
            origin_of(self.fingerprint),
            size,
            self.view.tree.root_at(size),
            format_timestamp(START + dt.timedelta(seconds=self.seconds)),
        )
        return sign_checkpoint(checkpoint, BOARD_KEY.secret, BOARD_KEY.public, self.rng).text()

    def get(self, url: str) -> tuple[int, bytes]:
        """The board's answer to a GET."""
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        tree = self.view.tree
        if parts.path == "/api/referendum":
            body = {"manifest": self.payload, "fingerprint": self.fingerprint.hex()}
            return 200, json.dumps(body).encode()
        if parts.path == "/api/log/checkpoint":
            return 200, self.note().encode()
        if parts.path == "/api/log/checkpoints":
            after = int(query.get("after", "-1"))
            notes = [self.note()] if len(self.view.leaves) > after else []
            return 200, json.dumps({"checkpoints": notes, "more": False}).encode()
        if parts.path == "/api/log/consistency":
            old, new = int(query["from"]), int(query["to"])
            proof = [] if old in (0, new) else consistency_proof(old, new, tree)
            hashes = [h.hex() for h in proof]
            return 200, json.dumps({"from": old, "to": new, "hashes": hashes}).encode()
        if parts.path == "/api/log/inclusion":
            index, size = int(query["index"]), int(query["size"])
            hashes = [h.hex() for h in inclusion_proof(index, size, tree)]
            body = {
                "index": index,
                "size": size,
                "leaf": self.view.leaves[index].hex(),
                "hashes": hashes,
            }
            return 200, json.dumps(body).encode()
        return 404, b"{}"


@contextmanager
def serving(log: FakeLog) -> Iterator[str]:
    """Serve ``log`` on loopback; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with log.lock:
                status, body = log.get(self.path)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
