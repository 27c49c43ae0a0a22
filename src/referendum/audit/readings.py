"""Readings of ballots and the sample files that record them.

A reading is ``yes``, ``no`` or ``invalid`` (a spoiled or blank ballot: any ballot that is
not a valid vote for either side).  A sample file has one sampled ballot per line, in draw
order; blank lines and lines starting with ``#`` are ignored.  Fields are comma-separated:

==========================  ==========================================
ballot polling              ``yes``
ballot comparison           ``yes,no`` (reported reading, then actual)
with regions (--results)    ``North,yes`` or ``North,yes,no``
==========================  ==========================================

>>> parse_sample("yes\\nno\\n# a comment\\ninvalid\\n", comparison=False, regions=False)[2]
Observation(region=None, reported=None, actual='invalid')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from referendum.errors import AuditInputError

__all__ = ["READINGS", "Observation", "Reading", "Tally", "parse_reading", "parse_sample"]

Reading = Literal["yes", "no", "invalid"]
READINGS: tuple[Reading, ...] = ("yes", "no", "invalid")


@dataclass(frozen=True)
class Tally:
    """Reported (or hand-counted) counts of one electorate or batch; ``ballots`` is their sum."""

    yes: int
    no: int
    invalid: int = 0

    def __post_init__(self) -> None:
        for name in READINGS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise AuditInputError(name, f"must be a non-negative integer, got {value!r}")

    @property
    def ballots(self) -> int:
        return self.yes + self.no + self.invalid

    def count(self, reading: Reading) -> int:
        return int(getattr(self, reading))

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.yes + other.yes, self.no + other.no, self.invalid + other.invalid)


@dataclass(frozen=True)
class Observation:
    """One sampled ballot: its region (if any), reported reading (comparison audits only) and
    the reading the audit board saw."""

    region: str | None
    reported: Reading | None
    actual: Reading


def parse_reading(text: str, *, where: str) -> Reading:
    """``yes``, ``no`` or ``invalid`` (case and surrounding spaces ignored), else an error."""
    word = text.strip().lower()
    if word not in READINGS:
        raise AuditInputError(
            where, f"unknown reading {text.strip()!r}; expected yes, no or invalid"
        )
    return word


def parse_sample(text: str, *, comparison: bool, regions: bool) -> list[Observation]:
    """Parse a sample file (see the module docstring for the line formats)."""
    expected = (2 if comparison else 1) + (1 if regions else 0)
    shape = ("REGION," if regions else "") + ("REPORTED,ACTUAL" if comparison else "READING")
    out: list[Observation] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = [f.strip() for f in stripped.split(",")]
        where = f"sample line {number}"
        if len(fields) != expected:
            raise AuditInputError(where, f"expected {shape}, got {stripped!r}")
        region = fields.pop(0) if regions else None
        if regions and not region:
            raise AuditInputError(where, "empty region name")
        reported = parse_reading(fields[0], where=where) if comparison else None
        actual = parse_reading(fields[-1], where=where)
        out.append(Observation(region, reported, actual))
    return out
