"""How the services' errors become HTTP answers, and how refusals are logged (never with
their reasons, which may quote user input, nor with any body, token or credential)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, Field

from referendum.errors import (
    BallotRejected,
    HeadMovedError,
    InputError,
    PhaseError,
    RecordError,
    ReferendumError,
    UnjudgedSubmission,
)

__all__ = ["REJECTION_STATUS", "ErrorBody", "error_responses", "error_status", "log_refusal"]

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


class ErrorBody(BaseModel):
    """The body of every refusal the API answers with (4xx and 503)."""

    error: str = Field(description="a stable code: bad_input, malformed, wrong_phase, ...")
    field: str = Field(description="the part of the request at fault")
    reason: str = Field(description="why, in words")
    receipt: dict[str, Any] | None = Field(
        default=None,
        description="for a refused ballot: the board's signed refusal receipt, when logged",
    )
    progress: dict[str, Any] | None = Field(
        default=None,
        description="for a record or report not ready yet (503, not_ready): the background "
        "build's kind, phase, events_written, events_total, seconds and retry_after",
    )


_WHY = {
    400: "bad input (a body that is not JSON within its bounds, a bad field): which and why",
    401: "no valid organiser or trustee bearer token",
    403: "a token of another role or trustee; for a ballot, a credential on no list",
    404: "not on the board (no referendum yet, an unknown code, results not published)",
    408: "the request's body did not arrive in time",
    409: "not in this phase (or a ballot replayed, stale, outside the voting periods)",
    413: "the body is over the limit",
    415: "not sent as application/json",
    422: "a parameter out of its range, or a ballot that does not verify",
    429: "too many ballots from this address (Retry-After)",
    503: "the board is too busy, or the record is still being prepared (its progress given): "
    "try again after Retry-After",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the refusals an operation can answer with."""
    return {status: {"model": ErrorBody, "description": _WHY[status]} for status in statuses}


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
