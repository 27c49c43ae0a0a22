"""Rivest's SHA-256 pseudo-random sampler (``sampler.py``, version of 14 November 2011).

Draw ``i`` (counting from 1) hashes the UTF-8 bytes of the text ``SEED,i`` with SHA-256,
reads the hexadecimal digest as an integer, reduces it modulo the population size and adds
the first ballot number.  Sampling without replacement skips a ballot already drawn; the
counter ``i`` still advances, so a skipped draw uses up its index.  The seed is used
exactly as given (no trimming): the same seed always gives the same draws.

>>> sample("3546311556112163624615351222", population=876, count=5)
[740, 180, 264, 789, 238]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from referendum.errors import AuditInputError

__all__ = ["Draw", "check_seed", "draws", "sample", "sha256_draw"]


def sha256_draw(seed: str, index: int, population: int, *, first: int = 1) -> int:
    """The ``index``-th pseudo-random number in ``first .. first + population - 1``.

    Any string is accepted here (Rivest's published vectors include ``"abcde"``); the
    audit commands insist on digits through :func:`check_seed`.

    >>> sha256_draw("0", 1, 1000)
    905
    """
    if index < 1:
        raise AuditInputError("index", f"draws are numbered from 1, got {index}")
    if population < 1:
        raise AuditInputError("ballots", f"must be a positive integer, got {population}")
    digest = hashlib.sha256(f"{seed},{index}".encode()).hexdigest()
    return first + int(digest, 16) % population


def check_seed(seed: str) -> str:
    """Return ``seed`` if it is a non-empty string of decimal digits (dice rolls), else raise."""
    if not seed or not seed.isascii() or not seed.isdigit():
        raise AuditInputError(
            "seed", f"must be a string of decimal digits from public dice rolls, got {seed!r}"
        )
    return seed


@dataclass(frozen=True)
class Draw:
    """One step of the sampler: counter ``index``, the ``ballot`` it gave, and whether it was
    skipped as a repeat (sampling without replacement)."""

    index: int
    ballot: int
    skipped: bool = False


def draws(seed: str, *, population: int, count: int, replacement: bool = True) -> list[Draw]:
    """Every step of the sampler until ``count`` ballots are kept, skipped repeats included.

    >>> [d.index for d in draws("3546311556112163624615351222", population=876, count=32,
    ...                         replacement=False) if d.skipped]
    [32]
    """
    check_seed(seed)
    if population < 1:
        raise AuditInputError("ballots", f"must be a positive integer, got {population}")
    if count < 0:
        raise AuditInputError("count", f"must be a non-negative integer, got {count}")
    if not replacement and count > population:
        raise AuditInputError(
            "count",
            f"{count} distinct ballots cannot be drawn without replacement from {population}",
        )
    steps: list[Draw] = []
    seen: set[int] = set()
    kept = 0
    index = 0
    while kept < count:
        index += 1
        ballot = sha256_draw(seed, index, population)
        if not replacement and ballot in seen:
            steps.append(Draw(index, ballot, skipped=True))
            continue
        seen.add(ballot)
        steps.append(Draw(index, ballot))
        kept += 1
    return steps


def sample(seed: str, *, population: int, count: int, replacement: bool = True) -> list[int]:
    """``count`` ballot numbers in ``1 .. population``, in draw order.

    Without replacement the ballots are distinct, in first-draw order.

    >>> sample("0", population=2, count=3)
    [1, 1, 2]
    """
    return [
        d.ballot
        for d in draws(seed, population=population, count=count, replacement=replacement)
        if not d.skipped
    ]
