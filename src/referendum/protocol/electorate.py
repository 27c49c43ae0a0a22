"""The electorate: the regions' published credential lists, as the state asks them.

Who may vote where is the question of every ballot cast and of a few pages; the lists
themselves (one public credential per voter, millions of them) are needed whole only by a
deniable tally and by a verifier.  :class:`CredentialLists` is what the state asks;
:class:`MemoryLists` answers from the replayed events (the verifier, the memory board), and the
SQL boards answer from an indexed table that their append path keeps (docs/board.md,
"Credential lists"), so that a server does not hold the electorate in its memory.

The rules, in the record's order (both implementations follow them):

- a ``credentials`` event lists a region's public credentials (a second list of the same
  region changes nothing; a credential keeps the region that listed it first);
- a ``credentials.reissue`` event before ``voting.open`` takes those of its ``revoked``
  credentials that are on its region's list off it, marks them revoked, and puts its
  ``public_credentials`` not listed yet on the list; one after ``voting.open``, or of a
  region without a list, changes nothing.

The board's checks (:mod:`referendum.protocol.credentials`) refuse every event for which
these provisos matter; they are stated so that the memory and SQL indexes agree on any board.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Protocol

__all__ = ["CredentialLists", "ListsView", "MemoryLists", "copy_lists"]


class CredentialLists(Protocol):
    """The published credential lists (see the module's rules)."""

    def regions(self) -> frozenset[str]:
        """The regions whose list is published."""
        ...

    def electorate(self, region: str) -> int:
        """How many credentials region ``region``'s list holds (0 without a list)."""
        ...

    def region_of(self, credential: str) -> str | None:
        """The region whose list holds ``credential`` (lowercase hex), or ``None``."""
        ...

    def regions_of(self, credentials: Collection[str]) -> dict[str, str]:
        """:meth:`region_of` of several: each listed credential with its region."""
        ...

    def is_revoked(self, credential: str) -> bool:
        """Whether a reissue revoked ``credential`` (it is then never listed again)."""
        ...

    def listed(self, region: str) -> list[str]:
        """Region ``region``'s list as it stands, ascending (all of it: a tally's need)."""
        ...

    def prefetch(self, credentials: Iterable[object]) -> None:
        """A hint: :meth:`region_of` of these is asked next (a board reads them at once)."""
        ...


class MemoryLists:
    """The lists held in memory, built by :meth:`publish` and :meth:`reissue`."""

    def __init__(self) -> None:
        self._lists: dict[str, list[str]] = {}
        self._region: dict[str, str] = {}
        self._revoked: set[str] = set()

    def publish(self, region: str, credentials: Sequence[str]) -> None:
        """A region's list (ignored if the region has one)."""
        if region in self._lists:
            return
        self._lists[region] = list(credentials)
        for cred in credentials:
            self._region.setdefault(cred, region)

    def reissue(self, region: str, revoked: Iterable[str], added: Iterable[str]) -> None:
        """Take ``revoked`` off the region's list and put ``added`` on it (kept ascending, the
        order of a published list); ignored for a region without a list."""
        if region not in self._lists:
            return
        gone = {c for c in revoked if self._region.get(c) == region}
        fresh = [c for c in added if c not in self._region]
        self._lists[region] = sorted([c for c in self._lists[region] if c not in gone] + fresh)
        for cred in gone:
            del self._region[cred]
        self._revoked |= gone
        for cred in fresh:
            self._region[cred] = region

    def regions(self) -> frozenset[str]:
        return frozenset(self._lists)

    def electorate(self, region: str) -> int:
        return len(self._lists.get(region, ()))

    def region_of(self, credential: str) -> str | None:
        return self._region.get(credential)

    def regions_of(self, credentials: Collection[str]) -> dict[str, str]:
        found = {c: self._region.get(c) for c in credentials}
        return {c: r for c, r in found.items() if r is not None}

    def is_revoked(self, credential: str) -> bool:
        return credential in self._revoked

    def listed(self, region: str) -> list[str]:
        return list(self._lists.get(region, ()))

    def prefetch(self, credentials: Iterable[object]) -> None:
        return None


class ListsView(Mapping[str, list[str]]):
    """The lists as a read-only mapping of region to its list (a list is read when asked)."""

    def __init__(self, lists: CredentialLists) -> None:
        self._lists = lists

    def __getitem__(self, region: str) -> list[str]:
        if region not in self._lists.regions():
            raise KeyError(region)
        return self._lists.listed(region)

    def __contains__(self, region: object) -> bool:
        return region in self._lists.regions()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._lists.regions()))

    def __len__(self) -> int:
        return len(self._lists.regions())


def copy_lists(lists: MemoryLists) -> MemoryLists:
    """A copy of ``lists`` that later changes to either do not reach."""
    twin = MemoryLists()
    twin._lists = {r: list(c) for r, c in lists._lists.items()}
    twin._region = dict(lists._region)
    twin._revoked = set(lists._revoked)
    return twin
