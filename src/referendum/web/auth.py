"""Organiser and trustee accounts: bearer tokens, stored only as their SHA-256 hashes.

A token is 32 random bytes (256 bits, URL-safe base 64), so a fast hash is enough: there is
nothing to guess-test offline.  The token file (JSON) holds::

    {"format": "referendum-web-tokens/1",
     "accounts": [{"name": "organiser", "role": "organiser", "sha256": "<hex>"},
                  {"name": "Alice", "role": "trustee", "trustee": 1, "sha256": "<hex>"}]}

A voter's credential is never an account: the only way in is a token from this file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from referendum.crypto.random import RandomSource
from referendum.errors import InputError

__all__ = ["FORMAT", "Account", "Accounts", "Role", "hash_token", "new_token"]

FORMAT = "referendum-web-tokens/1"
Role = Literal["organiser", "trustee"]


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256 of its UTF-8 bytes, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(rng: RandomSource) -> str:
    """A fresh token: 32 random bytes, URL-safe base 64 without padding."""
    return base64.urlsafe_b64encode(rng.random_bytes(32)).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Account:
    """An organiser or a trustee (numbered from 1 as in the manifest)."""

    name: str
    role: Role
    sha256: str
    trustee: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The account's entry in the token file."""
        out: dict[str, Any] = {"name": self.name, "role": self.role, "sha256": self.sha256}
        if self.trustee is not None:
            out["trustee"] = self.trustee
        return out


@dataclass(frozen=True)
class Accounts:
    """The accounts that may use the organiser and trustee pages and API."""

    accounts: tuple[Account, ...] = ()

    def find(self, token: str | None) -> Account | None:
        """The account whose token this is (compared in constant time), or None."""
        if not token:
            return None
        digest = hash_token(token)
        found = None
        for account in self.accounts:
            if hmac.compare_digest(account.sha256, digest):
                found = account
        return found

    def add(self, account: Account) -> Accounts:
        """A copy with ``account`` added."""
        return Accounts((*self.accounts, account))

    def to_json(self) -> dict[str, Any]:
        """The token file's content."""
        return {"format": FORMAT, "accounts": [a.to_json() for a in self.accounts]}

    @staticmethod
    def from_json(data: Any) -> Accounts:
        """Parse a token file's content; ``InputError`` names the bad entry."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError("tokens", f"expected an object with format {FORMAT!r}")
        raw = data.get("accounts")
        if not isinstance(raw, list):
            raise InputError("tokens.accounts", "expected a list")
        accounts = []
        for i, entry in enumerate(raw):
            where = f"tokens.accounts[{i}]"
            if not isinstance(entry, dict):
                raise InputError(where, "expected an object")
            role = entry.get("role")
            digest = entry.get("sha256")
            trustee = entry.get("trustee")
            if role not in ("organiser", "trustee"):
                raise InputError(f"{where}.role", "expected 'organiser' or 'trustee'")
            if not isinstance(digest, str) or len(digest) != 64:
                raise InputError(f"{where}.sha256", "expected 64 hex digits")
            if role == "trustee" and (not isinstance(trustee, int) or trustee < 1):
                raise InputError(f"{where}.trustee", "a trustee account names its number (>= 1)")
            accounts.append(
                Account(
                    name=str(entry.get("name", role)),
                    role=role,
                    sha256=digest,
                    trustee=trustee if role == "trustee" else None,
                )
            )
        return Accounts(tuple(accounts))

    @staticmethod
    def load(path: Path) -> Accounts:
        """Read a token file (an absent file: no accounts)."""
        if not path.exists():
            return Accounts()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(str(path), f"not JSON: {exc}") from None
        return Accounts.from_json(data)

    def save(self, path: Path) -> None:
        """Write the token file (hashes only)."""
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
