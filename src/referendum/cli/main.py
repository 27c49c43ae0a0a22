"""The ``referendum`` command: one sub-command (or group) per role and pillar.

Each role and pillar registers its commands from its own module, so that the shells stay
thin and independent: ``organiser``, ``authority`` (credentials), ``board`` (its receipt
key), ``trustee``, ``voter``, ``verify`` (auditor), ``monitor`` (observer), ``demo``,
``check``, ``forensics``, ``audit``, ``bench``, ``serve``, ``witness``.
"""

from __future__ import annotations

import sys

import typer

from referendum.errors import InputError, ReferendumError

__all__ = ["app", "main"]

app = typer.Typer(
    name="referendum",
    help="Run a verifiable referendum, audit one someone else ran, or check its conduct.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    # Each module adds its commands to ``app``.  Imported here, not at module top, so that a
    # module's import cost is paid only once the command line is parsed.
    from referendum.cli import (  # noqa: F401
        audit,
        authority,
        bench,
        board,
        check,
        demo,
        forensics,
        monitor,
        organiser,
        serve,
        tallying,
        trustee,
        verify,
        version,
        voter,
        witness,
    )


@app.callback()
def _root() -> None:
    """Run a verifiable referendum, audit one someone else ran, or check its conduct."""


def main() -> None:
    """Entry point: runs the app and maps errors to exit codes (2: bad input, 1: failure)."""
    try:
        _register()  # imports the group: REFERENDUM_GROUP_BACKEND may name no backend
        app()
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ReferendumError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
