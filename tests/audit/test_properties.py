"""Properties that hold for every method and input (Hypothesis)."""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.audit.assess import assess_audit
from referendum.audit.methods import Settings
from referendum.audit.readings import READINGS, Observation
from referendum.audit.results import simple_referendum
from referendum.audit.sampler import sample

readings = st.sampled_from(READINGS)
methods = st.sampled_from(["bravo", "alpha", "kaplan-markov", "alpha-comparison"])


@given(
    seed=st.text(alphabet="0123456789", min_size=1, max_size=30),
    population=st.integers(1, 500),
    data=st.data(),
)
def test_without_replacement_gives_distinct_ballots(
    seed: str, population: int, data: st.DataObject
) -> None:
    count = data.draw(st.integers(0, population))
    drawn = sample(seed, population=population, count=count, replacement=False)
    assert len(drawn) == len(set(drawn)) == count
    assert all(1 <= b <= population for b in drawn)
    with_replacement = sample(seed, population=population, count=count)
    assert drawn[:1] == with_replacement[:1]


@settings(max_examples=40, deadline=None)
@given(
    method=methods,
    yes=st.integers(51, 300),
    no=st.integers(0, 50),
    invalid=st.integers(0, 50),
    actual=st.lists(readings, max_size=60),
    reported=st.lists(readings, max_size=60),
)
def test_risk_is_a_probability_that_never_grows_with_the_sample(
    method: str, yes: int, no: int, invalid: int, actual: list[str], reported: list[str]
) -> None:
    ref = simple_referendum(yes=yes, no=no, invalid=invalid, ballots=yes + no + invalid)
    config = Settings(method=method, risk_limit=Fraction(1, 10))  # type: ignore[arg-type]
    comparison = config.comparison
    pairs = list(zip(reported, actual, strict=False)) if comparison else [(None, a) for a in actual]
    observations = [Observation(None, r, a) for r, a in pairs]  # type: ignore[arg-type]
    previous = 1.0
    for k in range(0, len(observations) + 1, 7):
        result = assess_audit(ref, config, observations[:k])
        assert 0.0 <= result["risk"] <= 1.0
        assert result["risk"] <= previous + 1e-12
        assert result["stop"] == (result["risk"] <= 0.1)
        previous = result["risk"]
