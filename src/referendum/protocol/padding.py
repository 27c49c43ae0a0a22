"""Deterministic ballot padding for deniable revoting (docs/spec/coercion.md section 3.2,
step 1): how many dummy ballots the tallying authority adds, so that what the public sees of
each voter's group of ballots depends only on the numbers of ballots and of voters.

VoteAgain (Lueks, Querejeta-Azurmendi, Troncoso, USENIX Security 2020) pads each voter's
ballots up to a size taken from a fixed ladder and fixes how many groups of each size there are
as a function of the number of voters ``n`` and of ballots ``m`` only.  This module derives
such a cover directly: with sizes ``b_0 = 1 < b_1 < ...`` (powers of ``base``, the last at least
the largest possible count), at most ``N_j = min(n, (m - n) // b_{j-1})`` voters can have more
than ``b_{j-1}`` ballots (each has ``b_{j-1}`` or more beyond the one every voter has, and
there are ``m - n`` such ballots in all).  The cover gives ``N_j - N_{j+1}`` groups of size
``b_j`` (and ``n - N_1`` of size 1): ``n`` groups in all, and for every way of spreading ``m``
ballots over ``n`` voters, the voters with more than ``b_{j-1}`` ballots fit in the groups of
size ``b_j`` or more (Hall's condition for nested sets), so :func:`assign` always succeeds.

>>> cover(voters=2, ballots=9)
((4, 1), (8, 1))
>>> assign([8, 1], cover(voters=2, ballots=9))
[8, 4]
"""

from __future__ import annotations

from collections.abc import Sequence

from referendum.errors import UsageError

__all__ = ["Cover", "assign", "cover", "padded_size"]

Cover = tuple[tuple[int, int], ...]
"""``((size, groups), ...)`` by increasing size, sizes with no group left out."""


def cover(*, voters: int, ballots: int, base: int = 2, max_per_voter: int | None = None) -> Cover:
    """The group sizes for ``voters`` voters who cast ``ballots`` ballots in all (each at
    least one); ``max_per_voter`` caps the ladder when the board limits revotes."""
    if voters < 0 or ballots < voters or (voters == 0 and ballots) or base < 2:
        raise UsageError("cover: 0 <= voters <= ballots (none without voters), base >= 2")
    if voters == 0:
        return ()
    extra = ballots - voters
    largest = extra + 1 if max_per_voter is None else min(extra + 1, max_per_voter)
    sizes = [1]
    while sizes[-1] < largest:
        sizes.append(min(sizes[-1] * base, largest))
    # at_least[j]: how many voters can have more than sizes[j - 1] ballots
    at_least = [voters] + [min(voters, extra // size) for size in sizes[:-1]] + [0]
    groups = [(size, at_least[j] - at_least[j + 1]) for j, size in enumerate(sizes)]
    return tuple((size, count) for size, count in groups if count)


def padded_size(padding: Cover) -> int:
    """The number of rows after padding: the sum of the group sizes."""
    return sum(size * count for size, count in padding)


def assign(counts: Sequence[int], padding: Cover) -> list[int]:
    """Each voter's group size (in the order of ``counts``, the ballots each voter cast), using
    every group of ``padding`` once: the voters with the most ballots take the largest groups.
    ``UsageError`` if a voter does not fit (``padding`` is not the cover of these counts)."""
    if any(c < 1 for c in counts) or sum(n for _, n in padding) != len(counts):
        raise UsageError("assign: one group per voter, every voter with a ballot")
    slots = sorted((size for size, n in padding for _ in range(n)), reverse=True)
    order = sorted(range(len(counts)), key=lambda i: counts[i], reverse=True)
    out = [0] * len(counts)
    for i, size in zip(order, slots, strict=True):
        if counts[i] > size:
            raise UsageError(f"assign: a voter with {counts[i]} ballots has no group that large")
        out[i] = size
    return out
