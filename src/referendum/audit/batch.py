"""Batch-level comparison audits for referendums reported per polling station.

Each batch (a polling station's ballots) has reported counts.  Draws are ballots chosen
uniformly (Rivest's sampler over the ballot manifest, with replacement); the audit board
hand-counts the whole batch that holds the drawn ballot, so a batch is drawn with
probability proportional to its size.  This is the Kaplan-Markov test with sampling
probability proportional to an error bound (PPEB; Stark 2009, "Risk-limiting post-election
audits: P-values from common probability inequalities", and Stark 2008, "A sharper
discrepancy measure for post-election audits"), taking as the bound of batch ``p`` the
``u * b_p`` that its ``b_p`` ballots can contribute: the batch's *taint* is its assorter
overstatement per ballot,

    omega_p / b_p = (sum over the batch of reported assorter values - hand-counted ones) / b_p

and the p-value is that of :mod:`~referendum.audit.kaplan_markov` with one term per draw,
``(1 - v/(2 gamma u)) / (1 - omega_p / (b_p gamma u))``.  With ``gamma = 1`` it is
Stark's 2009 form; the default ``gamma = 1.1`` keeps a batch with a total overstatement
from ending the audit with an infinite p-value.

The hand count of a batch must find as many ballots as the manifest says (ballot
accounting): otherwise the batch's bound does not hold and the input is refused.

Planning: with no discrepancies every draw multiplies the evidence by
``1 / (1 - v / (2 gamma u))``, so about ``2 gamma u ln(1/alpha) / v`` draws are needed;
the ballots to hand-count are then ``sum_p b_p (1 - (1 - b_p/N)^n)`` (distinct batches).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from referendum.audit.readings import Tally
from referendum.errors import AuditInputError

__all__ = [
    "BatchCount",
    "BatchReport",
    "draws_needed",
    "expected_ballots_counted",
    "parse_batch_counts",
    "parse_batches",
]


@dataclass(frozen=True)
class BatchReport:
    """A batch's reported tally and, optionally, its region."""

    name: str
    tally: Tally
    region: str | None = None


@dataclass(frozen=True)
class BatchCount:
    """The hand count of the batch selected by one draw."""

    name: str
    tally: Tally


def _int(row: dict[str, str], column: str, where: str) -> int:
    raw = (row.get(column) or "").strip()
    if not raw.isdigit():
        raise AuditInputError(f"{where}, column {column}", f"expected a whole number, got {raw!r}")
    return int(raw)


def parse_batches(text: str) -> list[BatchReport]:
    """Reported results per batch: CSV with ``batch,yes,no,invalid`` (and ``region``)."""
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    for needed in ("batch", "yes", "no", "invalid"):
        if needed not in columns:
            raise AuditInputError("batches", f"missing column {needed!r}")
    out: list[BatchReport] = []
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        where = f"batches row {number}"
        name = (row.get("batch") or "").strip()
        if not name or name in seen:
            raise AuditInputError(f"{where}, column batch", f"empty or duplicate batch {name!r}")
        seen.add(name)
        tally = Tally(_int(row, "yes", where), _int(row, "no", where), _int(row, "invalid", where))
        out.append(BatchReport(name, tally, (row.get("region") or "").strip() or None))
    if not out:
        raise AuditInputError("batches", "no batches")
    return out


def parse_batch_counts(text: str, reports: Sequence[BatchReport]) -> list[BatchCount]:
    """Hand counts, one line per draw in draw order: ``BATCH,yes,no,invalid``."""
    known = {b.name: b for b in reports}
    out: list[BatchCount] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"sample line {number}"
        fields = [f.strip() for f in stripped.split(",")]
        if len(fields) != 4 or not all(f.isdigit() for f in fields[1:]):
            raise AuditInputError(where, f"expected BATCH,YES,NO,INVALID, got {stripped!r}")
        name = fields[0]
        if name not in known:
            raise AuditInputError(where, f"unknown batch {name!r}")
        tally = Tally(int(fields[1]), int(fields[2]), int(fields[3]))
        if tally.ballots != known[name].tally.ballots:
            raise AuditInputError(
                where,
                f"batch {name!r}: the hand count has {tally.ballots} ballots but "
                f"{known[name].tally.ballots} were reported",
            )
        out.append(BatchCount(name, tally))
    return out


def expected_ballots_counted(sizes: Sequence[int], draws: int) -> float:
    """Expected ballots in the distinct batches hit by ``draws`` size-proportional draws."""
    total = sum(sizes)
    if total == 0:
        return 0.0
    return sum(b * (1 - (1 - b / total) ** draws) for b in sizes)


def draws_needed(*, margin: float, upper: float, risk_limit: float, gamma: float) -> int:
    """Draws (batches, counted with multiplicity) needed when no batch has an error."""
    step = -math.log(1 - margin / (2 * gamma * upper))
    return math.ceil(math.log(1 / risk_limit) / step)
