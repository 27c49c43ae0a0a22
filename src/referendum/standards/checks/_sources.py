"""The documents the checks rest on (../shared/STANDARDS.md, "Sources")."""

__all__ = ["CODE", "CODE_2007", "COPENHAGEN", "CRIMEA_OPINION", "ODIHR_TURKEY", "VC_2022"]

CODE = "Venice Commission, Code of Good Practice on Referendums, revised (CDL-AD(2022)015)"
CODE_2007 = "Venice Commission, Code of Good Practice on Referendums (CDL-AD(2007)008)"
CRIMEA_OPINION = "Venice Commission, opinion on Crimea (CDL-AD(2014)002)"
VC_2022 = "Venice Commission statement of 21 Sep 2022"
COPENHAGEN = "OSCE Copenhagen Document 1990"
ODIHR_TURKEY = "ODIHR final report, Turkey constitutional referendum 2017"
