"""The API's OpenAPI schema, made to tell the truth: every status each operation can answer
with (with the schema of its error body), the bodies the raw-body operations read, and the
media types of what is not JSON (record archives, NDJSON, signed notes).

FastAPI derives the schema from the routes, which read their bodies themselves and answer
refusals through exception handlers and middleware it cannot see; :data:`ANSWERS` states,
per operation, what the handlers (``web/errors.py``) and middleware (``web/security.py``:
413, 408) can answer.  A test fails for an operation missing from it, and schemathesis
checks every answer against the schema (``tests/web/test_schemathesis.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from referendum.web.errors import ErrorBody, error_responses

__all__ = ["ANSWERS", "BODIES", "CONTENT", "truthful_openapi"]

_POST = (408, 413)  # any body: too slow, too large (web/security.py)
_AUTHED = (401, 403)

ANSWERS: dict[tuple[str, str], tuple[int, ...]] = {
    ("get", "/api/referendum"): (),
    ("get", "/api/ceremony"): (404,),
    ("get", "/api/credentials/{public}"): (404,),
    ("post", "/api/ballots"): (400, 403, 409, 415, 422, 429, 503, *_POST),
    ("get", "/api/ballots"): (422,),
    ("get", "/api/ballots/{tracking_code}"): (400, 404),
    ("get", "/api/rejections"): (422,),
    ("get", "/api/events"): (422,),
    ("get", "/api/results"): (404,),
    ("get", "/api/record.tar.gz"): (404, 503),
    ("get", "/api/record.zip"): (404, 503),
    ("get", "/api/verify"): (404, 503),
    ("post", "/api/organiser/{document}"): (400, *_AUTHED, 409, 422, 503, *_POST),
    ("post", "/api/organiser/step/{step}"): (400, *_AUTHED, 409, 422, 503, *_POST),
    ("post", "/api/trustee/{trustee}/submit"): (400, *_AUTHED, 409, 422, 503, *_POST),
    ("post", "/api/trustee/{trustee}/{step}"): (400, *_AUTHED, 409, 422, 503, *_POST),
    ("get", "/api/log/checkpoint"): (404,),
    ("get", "/api/log/checkpoints"): (400, 422),
    ("get", "/api/log/inclusion"): (400, 422),
    ("get", "/api/log/consistency"): (400, 422),
}
"""The refusals (besides its success) each operation can answer with."""

_OBJECT: dict[str, Any] = {"type": "object"}
_BINARY: dict[str, Any] = {"type": "string", "format": "binary"}

CONTENT: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("get", "/api/record.tar.gz"): {"application/gzip": {"schema": _BINARY}},
    ("get", "/api/record.zip"): {"application/zip": {"schema": _BINARY}},
    ("get", "/api/events"): {"application/x-ndjson": {"schema": {"type": "string"}}},
}
"""The media type of each success that is not JSON (text/plain is FastAPI's own)."""

_DOCUMENT = {
    "application/json": {"schema": _OBJECT},
    "application/yaml": {"schema": {"type": "string"}},
}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/ballots"): {
        "required": True,
        "description": "a ballot submission (docs/spec/events.md, ballot.rejected: "
        "Submissions), at most 65,536 bytes",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "election": {"type": "string"},
                        "region": {"type": "string"},
                        "credential": {"type": "string"},
                        "ballot": _OBJECT,
                        "signature": _OBJECT,
                        "replaces": {"type": ["string", "null"]},
                    },
                }
            }
        },
    },
    ("post", "/api/organiser/{document}"): {
        "required": True,
        "description": "the manifest or a signed credential list, as JSON (or YAML when "
        "sent as application/yaml)",
        "content": _DOCUMENT,
    },
    ("post", "/api/trustee/{trustee}/submit"): {
        "required": True,
        "description": "the step file the CLI wrote ({type, payload})",
        "content": {"application/json": {"schema": _OBJECT}},
    },
    ("post", "/api/trustee/{trustee}/{step}"): {
        "required": False,
        "description": "the trustee's key file (not for setup)",
        "content": {"application/json": {"schema": _OBJECT}},
    },
}
"""The bodies of the operations that read theirs raw."""

_RESENT = {
    "description": "a resend: the receipt of the same ballot, already on the board",
    "content": {"application/json": {"schema": _OBJECT}},
}


def truthful_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The ``app.openapi`` that builds (once) the schema with :data:`ANSWERS`,
    :data:`CONTENT` and :data:`BODIES` applied."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorBody"] = ErrorBody.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        ref = {"$ref": "#/components/schemas/ErrorBody"}
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                key = (method, path)
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)  # FastAPI's own shape; ours is ErrorBody
                for status, answer in error_responses(*ANSWERS.get(key, ())).items():
                    responses[str(status)] = {
                        "description": answer["description"],
                        "content": {"application/json": {"schema": ref}},
                    }
                if key in CONTENT:
                    success = next(s for s in responses if s.startswith("2"))
                    responses[success]["content"] = CONTENT[key]
                if key in BODIES:
                    operation["requestBody"] = BODIES[key]
                if key == ("post", "/api/ballots"):
                    responses["200"] = _RESENT
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    return build
