"""Rivest's SHA-256 sampler against its published test vectors."""

import pytest

from referendum.audit.sampler import check_seed, draws, sample, sha256_draw
from referendum.errors import AuditInputError

# Rivest's sampler.py (version of 14 November 2011), the transcript in its docstring:
# seed 3546311556112163624615351222, range 1..876, without replacement, n = 47.
RIVEST_SEED = "3546311556112163624615351222"
RIVEST_47 = [
    740, 180, 264, 789, 238, 448, 272, 611, 761, 208,
    596, 88, 160, 113, 766, 427, 184, 816, 653, 411,
    779, 331, 339, 487, 594, 235, 65, 527, 821, 490,
    461, 251, 471, 414, 174, 567, 300, 134, 144, 357,
    786, 792, 218, 550, 787, 537, 197,
]  # fmt: skip


def test_rivest_transcript_without_replacement() -> None:
    """Rivest, sampler.py docstring: the 47 outputs in draw order; draw 32 gave 611 again
    ("duplicate rejected") and the counter went on to 48."""
    assert sample(RIVEST_SEED, population=876, count=47, replacement=False) == RIVEST_47
    steps = draws(RIVEST_SEED, population=876, count=47, replacement=False)
    skipped = [(d.index, d.ballot) for d in steps if d.skipped]
    assert skipped == [(32, 611)]
    assert steps[-1].index == 48


@pytest.mark.parametrize(
    ("seed", "total", "expected"),
    [
        ("0", 1000, [905, 573, 160]),
        ("0", 2, [1, 1, 2]),
        ("1", 1000, [97, 89, 163]),
        ("0000000000", 1000, [978, 359, 132]),
        ("999999999999999999999999", 1000, [544, 800, 654]),
        ("abcde", 1000, [247, 427, 157]),
    ],
)
def test_jerdonek_vectors(seed: str, total: int, expected: list[int]) -> None:
    """cjerdonek/rivest-sampler-tests, tests.json: the first three draws (with replacement)
    for each seed, agreed with Rivest's reference implementation (UTF-8 seed encoding)."""
    assert [sha256_draw(seed, i, total) for i in (1, 2, 3)] == expected


def test_digit_seeds_through_sample() -> None:
    assert sample("999999999999999999999999", population=1000, count=3) == [544, 800, 654]


def test_reproducible_and_prefix_stable() -> None:
    first = sample("123456789012345678901234", population=10_000, count=50)
    again = sample("123456789012345678901234", population=10_000, count=80)
    assert first == again[:50]  # escalating an audit keeps the earlier draws


@pytest.mark.parametrize("seed", ["", "12a4", " 1234", "١٢٣", "12.5"])
def test_seed_must_be_digits(seed: str) -> None:
    with pytest.raises(AuditInputError, match="seed"):
        check_seed(seed)
    with pytest.raises(AuditInputError, match="seed"):
        sample(seed, population=10, count=1)


def test_count_above_population_without_replacement() -> None:
    with pytest.raises(AuditInputError, match="count"):
        sample("1234", population=5, count=6, replacement=False)
    assert len(sample("1234", population=5, count=6)) == 6
    assert sorted(sample("1234", population=5, count=5, replacement=False)) == [1, 2, 3, 4, 5]
