"""The witness's HTTP server: its cosigned checkpoints and its evidence.

``GET /`` the witness's name, public key and, per referendum, the size, root and time of
the last checkpoint it cosigned; ``GET /checkpoint/{fingerprint}`` that checkpoint as a
signed note (``text/plain``: the body, the board's signature line and the witness's
cosignature line; 404 before the first); ``GET /evidence`` the split-view statements it
kept.  It serves only what the state holds on disk (:mod:`referendum.observe.witness_state`),
so nothing it serves is lost when the witness is killed.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse, PlainTextResponse

from referendum.observe.witness import Witness

__all__ = ["create_witness_app"]

_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
_PUBLIC = {"Access-Control-Allow-Origin": "*"}
"""Anyone's page may read a cosigned checkpoint (the booth, from the board's origin)."""


def create_witness_app(witness: Witness) -> FastAPI:
    """The witness's application (read only)."""
    app = FastAPI(
        title="referendum witness",
        summary="Cosigned checkpoints of a referendum board's log",
        version="1",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )

    @app.exception_handler(HTTPException)
    async def _http_error(_: Any, exc: HTTPException) -> JSONResponse:
        return JSONResponse(exc.detail, status_code=exc.status_code)

    @app.get("/", summary="The witness and the last checkpoint it cosigned of each log")
    def status() -> dict[str, Any]:
        return {
            "name": witness.name,
            "public_key": witness.public.hex(),
            "board": witness.board,
            "logs": {
                fp: {"size": log.size, "root": log.root.hex(), "time": log.time}
                for fp, log in sorted(witness.state.logs.items())
            },
            "evidence": len(witness.state.evidence()),
        }

    @app.get(
        "/checkpoint/{fingerprint}",
        summary="The last checkpoint cosigned of a referendum's log (a signed note)",
        response_class=PlainTextResponse,
    )
    def checkpoint(fingerprint: str) -> PlainTextResponse:
        if not _FINGERPRINT.fullmatch(fingerprint):
            raise HTTPException(
                400,
                {
                    "error": "bad_input",
                    "field": "fingerprint",
                    "reason": "64 lower-case hex digits",
                },
            )
        note = witness.cosigned(fingerprint)
        if note is None:
            raise HTTPException(
                404,
                {
                    "error": "not_found",
                    "field": "fingerprint",
                    "reason": "this witness has cosigned no checkpoint of this referendum",
                },
            )
        return PlainTextResponse(note, media_type="text/plain; charset=utf-8", headers=_PUBLIC)

    @app.get("/evidence", summary="The split-view statements this witness kept")
    def evidence() -> list[dict[str, Any]]:
        return [statement for _, statement in witness.state.evidence()]

    return app
