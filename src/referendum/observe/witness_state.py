"""What a witness keeps on disk: the last checkpoint it cosigned of each log, and the
evidence of the split views it refused.

``DIR/state.json`` is ``{"format": "referendum-witness-state/1", "logs": {FINGERPRINT:
{"board_key", "size", "root", "time", "note"}}}``: for each referendum (its fingerprint, 64
hex digits) the board key, the tree size, root (hex) and time of the last checkpoint the
witness cosigned, and that note with the board's signature and the witness's cosignature.
It is replaced whole, crash-safely: the new file is written beside it, flushed to the disk
(``fsync``), renamed over it, and the directory flushed, all **before** the new cosignature
is served or returned.  So whenever the witness is killed, the state on disk names a
checkpoint at least as large as any cosignature that left it, and the witness never
cosigns a checkpoint that does not extend it.

A state file that does not read back exactly (not JSON, a member missing or malformed, a
note whose board signature or size or root does not match) is refused with an error naming
the file and the member: a witness that lost its state must not start afresh silently (it
could then cosign a view inconsistent with what it cosigned before).

Evidence goes to ``DIR/evidence/``, one JSON statement per split view
(:mod:`referendum.verify.split_view`), written the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from referendum.crypto.group import Point
from referendum.errors import EncodingError, InputError, ProofError
from referendum.protocol.checkpoints import parse_note, verify_checkpoint
from referendum.record.canonical import canonical_json

__all__ = [
    "EVIDENCE_DIR",
    "STATE_FILE",
    "STATE_FORMAT",
    "LogState",
    "WitnessState",
    "write_durably",
]

STATE_FORMAT: Final = "referendum-witness-state/1"
STATE_FILE: Final = "state.json"
EVIDENCE_DIR: Final = "evidence"
_MAX_STATE: Final = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class LogState:
    """The last checkpoint a witness cosigned of one referendum's log."""

    fingerprint: str
    board_key: str
    size: int
    root: bytes
    time: str
    note: str
    """The cosigned note: the board's signature line and the witness's cosignature line."""

    def to_json(self) -> dict[str, Any]:
        return {
            "board_key": self.board_key,
            "size": self.size,
            "root": self.root.hex(),
            "time": self.time,
            "note": self.note,
        }


def write_durably(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old file or the new one,
    whole: write ``path.new``, fsync it, rename it over ``path``, fsync the directory."""
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class WitnessState:
    """The witness's directory: its state (read at once, refused when corrupt) and its
    evidence."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        (directory / EVIDENCE_DIR).mkdir(exist_ok=True)
        self.path = directory / STATE_FILE
        self.logs: dict[str, LogState] = _read(self.path) if self.path.exists() else {}

    def record(self, log: LogState) -> None:
        """Make ``log`` the last cosigned checkpoint of its referendum, durably (returns
        only once it is on the disk)."""
        logs = {**self.logs, log.fingerprint: log}
        body = {
            "format": STATE_FORMAT,
            "logs": {fp: entry.to_json() for fp, entry in sorted(logs.items())},
        }
        write_durably(self.path, canonical_json(body) + b"\n")
        self.logs = logs

    def keep_evidence(self, statement: dict[str, Any]) -> Path:
        """Keep a split-view statement (once: its name is its digest); its path."""
        data = json.dumps(statement, indent=2, sort_keys=True).encode() + b"\n"
        path = self.directory / EVIDENCE_DIR / (hashlib.sha256(data).hexdigest()[:32] + ".json")
        if not path.exists():
            write_durably(path, data)
        return path

    def evidence(self) -> list[tuple[Path, dict[str, Any]]]:
        """The statements kept, oldest first."""
        out = []
        folder = self.directory / EVIDENCE_DIR
        for path in sorted(folder.glob("*.json"), key=lambda p: (p.stat().st_mtime_ns, p.name)):
            try:
                out.append((path, json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError) as exc:
                raise InputError(str(path), f"unreadable evidence: {exc}") from None
        return out


def _read(path: Path) -> dict[str, LogState]:
    where = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_STATE + 1)
    except OSError as exc:
        raise InputError(where, f"cannot read the witness state: {exc.strerror}") from None
    if len(raw) > _MAX_STATE:
        raise InputError(where, "the witness state is larger than 16 MiB: corrupt")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InputError(
            where,
            f"the witness state is corrupt (not JSON: {exc}); restore it from a backup "
            "(a witness that lost its state must not cosign afresh)",
        ) from None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise InputError(f"{where}: format", f"not a {STATE_FORMAT} file")
    logs = data.get("logs")
    if not isinstance(logs, dict) or set(data) != {"format", "logs"}:
        raise InputError(f"{where}: logs", "expected the object of logs and nothing else")
    return {fp: _log(fp, entry, f"{where}: logs.{fp[:16]}") for fp, entry in logs.items()}


def _log(fingerprint: str, entry: object, where: str) -> LogState:
    keys = {"board_key", "size", "root", "time", "note"}
    if not isinstance(entry, dict) or set(entry) != keys:
        raise InputError(where, f"expected exactly the members {sorted(keys)}")
    try:
        fp = bytes.fromhex(fingerprint)
        key = Point.from_hex(str(entry["board_key"]))
        root = bytes.fromhex(str(entry["root"]))
        note = parse_note(str(entry["note"]), field=f"{where}.note")
        checkpoint = verify_checkpoint(note, fingerprint=fp, board_key=key)
    except (ValueError, EncodingError) as exc:
        raise InputError(where, f"corrupt: {exc}") from None
    except ProofError as exc:
        raise InputError(f"{where}.note", f"corrupt: {exc}") from None
    if len(fp) != 32 or fp.hex() != fingerprint:
        raise InputError(where, "the fingerprint is not 64 lower-case hex digits")
    size = entry["size"]
    if (checkpoint.size, checkpoint.root, checkpoint.time) != (size, root, entry["time"]):
        raise InputError(where, "corrupt: size, root or time differ from the cosigned note's")
    return LogState(fingerprint, key.hex(), checkpoint.size, root, checkpoint.time, note.text())
