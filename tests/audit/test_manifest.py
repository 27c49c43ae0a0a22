"""Ballot manifests, locating draws and pull sheets."""

import pytest

from referendum.audit.manifest import (
    locate,
    parse_manifest,
    pull_sheet,
    pull_sheet_csv,
    pull_sheet_html,
)
from referendum.errors import AuditInputError

MANIFEST = "batch,ballots,region\nA1,3,North\nA2,2,North\nB1,4,South\n"


def test_locate_every_ballot() -> None:
    m = parse_manifest(MANIFEST, expected_ballots=9)
    where = [(locate(m, k).batch, locate(m, k).position) for k in range(1, 10)]
    assert where == [
        ("A1", 1), ("A1", 2), ("A1", 3), ("A2", 1), ("A2", 2),
        ("B1", 1), ("B1", 2), ("B1", 3), ("B1", 4),
    ]  # fmt: skip
    assert locate(m, 6).region == "South"
    assert m.region_totals() == {"North": 5, "South": 4}
    with pytest.raises(AuditInputError):
        locate(m, 10)


def test_pull_sheet_groups_repeats_and_sorts() -> None:
    m = parse_manifest(MANIFEST)
    rows = pull_sheet(m, [7, 2, 7, 4])
    assert [(r.batch, r.position, r.draws) for r in rows] == [
        ("A1", 2, (2,)),
        ("A2", 1, (4,)),
        ("B1", 2, (1, 3)),
    ]
    text = pull_sheet_csv(rows)
    assert text.splitlines()[-1] == "B1,2,7,South,1;3"
    html = pull_sheet_html(rows, title="Pull <sheet>", seed="1234", ballots=9)
    assert "Pull &lt;sheet&gt;" in html and "Batch B1 (region South)" in html


@pytest.mark.parametrize(
    ("text", "expected", "message"),
    [
        ("batch,count\nA,3\n", None, "missing column 'ballots'"),
        ("batch,ballots\nA,3\nA,2\n", None, "duplicate batch"),
        ("batch,ballots\nA,three\n", None, "row 2, column ballots"),
        ("batch,ballots\nA,-3\n", None, "row 2, column ballots"),
        ("batch,ballots\n", None, "no batches"),
        ("batch,ballots\nA,3\nB,2\n", 6, "add up to 5"),
    ],
)
def test_bad_manifests(text: str, expected: int | None, message: str) -> None:
    with pytest.raises(AuditInputError, match=message):
        parse_manifest(text, expected_ballots=expected)
