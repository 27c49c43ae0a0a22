"""How the services' errors become HTTP answers, and how refusals are logged (never with
their reasons, which may quote user input, nor with any body, token or credential)."""

from __future__ import annotations

import logging
from typing import Any

from referendum.errors import (
    BallotRejected,
    HeadMovedError,
    InputError,
    PhaseError,
    RecordError,
    ReferendumError,
    UnjudgedSubmission,
)

__all__ = ["REJECTION_STATUS", "error_status", "log_refusal"]

_log = logging.getLogger("referendum.web")

REJECTION_STATUS = {
    "oversize": 413,
    "malformed": 400,
    "wrong_election": 422,
    "wrong_region": 422,
    "bad_signature": 422,
    "bad_proof": 422,
    "unknown_credential": 403,
    "not_open": 409,
    "closed": 409,
    "outside_window": 409,
    "replayed": 409,
    "stale_replaces": 409,
}
"""The HTTP status of each reason a ballot is refused for."""


def error_status(exc: ReferendumError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body of an error from the services."""
    if isinstance(exc, BallotRejected):
        return REJECTION_STATUS.get(exc.code, 400), {
            "error": exc.code,
            "field": exc.field,
            "reason": exc.reason,
        }
    if isinstance(exc, UnjudgedSubmission):
        return 400, {"error": "unjudged", "field": "body", "reason": str(exc)}
    if isinstance(exc, InputError):
        return 400, {"error": "bad_input", "field": exc.field, "reason": exc.reason}
    if isinstance(exc, PhaseError):
        return 409, {"error": "wrong_phase", "field": "phase", "reason": str(exc)}
    if isinstance(exc, RecordError):
        return 404, {"error": "no_referendum", "field": "board", "reason": str(exc)}
    if isinstance(exc, HeadMovedError):
        return 503, {"error": "busy", "field": "board", "reason": str(exc)}
    return 400, {"error": "refused", "field": "request", "reason": str(exc)}


def log_refusal(method: str, path: str, status: int, exc: BaseException) -> None:
    """Log a refused request: method, path, status and the error's class only."""
    _log.info("%s %s -> %d %s", method, path, status, type(exc).__name__)
