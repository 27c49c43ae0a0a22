"""Deniable revoting end to end (docs/spec/coercion.md): a referendum whose ballots hide their
credential, a coerced voter who revotes, the tallying authority's steps, the record verified;
every altered ballot, mix, group, filter, dummy or eligibility step refused by the check that
names it (each record rewritten with every hash recomputed, as a cheating board would); and
two runs that differ only in who revoted, whose public boards cannot be told apart by the
ballots' metadata."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from referendum.board.memory import MemoryBoard
from referendum.crypto.elgamal import encrypt
from referendum.crypto.group import Point, Scalar
from referendum.crypto.random import DeterministicRandom
from referendum.errors import BallotRejected, PhaseError
from referendum.protocol import deniable_tasks
from referendum.protocol.deniable import StepFailure, collect_steps, selected_tally, verify_region
from referendum.protocol.state import state_from_events
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.record.io import EVENTS_FILE, write_record
from referendum.services import deniable as services_deniable
from referendum.services.deniable import TallyingKey, publish_deniable_tally
from referendum.services.receipts import ReceiptSigner
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voter import prepare_ballot, prepare_deniable_ballot
from referendum.services.voting import cast, close_voting
from referendum.verify.deniable_events import DENIABLE_TYPES
from referendum.verify.partition import DaskRunner, open_runner
from referendum.verify.record_verifier import RecordFollower, verify_record
from referendum.verify.report import Check, Status

from .helpers import (
    BOARD_KEY,
    OPENS,
    Setup,
    manifest,
    payloads_of,
    ready_referendum,
    write_rehashed,
)

TALLYING = TallyingKey.generate(DeterministicRandom(b"test-tallying"))


def deniable_manifest() -> Any:
    return manifest(revoting="deniable", tallying_authority=TALLYING.public.hex())


@dataclass
class Run:
    setup: Setup
    events: list[Event]


def run(
    casts: list[tuple[str, int, str]],
    *,
    tally: bool = True,
    cheat: Callable[[pytest.MonkeyPatch], None] | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
    pool: Any = map,
) -> Run:
    """A deniable referendum on a memory board: ``casts`` are (region, voter index, answer),
    one ballot every minute; then the tallying authority's steps, two trustees, results."""
    board = MemoryBoard()
    setup = ready_referendum(board, m=deniable_manifest())
    signer = ReceiptSigner(BOARD_KEY, DeterministicRandom(b"test-board-nonces"))
    for region, index, answer in casts:
        voter = setup.credentials[region][index]
        prepared = prepare_deniable_ballot(setup.state, voter.private, {"q1": [answer]}, setup.rng)
        cast(board, prepared.submission, setup.clock, state=setup.state, signer=signer)
        setup.clock.jump((setup.clock.last or OPENS) + dt.timedelta(minutes=1))
    if tally:
        setup.clock.jump(OPENS + dt.timedelta(days=1, hours=13))
        close_voting(board, setup.clock)
        if cheat is not None and monkeypatch is not None:
            cheat(monkeypatch)
        publish_deniable_tally(board, TALLYING, setup.rng, setup.clock, pool=pool)
        for s in setup.secrets[:2]:
            publish_share(board, s, setup.rng, setup.clock)
        publish_results(board, setup.clock)
    return Run(setup, list(board.events()))


# east: voter 0 is coerced to vote yes, and later votes no alone; voter 1 votes yes, then
# revotes yes; voter 2 votes no; west: voter 0 votes yes
COERCED = [
    ("east", 0, "yes"),
    ("east", 1, "yes"),
    ("west", 0, "yes"),
    ("east", 2, "no"),
    ("east", 1, "yes"),
    ("east", 0, "no"),
]


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    done = run(COERCED)
    folder = tmp_path_factory.mktemp("deniable")
    write_record(done.events, folder)
    return folder, done


def first_failure(folder: Path) -> tuple[Check, str, str]:
    report = verify_record(folder)
    failed = [r for r in report.results if r.status is Status.FAIL]
    assert failed, "the altered record verified"
    return failed[0].check, failed[0].item or "", failed[0].detail


def test_the_record_verifies_and_the_coerced_voters_last_ballot_counts(
    record: tuple[Path, Run],
) -> None:
    folder, done = record
    report = verify_record(folder)
    assert report.ok, [r.to_json() for r in report.failures()]
    status = {r.check: r.status for r in report.results}
    for check in (Check.DENIABLE_BALLOTS, Check.DUMMIES, Check.MIX, Check.GROUPS):
        assert status[check] is Status.PASS
    for check in (Check.FILTER, Check.ELIGIBILITY, Check.TALLY, Check.RESULTS):
        assert status[check] is Status.PASS
    results = next(e for e in done.events if e.type == m.RESULTS).payload["regions"]
    # east counts voter 0's last ballot (no), voter 1's (yes), voter 2's (no): had the
    # coerced ballot counted, east would be 2 yes, 1 no
    assert results["east"]["questions"]["q1"] == {"yes": 1, "no": 2, "blank": 0}
    assert results["east"]["ballots"] == 3
    assert results["west"]["questions"]["q1"] == {"yes": 1, "no": 0, "blank": 0}


