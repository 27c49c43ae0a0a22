"""Properties of the group interface: arithmetic, encodings, multi-scalar multiplication."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.crypto.group import (
    GROUP_ORDER,
    FixedBase,
    Point,
    Scalar,
    base_mul,
    double_mul,
    double_mul_vartime,
    multi_mul,
    multi_mul_vartime,
    select_point,
    select_scalar,
    small_multiple,
)
from referendum.crypto.random import DeterministicRandom, SystemRandom
from referendum.errors import EncodingError, UsageError

ints = st.integers(min_value=0, max_value=GROUP_ORDER - 1)


@settings(max_examples=60, deadline=None)
@given(a=ints, b=ints)
def test_scalar_arithmetic_matches_integers(a: int, b: int) -> None:
    sa, sb = Scalar.from_int(a), Scalar.from_int(b)
    assert (sa + sb).to_int() == (a + b) % GROUP_ORDER
    assert (sa - sb).to_int() == (a - b) % GROUP_ORDER
    assert (sa * sb).to_int() == (a * b) % GROUP_ORDER
    assert (-sa).to_int() == (-a) % GROUP_ORDER
    if a:
        assert (sa * sa.inverse()).to_int() == 1
    assert Scalar.from_bytes(sa.to_bytes()) == sa
    assert hash(Scalar.from_hex(sa.hex())) == hash(sa)


@settings(max_examples=30, deadline=None)
@given(a=ints, b=ints)
def test_point_arithmetic_is_consistent(a: int, b: int) -> None:
    sa, sb = Scalar.from_int(a), Scalar.from_int(b)
    pa, pb = base_mul(sa), base_mul(sb)
    assert pa + pb == base_mul(sa + sb)
    assert pa - pb == base_mul(sa - sb)
    assert -pa == base_mul(-sa)
    assert Point.generator() * sa == pa
    assert FixedBase(pb).mul(sa) == pb * sa
    assert double_mul_vartime(sa, sb, pb) == pa + pb * sb
    assert double_mul(pa, sb, pb, sa) == pa * sb + pb * sa
    assert double_mul(pa, Scalar.from_int(0), Point.identity(), sb) == Point.identity()
    assert Point.from_bytes(pa.to_bytes()) == pa
    assert hash(Point.from_hex(pa.hex())) == hash(pa)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.tuples(ints, ints), min_size=0, max_size=12))
def test_multi_mul_matches_naive(values: list[tuple[int, int]]) -> None:
    scalars = [Scalar.from_int(s) for s, _ in values]
    points = [base_mul(Scalar.from_int(p)) for _, p in values]
    expected = Point.identity()
    for s, p in zip(scalars, points, strict=True):
        expected = expected + p * s
    assert multi_mul_vartime(scalars, points) == expected
    assert multi_mul(scalars, points) == expected


def test_multi_mul_short_negative_and_extreme_scalars() -> None:
    rng = DeterministicRandom(b"msm")
    points = [base_mul(Scalar.random(rng)) for _ in range(6)]
    scalars = [
        Scalar.from_int(-1),
        Scalar.from_int(-(2**127)),
        Scalar.from_int((GROUP_ORDER - 1) // 2),
        Scalar.from_int((GROUP_ORDER + 1) // 2),
        Scalar.from_int(0),
        Scalar.from_int(2**252),
    ]
    expected = Point.identity()
    for s, p in zip(scalars, points, strict=True):
        expected = expected + p * s
    assert multi_mul_vartime(scalars, points) == expected
    # the constant-time one too: every digit pattern of the recoding's edges (-8 and 8,
    # carries up to the top digit), the identity among the points
    edges = [
        *scalars,
        Scalar.from_int(GROUP_ORDER - 1),
        Scalar.from_int(int("8" * 63, 16)),
        Scalar.from_int(int("7" * 63, 16)),
        Scalar.from_int(int("f" * 62, 16)),
        Scalar.from_int(8),
    ]
    many = [*points, Point.identity(), *points[:4]]
    total = Point.identity()
    for s, p in zip(edges, many, strict=True):
        total = total + p * s
    assert multi_mul(edges, many) == total
    assert multi_mul([], []) == Point.identity()


def test_small_multiples_and_identity() -> None:
    assert small_multiple(0).is_identity()
    assert small_multiple(7) == base_mul(Scalar.from_int(7))
    with pytest.raises(UsageError):
        small_multiple(-1)
    assert Point.identity().to_bytes() == bytes(32)


def test_select_is_a_selection() -> None:
    a, b = Scalar.from_int(3), Scalar.from_int(9)
    assert select_scalar(0, a, b) == a and select_scalar(1, a, b) == b
    pa, pb = base_mul(a), base_mul(b)
    assert select_point(0, pa, pb) == pa and select_point(1, pa, pb) == pb


@pytest.mark.parametrize("data", [b"", bytes(31), bytes(33), "00" * 32])
def test_bad_lengths_are_rejected(data: object) -> None:
    with pytest.raises(EncodingError):
        Point.from_bytes(data)  # type: ignore[arg-type]
    with pytest.raises(EncodingError):
        Scalar.from_bytes(data)  # type: ignore[arg-type]


def test_non_hex_is_rejected() -> None:
    with pytest.raises(EncodingError):
        Point.from_hex("zz" * 32)
    with pytest.raises(EncodingError):
        Scalar.from_hex("zz" * 32)


def test_zero_has_no_inverse_and_constructors_are_closed() -> None:
    with pytest.raises(UsageError):
        Scalar.from_int(0).inverse()
    with pytest.raises(UsageError):
        Scalar()
    with pytest.raises(UsageError):
        Point()


def test_random_sources() -> None:
    assert len(SystemRandom().random_bytes(17)) == 17
    one, two = DeterministicRandom(b"s"), DeterministicRandom(b"s")
    assert one.random_bytes(5000) == two.random_bytes(3000) + two.random_bytes(2000)
    assert DeterministicRandom(b"t").random_bytes(8) != DeterministicRandom(b"s").random_bytes(8)
    assert Scalar.random(one) != Scalar.random(one)


def test_scalars_points_and_ballots_pickle() -> None:
    import pickle

    from referendum.crypto.ballot import BallotContext, QuestionShape, encrypt_ballot

    rng = DeterministicRandom(b"pickle")
    s = Scalar.random(rng)
    assert pickle.loads(pickle.dumps(s)) == s
    assert pickle.loads(pickle.dumps(base_mul(s))) == base_mul(s)
    ctx = BallotContext(b"f", base_mul(s), (QuestionShape(3, 1, 1),))
    ballot, _ = encrypt_ballot(ctx, [[1, 0, 0]], rng)
    assert pickle.loads(pickle.dumps(ballot)).to_json() == ballot.to_json()
