"""``referendum version``."""

import typer

from referendum import __version__
from referendum.cli.main import app

__all__ = ["version"]


@app.command()
def version() -> None:
    """Print the package version."""
    typer.echo(__version__)
