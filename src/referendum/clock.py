"""Injected time: every service takes a clock, so that tests and demos are deterministic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from referendum.record.event import format_timestamp

__all__ = ["Clock", "SteppingClock", "format_timestamp", "system_clock"]

Clock = Callable[[], dt.datetime]
"""A clock returns the current time as an aware UTC datetime."""


def system_clock() -> dt.datetime:
    """The machine's clock, in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass
class SteppingClock:
    """A deterministic clock: starts at ``start`` and advances ``step`` on every reading."""

    start: dt.datetime
    step: dt.timedelta = dt.timedelta(seconds=1)
    _now: dt.datetime | None = field(default=None, init=False)

    def __call__(self) -> dt.datetime:
        self._now = self.start if self._now is None else self._now + self.step
        return self._now

    @property
    def last(self) -> dt.datetime | None:
        """The last reading (``None`` before the first)."""
        return self._now

    def jump(self, moment: dt.datetime) -> None:
        """Set the clock so that the next reading is ``moment``."""
        self._now = moment - self.step
