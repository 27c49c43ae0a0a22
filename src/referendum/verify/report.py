"""The verifier's report: every check with its result, and the item that failed it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["COMPLETE_PHASE", "EXIT_STATUS", "Check", "CheckResult", "Report", "Status", "Verdict"]


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"  # not applicable to this record (e.g. no results published yet)


class Check(enum.StrEnum):
    """The verifier's checks, in the order they run (ids are stable; docs/spec)."""

    RECORD_FORMAT = "RECORD_FORMAT"
    CHAIN = "CHAIN"
    MANIFEST = "MANIFEST"
    EVENT_ORDER = "EVENT_ORDER"
    KEY_CEREMONY = "KEY_CEREMONY"
    CREDENTIALS = "CREDENTIALS"
    WINDOW = "WINDOW"
    BALLOTS = "BALLOTS"
    REVOTES = "REVOTES"
    REJECTIONS = "REJECTIONS"
    DENIABLE_BALLOTS = "DENIABLE_BALLOTS"  # deniable revoting (docs/spec/coercion.md section 6)
    DUMMIES = "DUMMIES"
    MIX = "MIX"
    GROUPS = "GROUPS"
    FILTER = "FILTER"
    ELIGIBILITY = "ELIGIBILITY"
    TALLY = "TALLY"
    DECRYPTION = "DECRYPTION"
    RESULTS = "RESULTS"
    OUTCOME = "OUTCOME"
    LOG = "LOG"  # the Merkle tree and the signed checkpoints (docs/spec/log.md section 4)


@dataclass
class CheckResult:
    check: Check
    status: Status
    detail: str
    item: str | None = None
    field: str | None = None  # the member at fault (``payload.regions``), when one is

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check.value,
            "status": self.status.value,
            "detail": self.detail,
            "item": self.item,
            "field": self.field,
        }


class Verdict(enum.StrEnum):
    """What a report says of the record as a whole (docs/spec/verification.md)."""

    VERIFIES = "verifies"  # complete (results published) and every check passes: exit 0
    FAILS = "fails"  # a check fails: exit 1
    VALID_SO_FAR = "valid_so_far"  # no check fails, but the record stops before results: 3


EXIT_STATUS = {Verdict.VERIFIES: 0, Verdict.FAILS: 1, Verdict.VALID_SO_FAR: 3}
"""The exit status of ``referendum verify`` for each verdict (2: unusable input)."""

COMPLETE_PHASE = "published"


@dataclass
class Report:
    """All check results, plus the figures the verifier recomputed.

    ``phase`` is the last phase the record reached (``setup``, ``voting``, ``closed``,
    ``tallied``, ``published``; ``None`` when the chain could not be read); the record is
    **complete** only in ``published``.  :attr:`ok` holds only for a complete record that
    passes every check; :attr:`sound` for any record none of whose checks fails."""

    results: list[CheckResult] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    phase: str | None = None

    def add(
        self,
        check: Check,
        status: Status,
        detail: str,
        item: str | None = None,
        field: str | None = None,
    ) -> None:
        self.results.append(CheckResult(check, status, detail, item, field))

    def passed(self, check: Check, detail: str) -> None:
        self.add(check, Status.PASS, detail)

    def failed(self, check: Check, item: str, detail: str, *, field: str | None = None) -> None:
        self.add(check, Status.FAIL, detail, item, field)

    def skipped(self, check: Check, detail: str) -> None:
        self.add(check, Status.SKIP, detail)

    @property
    def sound(self) -> bool:
        """No check failed (the record is valid so far, complete or not)."""
        return all(r.status is not Status.FAIL for r in self.results)

    @property
    def complete(self) -> bool:
        """The record reaches the published results."""
        return self.phase == COMPLETE_PHASE

    @property
    def ok(self) -> bool:
        """The record is complete and every check passes (the record verifies)."""
        return self.sound and self.complete

    @property
    def verdict(self) -> Verdict:
        if not self.sound:
            return Verdict.FAILS
        return Verdict.VERIFIES if self.complete else Verdict.VALID_SO_FAR

    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.FAIL]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "verdict": self.verdict.value,
            "complete": self.complete,
            "phase": self.phase,
            "checks": [r.to_json() for r in self.results],
            "summary": self.summary,
        }
