"""Findings: the result of one check on one case.

A finding names its check, a status, the facts it used (with their sources), a message
(a catalogue key and its parameters, rendered in the report's language) and the source of
the standard it applies.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from referendum.errors import UsageError
from referendum.standards.case import Case, Fact

__all__ = [
    "AREAS",
    "Area",
    "Check",
    "Facts",
    "Finding",
    "Status",
    "UsedFact",
    "gather",
    "graded_flags",
    "if_then",
    "require_flags",
]

Area = Literal["legality", "timing", "question", "administration", "campaign", "voting", "outcome"]
AREAS: tuple[Area, ...] = (
    "legality",
    "timing",
    "question",
    "administration",
    "campaign",
    "voting",
    "outcome",
)


class Status(enum.StrEnum):
    """A finding's status; ``UNKNOWN`` when the facts it needs are missing."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class UsedFact:
    """A fact a check relied on: its path, value and source."""

    path: str
    value: object
    source: str

    @classmethod
    def of(cls, fact: Fact) -> UsedFact:
        return cls(fact.path, fact.value, fact.source)


@dataclass(frozen=True)
class Finding:
    """The result of one check: ``message`` is a catalogue key, ``params`` fill it in."""

    id: str
    area: Area
    status: Status
    facts: tuple[UsedFact, ...]
    message: str
    params: Mapping[str, Any]
    source: str
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def explanation(self) -> str:
        """The one-line explanation in English (``Catalogue.explain`` for other languages)."""
        from referendum.standards.i18n import catalogue  # the catalogues import this module

        return catalogue("en").explain(self)


@dataclass(frozen=True)
class Check:
    """A check's identity: its id, area and the standard it rests on, and the function
    that evaluates it (bound with :meth:`define`)."""

    id: str
    area: Area
    source: str
    run: Callable[[Check, Case], Finding] | None = field(default=None, repr=False)

    def define(self, func: Callable[[Check, Case], Finding]) -> Check:
        """Decorator: bind the function that evaluates this check."""
        return Check(self.id, self.area, self.source, func)

    def evaluate(self, case: Case) -> Finding:
        """Run the check on a case."""
        if self.run is None:
            raise UsageError(f"check {self.id} has no function")
        return self.run(self, case)

    def finding(
        self,
        status: Status,
        facts: Iterable[Fact],
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> Finding:
        """A finding of this check; ``message`` is the key suffix (``pass``, ``fail``...)."""
        return Finding(
            id=self.id,
            area=self.area,
            status=status,
            facts=tuple(UsedFact.of(f) for f in facts),
            message=f"{self.id}.{message}",
            params=params,
            source=self.source,
            details=details or {},
        )

    def unknown(self, missing: Iterable[str], facts: Iterable[Fact] = ()) -> Finding:
        """The finding when facts are missing: never a pass."""
        return Finding(
            id=self.id,
            area=self.area,
            status=Status.UNKNOWN,
            facts=tuple(UsedFact.of(f) for f in facts),
            message="unknown",
            params={"missing": ", ".join(missing)},
            source=self.source,
        )


@dataclass(frozen=True)
class Facts:
    """Several facts looked up together: by path, those present, those missing."""

    found: Mapping[str, Fact | None]

    def __getitem__(self, path: str) -> Fact | None:
        return self.found[path]

    @property
    def used(self) -> list[Fact]:
        return [f for f in self.found.values() if f is not None]

    @property
    def missing(self) -> list[str]:
        return [p for p, f in self.found.items() if f is None]


def gather(case: Case, *paths: str) -> Facts:
    """Look up several facts of a case at once."""
    return Facts({path: case.fact(path) for path in paths})


def require_flags(
    check: Check,
    case: Case,
    wanted: Mapping[str, bool],
    *,
    also_used: Iterable[Fact] = (),
    passed: str = "pass",
) -> Finding:
    """A check whose facts are yes/no answers that must each equal the wanted value.

    A known violation fails even when other facts are missing; otherwise a missing fact
    gives ``unknown`` and only a complete, conforming set passes.
    """
    return graded_flags(check, case, must=wanted, should={}, also_used=also_used, passed=passed)


def graded_flags(
    check: Check,
    case: Case,
    *,
    must: Mapping[str, bool],
    should: Mapping[str, bool],
    also_used: Iterable[Fact] = (),
    passed: str = "pass",
) -> Finding:
    """Yes/no facts split by the standard's own words: a "must" broken fails (message
    ``fail``), a "should" broken warns (message ``warn``), both naming the violations.

    A known "must" violation fails even when other facts are missing; a "should" violation
    is reported only once every "must" fact is known (otherwise the finding is unknown: a
    warning could understate a failure still hidden by a missing fact).
    """
    present: list[Fact] = list(also_used)
    missing: list[str] = []
    broken: dict[bool, list[str]] = {True: [], False: []}
    for is_must, wanted in ((True, must), (False, should)):
        for path, good in wanted.items():
            fact = case.fact(path)
            if fact is None:
                missing.append(path)
                continue
            present.append(fact)
            if fact.as_bool() is not good:
                broken[is_must].append(f"{path} = {str(fact.as_bool()).lower()}")
    if broken[True]:
        return check.finding(Status.FAIL, present, "fail", violations="; ".join(broken[True]))
    if missing:
        return check.unknown(missing, present)
    if broken[False]:
        return check.finding(Status.WARN, present, "warn", violations="; ".join(broken[False]))
    return check.finding(Status.PASS, present, passed)


def if_then(
    check: Check,
    case: Case,
    trigger: str,
    *,
    otherwise: str,
    wanted: Mapping[str, bool],
    passed: str = "pass",
) -> Finding:
    """A check that applies only when the yes/no fact ``trigger`` is true: false passes with
    the message ``otherwise``; true requires the ``wanted`` flags (see :func:`require_flags`).
    """
    fact = case.fact(trigger)
    if fact is None:
        return check.unknown([trigger])
    if not fact.as_bool():
        return check.finding(Status.PASS, [fact], otherwise)
    return require_flags(check, case, wanted, also_used=[fact], passed=passed)
