"""Batch-level comparison: Kaplan-Markov over batches drawn in proportion to their size."""

from fractions import Fraction

import pytest

from referendum.audit.assess import assess_audit
from referendum.audit.assorters import majority
from referendum.audit.batch import (
    draws_needed,
    expected_ballots_counted,
    parse_batch_counts,
    parse_batches,
)
from referendum.audit.kaplan_markov import p_value
from referendum.audit.methods import Settings
from referendum.audit.readings import Tally
from referendum.audit.results import simple_referendum
from referendum.errors import AuditInputError

BATCHES = "batch,yes,no,invalid\nP1,300,180,20\nP2,320,170,10\nP3,280,200,20\n"


def _ref():  # type: ignore[no-untyped-def]
    ref = simple_referendum(yes=900, no=550, invalid=50, ballots=1500)
    return ref.with_batches(parse_batches(BATCHES))


def test_batch_taint_is_ballot_level_km_for_single_ballot_batches() -> None:
    """A batch of one ballot is a ballot: the batch p-value is Kaplan-Markov's."""
    a = majority("yes", Tally(yes=60, no=40))
    batches = [(Tally(1, 0), Tally(0, 0, 1)), (Tally(0, 1), Tally(0, 1))] + [
        (Tally(1, 0), Tally(1, 0))
    ] * 30
    overs = [float(a.total(rep) - a.total(act)) for rep, act in batches]
    assert overs[:2] == [0.5, 0.0]
    ballot_level = p_value(overs, margin=0.2, upper=1.0, gamma=1.1)
    assert 0 < ballot_level < 1


def test_an_exact_count_confirms() -> None:
    ref = _ref()
    counts = parse_batch_counts("P2,320,170,10\nP1,300,180,20\n" * 20, ref.batches)
    settings = Settings(method="batch-comparison", risk_limit=Fraction(1, 10))
    result = assess_audit(ref, settings, counts=counts)
    assert result["stop"] is True and result["ballots_examined"] == 40


def test_an_overstated_batch_raises_the_risk() -> None:
    ref = _ref()
    settings = Settings(method="batch-comparison", risk_limit=Fraction(1, 10))
    clean = assess_audit(ref, settings, counts=parse_batch_counts("P1,300,180,20\n", ref.batches))
    wrong = assess_audit(ref, settings, counts=parse_batch_counts("P1,250,230,20\n", ref.batches))
    assert wrong["risk"] > clean["risk"]


def test_hand_count_must_match_the_ballots() -> None:
    ref = _ref()
    with pytest.raises(AuditInputError, match="500 were reported"):
        parse_batch_counts("P1,300,180,21\n", ref.batches)
    with pytest.raises(AuditInputError, match="unknown batch"):
        parse_batch_counts("P9,300,180,20\n", ref.batches)


def test_batches_must_add_up_to_the_tallies() -> None:
    ref = simple_referendum(yes=901, no=550, invalid=49, ballots=1500)
    with pytest.raises(AuditInputError, match="batch counts sum"):
        ref.with_batches(parse_batches(BATCHES))


def test_planning_figures() -> None:
    assert draws_needed(margin=0.2, upper=1.0, risk_limit=0.1, gamma=1.0) == 22
    assert expected_ballots_counted([500, 500], 1) == pytest.approx(500)
    assert expected_ballots_counted([500, 500], 1000) == pytest.approx(1000)
