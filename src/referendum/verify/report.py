"""The verifier's report: every check with its result, and the item that failed it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Check", "CheckResult", "Report", "Status"]


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
    TALLY = "TALLY"
    DECRYPTION = "DECRYPTION"
    RESULTS = "RESULTS"
    OUTCOME = "OUTCOME"


@dataclass
class CheckResult:
    check: Check
    status: Status
    detail: str
    item: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check.value,
            "status": self.status.value,
            "detail": self.detail,
            "item": self.item,
        }


@dataclass
class Report:
    """All check results, plus the figures the verifier recomputed."""

    results: list[CheckResult] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def add(self, check: Check, status: Status, detail: str, item: str | None = None) -> None:
        self.results.append(CheckResult(check, status, detail, item))

    def passed(self, check: Check, detail: str) -> None:
        self.add(check, Status.PASS, detail)

    def failed(self, check: Check, item: str, detail: str) -> None:
        self.add(check, Status.FAIL, detail, item)

    def skipped(self, check: Check, detail: str) -> None:
        self.add(check, Status.SKIP, detail)

    @property
    def ok(self) -> bool:
        return all(r.status is not Status.FAIL for r in self.results)

    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is Status.FAIL]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [r.to_json() for r in self.results],
            "summary": self.summary,
        }
