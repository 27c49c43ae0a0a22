"""``referendum serve`` (the web application) and ``referendum web-token`` (organiser and
trustee accounts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from referendum.cli.board import BoardKeyOption, load_board_key
from referendum.cli.main import app

__all__ = ["serve", "web_token"]

DEFAULT_DB = "sqlite:///board.sqlite"
DEFAULT_TOKENS = Path("web-tokens.json")


@app.command()
def serve(
    db: Annotated[
        str, typer.Option(help="The board: sqlite:///file.db, postgresql://... or a path.")
    ] = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    tokens: Annotated[
        Path, typer.Option(help="Token file of the organiser and trustee accounts.")
    ] = DEFAULT_TOKENS,
    cast_rate: Annotated[
        float, typer.Option(help="Ballots per second allowed from one client address.", min=0)
    ] = 1.0,
    cast_burst: Annotated[
        int, typer.Option(help="Ballots one client address may cast at once.", min=1)
    ] = 20,
    secure_cookies: Annotated[
        bool, typer.Option(help="Mark cookies Secure (behind HTTPS).")
    ] = False,
    verify_workers: Annotated[
        int, typer.Option(help="Processes the verifier page may use.", min=1)
    ] = 1,
    export_wait: Annotated[
        float,
        typer.Option(
            help="Seconds a request for a record archive or the verifier's report waits for "
            "its build in the background before answering 503 with Retry-After (or the "
            "earlier one while a rebuild runs).",
            min=0,
        ),
    ] = 1.0,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes (each with its own rate limits and state cache).", min=1
        ),
    ] = 1,
    board_key: BoardKeyOption = Path("board.key"),
    checkpoint_every: Annotated[
        int, typer.Option(help="Sign a checkpoint of the log at least every N events.", min=1)
    ] = 1000,
    checkpoint_seconds: Annotated[
        float,
        typer.Option(
            help="Sign a checkpoint when the last one is this many seconds old and the log "
            "has grown (looked at every quarter of this, at each append and at each request "
            "for a checkpoint).",
            min=0.001,
        ),
    ] = 10.0,
    schedule: Annotated[
        bool,
        typer.Option(
            help="Open voting when the manifest's first period begins and close it when the "
            "last one has ended, without the organiser."
        ),
    ] = False,
) -> None:
    """Serve the voting booth, the public bulletin board, the organiser and trustee pages
    and the JSON API (OpenAPI schema at /api/openapi.json) over the board DB."""
    import dataclasses
    import json
    import os

    import uvicorn

    from referendum.board.open import open_board
    from referendum.services.checkpoints import CheckpointPolicy
    from referendum.web.access_log import log_config
    from referendum.web.app import ENV_SETTINGS, create_app
    from referendum.web.auth import Accounts
    from referendum.web.context import Limits, WebContext
    from referendum.web.security import TimedHttpProtocol

    accounts = Accounts.load(tokens)
    key = load_board_key(board_key)  # read now: a missing key stops the server at once
    limits = Limits(cast_per_second=cast_rate, cast_burst=cast_burst, export_wait=export_wait)
    policy = CheckpointPolicy(every=checkpoint_every, seconds=checkpoint_seconds)
    typer.echo(
        f"serving {_safe(db)} on http://{host}:{port}/ with {workers} process(es) "
        f"({len(accounts.accounts)} organiser/trustee accounts)"
    )
    # access logs show paths and statuses only (never bodies, cookies or tokens), and no
    # accepted ballot (web/access_log.py)
    if workers > 1:
        os.environ[ENV_SETTINGS] = json.dumps(
            {
                "db": db,
                "tokens": str(tokens.resolve()),
                "limits": dataclasses.asdict(limits),
                "verify_workers": verify_workers,
                "secure_cookies": secure_cookies,
                "board_key": str(board_key.resolve()),
                "checkpoints": dataclasses.asdict(policy),
                "schedule": schedule,
            }
        )
        uvicorn.run(
            "referendum.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=log_config(),
            access_log=False,  # web/access_log.py keeps the access log
            http=TimedHttpProtocol,
        )
        return
    board = open_board(db)
    ctx = WebContext(
        board=board,
        board_url=db,  # the record's exports open it again in a process of their own
        accounts=accounts,
        limits=limits,
        workers=verify_workers,
        secure_cookies=secure_cookies,
        board_key=key,
        checkpoint_policy=policy,
        schedule=schedule,
    )
    try:
        uvicorn.run(
            create_app(ctx),
            host=host,
            port=port,
            log_config=log_config(),
            access_log=False,  # web/access_log.py keeps the access log
            http=TimedHttpProtocol,
        )
    finally:
        board.close()


def _safe(url: str) -> str:
    """The URL without its password, for the log."""
    if "://" in url and "@" in url:
        scheme, rest = url.split("://", 1)
        userinfo, host = rest.rsplit("@", 1)
        return f"{scheme}://{userinfo.split(':', 1)[0]}:***@{host}"
    return url


@app.command("web-token")
def web_token(
    role: Annotated[str, typer.Option(help="organiser or trustee.")],
    tokens: Annotated[Path, typer.Option(help="Token file to add the account to.")] = (
        DEFAULT_TOKENS
    ),
    trustee: Annotated[
        int | None, typer.Option(help="The trustee's number (1..n) for a trustee account.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A name for the account.")] = None,
) -> None:
    """Create an organiser or trustee account: prints its token once (only its SHA-256
    hash is stored in the token file)."""
    from referendum.crypto.random import SystemRandom
    from referendum.errors import InputError
    from referendum.web.auth import Account, Accounts, hash_token, new_token

    if role not in ("organiser", "trustee"):
        raise InputError("role", "expected organiser or trustee")
    if role == "trustee" and (trustee is None or trustee < 1):
        raise InputError("trustee", "a trustee account needs --trustee N (1..n)")
    kind: Literal["organiser", "trustee"] = "organiser" if role == "organiser" else "trustee"
    token = new_token(SystemRandom())
    account = Account(
        name=name or (kind if trustee is None else f"trustee {trustee}"),
        role=kind,
        sha256=hash_token(token),
        trustee=trustee if kind == "trustee" else None,
    )
    Accounts.load(tokens).add(account).save(tokens)
    typer.echo(token)
