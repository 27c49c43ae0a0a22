"""The JSON API (``/api/...``), documented by the app's OpenAPI schema at ``/api/openapi.json``.

Public: the referendum's state, casting, tracking codes, accepted and refused ballots,
results, the record (tar.gz or zip) and the verifier's report (built in the background,
``web/exports.py``: 503 with ``Retry-After`` until the first is ready).  Organiser and
trustee steps need ``Authorization: Bearer TOKEN`` of an account with that role.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from referendum.services import checkpoints as log
from referendum.web import actions, documents
from referendum.web.auth import Account, Role
from referendum.web.casting import cast_answer
from referendum.web.context import WebContext
from referendum.web.errors import REJECTION_STATUS
from referendum.web.exports import Built, Exports, Kind, NotReady

__all__ = [
    "ARCHIVES",
    "NDJSON",
    "ExportsDep",
    "bearer_account",
    "get_context",
    "get_exports",
    "not_ready",
    "record_headers",
    "router",
]

router = APIRouter(prefix="/api")
NDJSON = "application/x-ndjson"


def get_context(request: Request) -> WebContext:
    """The application's :class:`WebContext`."""
    ctx: WebContext = request.app.state.ctx
    return ctx


Ctx = Annotated[WebContext, Depends(get_context)]


def bearer_account(ctx: Ctx, authorization: Annotated[str | None, Header()] = None) -> Account:
    """The account of the request's bearer token (401 without a valid one)."""
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    account = ctx.accounts.find(token)
    if account is None:
        raise HTTPException(
            401,
            detail={
                "error": "unauthorized",
                "field": "authorization",
                "reason": "a valid organiser or trustee token is needed",
            },
            headers={"WWW-Authenticate": "Bearer"},
        )
    return account


def _require(account: Account, role: Role, trustee: int | None = None) -> None:
    if account.role != role or (trustee is not None and account.trustee != trustee):
        who = f"trustee {trustee}" if trustee is not None else role
        raise HTTPException(
            403,
            detail={
                "error": "forbidden",
                "field": "authorization",
                "reason": f"only the {who} may do this",
            },
        )


Authed = Annotated[Account, Depends(bearer_account)]


@router.get("/referendum", summary="The referendum: manifest, phase, key, trustees, counts")
def get_referendum(ctx: Ctx) -> dict[str, Any]:
    return actions.summary(ctx)


@router.get("/ceremony", summary="The key ceremony's events: deals, checks, election key")
def get_ceremony(ctx: Ctx) -> dict[str, Any]:
    actions.require_record(ctx)
    return actions.ceremony(ctx)


@router.get(
    "/credentials/{public}",
    summary="The region of a public credential and its last ballot (what a new one replaces)",
)
def get_credential(ctx: Ctx, public: str) -> dict[str, Any]:
    actions.require_record(ctx)
    region = actions.region_of_credential(ctx, public)
    if region is None:
        raise HTTPException(
            404,
            detail={
                "error": "unknown_credential",
                "field": "credential",
                "reason": "this credential is on no region's list",
            },
        )
    return {
        "credential": public.lower(),
        "region": region,
        "last_tracking_code": actions.last_ballot_of(ctx, public),
    }


@router.post(
    "/ballots",
    status_code=201,
    summary="Cast a ballot submission (JSON); refused ones are logged on the board",
    responses={
        status: {
            "description": "refused and logged: "
            + ", ".join(sorted(r for r, s in REJECTION_STATUS.items() if s == status))
        }
        for status in set(REJECTION_STATUS.values())
    },
)
async def post_ballot(request: Request, ctx: Ctx) -> Any:
    # answered by the lean path (web/casting.py: CastRoute) before this route; the same
    # answer here when the application is mounted without it
    status, answer, headers = await cast_answer(
        ctx,
        request.app.state.batcher,
        content_type=request.headers.get("content-type", ""),
        client=request.client.host if request.client else "unknown",
        body=request.body,
    )
    return JSONResponse(
        answer, status_code=status, headers={k.decode(): v.decode() for k, v in headers}
    )


