"""Exports: the record archives (``.tar.gz``, ``.zip``) and the verifier's report, built in
the background.

An export costs the whole board (on a board of 10 million ballots, many minutes), so no
request waits for one.  Each *kind* (``tar``, ``zip``, ``verify``) has one job: a request
that finds the kind's value missing or stale (the board's head has moved and the value is at
least ``limits.export_interval`` seconds old) starts a build in a thread of its own, unless
one runs already: never more than one build of a kind at a time, whatever the number of
requests.  The request then waits at most ``limits.export_wait`` seconds for it (a small
board's export is done by then) and answers with what there is: the newest value (of an
earlier head while a rebuild runs: a record that verifies on its own), or, when there is none
yet, :class:`NotReady` with the build's :class:`Progress` (the routes answer 503 with
``Retry-After``).

A build exports the board's events up to the head it starts at, streamed to a file on disk
(``write_record`` holds one event at a time), then archives the files or verifies them.
The archive served last stays on disk, and the one before it until the next build lands
(a download that began on it still reads it); older ones are removed.
"""

from __future__ import annotations

import logging
import math
import shutil
import tarfile
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from referendum.errors import ReferendumError
from referendum.record.event import Event
from referendum.record.io import read_record, write_record
from referendum.services.checkpoints import stored_notes
from referendum.verify.record_verifier import verify_record
from referendum.web.context import WebContext

__all__ = [
    "KINDS",
    "PREPARING",
    "RETRY_FAILED",
    "Built",
    "ExportCancelled",
    "Exports",
    "Kind",
    "NotReady",
    "Progress",
    "export_record",
]

_log = logging.getLogger("referendum.web")

Kind = Literal["tar", "zip", "verify"]
KINDS: Final[tuple[Kind, ...]] = ("tar", "zip", "verify")
Stage = Literal["waiting", "exporting", "archiving", "verifying", "failed"]

PREPARING: Final = (
    "the record is being prepared in the background: try again after the seconds that "
    "Retry-After says"
)
"""The reason of a 503 while a kind has no value yet (catalogued as ``why.record_preparing``)."""
RETRY_FAILED: Final = (
    "the last preparation of the record failed: it is tried again after the seconds that "
    "Retry-After says"
)
"""The reason of a 503 after a failed build (``why.record_failed``)."""

_CANCEL_EVERY = 1024  # events between two looks at whether the server is stopping
_MAX_RETRY = 600


class ExportCancelled(ReferendumError):
    """The server stopped while a build ran (the build's files are removed)."""


def export_record(
    ctx: WebContext, directory: Path, *, progress: Callable[[int], None] | None = None
) -> Path:
    """Write the board's record, up to its head now, into ``directory/record``; returns that
    path.  The events are streamed to disk (memory stays bounded whatever the board's size);
    ballots cast meanwhile belong to the next export.  ``progress(n)`` is told every event
    written (``n`` so far)."""
    target = directory / "record"
    if ctx.publisher is not None:
        ctx.publisher.publish(ctx.board)  # the record's last checkpoint covers all of it
    head = ctx.board.head()
    count = 0 if head is None else head.height + 1
    events: Iterator[Event] = ctx.board.events(limit=count) if count else iter(())
    if progress is not None:
        events = _counted(events, progress)
    # a checkpoint signed after the head was read names more events than the record holds
    write_record(events, target, checkpoints=stored_notes(ctx.board, at_most=count))
    return target


def _counted(events: Iterator[Event], progress: Callable[[int], None]) -> Iterator[Event]:
    for n, event in enumerate(events, start=1):
        yield event
        progress(n)


