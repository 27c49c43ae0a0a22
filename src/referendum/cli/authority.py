"""The credential authority's commands (separate from the board's operator)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from referendum.cli.common import DEFAULT_DB, DbOption, board_at, read_json, write_secret_json
from referendum.cli.main import app
from referendum.clock import system_clock
from referendum.crypto.random import SystemRandom
from referendum.errors import InputError
from referendum.protocol.state import manifest_fingerprint
from referendum.record.manifest import load_manifest
from referendum.services.credentials import (
    AuthorityKey,
    credential_list_payload,
    issue_credentials,
)
from referendum.services.voting import publish_credentials

__all__ = ["authority_app"]

authority_app = typer.Typer(help="Credential authority: keys, credentials, credential lists.")
app.add_typer(authority_app, name="credentials")


@authority_app.command("keygen")
def keygen(
    out: Annotated[Path, typer.Option(help="Where to write the authority's secret key (0600).")],
) -> None:
    """Create the authority's signing key; put the printed public key in the manifest as
    ``credential_authority``."""
    key = AuthorityKey.generate(SystemRandom())
    write_secret_json(out, key.to_json())
    typer.echo(key.public.hex())


@authority_app.command("issue")
def issue(
    manifest: Annotated[Path, typer.Option(help="The referendum's manifest.")],
    authority_key: Annotated[Path, typer.Option(help="The authority's key file.")],
    region: Annotated[str, typer.Option(help="Region id of these voters.")],
    count: Annotated[int, typer.Option(help="Number of voters.", min=1)],
    private_out: Annotated[
        Path, typer.Option(help="CSV of private credentials (region, credential), to deliver.")
    ],
    list_out: Annotated[Path, typer.Option(help="The signed public list (JSON) to publish.")],
) -> None:
    """Issue private credentials for a region, and sign the list of their public halves."""
    loaded = load_manifest(manifest)
    loaded.region(region)
    key = AuthorityKey.from_json(read_json(authority_key, what="authority key"))
    if key.public.hex() != loaded.credential_authority:
        raise InputError("authority-key", "this key is not the manifest's credential authority")
    rng = SystemRandom()
    issued = issue_credentials(loaded.id, region, count, rng)
    fingerprint = manifest_fingerprint(loaded.to_payload())
    listing = credential_list_payload(fingerprint, region, [c.public for c in issued], key, rng)
    private_out.parent.mkdir(parents=True, exist_ok=True)
    with private_out.open("w", newline="", encoding="utf-8") as handle:
        private_out.chmod(0o600)
        writer = csv.writer(handle)
        writer.writerow(["region", "credential"])
        for cred in issued:
            writer.writerow([cred.region, cred.private])
    write_secret_json(list_out, listing)
    typer.echo(
        f"{count} credentials for region {region}: private in {private_out}, list in {list_out}"
    )


@authority_app.command("publish")
def publish(
    listing: Annotated[Path, typer.Argument(help="A signed public credential list (JSON).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Publish a region's signed credential list on the board (before voting opens)."""
    payload = read_json(listing, what="credential list")
    with board_at(db) as board:
        publish_credentials(board, payload, system_clock)
    typer.echo(f"published {len(payload['public_credentials'])} credentials of {payload['region']}")
