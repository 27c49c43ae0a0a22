"""Server-rendered pages: the public board, the booth, organiser and trustee pages.

Pages need no script except the booth (``/static/booth.js``); every form that changes state
carries the CSRF token; organiser and trustee pages need a signed-in account (a token from
the token file, kept in an HttpOnly, SameSite=Strict cookie).
"""

from __future__ import annotations

import inspect
import json
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from referendum.errors import InputError, ReferendumError
from referendum.protocol.state import manifest_fingerprint
from referendum.record.manifest import manifest_from_mapping, manifest_from_payload
from referendum.services.readable import QuestionResults, results_view
from referendum.web import actions, documents
from referendum.web.api import ExportsDep, get_context, record_headers
from referendum.web.auth import Account
from referendum.web.charts import bar_chart
from referendum.web.context import WebContext
from referendum.web.errors import error_status, log_refusal
from referendum.web.exports import NotReady
from referendum.web.i18n import LANG_COOKIE, LANGUAGES, Translator, choose_language
from referendum.web.manifest_form import form_field, manifest_from_form
from referendum.web.security import CSRF_COOKIE, CSRF_FIELD, csrf_ok
from referendum.web.texts import ManifestTexts

__all__ = ["SESSION_COOKIE", "error_page", "router"]

SESSION_COOKIE = "referendum_session"
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
router = APIRouter(include_in_schema=False)
Ctx = Annotated[WebContext, Depends(get_context)]


def _lang(request: Request) -> str:
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def _account(request: Request) -> Account | None:
    ctx: WebContext = request.app.state.ctx
    return ctx.accounts.find(request.cookies.get(SESSION_COOKIE))


def _referendum_values(summary: dict[str, Any] | None, t: Translator) -> dict[str, Any]:
    """The referendum's texts in the reader's language, and its results arranged to read."""
    if summary is None or summary.get("phase") == "empty":
        return {"texts": None, "view": None, "chart": None}
    manifest = manifest_from_payload(summary["manifest"])
    texts = ManifestTexts(manifest, t)

    def chart(chart_id: str, title: str, question: QuestionResults) -> Any:
        labels = texts.question(question.id).answers
        bars = [(labels[f.answer], f) for f in question.total.answers]
        return bar_chart(chart_id, title, bars)

    results = summary.get("results")
    view = results_view(manifest, results) if results else None
    return {"texts": texts, "view": view, "chart": chart}


def utc_text(moment: str) -> str:
    """A UTC time of the record as people read it: ``2026-05-04 08:00:00 UTC``."""
    return moment.replace("T", " ").rstrip("Z").split(".")[0] + " UTC"


def when(moment: str | None) -> Markup:
    """:func:`utc_text` in a ``<time>`` element, which ``/static/time.js`` completes with the
    time in the reader's own time zone."""
    if not moment:
        return Markup("–")
    return Markup('<time datetime="{0}">{1}</time>').format(moment, utc_text(moment))


_TEMPLATES.filters["when"] = when
_TEMPLATES.filters["utc"] = utc_text


def _with_lang(request: Request, code: str) -> str:
    """The request's query string with ``lang=code`` (the page's other parameters kept, so
    that switching language keeps a tracking code's result or a list's page)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return urlencode([*kept, ("lang", code)])


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Render a page in the request's language, with a CSRF token (cookie set if new)."""
    ctx: WebContext = request.app.state.ctx
    lang = _lang(request)
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    t = Translator(lang)
    for optional in ("form", "invalid", "review", "board_public", "by_region", "rebuilding"):
        values.setdefault(optional, None)
    values.setdefault("scheduled", ctx.schedule)
    html = _TEMPLATES.get_template(template).render(
        **_referendum_values(values.get("s"), t),
        t=t,
        lang=lang,
        languages=LANGUAGES,
        path=request.url.path,
        query=str(request.url.query),
        lang_query=lambda code: _with_lang(request, code),
        csrf_field=CSRF_FIELD,
        csrf=csrf,
        account=_account(request),
        **values,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(
            CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=ctx.secure_cookies
        )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400, secure=ctx.secure_cookies
        )
    return response


