"""The legitimacy report: a referendum's conduct checked against the Venice Commission and
OSCE standards (../shared/STANDARDS.md).  See docs/standards/.

>>> from referendum.standards import build_report, case_from_mapping
>>> report = build_report(case_from_mapping({"case": {"name": "demo", "place": "Nowhere"}}))
>>> report.failed, report.finding("MIN_LEAD_TIME").status.value
(False, 'unknown')
"""

from referendum.standards.case import Case, Fact, case_from_mapping, load_case
from referendum.standards.checks import ALL_CHECKS, check_by_id, run_checks
from referendum.standards.finding import Check, Finding, Status, UsedFact
from referendum.standards.record import case_from_record_facts
from referendum.standards.report import FORMATS, Format, Report, build_report, render

__all__ = [
    "ALL_CHECKS",
    "FORMATS",
    "Case",
    "Check",
    "Fact",
    "Finding",
    "Format",
    "Report",
    "Status",
    "UsedFact",
    "build_report",
    "case_from_mapping",
    "case_from_record_facts",
    "check_by_id",
    "load_case",
    "render",
    "run_checks",
]