@dataclass(frozen=True)
class Progress:
    """How far a kind's build is: its stage, the events written of those to write, and the
    seconds since it began (by the context's monotonic clock)."""

    kind: Kind
    stage: Stage
    events_written: int
    events_total: int
    seconds: float
    retry_after: int
    """An estimate of the seconds until the value is ready (at least 1)."""

    def to_json(self) -> dict[str, Any]:
        """The ``progress`` member of a 503's body."""
        return {
            "kind": self.kind,
            "phase": self.stage,
            "events_written": self.events_written,
            "events_total": self.events_total,
            "seconds": round(self.seconds, 3),
            "retry_after": self.retry_after,
        }

    @property
    def percent(self) -> int:
        """The share of the events written, in whole percent."""
        if self.events_total <= 0:
            return 0
        return min(100, self.events_written * 100 // self.events_total)


@dataclass(frozen=True)
class Built:
    """A kind's value: an archive's path or the verifier's report, of the record up to
    ``head`` (``events`` events)."""

    value: Any
    head: str | None
    events: int
    started: float
    """When its build began (monotonic): a value is rebuilt at most every export_interval."""


@dataclass(frozen=True)
class NotReady:
    """No value of the kind yet: the build's progress, and whether the last one failed."""

    progress: Progress
    failed: bool

    @property
    def reason(self) -> str:
        """The catalogued English reason (:data:`PREPARING` or :data:`RETRY_FAILED`)."""
        return RETRY_FAILED if self.failed else PREPARING

    def body(self) -> dict[str, Any]:
        """The 503's JSON body."""
        return {
            "error": "not_ready",
            "field": "record",
            "reason": self.reason,
            "progress": self.progress.to_json(),
        }


@dataclass
class _Job:
    kind: Kind
    thread: threading.Thread | None = None
    stage: Stage = "waiting"
    written: int = 0
    total: int = 0
    started: float = 0.0
    current: Built | None = None
    previous: Built | None = None
    failed_at: float | None = None
    last_seconds: float | None = None
    """How long the last successful build took (the estimate of the next)."""
    builds: int = 0
    folders: list[Path] = field(default_factory=list)


class Exports:
    """The background jobs of one server (``app.state.exports``); see the module docstring.

    ``get(kind)`` is what a route calls; ``settle(timeout)`` waits until no build runs (for
    tests and for a clean stop), ``close()`` stops the builds and removes every file."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx
        self._jobs = {kind: _Job(kind) for kind in KINDS}
        self._changed = threading.Condition()
        self._closing = False
        self._root: Path | None = None  # made at the first build, removed by close()

    # -- what routes call --------------------------------------------------------------------

    def get(self, kind: Kind, *, wait: float | None = None) -> Built | NotReady:
        """The kind's newest value, starting its build if it is missing or stale, after
        waiting for a running build at most ``wait`` seconds (default
        ``limits.export_wait``)."""
        seconds = self.ctx.limits.export_wait if wait is None else wait
        with self._changed:
            job = self._jobs[kind]
            self._start_if_due(job)
            if seconds > 0 and job.thread is not None:
                self._changed.wait_for(lambda: job.thread is None, timeout=seconds)
            if job.current is not None:
                return job.current
            failed = job.thread is None and job.failed_at is not None
            return NotReady(self._progress(job), failed=failed)

    def building(self, kind: Kind) -> bool:
        """Whether a build of the kind runs now."""
        with self._changed:
            return self._jobs[kind].thread is not None

    def builds(self, kind: Kind) -> int:
        """How many builds of the kind were started."""
        with self._changed:
            return self._jobs[kind].builds

    def progress(self, kind: Kind) -> Progress:
        """The kind's progress now."""
        with self._changed:
            return self._progress(self._jobs[kind])

    def settle(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds until no build runs; whether none does."""
        with self._changed:
            return self._changed.wait_for(
                lambda: all(j.thread is None for j in self._jobs.values()), timeout=timeout
            )

    def open(self) -> None:
        """Build again on demand after :meth:`close` (each start of the app's lifespan)."""
        with self._changed:
            self._closing = False

    def close(self, timeout: float = 5.0) -> None:
        """Stop: running exports stop at their next events; every value is forgotten and
        every file removed (a build still running when ``timeout`` is over is discarded
        when it ends)."""
        with self._changed:
            self._closing = True
        self.settle(timeout)
        with self._changed:
            for job in self._jobs.values():
                job.current = job.previous = job.failed_at = None
                job.folders.clear()
            root, self._root = self._root, None
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)

    # -- the jobs ----------------------------------------------------------------------------

    def _start_if_due(self, job: _Job) -> None:
        if job.thread is not None or self._closing:
            return
        now = self.ctx.monotonic()
        interval = self.ctx.limits.export_interval
        if job.current is None:
            if job.failed_at is not None and now - job.failed_at < interval:
                return  # a failed build is tried again after the interval
        else:
            head = self.ctx.board.head()
            head_hash = None if head is None else head.hash
            if job.current.head == head_hash or now - job.current.started < interval:
                return
        job.stage, job.written, job.total, job.started = "exporting", 0, 0, now
        job.builds += 1
        job.thread = threading.Thread(
            target=self._run, args=(job,), name=f"referendum-export-{job.kind}", daemon=True
        )
        job.thread.start()

    def _run(self, job: _Job) -> None:
        with self._changed:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="referendum-exports-"))
            root = self._root
        folder = Path(tempfile.mkdtemp(prefix=f"{job.kind}-", dir=root))
        try:
            built = self._build(job, folder)
        except Exception as exc:  # logged by class only; the next request tries again later
            _log.warning("export of %s failed: %s", job.kind, type(exc).__name__)
            shutil.rmtree(folder, ignore_errors=True)
            with self._changed:
                job.stage, job.failed_at, job.thread = "failed", self.ctx.monotonic(), None
                self._changed.notify_all()
            return
        with self._changed:
            if self._closing:  # stopped meanwhile: nothing is served from here on
                shutil.rmtree(folder, ignore_errors=True)
                job.stage = "waiting"
            else:
                self._install(job, built, folder)
            job.thread = None
            self._changed.notify_all()

    def _build(self, job: _Job, folder: Path) -> Built:
        head = self.ctx.board.head()
        started = job.started

        def written(n: int) -> None:
            job.written = n
            if n % _CANCEL_EVERY == 0 and self._closing:
                raise ExportCancelled("the server is stopping")

        job.total = 0 if head is None else head.height + 1
        record = export_record(self.ctx, folder, progress=written)
        info = _record_head(record)
        if job.kind == "verify":
            job.stage = "verifying"
            try:
                report = verify_record(record, workers=self.ctx.workers)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            value: Any = {**report.to_json(), "head": info[0]}
        else:
            job.stage = "archiving"
            value = _archive(record, job.kind)
            shutil.rmtree(record)
        return Built(value, info[0], info[1], started)

    def _install(self, job: _Job, built: Built, folder: Path) -> None:
        """Serve ``built``; keep the archive served until now, remove the one before it."""
        job.last_seconds = max(0.0, self.ctx.monotonic() - job.started)
        job.stage, job.failed_at = "waiting", None
        job.previous, job.current = job.current, built
        if job.kind == "verify":
            return
        job.folders.append(folder)
        while len(job.folders) > 2:
            shutil.rmtree(job.folders.pop(0), ignore_errors=True)

    def _progress(self, job: _Job) -> Progress:
        now = self.ctx.monotonic()
        elapsed = max(0.0, now - job.started) if job.thread else 0.0
        if job.thread is None and job.failed_at is not None:  # tried again after the interval
            left = job.failed_at + self.ctx.limits.export_interval - now
        else:
            left = _estimate(job, elapsed)
        retry = int(min(max(1, math.ceil(left)), _MAX_RETRY))
        return Progress(job.kind, job.stage, job.written, job.total, elapsed, retry)


def _estimate(job: _Job, elapsed: float) -> float:
    """Seconds until a running build is likely done: the last build's time less the time
    spent, else the export's remaining time at its pace so far (archiving or verifying come
    on top: a lower bound)."""
    if job.last_seconds is not None:
        return job.last_seconds - elapsed
    if job.written and elapsed > 0:
        return (job.total - job.written) * elapsed / job.written
    return 1.0


def _record_head(record: Path) -> tuple[str | None, int]:
    info = read_record(record).info
    return (None if info.head is None else info.head.hash), info.event_count


def _archive(record: Path, kind: Kind) -> Path:
    """The record's files as ``record.tar.gz`` or ``record.zip`` (a folder ``record/``),
    written beside the record folder from the files on disk."""
    if kind == "tar":
        target = record.parent / "record.tar.gz"
        with tarfile.open(target, mode="w:gz") as tar:
            tar.add(record, arcname="record")
    else:
        target = record.parent / "record.zip"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(record.iterdir()):
                archive.write(path, f"record/{path.name}")
    return target