def error_page(request: Request, status: int, body: dict[str, Any]) -> HTMLResponse:
    """An error as a page (status kept)."""
    return render(request, "error.html", status=status, status_code=status, error=body)


def _refused(request: Request, exc: ReferendumError) -> tuple[int, dict[str, Any]]:
    """The status and body of a refusal, logged without its content."""
    status, body = error_status(exc)
    log_refusal(request.method, request.url.path, status, exc)
    return status, body


def _check_csrf(request: Request, token: str | None) -> None:
    if not csrf_ok(request.cookies.get(CSRF_COOKIE), token):
        raise HTTPException(
            403,
            detail={
                "error": "csrf",
                "field": CSRF_FIELD,
                "reason": "the form's security token is missing or stale; reload the page",
            },
        )


def _need(request: Request, role: str) -> Account:
    account = _account(request)
    if account is None:
        raise HTTPException(
            401, detail={"error": "unauthorized", "field": "session", "reason": "sign in first"}
        )
    if account.role != role:
        raise HTTPException(
            403,
            detail={
                "error": "forbidden",
                "field": "session",
                "reason": f"this page is for the {role}",
            },
        )
    return account


def _script_json(data: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` element."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def _summary(ctx: WebContext) -> dict[str, Any]:
    return actions.summary(ctx)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: Ctx) -> HTMLResponse:
    s = _summary(ctx)
    deniable = s.get("manifest", {}).get("revoting") == "deniable"
    return render(request, "board.html", s=s, by_region=_by_region(ctx) if deniable else None)


def _with_booth_script(request: Request, ctx: Ctx, template: str) -> HTMLResponse:
    """A page running the booth's script, with its messages in the page's language."""
    t = Translator(_lang(request))
    return render(
        request,
        template,
        s=_summary(ctx),
        booth_messages=_script_json({**t.messages("booth."), **t.messages("reason.")}),
    )


@router.get("/booth", response_class=HTMLResponse)
def booth(request: Request, ctx: Ctx) -> HTMLResponse:
    return _with_booth_script(request, ctx, "booth.html")


@router.get("/challenge", response_class=HTMLResponse)
def challenge(request: Request, ctx: Ctx) -> HTMLResponse:
    return _with_booth_script(request, ctx, "challenge.html")


@router.get("/track", response_class=HTMLResponse)
def track(
    request: Request, ctx: Ctx, code: Annotated[str | None, Query(max_length=200)] = None
) -> HTMLResponse:
    found = None
    error = None
    if code:
        try:
            found = actions.ballot_status(ctx, code)
        except InputError as exc:
            error = exc.reason
    return render(request, "track.html", s=_summary(ctx), code=code or "", found=found, error=error)


@router.get("/ballots", response_class=HTMLResponse)
def ballots(request: Request, ctx: Ctx, after: actions.After = -1) -> HTMLResponse:
    return render(
        request, "ballots.html", s=_summary(ctx), page=actions.accepted_page(ctx, after=after)
    )


@router.get("/rejections", response_class=HTMLResponse)
def rejections(request: Request, ctx: Ctx, after: actions.After = -1) -> HTMLResponse:
    return render(
        request, "rejections.html", s=_summary(ctx), page=actions.rejected_page(ctx, after=after)
    )


@router.get("/verify", response_class=HTMLResponse)
def verify(request: Request, ctx: Ctx, exports: ExportsDep) -> HTMLResponse:
    """The verifier's report, built in the background (``web/exports.py``): until the first
    is ready, a 503 page saying so, with the build's progress, ``Retry-After`` and a link to
    reload (no script, no automatic refresh)."""
    if not ctx.has_referendum():
        return render(request, "verify.html", s=_summary(ctx), report=None, preparing=None)
    got = exports.get("verify")
    if isinstance(got, NotReady):
        progress = got.progress
        response = render(
            request, "verify.html", status=503, s=_summary(ctx), report=None,
            preparing=progress, failed=got.failed,
        )  # fmt: skip
        response.headers["Retry-After"] = str(progress.retry_after)
        return response
    response = render(
        request, "verify.html", s=_summary(ctx), report=got.value, preparing=None,
        rebuilding=exports.building("verify"),
    )  # fmt: skip
    response.headers.update(record_headers(got, exports.building("verify")))
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", failed=False)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    ctx: Ctx,
    token: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    _check_csrf(request, csrf_token)
    account = ctx.accounts.find(token.strip())
    if account is None:
        return render(request, "login.html", status=401, failed=True)
    target = "/organiser" if account.role == "organiser" else "/trustee"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token.strip(), httponly=True, samesite="strict", secure=ctx.secure_cookies
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str | None, Form()] = None) -> Response:
    _check_csrf(request, csrf_token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/organiser", response_class=HTMLResponse)
def organiser(request: Request, ctx: Ctx) -> HTMLResponse:
    _need(request, "organiser")
    done = request.query_params.get("done")
    message = f"organiser.done.{done}" if done in _DONE else ("organiser.done" if done else None)
    return render(
        request, "organiser.html", s=_summary(ctx), message=message, error=None,
        board_public=None if ctx.board_key is None else ctx.board_key.public.hex(),
        by_region=_by_region(ctx),
    )  # fmt: skip


def _by_region(ctx: WebContext) -> dict[str, int]:
    return actions.ballots_by_region(ctx) if ctx.has_referendum() else {}


_DONE = frozenset({"manifest", "credentials", "election-key", "open", "close", "tally", "results"})


async def _organiser_do(
    request: Request, ctx: WebContext, done: str, work: Any, *args: Any
) -> Response:
    try:
        if inspect.iscoroutinefunction(work):
            await work(ctx, *args)
        else:
            await run_in_threadpool(work, ctx, *args)
    except ReferendumError as exc:
        status, body = _refused(request, exc)
        return render(
            request, "organiser.html", status=status, s=_summary(ctx), message=None, error=body,
            by_region=_by_region(ctx),
        )  # fmt: skip
    return RedirectResponse(f"/organiser?done={done}", status_code=303)  # post, redirect, get


@router.post("/organiser/form", response_class=HTMLResponse)
async def organiser_form(request: Request, ctx: Ctx) -> Response:
    """The form's manifest, checked and shown for review (publishing is the next step)."""
    _need(request, "organiser")
    submitted = await request.form()
    values = {k: v for k, v in submitted.items() if isinstance(v, str) and len(v) < 200_000}
    _check_csrf(request, values.get(CSRF_FIELD))
    own_key = None if ctx.board_key is None else ctx.board_key.public.hex()
    summary = _summary(ctx)
    try:
        data = manifest_from_form(values, board_key=own_key)
        built = manifest_from_mapping(data)
    except InputError as exc:
        status, body = _refused(request, exc)
        invalid = exc.field if exc.field in values else form_field(exc.field, values)
        return render(
            request, "organiser.html", status=status, s=summary, message=None, error=body,
            form=values, invalid=invalid, by_region=_by_region(ctx),
        )  # fmt: skip
    payload = built.to_payload()
    review = {
        "manifest": built,
        "text": json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True),
        "fingerprint": manifest_fingerprint(payload).hex(),
        "rule": json.dumps(payload["rule"], sort_keys=True),
    }
    return render(
        request, "organiser.html", s=summary, message="organiser.review_ready", error=None,
        form=values, review=review, board_public=own_key, by_region=_by_region(ctx),
    )  # fmt: skip


async def _upload_text(
    document: actions.Document, upload: UploadFile | None, text: str | None
) -> tuple[bytes, documents.Syntax]:
    """The uploaded file's bytes and syntax (by its name's suffix), or the pasted text's (a
    manifest in the first format that reads it; a credential list JSON when it starts as JSON
    does, else YAML)."""
    if upload is not None and upload.filename:
        return await upload.read(), documents.syntax_of(None, filename=upload.filename)
    pasted = (text or "").encode("utf-8", "surrogatepass")
    if document == "manifest":
        return pasted, "auto"
    return pasted, "json" if pasted.lstrip()[:1] in (b"{", b"[") else "yaml"


@router.post("/organiser/upload/{document}", response_class=HTMLResponse)
async def organiser_upload(
    request: Request,
    ctx: Ctx,
    document: actions.Document,
    csrf_token: Annotated[str | None, Form()] = None,
    upload: Annotated[UploadFile | None, Form()] = None,
    text: Annotated[str | None, Form()] = None,
) -> Response:
    _need(request, "organiser")
    _check_csrf(request, csrf_token)
    content, syntax = await _upload_text(document, upload, text)

    async def publish(ctx: WebContext) -> None:
        if not content.strip():
            raise InputError(document, "choose a file or paste its content")
        data = await documents.read_document_async(
            content, kind=document, syntax=syntax, field=document
        )
        await run_in_threadpool(actions.publish_document, ctx, document, data)

    return await _organiser_do(request, ctx, document, publish)


@router.post("/organiser/step/{step}", response_class=HTMLResponse)
async def organiser_step(
    request: Request,
    ctx: Ctx,
    step: actions.OrganiserStep,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    _need(request, "organiser")
    _check_csrf(request, csrf_token)
    return await _organiser_do(request, ctx, step, actions.organiser_step, step)


def _trustee_page(
    request: Request,
    ctx: Ctx,
    account: Account,
    *,
    status: int = 200,
    error: dict[str, Any] | None = None,
    message: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "trustee.html",
        status=status,
        s=_summary(ctx),
        me=account.trustee,
        error=error,
        message=message,
    )


@router.get("/trustee", response_class=HTMLResponse)
def trustee(request: Request, ctx: Ctx) -> HTMLResponse:
    return _trustee_page(request, ctx, _need(request, "trustee"))


@router.post("/trustee/submit", response_class=HTMLResponse)
async def trustee_submit(
    request: Request,
    ctx: Ctx,
    csrf_token: Annotated[str | None, Form()] = None,
    step_file: Annotated[UploadFile | None, Form()] = None,
) -> Response:
    account = _need(request, "trustee")
    _check_csrf(request, csrf_token)
    assert account.trustee is not None
    try:
        if step_file is None or not step_file.filename:
            raise InputError("step_file", "choose the file the CLI wrote")
        data = await documents.read_document_async(
            await step_file.read(), kind="step_file", syntax="json", field="step_file"
        )
        await run_in_threadpool(actions.submit_trustee_step, ctx, account.trustee, data)
    except ReferendumError as exc:
        status, body = _refused(request, exc)
        return _trustee_page(request, ctx, account, status=status, error=body)
    return _trustee_page(request, ctx, account, message="trustee.submitted")


@router.post("/trustee/{step}", response_class=HTMLResponse)
async def trustee_step(
    request: Request,
    ctx: Ctx,
    step: actions.TrusteeStep,
    csrf_token: Annotated[str | None, Form()] = None,
    key_file: Annotated[UploadFile | None, Form()] = None,
) -> Response:
    account = _need(request, "trustee")
    _check_csrf(request, csrf_token)
    assert account.trustee is not None
    data = None
    try:
        if key_file is not None and key_file.filename:
            data = await documents.read_document_async(
                await key_file.read(), kind="key_file", syntax="json", field="key_file"
            )
        out = await run_in_threadpool(actions.trustee_step, ctx, account.trustee, step, data)
    except ReferendumError as exc:
        status, body = _refused(request, exc)
        return _trustee_page(request, ctx, account, status=status, error=body)
    if out is None:
        return _trustee_page(request, ctx, account, message="trustee.done")
    name = f"trustee-{account.trustee}-key.json"
    return Response(
        json.dumps(out, indent=2) + "\n",
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
