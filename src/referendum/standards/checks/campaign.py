"""The campaign: media, neutrality of the authorities, money, fundamental freedoms."""

from __future__ import annotations

from referendum.standards.case import Case
from referendum.standards.checks._sources import CODE
from referendum.standards.finding import Check, Finding, require_flags

__all__ = ["CHECKS"]


def _flag(check_id: str, section: str, path: str) -> Check:
    def run(check: Check, case: Case) -> Finding:
        return require_flags(check, case, {path: True})

    return Check(check_id, "campaign", f"{CODE} {section}").define(run)


CHECKS: tuple[Check, ...] = (
    _flag("MEDIA_EQUALITY", "I.2.2", "campaign.media_equal_access"),
    _flag("STATE_NEUTRALITY", "I.3.1.a-b", "campaign.state_neutral"),
    _flag("FINANCE_TRANSPARENCY", "II.4.4", "campaign.finance_transparent"),
    _flag("FUNDAMENTAL_FREEDOMS", "II.2", "campaign.fundamental_freedoms_respected"),
)
