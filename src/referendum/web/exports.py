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

A build (``web/builds.py``) exports the board's events up to the head it starts at, streamed
to a file on disk (``write_record`` holds one event at a time), then archives the files or
verifies them.  When the server knows the board's URL (``referendum serve``) and the board
holds more than ``limits.export_in_thread`` events, the build runs in a process of its own,
so that the server's threads keep the interpreter: pages stay as fast while it runs.  The
archive served last stays on disk, and the one before it until the next build lands (a
download that began on it still reads it); older ones are removed.
"""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from referendum.errors import ReferendumError
from referendum.web.builds import Apart, Kind, Made, build_here, export_count
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
]

_log = logging.getLogger("referendum.web")

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
class Built(Made):
    """A kind's value (:class:`~referendum.web.builds.Made`) and when its build began."""

    started: float = 0.0
    """By the monotonic clock: a value is rebuilt at most every export_interval."""


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
    failed_at: float | None = None
    last_seconds: float | None = None
    """How long the last successful build took (the estimate of the next)."""
    builds: int = 0
    folders: list[Path] = field(default_factory=list)
    apart: Apart | None = None
    """The build's process, when it runs in one."""


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
            for job in self._jobs.values():
                if job.apart is not None:
                    job.apart.stop()
        self.settle(timeout)
        with self._changed:
            for job in self._jobs.values():
                job.current = job.failed_at = None
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
        if job.current is None and job.failed_at is not None and now - job.failed_at < interval:
            return  # a failed build is tried again after the interval
        head = self.ctx.board.head()
        if job.current is not None:
            head_hash = None if head is None else head.hash
            if job.current.head == head_hash or now - job.current.started < interval:
                return
        total = 0 if head is None else head.height + 1  # the build reads it again
        job.stage, job.written, job.total, job.started = "exporting", 0, total, now
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
            if not self._closing:
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
        count = job.total = export_count(self.ctx)
        url = self.ctx.board_url
        if url is None or url == "memory:" or count <= self.ctx.limits.export_in_thread:
            made = build_here(
                self.ctx.board, folder, job.kind, count, workers=self.ctx.workers,
                progress=lambda n: self._written(job, n),
                finishing=lambda: setattr(job, "stage", _finishing(job.kind)),
            )  # fmt: skip
            return Built(made.value, made.head, made.events, job.started)
        apart = Apart(url, folder, job.kind, count, self.ctx.workers)
        with self._changed:
            if self._closing:
                raise ExportCancelled("the server is stopping")
            job.apart = apart
            apart.start()
        try:
            made = apart.result()
        finally:
            with self._changed:
                job.written, job.apart = apart.written, None
        return Built(made.value, made.head, made.events, job.started)

    def _written(self, job: _Job, n: int) -> None:
        job.written = n
        if n % _CANCEL_EVERY == 0 and self._closing:
            raise ExportCancelled("the server is stopping")

    def _install(self, job: _Job, built: Built, folder: Path) -> None:
        """Serve ``built``; keep the archive served until now, remove the one before it."""
        job.last_seconds = max(0.0, self.ctx.monotonic() - job.started)
        job.stage, job.failed_at = "waiting", None
        job.current = built
        if job.kind == "verify":  # the report is all there is: the export is gone
            shutil.rmtree(folder, ignore_errors=True)
            return
        job.folders.append(folder)
        while len(job.folders) > 2:
            shutil.rmtree(job.folders.pop(0), ignore_errors=True)

    def _progress(self, job: _Job) -> Progress:
        now = self.ctx.monotonic()
        elapsed = max(0.0, now - job.started) if job.thread else 0.0
        stage, written = job.stage, job.written
        if job.apart is not None:
            written = job.apart.written
            stage = _finishing(job.kind) if job.apart.finishing else "exporting"
        if job.thread is None and job.failed_at is not None:  # tried again after the interval
            left = job.failed_at + self.ctx.limits.export_interval - now
        elif job.last_seconds is not None:  # about as long as the last build
            left = job.last_seconds - elapsed
        elif written and elapsed > 0:  # the export's rest at its pace (a lower bound)
            left = (job.total - written) * elapsed / written
        else:
            left = 1.0
        retry = int(min(max(1, math.ceil(left)), _MAX_RETRY))
        return Progress(job.kind, stage, written, job.total, elapsed, retry)


def _finishing(kind: Kind) -> Stage:
    return "verifying" if kind == "verify" else "archiving"
