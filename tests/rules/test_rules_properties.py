"""Property tests of the outcome rules (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from referendum.rules import Counts, Decision, RegionCounts, Rule, evaluate, evaluate_region

votes = st.integers(min_value=0, max_value=10_000)


@given(yes=votes, no=votes, extra=st.integers(min_value=1, max_value=1000))
def test_more_yes_never_hurts(yes: int, no: int, extra: int) -> None:
    rule = Rule(majority=Fraction(2, 3), approval_quorum=Fraction(1, 5))
    electorate = yes + no + extra + 10
    before = evaluate_region(rule, Counts(yes=yes, no=no, electorate=electorate))
    after = evaluate_region(rule, Counts(yes=yes + extra, no=no, electorate=electorate))
    if before.decision is Decision.APPROVED:
        assert after.decision is Decision.APPROVED


@given(
    st.lists(
        st.tuples(votes, votes, st.sampled_from([Fraction(1), Fraction(1, 2)])),
        min_size=1,
        max_size=8,
    )
)
def test_double_majority_implies_popular_majority(regions: list[tuple[int, int, Fraction]]) -> None:
    rcs = [RegionCounts(f"r{i}", Counts(yes=y, no=n), w) for i, (y, n, w) in enumerate(regions)]
    double = evaluate(Rule(double_majority=True), rcs)
    popular = evaluate(Rule(), rcs)
    if double.decision is Decision.APPROVED:
        assert popular.decision is Decision.APPROVED
        assert double.regional_weight_yes is not None and double.regional_weight_total is not None
        assert double.regional_weight_yes * 2 > double.regional_weight_total


@given(votes, votes, votes, votes)
def test_counts_add_up(y1: int, n1: int, y2: int, n2: int) -> None:
    total = Counts(yes=y1, no=n1) + Counts(yes=y2, no=n2)
    assert (total.yes, total.no, total.cast) == (y1 + y2, n1 + n2, y1 + y2 + n1 + n2)
