"""Builds: one export of the board's record to disk, and what is made of it (a ``.tar.gz``
or ``.zip`` archive, or the verifier's report), in the calling thread or in a process of its
own (:class:`Apart`, which opens the board again by its URL: the server's threads keep the
interpreter to themselves, so pages stay fast while a long export runs).

The events are streamed from the board to ``events.jsonl`` (``write_record`` holds one event
at a time) up to the head read when the build began; the archive is written from the files on
disk, and the record's folder removed once archived or verified.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, Final, Literal

from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.errors import ReferendumError
from referendum.record.event import Event
from referendum.record.io import read_record, write_record
from referendum.services.checkpoints import stored_notes
from referendum.verify.record_verifier import verify_record
from referendum.web.context import WebContext

__all__ = [
    "ARCHIVE_NAMES",
    "Apart",
    "BuildFailed",
    "Kind",
    "Made",
    "build_here",
    "export_count",
    "export_record",
    "write_board_record",
]

Kind = Literal["tar", "zip", "verify"]
ARCHIVE_NAMES: Final[dict[str, str]] = {"tar": "record.tar.gz", "zip": "record.zip"}
_RESULT = "built.json"
_TELL_EVERY = 256  # events between two updates of a build's progress in another process


class BuildFailed(ReferendumError):
    """A build in a process of its own did not finish (its exit code said)."""


@dataclass(frozen=True)
class Made:
    """What a build made: an archive's path or the report's JSON, of the record up to
    ``head`` (``events`` events)."""

    value: Any
    head: str | None
    events: int


def export_count(ctx: WebContext) -> int:
    """The number of events an export begun now holds (the head's height and one), after
    publishing the checkpoint of the log as it is (the record's last checkpoint covers it)."""
    if ctx.publisher is not None:
        ctx.publisher.publish(ctx.board)
    head = ctx.board.head()
    return 0 if head is None else head.height + 1


def write_board_record(
    board: BulletinBoard,
    directory: Path,
    count: int,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the board's first ``count`` events, and the checkpoints of at most that many,
    as the record ``directory/record``; ``progress(n)`` is told after each event written."""
    events: Iterator[Event] = board.events(limit=count) if count else iter(())
    if progress is not None:
        events = _counted(events, progress)
    target = directory / "record"
    # a checkpoint signed after the head was read names more events than the record holds
    write_record(events, target, checkpoints=stored_notes(board, at_most=count))
    return target


def export_record(
    ctx: WebContext, directory: Path, *, progress: Callable[[int], None] | None = None
) -> Path:
    """Write the board's record, up to its head now, into ``directory/record``; returns that
    path (ballots cast meanwhile belong to the next export)."""
    return write_board_record(ctx.board, directory, export_count(ctx), progress)


def _counted(events: Iterator[Event], progress: Callable[[int], None]) -> Iterator[Event]:
    for n, event in enumerate(events, start=1):
        yield event
        progress(n)


def build_here(
    board: BulletinBoard,
    folder: Path,
    kind: Kind,
    count: int,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    finishing: Callable[[], None] | None = None,
) -> Made:
    """Export the board's first ``count`` events under ``folder`` and make the kind's value
    of them (``finishing()`` is told when the export is written)."""
    record = write_board_record(board, folder, count, progress)
    info = read_record(record).info
    head = None if info.head is None else info.head.hash
    if finishing is not None:
        finishing()
    try:
        if kind == "verify":
            report = verify_record(record, workers=workers)
            return Made({**report.to_json(), "head": head}, head, info.event_count)
        return Made(_archive(record, kind), head, info.event_count)
    finally:
        shutil.rmtree(record, ignore_errors=True)


def _archive(record: Path, kind: Kind) -> Path:
    """The record's files as ``record.tar.gz`` or ``record.zip`` (a folder ``record/``),
    written beside the record's folder from the files on disk."""
    target = record.parent / ARCHIVE_NAMES[kind]
    if kind == "tar":
        with tarfile.open(target, mode="w:gz") as tar:
            tar.add(record, arcname="record")
    else:
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(record.iterdir()):
                archive.write(path, f"record/{path.name}")
    return target


def _build_apart(
    url: str,
    folder: str,
    kind: Kind,
    count: int,
    workers: int,
    written: Synchronized[int],
    stage: Synchronized[int],
) -> None:
    """The process of :class:`Apart`: the build, its result in ``folder/built.json``."""
    board = open_board(url)

    def progress(n: int) -> None:
        if n % _TELL_EVERY == 0:
            written.value = n

    def finishing() -> None:
        written.value = count
        stage.value = 1

    try:
        made = build_here(
            board, Path(folder), kind, count, workers=workers,
            progress=progress, finishing=finishing,
        )  # fmt: skip
    finally:
        board.close()
    value = made.value if kind == "verify" else str(made.value)
    result = {"value": value, "head": made.head, "events": made.events}
    (Path(folder) / _RESULT).write_text(json.dumps(result), encoding="utf-8")


class Apart:
    """:func:`build_here` in a process of its own (started afresh: ``spawn``), over the board
    at ``url``; its progress read from memory it shares."""

    def __init__(self, url: str, folder: Path, kind: Kind, count: int, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.folder, self.kind = folder, kind
        self._written = context.Value("q", 0, lock=False)
        self._stage = context.Value("i", 0, lock=False)
        self._process = context.Process(
            target=_build_apart,
            args=(url, str(folder), kind, count, workers, self._written, self._stage),
            name=f"referendum-export-{kind}",
        )

    @property
    def written(self) -> int:
        """Events written so far (told every few hundred)."""
        return int(self._written.value)

    @property
    def finishing(self) -> bool:
        """Whether the export is written and the archive or report is being made."""
        return bool(self._stage.value)

    def start(self) -> None:
        self._process.start()

    def stop(self) -> None:
        """End the process (the server is stopping)."""
        if self._process.is_alive():
            self._process.terminate()

    def result(self) -> Made:
        """Wait for the process; what it made (:class:`BuildFailed` if it did not finish)."""
        self._process.join()
        if self._process.exitcode != 0:
            raise BuildFailed(f"the export's process ended with code {self._process.exitcode}")
        data = json.loads((self.folder / _RESULT).read_text(encoding="utf-8"))
        value = data["value"] if self.kind == "verify" else Path(data["value"])
        return Made(value, data["head"], int(data["events"]))
