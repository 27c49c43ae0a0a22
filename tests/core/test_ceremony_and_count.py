"""Key ceremony with a cheating dealer, and the whole count on every board backend."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock
from referendum.crypto.random import DeterministicRandom
from referendum.errors import ManifestError, PhaseError
from referendum.record.io import write_record
from referendum.record.manifest import load_manifest
from referendum.services.keys import (
    publish_election_key,
)
from referendum.services.state import load_state
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voter import prepare_ballot
from referendum.services.voting import cast, close_voting, last_tracking_code
from referendum.verify.record_verifier import verify_record

from .helpers import (
    OPENS,
    cheating_dealer_ceremony,
    manifest,
    ready_referendum,
    vote_and_count,
)

ROOT = Path(__file__).resolve().parents[2]


def test_cheating_dealer_is_named_and_disqualified(board: BulletinBoard) -> None:
    checked = cheating_dealer_ceremony(board, DeterministicRandom(b"cheat"))
    complaints = load_state(board).checks[3]["complaints"]
    assert [c["dealer"] for c in complaints] == [2]
    assert 2 not in checked[2].received
    key = publish_election_key(board, SteppingClock(OPENS))
    assert key["disqualified"] == [2] and key["qualified"] == [1, 3]


def test_whole_count_with_an_absent_trustee(board: BulletinBoard, tmp_path: Path) -> None:
    setup = ready_referendum(board, per_region=4)
    choices = {"east": ["yes", "yes", "no", "blank"], "west": ["no", "no", "yes", "yes"]}
    for region, answers in choices.items():
        for cred, answer in zip(setup.credentials[region], answers, strict=True):
            cast(
                board,
                prepare_ballot(setup.state, cred.private, {"q1": [answer]}, setup.rng).submission,
                setup.clock,
            )
    # a revote in the west: the first "no" becomes "yes"
    cred = setup.credentials["west"][0]
    replaces = last_tracking_code(board, cred.public)
    cast(
        board,
        prepare_ballot(
            setup.state, cred.private, {"q1": ["yes"]}, setup.rng, replaces=replaces
        ).submission,
        setup.clock,
    )
    with pytest.raises(PhaseError):
        publish_tally(board, setup.clock)
    setup.clock.jump(OPENS + dt.timedelta(days=2))
    close_voting(board, setup.clock)
    publish_tally(board, setup.clock)
    publish_share(board, setup.secrets[2], setup.rng, setup.clock)
    with pytest.raises(PhaseError, match="1 valid decryption shares; 2 are needed"):
        publish_results(board, setup.clock)
    publish_share(board, setup.secrets[0], setup.rng, setup.clock)
    results = publish_results(board, setup.clock)
    assert results["trustees"] == [1, 3]
    assert results["regions"]["east"]["questions"]["q1"] == {"yes": 2, "no": 1, "blank": 1}
    assert results["regions"]["west"]["questions"]["q1"] == {"yes": 3, "no": 1, "blank": 0}
    assert results["outcome"]["decision"] == "approved"
    write_record(board.events(), tmp_path / "record")
    report = verify_record(tmp_path / "record", workers=2)
    assert report.ok, [r.to_json() for r in report.failures()]


def test_example_manifest_loads() -> None:
    loaded = load_manifest(ROOT / "examples" / "manifest.toml")
    assert loaded.outcome_rule().turnout_quorum is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trustees": {"names": ["A"], "threshold": 2}}, "trustees"),
        (
            {"window": [{"opens": "2026-05-04T08:00:00", "closes": "2026-05-04T09:00:00Z"}]},
            "window.0",
        ),
        ({"questions": [{"id": "q1", "text": "?", "answers": ["a", "b"]}]}, "questions.0"),
        ({"rule": {"turnout_quorum": "lots"}}, "rule.turnout_quorum"),
        ({"credential_authority": "00" * 31}, "credential_authority"),
        ({"board_key": "zz" * 32}, "board_key"),
        ({"format": "referendum-manifest/1"}, "format"),
        ({"regions": [{"id": "A B", "name": "x"}]}, "regions.0.id"),
    ],
)
def test_manifest_errors_name_the_field(
    change: dict[str, object], field: str, tmp_path: Path
) -> None:
    data = json.loads(json.dumps(manifest().to_payload()))
    data.update(change)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    assert info.value.field.startswith(field), info.value


def test_multi_option_question_needs_an_absolute_majority(tmp_path: Path) -> None:
    from referendum.board.memory import MemoryBoard

    multi = manifest(
        questions=[
            {
                "id": "q1",
                "text": "Which flag?",
                "answers": ["red", "blue", "keep"],
                "status_quo": "keep",
            }
        ],
        rule={},
    )
    board = MemoryBoard()
    setup = ready_referendum(board, per_region=3, m=multi)
    votes = {"east": ["red", "blue", "keep"], "west": ["red", "red", "blue"]}
    results = vote_and_count(setup, votes)
    # red has 3 of 6 votes: not an absolute majority, so the status quo stands
    assert results["outcome"]["decision"] == "rejected"
    assert "adopted" not in results["outcome"]
    write_record(board.events(), tmp_path / "r")
    assert verify_record(tmp_path / "r").ok


def test_ballot_styles_by_region(tmp_path: Path) -> None:
    """The voter's region gives the ballot style: a local question only on the west's ballots."""
    from referendum.board.memory import MemoryBoard
    from referendum.errors import InputError

    styled = manifest(
        questions=[
            {"id": "q1", "text": "Approve?", "answers": ["yes", "no", "blank"]},
            {
                "id": "local",
                "text": "Rename the bridge?",
                "answers": ["yes", "no"],
                "regions": ["west"],
            },
        ]
    )
    assert [q.id for q in styled.ballot_style("east")] == ["q1"]
    assert [q.id for q in styled.ballot_style("west")] == ["q1", "local"]
    board = MemoryBoard()
    setup = ready_referendum(board, per_region=2, m=styled)
    east, west = setup.credentials["east"], setup.credentials["west"]
    with pytest.raises(InputError, match="not on the ballot"):
        prepare_ballot(setup.state, east[0].private, {"q1": ["yes"], "local": ["no"]}, setup.rng)
    cast(
        board,
        prepare_ballot(setup.state, east[0].private, {"q1": ["yes"]}, setup.rng).submission,
        setup.clock,
    )
    for cred in west:
        choice = {"q1": ["no"], "local": ["yes"]}
        cast(
            board,
            prepare_ballot(setup.state, cred.private, choice, setup.rng).submission,
            setup.clock,
        )
    setup.clock.jump(OPENS + dt.timedelta(days=2))
    close_voting(board, setup.clock)
    publish_tally(board, setup.clock)
    for s in setup.secrets[1:]:
        publish_share(board, s, setup.rng, setup.clock)
    results = publish_results(board, setup.clock)
    assert set(results["regions"]["east"]["questions"]) == {"q1"}
    assert results["regions"]["west"]["questions"]["local"] == {"yes": 2, "no": 0}
    write_record(board.events(), tmp_path / "r")
    report = verify_record(tmp_path / "r")
    assert report.ok, [r.to_json() for r in report.failures()]


def test_first_question_is_on_every_ballot() -> None:
    with pytest.raises(ManifestError, match="first question"):
        manifest(
            questions=[{"id": "q1", "text": "?", "answers": ["yes", "no"], "regions": ["east"]}]
        )
