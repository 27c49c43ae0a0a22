"""The rules a region's credential list follows (checked by the board and by the verifier)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from referendum.crypto.group import Point
from referendum.errors import EncodingError, InputError
from referendum.protocol.signing import AUTHORITY_DOMAIN, check_signed
from referendum.protocol.state import ElectionState
from referendum.record import messages as m

__all__ = ["check_all_credential_lists", "check_credential_list"]


def check_credential_list(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """A list names a region of the manifest not yet listed, holds distinct valid group
    elements in ascending order, none on another region's list, and carries the credential
    authority's signature.  Raises :class:`InputError` or :class:`ProofError`."""
    region = payload.get("region")
    if not isinstance(region, str):
        raise InputError("region", "expected a region id")
    state.manifest.region(region)
    if region in state.credentials:
        raise InputError("region", f"the credential list of region {region!r} is already published")
    creds = payload.get("public_credentials")
    if not isinstance(creds, list) or not creds:
        raise InputError("public_credentials", "expected a non-empty list")
    for i, cred in enumerate(creds):
        where = f"public_credentials[{i}]"
        if not isinstance(cred, str):
            raise InputError(where, "expected a hex string")
        try:
            Point.from_hex(cred)
        except (EncodingError, ValueError) as exc:
            raise InputError(where, f"not a group element: {exc}") from None
        if i and cred <= creds[i - 1]:
            raise InputError(where, "the list must be in ascending order, without duplicates")
        if state.region_of(cred) is not None:
            raise InputError(where, f"already on the list of region {state.region_of(cred)!r}")
    check_signed(
        AUTHORITY_DOMAIN,
        state.fingerprint,
        m.CREDENTIALS,
        payload,
        Point.from_hex(state.manifest.credential_authority),
        who=f"credential list of region {region}",
    )


def check_all_credential_lists(state: ElectionState) -> int:
    """Re-check every published list in publication order; returns the number of credentials."""
    replay = replace(state, credentials={}, credential_events=[], _credential_region={})
    total = 0
    for payload in state.credential_events:
        check_credential_list(replay, payload)
        region = payload["region"]
        replay.credentials[region] = list(payload["public_credentials"])
        for cred in replay.credentials[region]:
            replay._credential_region[cred] = region
        total += len(replay.credentials[region])
    return total
