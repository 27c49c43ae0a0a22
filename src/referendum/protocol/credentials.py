"""The rules a region's credential list follows (checked by the board and by the verifier)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from referendum.crypto.group import Point
from referendum.errors import EncodingError, InputError, PhaseError
from referendum.protocol.electorate import MemoryLists
from referendum.protocol.signing import AUTHORITY_DOMAIN, check_signed
from referendum.protocol.state import ElectionState
from referendum.record import messages as m

__all__ = ["check_all_credential_lists", "check_credential_list", "check_credential_reissue"]


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
    creds = _check_credentials(payload.get("public_credentials"), "public_credentials")
    _check_new_and_signed(state, payload, creds, (), m.CREDENTIALS, f"list of region {region}")


def _check_credentials(creds: object, member: str, *, allow_empty: bool = False) -> list[str]:
    if not isinstance(creds, list) or (not creds and not allow_empty):
        raise InputError(member, "expected a non-empty list" if not allow_empty else "a list")
    for i, cred in enumerate(creds):
        where = f"{member}[{i}]"
        if not isinstance(cred, str):
            raise InputError(where, "expected a hex string")
        try:
            Point.from_hex(cred)
        except (EncodingError, ValueError) as exc:
            raise InputError(where, f"not a group element: {exc}") from None
        if i and cred <= creds[i - 1]:
            raise InputError(where, "the list must be in ascending order, without duplicates")
    return creds


def check_credential_reissue(state: ElectionState, payload: Mapping[str, Any]) -> None:
    """A reissue, before voting opens, names a region whose list is published, revokes
    credentials on that list (at least one) and lists no more new credentials than it
    revokes, each a valid group element on no list and never revoked, ascending; it carries
    the credential authority's signature.  Raises :class:`InputError`, :class:`PhaseError` or
    :class:`ProofError`."""
    if state.opened_at is not None:
        raise PhaseError(
            "voting has opened: the credential lists are frozen and a credential can no longer "
            "be revoked (the voter keeps the credential of the letter they had)"
        )
    region = payload.get("region")
    if not isinstance(region, str):
        raise InputError("region", "expected a region id")
    state.manifest.region(region)
    if region not in state.credentials:
        raise InputError("region", f"the credential list of region {region!r} is not published yet")
    revoked = _check_credentials(payload.get("revoked"), "revoked")
    for i, cred in enumerate(revoked):
        if state.region_of(cred) != region:
            raise InputError(f"revoked[{i}]", f"not on the list of region {region!r}")
    added = _check_credentials(
        payload.get("public_credentials"), "public_credentials", allow_empty=True
    )
    if len(added) > len(revoked):
        raise InputError(
            "public_credentials", "a reissue lists no more credentials than it revokes"
        )
    what = f"reissue of region {region}"
    _check_new_and_signed(state, payload, added, revoked, m.CREDENTIALS_REISSUE, what)


def _check_new_and_signed(
    state: ElectionState,
    payload: Mapping[str, Any],
    added: list[str],
    revoked: list[str] | tuple[()],
    event_type: str,
    what: str,
) -> None:
    """The new credentials are on no list and never revoked; the authority signed it."""
    for i, cred in enumerate(added):
        where = f"public_credentials[{i}]"
        if state.lists.is_revoked(cred) or cred in revoked:
            raise InputError(where, "a revoked credential is never listed again")
        if state.region_of(cred) is not None:
            raise InputError(where, f"already on the list of region {state.region_of(cred)!r}")
    check_signed(
        AUTHORITY_DOMAIN,
        state.fingerprint,
        event_type,
        payload,
        Point.from_hex(state.manifest.credential_authority),
        who=f"credential {what}",
    )


def check_all_credential_lists(state: ElectionState) -> int:
    """Re-check every published list and reissue in publication order; returns the number of
    credentials listed in the end."""
    lists = MemoryLists()
    replay = replace(  # as before voting opened (the order of events puts every list there)
        state, lists=lists, credential_events=[], opened_at=None
    )
    for payload in state.credential_events:
        region = payload["region"]
        if "revoked" in payload:
            check_credential_reissue(replay, payload)
            lists.reissue(region, payload["revoked"], payload["public_credentials"])
            continue
        check_credential_list(replay, payload)
        lists.publish(region, payload["public_credentials"])
    return sum(lists.electorate(region) for region in lists.regions())
