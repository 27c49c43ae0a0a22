"""Loading reported results and rules from a results file."""

from fractions import Fraction

import pytest

from referendum.audit.results import load_results, simple_referendum
from referendum.errors import AuditInputError, InputError


def test_yaml_yes_no_keys_and_blank() -> None:
    ref = load_results(
        "rule: {majority: 2/3}\n"
        "regions:\n"
        "  - {name: A, yes: 70, no: 20, blank: 4, invalid: 6, ballots: 100, electorate: 200}\n"
    )
    assert ref.tally.yes == 70 and ref.tally.invalid == 10 and ref.electorate == 200
    assert ref.rule.majority is not None and ref.rule.majority.value == Fraction(2, 3)


def test_json_is_accepted() -> None:
    ref = load_results('{"rule": {}, "regions": [{"name": "A", "yes": 3, "no": 1}]}')
    assert ref.tally.ballots == 4


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("regions: []", "non-empty"),
        ("rule: {majority: simple}\nregions: [{name: A, yes: 3}]", r"regions\[0\].no"),
        ("regions: [{name: A, yes: 3, no: 1, ballots: 5}]", "ballots"),
        ("regions: [{name: A, yes: 3, no: 1, colour: red}]", "unknown keys"),
        ("rule: {quorum: 1/2}\nregions: [{name: A, yes: 3, no: 1}]", "rule.quorum"),
        ("rule: {turnout_quorum: 1/2}\nregions: [{name: A, yes: 3, no: 1}]", "electorate"),
        ("regions: [{name: A, yes: 3, no: 1}, {name: A, yes: 3, no: 1}]", "unique"),
        ("regions: [{name: 'A,B', yes: 3, no: 1}]", "commas"),
        ("[1, 2", "YAML"),
    ],
)
def test_bad_results(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):  # rule errors come from referendum.rules
        ref = load_results(text)
        ref.leaves()


def test_simple_tallies_must_sum() -> None:
    with pytest.raises(AuditInputError, match="not the 1001 ballots"):
        simple_referendum(yes=600, no=400, ballots=1001)