def test_no_ballot_names_its_credential(record: tuple[Path, Run]) -> None:
    _, done = record
    ballots = [e for e in done.events if e.type == m.BALLOT_DENIABLE]
    assert len(ballots) == len(COERCED)
    public = {c.public for cs in done.setup.credentials.values() for c in cs}
    for event in ballots:
        assert set(event.payload) == {
            "region",
            "ballot",
            "voter",
            "counter",
            "credential_proof",
            "tracking_code",
        }
        text = canonical_json(event.payload).decode()
        assert not any(c in text for c in public)
    assert not [e for e in done.events if e.type in (m.BALLOT_ACCEPTED, m.BALLOT_REJECTED)]


def test_the_board_refuses_what_it_must(record: tuple[Path, Run]) -> None:
    board = MemoryBoard()
    setup = ready_referendum(board, m=deniable_manifest())
    signer = ReceiptSigner(BOARD_KEY, DeterministicRandom(b"nonces"))
    voter = setup.credentials["east"][0]
    prepared = prepare_deniable_ballot(setup.state, voter.private, {"q1": ["yes"]}, setup.rng)
    cast(board, prepared.submission, setup.clock, state=setup.state, signer=signer)
    with pytest.raises(BallotRejected) as replay:
        cast(board, prepared.submission, setup.clock, state=setup.state, signer=signer)
    assert replay.value.code == "replayed"
    # the ballot's encrypted credential swapped for another voter's: the signature fails
    other = prepare_deniable_ballot(
        setup.state, setup.credentials["east"][1].private, {"q1": ["no"]}, setup.rng
    )
    forged = dict(prepared.submission, voter=other.submission["voter"])
    with pytest.raises(BallotRejected) as bad:
        cast(board, forged, setup.clock, state=setup.state, signer=signer)
    assert bad.value.code == "bad_signature"
    # a visible ballot is not a deniable submission
    visible = prepare_ballot(setup.state, voter.private, {"q1": ["yes"]}, setup.rng)
    with pytest.raises(BallotRejected) as wrong:
        cast(board, visible.submission, setup.clock, state=setup.state, signer=signer)
    assert (wrong.value.code, wrong.value.field) == ("malformed", "credential_proof")
    with pytest.raises(PhaseError, match="needs its key"):
        cast(board, other.submission, setup.clock, state=setup.state)
    # the visible tally is refused: the tallying authority's steps come first
    setup.clock.jump(OPENS + dt.timedelta(days=1, hours=13))
    close_voting(board, setup.clock)
    with pytest.raises(PhaseError, match="tallying authority"):
        publish_tally(board, setup.clock)
    assert not list(board.events(types=(m.BALLOT_REJECTED,)))  # refusals are not published


Edit = Callable[[list[tuple[str, str, dict[str, Any]]]], None]


def _first(edited: list[tuple[str, str, dict[str, Any]]], event_type: str, **match: str) -> Any:
    for t, _, payload in edited:
        if t == event_type and all(payload.get(k) == v for k, v in match.items()):
            return payload
    raise AssertionError(f"no {event_type} {match}")


def _one(seed: bytes) -> dict[str, str]:
    key = Point.from_hex(TALLYING.public.hex())
    return encrypt(key, 1, Scalar.random(DeterministicRandom(seed))).to_json()


def _bump_hex(value: str) -> str:
    point = Point.from_hex(value) + Point.generator()
    return point.hex()


