"""The deterministic padding of deniable revoting (``protocol.padding``): every way of spreading
the ballots over the voters fits the cover, and the cover depends on the two totals only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.errors import UsageError
from referendum.protocol.padding import assign, cover, padded_size


@st.composite
def spreads(draw: st.DrawFn) -> list[int]:
    voters = draw(st.integers(1, 40))
    extra = draw(st.integers(0, 120))
    counts = [1] * voters
    for _ in range(extra):
        counts[draw(st.integers(0, voters - 1))] += 1
    return counts


@settings(max_examples=150, deadline=None)
@given(counts=spreads(), base=st.integers(2, 5))
def test_every_spread_fits_the_cover_of_its_totals(counts: list[int], base: int) -> None:
    padding = cover(voters=len(counts), ballots=sum(counts), base=base)
    sizes = assign(counts, padding)
    assert all(size >= c for size, c in zip(sizes, counts, strict=True))
    assert sorted(sizes) == sorted(s for s, n in padding for _ in range(n))
    assert padded_size(padding) >= sum(counts)


def test_the_cover_does_not_tell_who_revoted() -> None:
    """One voter revoting four times, or four voters once each: the same groups."""
    alice = [5, 1, 1, 1, 1, 1]
    many = [2, 2, 2, 2, 1, 1]
    assert sum(alice) == sum(many)
    padding = cover(voters=6, ballots=10)
    # by hand: 4 extra ballots; at most 4, 2, 1 voters can have more than 1, 2, 4
    assert padding == ((1, 2), (2, 2), (4, 1), (5, 1))
    assert sorted(assign(alice, padding)) == sorted(assign(many, padding))


def test_a_spread_that_is_not_of_the_totals_does_not_fit() -> None:
    with pytest.raises(UsageError, match="no group that large"):
        assign([9, 1], cover(voters=2, ballots=9))  # 10 ballots, not 9
    with pytest.raises(UsageError):
        cover(voters=3, ballots=2)


def test_overhead_at_national_scale() -> None:
    """A million voters; the board capping ballots per voter at 16.  By hand: with one voter in
    fifty revoting once (20,000 extra ballots), at most 20,000, 10,000, 5,000, 2,500 voters can
    have more than 1, 2, 4, 8 ballots, so the groups are 980,000 x 1, 10,000 x 2, 5,000 x 4,
    2,500 x 8 and 2,500 x 16: 1,080,000 rows for 1,020,000 ballots.  With every voter casting
    two on average (a million extra), 500,000 x 2, 250,000 x 4, 125,000 x 8, 125,000 x 16:
    5,000,000 rows for 2,000,000 ballots.  Without the cap the ladder grows with the extra
    ballots (about log2 of them), which is why the board should cap revotes."""
    n = 1_000_000
    assert cover(voters=n, ballots=1_020_000, max_per_voter=16) == (
        (1, 980_000), (2, 10_000), (4, 5_000), (8, 2_500), (16, 2_500)
    )  # fmt: skip
    assert padded_size(cover(voters=n, ballots=2 * n, max_per_voter=16)) == 5 * n
    uncapped = padded_size(cover(voters=n, ballots=1_020_000))
    assert 1_020_000 < uncapped < 1.3 * 1_020_000


def test_docstring_examples() -> None:
    import doctest

    import referendum.protocol.padding as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
