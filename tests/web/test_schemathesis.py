"""The API against its own OpenAPI schema (issue 18, part 5): schemathesis generates requests
for every operation, public and authenticated (with the organiser's and a trustee's tokens),
and checks that no answer is a server error and every status, media type and body is the one
the schema declares.  A bounded number of examples per operation keeps it within seconds."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.helpers import ready_referendum
from referendum.board.sqlite import SqliteBoard
from referendum.web.app import create_app
from referendum.web.openapi import ANSWERS

from .conftest import ORGANISER, TRUSTEES, bearer, serve

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 25


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """An open referendum (ballots can be cast) served by the app, on SQLite."""
    board = SqliteBoard(tmp_path_factory.mktemp("schemathesis") / "board.sqlite")
    served = serve(ready_referendum(board), burst=1_000_000)
    return create_app(served.ctx)


@pytest.fixture(scope="module")
def api_schema(api_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", api_app)


OPERATIONS = sorted(ANSWERS)


def test_every_operation_states_its_answers(api_app: Any) -> None:
    """Each operation of the schema is in ANSWERS (a new one must state what it answers),
    each refusal with the error body's schema, the archives with their media types."""
    paths = api_app.openapi()["paths"]
    operations = {(method, path) for path, ops in paths.items() for method in ops}
    assert operations == set(ANSWERS)
    for (method, path), statuses in ANSWERS.items():
        declared = paths[path][method]["responses"]
        assert {str(s) for s in statuses} <= set(declared)
        for status in statuses:
            body = declared[str(status)]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorBody"}
    for name, media in (("record.tar.gz", "application/gzip"), ("record.zip", "application/zip")):
        assert list(paths[f"/api/{name}"]["get"]["responses"]["200"]["content"]) == [media]


def _fuzz(api_schema: Any, operation: tuple[str, str], headers: dict[str, str]) -> None:
    method, path = operation
    api_operation = api_schema[path][method.upper()]
    strategy = st.one_of(
        api_operation.as_strategy(GenerationMode.POSITIVE),
        api_operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("operation", OPERATIONS, ids=" ".join)
def test_public_operations_answer_as_the_schema_says(
    api_schema: Any, operation: tuple[str, str]
) -> None:
    _fuzz(api_schema, operation, {})


@pytest.mark.parametrize(
    "operation",
    [o for o in OPERATIONS if o[1].startswith(("/api/organiser", "/api/trustee"))],
    ids=" ".join,
)
def test_authenticated_operations_answer_as_the_schema_says(
    api_schema: Any, operation: tuple[str, str]
) -> None:
    token = TRUSTEES[1] if operation[1].startswith("/api/trustee/") else ORGANISER
    _fuzz(api_schema, operation, bearer(token))
