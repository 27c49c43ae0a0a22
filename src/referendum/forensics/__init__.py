"""Forensics of published results per polling station.

Methods, each in its own module and documented in docs/forensics/:

- :mod:`~referendum.forensics.fingerprint`: turnout x share fingerprint, Klimek et al. 2012;
- :mod:`~referendum.forensics.integer_anomaly`: integer percentages, Kobak et al. 2016 as
  published (the default); :mod:`~referendum.forensics.integer_peaks`: the window variant;
- :mod:`~referendum.forensics.excess`: excess votes from the turnout distribution, Shpilkin;
- :mod:`~referendum.forensics.summary`: correlation and tails near 100%;
- :mod:`~referendum.forensics.digits`: second-digit Benford tests, Mebane;
- :mod:`~referendum.forensics.battery`: the Election Forensics Toolkit's digit and
  distribution tests with bootstrap intervals (:mod:`~referendum.forensics.bootstrap`).

Tables come from :func:`read_table` (the CEC layout, or a column mapping:
:mod:`~referendum.forensics.mapping`).

:func:`analyse` runs them all on a :class:`ResultsTable` read by :func:`read_table`;
:mod:`~referendum.forensics.report` renders text, JSON and HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from referendum.forensics.analysis import ForensicsOptions, ForensicsResult, analyse
    from referendum.forensics.table import ColumnSpec, ResultsTable, read_table

__all__ = [
    "ColumnSpec",
    "ForensicsOptions",
    "ForensicsResult",
    "ResultsTable",
    "analyse",
    "read_table",
]

_HOMES = {
    "ForensicsOptions": "analysis",
    "ForensicsResult": "analysis",
    "analyse": "analysis",
    "ColumnSpec": "table",
    "ResultsTable": "table",
    "read_table": "table",
}


def __getattr__(name: str) -> Any:
    """Import on first use: the command line's start-up does not pay for scipy and matplotlib."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