@router.get("/ballots", summary="Accepted ballots (tracking codes), oldest first")
def get_ballots(
    ctx: Ctx,
    after: actions.After = -1,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return actions.accepted_page(ctx, after=after, limit=limit)


@router.get("/ballots/{tracking_code}", summary="Look a tracking code up")
def get_ballot(ctx: Ctx, tracking_code: str) -> dict[str, Any]:
    found = actions.ballot_status(ctx, tracking_code)
    if found is None:
        raise HTTPException(
            404,
            detail={
                "error": "not_found",
                "field": "tracking_code",
                "reason": "no ballot with this tracking code is on the board",
            },
        )
    return found


@router.get("/rejections", summary="Refused submissions with their reasons")
def get_rejections(
    ctx: Ctx,
    after: actions.After = -1,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    return actions.rejected_page(ctx, after=after, limit=limit)


@router.get(
    "/events",
    summary="The board's events after a height, as record lines (application/x-ndjson)",
    response_class=Response,
)
def get_events(
    ctx: Ctx,
    after: actions.After = -1,
    limit: Annotated[int, Query(ge=1, le=actions.EVENTS_PAGE_MAX)] = 500,
) -> Response:
    return Response(actions.events_page(ctx, after=after, limit=limit), media_type=NDJSON)


@router.get("/results", summary="The published results and outcome")
def get_results(ctx: Ctx) -> dict[str, Any]:
    actions.require_record(ctx)
    results = ctx.state().results
    if results is None:
        raise HTTPException(
            404,
            detail={
                "error": "not_published",
                "field": "results",
                "reason": "the results are not published yet",
            },
        )
    return results


def get_exports(request: Request) -> Exports:
    """The application's background :class:`~referendum.web.exports.Exports`."""
    exports: Exports = request.app.state.exports
    return exports


ExportsDep = Annotated[Exports, Depends(get_exports)]


def record_headers(built: Built, rebuilding: bool) -> dict[str, str]:
    """Which head an archive or report is of, and whether a later one is being built."""
    return {
        "X-Record-Head": built.head or "",
        "X-Record-Events": str(built.events),
        "X-Record-Rebuilding": "yes" if rebuilding else "no",
    }


def not_ready(answer: NotReady) -> JSONResponse:
    """The 503 of a kind with no value yet: its progress, and Retry-After."""
    return JSONResponse(
        answer.body(),
        status_code=503,
        headers={"Retry-After": str(answer.progress.retry_after), "Cache-Control": "no-store"},
    )


_IN_BACKGROUND = " (built in the background: 503 and Retry-After until the first is ready)"
ARCHIVES: tuple[tuple[Kind, str, str], ...] = (
    ("tar", "record.tar.gz", "application/gzip"),
    ("zip", "record.zip", "application/zip"),
)
"""The record's archives: kind, file name (``/api/NAME``), media type."""


def _archive_route(kind: Kind, filename: str, media_type: str) -> None:
    def get_record(ctx: Ctx, exports: ExportsDep) -> Response:
        actions.require_record(ctx)
        got = exports.get(kind)
        if isinstance(got, NotReady):
            return not_ready(got)
        return FileResponse(
            got.value,
            media_type=media_type,
            filename=filename,
            headers=record_headers(got, exports.building(kind)),
        )

    get_record.__name__ = f"get_record_{kind}"  # the operation's id
    extension = filename.split(".", 1)[1]
    summary = f"The election record as a .{extension} archive{_IN_BACKGROUND}"
    router.get(f"/{filename}", summary=summary)(get_record)


for _kind, _filename, _media_type in ARCHIVES:
    _archive_route(_kind, _filename, _media_type)


@router.get(
    "/verify",
    summary=f"The verifier's report on a recent export of the record{_IN_BACKGROUND}",
)
def get_verify(ctx: Ctx, exports: ExportsDep) -> Response:
    actions.require_record(ctx)
    got = exports.get("verify")
    if isinstance(got, NotReady):
        return not_ready(got)
    return JSONResponse(
        {**got.value, "events": got.events},
        headers=record_headers(got, exports.building("verify")),
    )


@router.post(
    "/organiser/{document}",
    status_code=201,
    summary="Publish the manifest (TOML, YAML or JSON body), or a region's signed credential "
    "list or reissue (JSON or YAML body)",
)
async def post_document(
    request: Request, ctx: Ctx, account: Authed, document: actions.Document
) -> dict[str, Any]:
    _require(account, "organiser")
    syntax = documents.syntax_of(request.headers.get("content-type"))
    data = await documents.read_document_async(
        await request.body(), kind=document, syntax=syntax, field=document
    )
    return await run_in_threadpool(actions.publish_document, ctx, document, data)


@router.post("/organiser/step/{step}", summary="Publish the key, open, close, tally, results")
def post_organiser_step(ctx: Ctx, account: Authed, step: actions.OrganiserStep) -> dict[str, Any]:
    _require(account, "organiser")
    return actions.organiser_step(ctx, step)


@router.post(
    "/trustee/{trustee}/submit",
    summary="A trustee's step made offline with the CLI (--record DIR --out FILE): the body",
)
async def post_trustee_submit(request: Request, ctx: Ctx, account: Authed, trustee: int) -> Any:
    _require(account, "trustee", trustee)
    data = await _json_document(request, "step_file")
    return await run_in_threadpool(actions.submit_trustee_step, ctx, trustee, data)


@router.post(
    "/trustee/{trustee}/{step}",
    summary="A trustee's step; setup returns the key file, the others take it as the body",
)
async def post_trustee_step(
    request: Request, ctx: Ctx, account: Authed, trustee: int, step: actions.TrusteeStep
) -> Any:
    _require(account, "trustee", trustee)
    key_file = await _json_document(request, "key_file")
    out = await run_in_threadpool(actions.trustee_step, ctx, trustee, step, key_file)
    return {"ok": True} if out is None else out


async def _json_document(request: Request, kind: documents.DocumentKind) -> Any:
    """A trustee's JSON file from the body (``None`` for an empty body)."""
    body = await request.body()
    if not body.strip():
        return None
    syntax = documents.syntax_of(request.headers.get("content-type"))
    return await documents.read_document_async(body, kind=kind, syntax=syntax, field=kind)


# -- the transparency log (docs/spec/log.md section 6) ------------------------------------------


@router.get(
    "/log/checkpoint",
    summary="The log's latest signed checkpoint (a C2SP signed note, text/plain)",
    response_class=PlainTextResponse,
)
def get_log_checkpoint(ctx: Ctx) -> Response:
    ctx.checkpoint_if_due()
    latest = ctx.board.latest_checkpoint()
    if latest is None:
        raise HTTPException(
            404,
            detail={
                "error": "no_checkpoint",
                "field": "checkpoint",
                "reason": "the board has published no checkpoint yet",
            },
        )
    return PlainTextResponse(latest[1], headers={"Cache-Control": "no-cache"})


@router.get(
    "/log/checkpoints",
    summary="Signed checkpoints of size greater than after, ascending (100 a page; more)",
)
def get_log_checkpoints(ctx: Ctx, after: int = -1) -> dict[str, Any]:
    ctx.checkpoint_if_due()
    return log.checkpoint_page(ctx.board, after)


@router.get(
    "/log/inclusion",
    summary="The leaf hash of event index and its inclusion proof in the tree of size size",
)
def get_log_inclusion(ctx: Ctx, index: int, size: int) -> dict[str, Any]:
    return log.inclusion(ctx.board, index, size)


@router.get(
    "/log/consistency",
    summary="The consistency proof between the trees of sizes from and to",
)
def get_log_consistency(
    ctx: Ctx,
    old: Annotated[int, Query(alias="from")],
    new: Annotated[int, Query(alias="to")],
) -> dict[str, Any]:
    return log.consistency(ctx.board, old, new)
