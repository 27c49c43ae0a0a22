"""Ballot manifests: where each paper ballot is, and the audit boards' pull sheet.

A ballot manifest is a CSV file with one row per batch (a box, an envelope, a polling
station's ballots) and at least the columns ``batch`` (a unique name) and ``ballots`` (how
many paper ballots it holds); an optional ``region`` column says which region the batch
belongs to.  Ballots are numbered 1..N through the batches in file order, so ballot number
``k`` is at position ``k - (ballots in earlier batches)`` of its batch.

>>> m = parse_manifest("batch,ballots\\nA,3\\nB,2\\n")
>>> locate(m, 4)
Location(ballot=4, batch='B', position=1, region=None)
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import accumulate

import jinja2

from referendum.errors import AuditInputError

__all__ = [
    "BallotManifest",
    "Batch",
    "Location",
    "PullRow",
    "locate",
    "parse_manifest",
    "pull_sheet",
    "pull_sheet_csv",
    "pull_sheet_html",
]


@dataclass(frozen=True)
class Batch:
    """A container of paper ballots."""

    name: str
    ballots: int
    region: str | None = None


@dataclass(frozen=True)
class BallotManifest:
    """Batches in manifest order, with the cumulative ballot counts used to locate a ballot."""

    batches: tuple[Batch, ...]

    @property
    def total(self) -> int:
        return sum(b.ballots for b in self.batches)

    def ends(self) -> list[int]:
        """Number of the last ballot of each batch."""
        return list(accumulate(b.ballots for b in self.batches))

    def region_totals(self) -> dict[str, int]:
        """Ballots per region (batches without a region are left out)."""
        out: dict[str, int] = {}
        for b in self.batches:
            if b.region is not None:
                out[b.region] = out.get(b.region, 0) + b.ballots
        return out


@dataclass(frozen=True)
class Location:
    """Where ballot number ``ballot`` is: its batch and its 1-based position in it."""

    ballot: int
    batch: str
    position: int
    region: str | None


def parse_manifest(text: str, *, expected_ballots: int | None = None) -> BallotManifest:
    """Read a manifest CSV; if ``expected_ballots`` is given the counts must add up to it."""
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    for needed in ("batch", "ballots"):
        if needed not in columns:
            raise AuditInputError(
                "manifest", f"missing column {needed!r} (columns: {sorted(columns)})"
            )
    batches: list[Batch] = []
    names: set[str] = set()
    for row_number, row in enumerate(reader, start=2):
        name = (row.get("batch") or "").strip()
        if not name:
            raise AuditInputError(f"manifest row {row_number}, column batch", "empty batch name")
        if name in names:
            raise AuditInputError(
                f"manifest row {row_number}, column batch", f"duplicate batch {name!r}"
            )
        names.add(name)
        raw = (row.get("ballots") or "").strip()
        if not raw.isdigit():
            raise AuditInputError(
                f"manifest row {row_number}, column ballots",
                f"expected a non-negative whole number, got {raw!r}",
            )
        region = (row.get("region") or "").strip() or None
        batches.append(Batch(name, int(raw), region))
    if not batches:
        raise AuditInputError("manifest", "no batches")
    manifest = BallotManifest(tuple(batches))
    if expected_ballots is not None and manifest.total != expected_ballots:
        raise AuditInputError(
            "manifest",
            f"batch counts add up to {manifest.total} ballots, not the {expected_ballots} "
            "ballots cast",
        )
    return manifest


def locate(manifest: BallotManifest, ballot: int) -> Location:
    """Batch and position of ballot number ``ballot`` (1-based)."""
    ends = manifest.ends()
    if not 1 <= ballot <= ends[-1]:
        raise AuditInputError("ballot", f"{ballot} is not between 1 and {ends[-1]}")
    i = bisect.bisect_left(ends, ballot)
    start = ends[i - 1] if i else 0
    batch = manifest.batches[i]
    return Location(ballot, batch.name, ballot - start, batch.region)


@dataclass(frozen=True)
class PullRow:
    """One ballot to pull: where it is and which draws (1-based draw order) selected it."""

    batch: str
    position: int
    ballot: int
    region: str | None
    draws: tuple[int, ...]


def pull_sheet(manifest: BallotManifest, ballots: Sequence[int]) -> list[PullRow]:
    """Rows of the pull sheet for ``ballots`` (in draw order), sorted by batch then position.

    A ballot drawn several times (sampling with replacement) is pulled once; ``draws`` lists
    every draw that selected it, because its reading counts once per draw.
    """
    order = {b.name: i for i, b in enumerate(manifest.batches)}
    by_ballot: dict[int, list[int]] = {}
    for draw_number, ballot in enumerate(ballots, start=1):
        by_ballot.setdefault(ballot, []).append(draw_number)
    rows = []
    for ballot, numbers in by_ballot.items():
        where = locate(manifest, ballot)
        rows.append(PullRow(where.batch, where.position, ballot, where.region, tuple(numbers)))
    rows.sort(key=lambda r: (order[r.batch], r.position))
    return rows


def pull_sheet_csv(rows: Sequence[PullRow]) -> str:
    """The pull sheet as CSV: batch, position, ballot, region, draws (``;``-separated)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["batch", "position", "ballot", "region", "draws"])
    for r in rows:
        writer.writerow(
            [r.batch, r.position, r.ballot, r.region or "", ";".join(map(str, r.draws))]
        )
    return out.getvalue()


def pull_sheet_html(rows: Sequence[PullRow], *, title: str, seed: str, ballots: int) -> str:
    """A printable HTML pull sheet: one table per batch, with boxes to tick and sign."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    source = resources.files("referendum.audit").joinpath("templates/pull_sheet.html.j2")
    template = env.from_string(source.read_text(encoding="utf-8"))
    groups: dict[str, list[PullRow]] = {}
    for r in rows:
        groups.setdefault(r.batch, []).append(r)
    return template.render(title=title, seed=seed, ballots=ballots, groups=groups, count=len(rows))