CHEATS: dict[str, tuple[Edit, Check, str]] = {
    "a ballot's encrypted credential": (
        lambda e: _first(e, m.BALLOT_DENIABLE)["voter"].update(_one(b"v")),
        Check.DENIABLE_BALLOTS,
        "proof",  # the selection proofs are bound to it: they fail first
    ),
    "a mixed row": (
        lambda e: _first(e, m.TALLY_MIX, stage="ballots")["outputs"][0].__setitem__(
            3, _one(b"mixed")
        ),
        Check.MIX,
        "mix ballots",
    ),
    "a shuffle proof's response": (
        lambda e: _first(e, m.TALLY_MIX, stage="ballots")["proof"].update(
            s_sum=Scalar.from_int(5).hex()
        ),
        Check.MIX,
        "mix ballots.sum",
    ),
    "the list's mix": (
        lambda e: _first(e, m.TALLY_MIX, stage="list")["outputs"][0].__setitem__(0, _one(b"l")),
        Check.MIX,
        "mix list",
    ),
    "a dummy dropped": (
        lambda e: _first(e, m.TALLY_DUMMIES, region="east")["rows"].pop(),
        Check.MIX,
        "output rows",
    ),
    "a dummy with a vote": (
        lambda e: _first(e, m.TALLY_DUMMIES, region="east")["rows"][0].update(choices=[_one(b"d")]),
        Check.DUMMIES,
        "rows[0].choices",
    ),
    "a pseudonym": (
        lambda e: _first(e, m.TALLY_GROUPS, region="east")["rows"][1].update(
            pseudonym=_bump_hex(_first(e, m.TALLY_GROUPS, region="east")["rows"][1]["pseudonym"])
        ),
        Check.GROUPS,
        "groups[1].pseudonym",
    ),
    "an opened counter": (
        lambda e: _first(e, m.TALLY_GROUPS, region="east")["rows"][0].update(
            counter=_first(e, m.TALLY_GROUPS, region="east")["rows"][0]["counter"] + 1
        ),
        Check.GROUPS,
        "does not decrypt",
    ),
    "a filtered vote": (
        lambda e: _first(e, m.TALLY_FILTER, region="east")["selected"][0]["choices"].__setitem__(
            0, _one(b"f")
        ),
        Check.FILTER,
        "filter[0]",
    ),
    "a filtered credential": (
        lambda e: _first(e, m.TALLY_FILTER, region="east")["selected"][0].update(voter=_one(b"c")),
        Check.FILTER,
        "filter[0].voter",
    ),
    "an eligibility pseudonym": (
        lambda e: _first(e, m.TALLY_ELIGIBILITY, region="east")["list"][0].update(
            pseudonym=_bump_hex(
                _first(e, m.TALLY_ELIGIBILITY, region="east")["list"][0]["pseudonym"]
            )
        ),
        Check.ELIGIBILITY,
        "eligibility.list[0]",
    ),
    "the tally": (
        lambda e: _first(e, m.TALLY)["regions"]["east"]["questions"]["q1"].__setitem__(
            0, _one(b"t")
        ),
        Check.TALLY,
        "differs",
    ),
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_every_altered_step_fails_with_its_check(
    name: str, record: tuple[Path, Run], tmp_path: Path
) -> None:
    assert_cheat_fails(record[1], CHEATS[name], tmp_path)


def assert_cheat_fails(done: Run, cheat: tuple[Edit, Check, str], folder: Path) -> None:
    """The run's record edited by the cheat's edit, rehashed: its first failure is the
    cheat's check, with its words in the item or the detail."""
    edit, check, words = cheat
    edited = copy.deepcopy(payloads_of(done.events))
    edit(edited)
    got, item, detail = first_failure(write_rehashed(edited, folder))
    assert got is check, (got, item, detail)
    assert words in f"{item} {detail}", (item, detail)


def _extra_dummy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tallying authority that pads one voter's group beyond the cover (to make a group
    look like a revoter's)."""
    honest = services_deniable.assign

    def padded(counts: Any, padding: Any) -> list[int]:
        sizes = honest(counts, padding)
        return [sizes[0] * 2, *sizes[1:]]

    monkeypatch.setattr(services_deniable, "assign", padded)


def test_dummies_beyond_the_cover_cannot_be_published(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(StepFailure) as refused:
        run(COERCED, cheat=_extra_dummy, monkeypatch=monkeypatch)
    assert refused.value.step == "DUMMIES" and "cover" in refused.value.reason


def test_dummies_beyond_the_cover_fail_verification(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The same cheat by an authority that skips its own check: the verifier names it."""

    def cheat(patch: pytest.MonkeyPatch) -> None:
        _extra_dummy(patch)
        patch.setattr(services_deniable, "verify_region", _unchecked)

    done = run(COERCED, cheat=cheat, monkeypatch=monkeypatch)
    write_record(done.events, tmp_path)
    check, _, detail = first_failure(tmp_path)
    assert check is Check.DUMMIES and "cover" in detail


def _unchecked(state: Any, region: str, steps: Any) -> Any:
    """verify_region without the cover check (what a cheating authority would run)."""
    from referendum.protocol import deniable

    saved = deniable.cover
    try:
        deniable.cover = lambda **kw: _sizes(steps)  # type: ignore[assignment]
        return deniable.verify_region(state, region, steps)
    finally:
        deniable.cover = saved  # type: ignore[assignment]


def _sizes(steps: Any) -> Any:
    """The group sizes the steps show (so that the cover check cannot fail)."""
    groups = steps.step(m.TALLY_GROUPS)
    sizes: dict[str, int] = {}
    for row in groups.payload["rows"] if groups else []:
        sizes[row["pseudonym"]] = sizes.get(row["pseudonym"], 0) + 1
    counted: dict[int, int] = {}
    for size in sizes.values():
        counted[size] = counted.get(size, 0) + 1
    return tuple(sorted(counted.items()))


def _metadata(events: list[Event]) -> list[tuple[Any, ...]]:
    """What the public board shows of each ballot besides its ciphertexts: height, time,
    type, region, members, size of its canonical JSON."""
    return [
        (
            e.height,
            e.timestamp,
            e.type,
            e.payload.get("region"),
            tuple(sorted(e.payload)),
            len(canonical_json(e.payload)),
        )
        for e in events
        if e.type == m.BALLOT_DENIABLE
    ]


def _shape(value: Any) -> Any:
    """A payload with every hex value replaced by its length and integers by a mark: the
    structure the tallying authority's events show."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, str):
        return len(value)
    if isinstance(value, int):
        return "int"
    return value


def _groups(events: list[Event]) -> dict[str, list[tuple[int, int]]]:
    """Per region, each group's size and the length of its counter run (sorted)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for e in events:
        if e.type != m.TALLY_GROUPS:
            continue
        members: dict[str, list[int]] = {}
        for row in e.payload["rows"]:
            members.setdefault(row["pseudonym"], []).append(row["counter"])
        out[e.payload["region"]] = sorted((len(c), max(c) - min(c) + 1) for c in members.values())
    return out


def test_whether_the_coerced_voter_revoted_cannot_be_seen() -> None:
    """Two runs: in one the coerced voter (east 0) casts a second ballot after the coerced
    one; in the other that voter does not, and another voter of the region (east 2) casts a
    second ballot at the same moment instead (a region's count and times of ballots are
    public in both designs, section 4).  Compared: every ballot event's height, timestamp,
    type, region, member names and canonical size; every event's type in order; the shape
    of every tallying authority's event (members, list lengths, value lengths); the group
    sizes and counter runs; the number of dummies; the per-region ballots counted.  Only
    ciphertexts, proofs, pseudonyms and counter values (fresh randomness) differ, and the
    decrypted results, which are the outcome the coercer may learn anyway."""
    revoted = run([("east", 0, "yes"), ("east", 1, "yes"), ("east", 2, "no"), ("east", 0, "no")])
    other = run([("east", 0, "yes"), ("east", 1, "yes"), ("east", 2, "no"), ("east", 2, "yes")])
    a, b = revoted.events, other.events
    assert [e.type for e in a] == [e.type for e in b]
    assert _metadata(a) == _metadata(b) and len(_metadata(a)) == 4
    steps = (*m.TALLY_STEPS,)
    for x, y in zip(a, b, strict=True):
        if x.type in steps:
            assert x.timestamp == y.timestamp
            assert _shape(x.payload) == _shape(y.payload), x.type
    assert _groups(a) == _groups(b)
    tally_a = next(e for e in a if e.type == m.TALLY).payload["regions"]
    tally_b = next(e for e in b if e.type == m.TALLY).payload["regions"]
    assert {r: v["ballots"] for r, v in tally_a.items()} == {
        r: v["ballots"] for r, v in tally_b.items()
    }
    # the runs are the same up to the fourth ballot, which is another voter's in each
    fourth = [
        [e for e in run_.events if e.type == m.BALLOT_DENIABLE][3] for run_ in (revoted, other)
    ]
    assert fourth[0].payload["voter"] != fourth[1].payload["voter"]


def test_visible_manifests_are_unchanged() -> None:
    visible = manifest()
    assert "revoting" not in visible.to_payload()
    assert "tallying_authority" not in visible.to_payload()
    with pytest.raises(Exception, match="tallying authority"):
        manifest(revoting="deniable")
    with pytest.raises(Exception, match="deniable revoting only"):
        manifest(tallying_authority=TALLYING.public.hex())


def test_a_cheating_board_cannot_hide_a_step(record: tuple[Path, Run], tmp_path: Path) -> None:
    """The filter's event dropped: the tally cannot be checked, FILTER names what is missing."""
    _, done = record
    edited = [x for x in payloads_of(done.events) if x[0] != m.TALLY_FILTER]
    check, item, detail = first_failure(write_rehashed(edited, tmp_path))
    assert check is Check.FILTER and "no tally.filter event" in detail, (item, detail)


def test_a_deniable_ballot_in_a_visible_record_fails(
    record: tuple[Path, Run], tmp_path: Path
) -> None:
    """Deniable events in a referendum whose manifest says visible revoting."""
    _, done = record
    edited = payloads_of(done.events)
    genesis = edited[0][2]
    del genesis["revoting"], genesis["tallying_authority"]
    report = verify_record(write_rehashed(edited, tmp_path))
    found = {r.check: r.detail for r in report.failures()}
    assert "visible revoting" in found[Check.DENIABLE_BALLOTS]


def test_the_cli_casts_and_tallies_deniable_ballots(tmp_path: Path) -> None:
    """`referendum vote` casts deniable ballots (twice: the last counts); `referendum tally`
    refuses and names the tallying authority's command, which then publishes the tally."""
    from unittest import mock

    from referendum.board.open import open_board

    from .helpers import run_main

    db = f"sqlite:///{tmp_path / 'board.sqlite'}"
    board = open_board(db)
    setup = ready_referendum(board, m=deniable_manifest())
    board_key = tmp_path / "board.key"
    board_key.write_bytes(canonical_json(BOARD_KEY.to_json()))
    tallying_key = tmp_path / "tallying.key"
    tallying_key.write_bytes(canonical_json(TALLYING.to_json()))
    private = setup.credentials["west"][1].private
    clocks = [
        mock.patch(f"referendum.cli.{name}.system_clock", setup.clock)
        for name in ("voter", "tallying")
    ]
    codes = []
    for answer in ("yes", "no"):
        code, out, err = run_main(
            "vote", "--credential", private, "--choice", f"q1={answer}",
            "--board-key", str(board_key), "--db", db, patches=clocks,
        )  # fmt: skip
        assert code == 0, err
        assert "no link between your ballots" in out
        codes.append(out.split("tracking code: ")[1].split()[0])
    assert codes[0] != codes[1]
    for where in (("--db", db),):
        code, out, err = run_main("track", codes[0], *where)
        assert code == 0 and "does not say whether a later ballot" in out, err
    code, out, err = run_main(
        "vote", "--credential", private, "--choice", "q1=no", "--challenge",
        str(tmp_path / "c.json"), "--db", db, patches=clocks,
    )  # fmt: skip
    assert code == 0 and "can never be cast" in out, err
    challenge = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert challenge["format"] == "referendum-challenge/3" and "credential_proof" not in challenge
    code, out, err = run_main("check-challenge", str(tmp_path / "c.json"), "--db", db)
    assert code == 0 and "encrypts ['no']" in out, err
    challenge["voter"] = challenge["voter"] | {"alpha": challenge["voter"]["beta"]}
    (tmp_path / "c.json").write_text(json.dumps(challenge), encoding="utf-8")
    code, out, err = run_main("check-challenge", str(tmp_path / "c.json"), "--db", db)
    assert code != 0 and "voter" in err
    assert board.count(m.BALLOT_DENIABLE) == 2  # the challenged ballot was not cast
    setup.clock.jump(OPENS + dt.timedelta(days=1, hours=13))
    close_voting(board, setup.clock)
    code, _, err = run_main("tally", "--db", db)
    assert code != 0 and "referendum tallying tally" in err
    code, out, err = run_main("tallying", "tally", "--key", str(tallying_key), "--db", db,
                              "--workers", "2", patches=clocks)  # fmt: skip
    assert code == 0, err
    assert "voters counted per region: {'east': 0, 'west': 1}" in out
    for s in setup.secrets[:2]:
        publish_share(board, s, setup.rng, setup.clock)
    results = publish_results(board, setup.clock)
    assert results["regions"]["west"]["questions"]["q1"] == {"yes": 0, "no": 1, "blank": 0}
    write_record(board.events(), tmp_path / "record")
    board.close()
    assert verify_record(tmp_path / "record").ok
    code, out, err = run_main("track", codes[1], "--record", str(tmp_path / "record"))
    assert code == 0 and "your last ballot counts" in out, err


def test_the_demo_with_deniable_revoting(tmp_path: Path) -> None:
    """`referendum demo --revoting deniable`: a coerced voter revotes; the record verifies."""
    from referendum.services.demo import run_demo

    summary = run_demo(tmp_path, voters=12, seed=3, revoting="deniable")
    assert summary.coerced is not None and summary.revotes >= 1
    report = verify_record(tmp_path)
    assert report.ok and {r.check for r in report.results} >= {Check.FILTER, Check.ELIGIBILITY}
    # the last voter's signed receipt (kind deniable) checks against the record
    from .helpers import run_main

    code, out, err = run_main("track", "--receipt", str(tmp_path / "receipt.json"), str(tmp_path))
    assert code == 0, (out, err)
    assert summary.receipt is not None and summary.receipt.kind == "deniable"


def test_referendum_bench_compares_revoting(tmp_path: Path) -> None:
    from .helpers import run_main

    code, out, err = run_main("bench", "--deniable", "120")
    assert code == 0, err
    assert "Revoting, per ballot" in out and "120" in out


def test_the_bench_verifies_in_workers_and_projects_larger_sizes() -> None:
    from referendum.bench.deniable import deniable_costs, projection

    two = deniable_costs(120, workers=2, sample=8).to_json()
    assert two["workers"] == 2 and two["dummies"] > 0
    assert two["steps_verify_wall_s"] > 0 and two["peak_mb"] > 0 and two["workers_peak_mb"] > 0
    small = {**two, "ballots": 1000, "peak_mb": 200.0, "tally_wall_s": 10.0}
    small |= {"steps_verify_wall_s": 5.0, "deniable_ballot_check_ms": 1.0}
    large = {**small, "ballots": 2000, "peak_mb": 300.0}
    guess = projection([small, large], 4000)
    assert guess == {"ballots": 4000, "wall_s": 32.0, "peak_mb": 500.0}  # (10 + 5 + 1) x 2


def test_a_step_too_large_for_a_record_line_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is appended when a region's step would not fit in one record line."""
    board = MemoryBoard()
    setup = ready_referendum(board, m=deniable_manifest())
    signer = ReceiptSigner(BOARD_KEY, DeterministicRandom(b"nonces"))
    voter = setup.credentials["east"][0]
    prepared = prepare_deniable_ballot(setup.state, voter.private, {"q1": ["yes"]}, setup.rng)
    cast(board, prepared.submission, setup.clock, state=setup.state, signer=signer)
    setup.clock.jump(OPENS + dt.timedelta(days=1, hours=13))
    close_voting(board, setup.clock)
    before = len(list(board.events()))
    monkeypatch.setattr(services_deniable, "MAX_STEP_BYTES", 2000)
    with pytest.raises(PhaseError, match="more than a record line holds"):
        publish_deniable_tally(board, TALLYING, setup.rng, setup.clock)
    assert len(list(board.events())) == before


# --- steps in parts (docs/spec/coercion.md section 6.1) ------------------------------------


@pytest.fixture(scope="module")
def chunked() -> Run:
    """The coerced run with every step cut into parts of two rows."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services_deniable, "ROWS_PER_PART", 2)
        return run(COERCED)


def _parts(edited: list[tuple[str, str, dict[str, Any]]], event_type: str, **match: Any) -> Any:
    found = [
        p for t, _, p in edited if t == event_type and all(p.get(k) == v for k, v in match.items())
    ]
    assert len(found) > 1, f"{event_type} {match} is one part"
    return found


def test_a_step_in_parts_verifies(chunked: Run, tmp_path: Path) -> None:
    write_record(chunked.events, tmp_path)
    report = verify_record(tmp_path)
    assert report.ok, [r for r in report.results if r.status is Status.FAIL]
    mixes = _parts(payloads_of(chunked.events), m.TALLY_MIX, region="east", stage="ballots")
    assert [p["part"] for p in mixes] == list(range(len(mixes)))
    assert {p["parts"] for p in mixes} == {len(mixes)}
    assert all(len(p["outputs"]) <= 2 for p in mixes)
    assert "t_sum" in mixes[-1]["proof"] and "t_sum" not in mixes[0]["proof"]


def _swap(e: list[tuple[str, str, dict[str, Any]]], event_type: str, **match: Any) -> None:
    first, second = _parts(e, event_type, **match)[:2]
    i = next(k for k, x in enumerate(e) if x[2] is first)
    j = next(k for k, x in enumerate(e) if x[2] is second)
    e[i], e[j] = (e[i][0], e[i][1], second), (e[j][0], e[j][1], first)  # times stay in order


def _drop(
    e: list[tuple[str, str, dict[str, Any]]], index: int, event_type: str, **match: Any
) -> None:
    target = _parts(e, event_type, **match)[index]
    e[:] = [x for x in e if x[2] is not target]


PART_CHEATS: dict[str, tuple[Edit, Check, str]] = {
    "a mixed row of a later part": (
        lambda e: _parts(e, m.TALLY_MIX, region="east", stage="ballots")[1]["outputs"][
            0
        ].__setitem__(3, _one(b"mixed")),
        Check.MIX,
        "mix ballots",
    ),
    "a chain commitment of a later part": (
        lambda e: _parts(e, m.TALLY_MIX, region="east", stage="ballots")[1]["proof"][
            "chain"
        ].__setitem__(
            0,
            _bump_hex(
                _parts(e, m.TALLY_MIX, region="east", stage="ballots")[1]["proof"]["chain"][0]
            ),
        ),
        Check.MIX,
        "mix ballots",
    ),
    "a pseudonym of a later part": (
        lambda e: _parts(e, m.TALLY_GROUPS, region="east")[1]["rows"][0].update(
            pseudonym=_bump_hex(_parts(e, m.TALLY_GROUPS, region="east")[1]["rows"][0]["pseudonym"])
        ),
        Check.GROUPS,
        "groups[2].pseudonym",
    ),
    "an eligibility pseudonym of a later part": (
        lambda e: _parts(e, m.TALLY_ELIGIBILITY, region="east")[1]["list"][0].update(
            pseudonym=_bump_hex(
                _parts(e, m.TALLY_ELIGIBILITY, region="east")[1]["list"][0]["pseudonym"]
            )
        ),
        Check.ELIGIBILITY,
        "eligibility.list[2]",
    ),
    "a middle part dropped": (
        lambda e: _drop(e, 1, m.TALLY_MIX, region="east", stage="ballots"),
        Check.MIX,
        "part 2 where part 1",
    ),
    "the last part dropped": (
        lambda e: _drop(e, -1, m.TALLY_GROUPS, region="east"),
        Check.GROUPS,
        "missing",
    ),
    "two parts swapped": (
        lambda e: _swap(e, m.TALLY_MIX, region="east", stage="ballots"),
        Check.MIX,
        "part 1 where part 0",
    ),
    "a part repeated": (
        lambda e: e.insert(
            next(k for k, x in enumerate(e) if x[2] is _parts(e, m.TALLY_GROUPS, region="east")[1]),
            copy.deepcopy(
                next(x for x in e if x[0] == m.TALLY_GROUPS and x[2]["region"] == "east")
            ),
        ),
        Check.GROUPS,
        "part 0 where part 1",
    ),
    "the key in a part not last": (
        lambda e: _parts(e, m.TALLY_GROUPS, region="east")[0].update(
            key=_parts(e, m.TALLY_GROUPS, region="east")[-1]["key"]
        ),
        Check.GROUPS,
        "key: in a part not last",
    ),
    "a part count changed": (
        lambda e: _parts(e, m.TALLY_FILTER, region="east")[0].update(parts=7),
        Check.FILTER,
        "parts",
    ),
}


@pytest.mark.parametrize("name", sorted(PART_CHEATS))
def test_every_altered_part_fails_with_its_step(name: str, chunked: Run, tmp_path: Path) -> None:
    assert_cheat_fails(chunked, PART_CHEATS[name], tmp_path)


# --- the checks shared by workers (protocol/deniable_tasks.py) -------------------------------


def _in_tasks(done: Run) -> dict[str, Any]:
    """The checks in tasks of two rows (or ballots) each, run here."""
    state = state_from_events(done.events)
    ballots = [e for e in done.events if e.type == m.BALLOT_DENIABLE]
    steps = [e for e in done.events if e.type in m.TALLY_STEPS]
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "BALLOTS_PER_TASK",
            "ROWS_PER_TASK",
            "ITEMS_PER_TASK",
            "FILTER_GROUPS_PER_TASK",
        ):
            patch.setattr(deniable_tasks, name, 2)
        return deniable_tasks.check_in_tasks(
            state, ballots, steps, lambda tasks: map(deniable_tasks.run_task, tasks)
        )


@pytest.mark.parametrize("which", ["whole", "in parts"])
def test_the_checks_in_tasks_agree_with_the_checks_one_by_one(
    which: str, record: tuple[Path, Run], chunked: Run
) -> None:
    done = record[1] if which == "whole" else chunked
    figures = _in_tasks(done)
    state = state_from_events(done.events)
    ballots = [e for e in done.events if e.type == m.BALLOT_DENIABLE]
    steps = collect_steps(state, ballots, [e for e in done.events if e.type in m.TALLY_STEPS])
    assert sorted(figures) == ["east", "west"]
    for region, got in figures.items():
        count = verify_region(state, region, steps[region])
        expected = selected_tally(state, region, count.counted)
        assert (got.ballots, got.dummies, got.voters, got.counted) == (
            count.ballots,
            count.dummies,
            count.voters,
            len(count.counted),
        )
        assert got.tally.sums == expected.sums and got.tally.ballots == expected.ballots
    assert figures["east"].ballots == 5 and figures["east"].counted == 3


def test_the_verifier_keeps_the_deniable_events_by_their_lines_and_reads_them_again(
    record: tuple[Path, Run],
) -> None:
    folder, done = record
    follower = RecordFollower(str(folder / EVENTS_FILE))
    assert follower.advance()
    p1 = follower.p1
    assert [e.type for e in p1.non_ballot if e.type in DENIABLE_TYPES] == []
    for lines, kinds in (
        (p1.deniable_ballots, {m.BALLOT_DENIABLE}),
        (p1.deniable_steps, set(m.TALLY_STEPS)),
    ):
        expected = [e.hash for e in done.events if e.type in kinds]
        assert lines.count == len(expected) > 0
        assert [e.hash for e in lines.events(follower.path)] == expected
    # the ballots are consecutive lines, then the close, then the steps: one span each
    assert (p1.deniable_ballots.spans, p1.deniable_steps.spans) == (1, 1)
    assert follower.conclude().ok


def _reports(folder: Path) -> tuple[Any, Any]:
    one, two = verify_record(folder), verify_record(folder, workers=2)
    return (one.results, one.summary), (two.results, two.summary)


def test_two_workers_give_the_same_report(
    record: tuple[Path, Run], chunked: Run, tmp_path: Path
) -> None:
    one, two = _reports(record[0])
    assert one == two
    done = record[1]
    runner = open_runner(workers=2)
    try:  # the two processes pass the record themselves (nothing falls back to one process)
        figures = deniable_tasks.check_in_tasks(
            state_from_events(done.events),
            [e for e in done.events if e.type == m.BALLOT_DENIABLE],
            [e for e in done.events if e.type in m.TALLY_STEPS],
            lambda tasks: runner.map(deniable_tasks.run_task, tasks),
        )
    finally:
        runner.close()
    assert figures["east"].counted == 3
    write_record(chunked.events, tmp_path)
    one, two = _reports(tmp_path)
    assert one == two


@pytest.mark.parametrize("name", sorted(CHEATS) + [f"part: {k}" for k in sorted(PART_CHEATS)])
def test_an_altered_record_fails_alike_with_two_workers(
    name: str, record: tuple[Path, Run], chunked: Run, tmp_path: Path
) -> None:
    if name.startswith("part: "):
        done, (edit, check, _) = chunked, PART_CHEATS[name.removeprefix("part: ")]
    else:
        done, (edit, check, _) = record[1], CHEATS[name]
    edited = copy.deepcopy(payloads_of(done.events))
    edit(edited)
    folder = write_rehashed(edited, tmp_path)
    one, two = _reports(folder)
    assert one == two
    assert next(r for r in one[0] if r.status is Status.FAIL).check is check


def test_a_tampered_step_is_unsure_in_tasks(record: tuple[Path, Run]) -> None:
    """The tasks never pass what the checks one by one refuse (here: a shuffle response, a
    pseudonym, a filtered vote)."""
    for name in ("a shuffle proof's response", "a pseudonym", "a filtered vote"):
        edited = copy.deepcopy(payloads_of(record[1].events))
        CHEATS[name][0](edited)
        events = [
            Event(e.height, e.parent, e.type, e.timestamp, payload, e.hash)
            for e, (_, _, payload) in zip(record[1].events, edited, strict=True)
        ]
        with pytest.raises(deniable_tasks.Unsure):
            _in_tasks(Run(record[1].setup, events))


def test_the_tally_proves_in_worker_processes_alike() -> None:
    """Proving tasks of two rows in two processes make the very record proved here."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services_deniable, "PROOFS_PER_TASK", 2)
        here = run(COERCED)
        runner = open_runner(workers=2)
        try:
            there = run(COERCED, pool=runner.map)
        finally:
            runner.close()
    assert [(e.type, e.payload) for e in there.events] == [(e.type, e.payload) for e in here.events]
    groups = next(e for e in here.events if e.type == m.TALLY_GROUPS)
    assert len(groups.payload["rows"]) > 2  # the rows of several tasks in one step


def test_a_dask_cluster_gives_the_same_report(record: tuple[Path, Run], tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    edited = copy.deepcopy(payloads_of(record[1].events))
    CHEATS["a pseudonym"][0](edited)
    altered = write_rehashed(edited, tmp_path)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        for folder in (record[0], altered):
            one = verify_record(folder)
            there = verify_record(folder, dask=client)
            assert (there.results, there.summary) == (one.results, one.summary)
        runner = DaskRunner(client)  # the cluster passes the record itself (no fallback)
        done = record[1]
        figures = deniable_tasks.check_in_tasks(
            state_from_events(done.events),
            [e for e in done.events if e.type == m.BALLOT_DENIABLE],
            [e for e in done.events if e.type in m.TALLY_STEPS],
            lambda tasks: runner.map(deniable_tasks.run_task, tasks),
        )
    assert figures["east"].counted == 3 and not one.ok


def test_packed_ballots_are_the_events_ballots() -> None:
    """The tallying authority keeps each region's ballots as their encodings: decoded, they
    are the events' ballots, and their first-mix rows are the rows' encodings."""
    from referendum.crypto.proofs.shuffle_prover import encode_rows
    from referendum.errors import InputError
    from referendum.protocol.deniable import PackedBallots, ballot_row, parse_deniable_ballot

    done = run(COERCED, tally=False)
    events = [e for e in done.events if e.type == m.BALLOT_DENIABLE]
    east = PackedBallots("east")
    for e in events:
        if e.payload["region"] == "east":
            east.add(e)
    expected = [parse_deniable_ballot(e) for e in events if e.payload["region"] == "east"]
    assert len(east) == len(expected) == 5
    assert list(east) == expected and east[-1] == expected[-1] and east[1:3] == expected[1:3]
    assert list(east.row_encodings()) == list(encode_rows(ballot_row(b) for b in expected))
    west_event = next(e for e in events if e.payload["region"] == "west")
    with pytest.raises(InputError, match="region"):
        east.add(west_event)
    broken = Event(
        99,
        "",
        m.BALLOT_DENIABLE,
        "",
        {**west_event.payload, "region": "east", "voter": {"alpha": "zz", "beta": "00"}},
        "",
    )
    with pytest.raises(InputError, match=r"events\[99\]"):
        east.add(broken)
    assert len(east) == 5  # nothing kept of a refused event
