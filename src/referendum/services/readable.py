"""Results as people read them: per region and overall, counts and percentages with their
denominator, turnout, and the outcome rule's conditions with their figures.

The published results (``results`` event, docs/spec/events.md) hold counts per region and
per question of the region's ballot style; this module only arranges them.  Percentages are
for display, never compared: the outcome is the record's own (``results.outcome``).

>>> share(Fraction(1, 3))
'33.3%'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from referendum.record.manifest import Manifest

__all__ = [
    "AnswerFigure",
    "Condition",
    "QuestionResults",
    "RegionFigures",
    "ResultsView",
    "results_view",
    "share",
]


def share(value: Fraction | None) -> str:
    """A share as a percentage with three significant digits (``"33.3%"``; ``"–"`` for none)."""
    if value is None:
        return "–"
    percent = float(value) * 100
    if percent in (0.0, 100.0):
        return f"{percent:.0f}%"
    return f"{percent:.3g}%" if percent >= 1 else f"{percent:.2g}%"


def _ratio(n: int, d: int) -> Fraction | None:
    return Fraction(n, d) if d else None


@dataclass(frozen=True)
class AnswerFigure:
    """An answer's count and its share of the ballots (``of`` = the denominator)."""

    answer: str
    count: int
    of: int

    @property
    def fraction(self) -> Fraction | None:
        return _ratio(self.count, self.of)

    @property
    def percent(self) -> str:
        return share(self.fraction)


@dataclass(frozen=True)
class RegionFigures:
    """One row of a question's table: a region (or ``None``: all regions asking it)."""

    region: str | None
    name: str
    ballots: int
    electorate: int
    answers: tuple[AnswerFigure, ...]

    @property
    def turnout(self) -> str:
        return share(_ratio(self.ballots, self.electorate))


@dataclass(frozen=True)
class QuestionResults:
    """A question's results: a row per region whose ballot carries it, then the total."""

    id: str
    answers: tuple[str, ...]
    rows: tuple[RegionFigures, ...]
    total: RegionFigures


@dataclass(frozen=True)
class Condition:
    """A condition of the outcome rule with its figures (``value`` and ``threshold`` shown
    as percentages, or as numbers of regional votes for ``regional_majority``)."""

    name: str
    passed: bool
    value: str
    threshold: str
    region: str | None = None


@dataclass(frozen=True)
class ResultsView:
    """What a results page or the CLI shows."""

    questions: tuple[QuestionResults, ...]
    decision: str | None
    conditions: tuple[Condition, ...]
    regional: tuple[tuple[str, str], ...]
    """Each region's own decision, when the rule decides per region."""
    trustees: tuple[int, ...]


def _figure(name: str, fraction_text: str) -> str:
    value = Fraction(fraction_text)
    if name == "regional_majority":  # regional votes (weights), not a share
        return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
    return share(value)


def _conditions(checks: Sequence[Mapping[str, Any]], region: str | None) -> list[Condition]:
    return [
        Condition(
            name=str(c["name"]),
            passed=bool(c["passed"]),
            value=_figure(str(c["name"]), str(c["value"])),
            threshold=_figure(str(c["name"]), str(c["threshold"])),
            region=region,
        )
        for c in checks
    ]


def results_view(manifest: Manifest, results: Mapping[str, Any]) -> ResultsView:
    """Arrange published ``results`` of ``manifest`` for reading."""
    regions = results["regions"]
    questions = []
    for q in manifest.questions:
        rows = []
        for region in manifest.regions:
            entry = regions[region.id]
            counts = entry["questions"].get(q.id)
            if counts is None:  # not on this region's ballot
                continue
            ballots = int(entry["ballots"])
            rows.append(
                RegionFigures(
                    region=region.id,
                    name=region.name,
                    ballots=ballots,
                    electorate=int(entry["electorate"]),
                    answers=tuple(AnswerFigure(a, int(counts[a]), ballots) for a in q.answers),
                )
            )
        ballots = sum(r.ballots for r in rows)
        total = RegionFigures(
            region=None,
            name="",
            ballots=ballots,
            electorate=sum(r.electorate for r in rows),
            answers=tuple(
                AnswerFigure(a, sum(r.answers[i].count for r in rows), ballots)
                for i, a in enumerate(q.answers)
            ),
        )
        questions.append(QuestionResults(q.id, q.answers, tuple(rows), total))
    outcome = results.get("outcome")
    conditions: list[Condition] = []
    regional: list[tuple[str, str]] = []
    if outcome:
        conditions = _conditions(outcome["checks"], None)
        for rid, sub in (outcome.get("regions") or {}).items():
            regional.append((str(rid), str(sub["decision"])))
            conditions += _conditions(sub["checks"], str(rid))
    return ResultsView(
        questions=tuple(questions),
        decision=None if not outcome else str(outcome["decision"]),
        conditions=tuple(conditions),
        regional=tuple(regional),
        trustees=tuple(int(t) for t in results.get("trustees", ())),
    )
