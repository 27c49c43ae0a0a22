"""Write the conformance records in ``vectors/records/`` (run from the repository root:
``.venv/bin/python tests/conformance/generate_records.py``, or ``make vectors``).

Valid records are small referendums run through the project's services
(``records_scenario.py``); invalid ones are what a cheating board would publish: the meaning
changed, then every hash recomputed (``records_attacks.py``).  Everything is drawn from
``DeterministicRandom`` and ``SteppingClock``, so the output is the same byte for byte on
every run; ``test_conformance_records.py`` checks that the committed files are.  Anyone who
changes the record format regenerates them with this one command.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import records_attacks as a
import records_scenario as s
from records_attacks import Payloads
from records_scenario import Built, Scenario, Vote, votes

from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.record.io import write_record

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "vectors" / "records"
GENERATOR = "tests/conformance/generate_records.py"
RECEIPT_FILE = "receipt.json"

TWO_REGIONS_FIVE = [*votes("east", "yes", "yes", "no"), *votes("west", "yes", "no", "blank")]


@dataclass(frozen=True)
class Record:
    """One conformance record: a run, an optional edit by a cheating board, the verdict."""

    name: str
    description: str
    run: Scenario
    verdict: str  # valid | invalid | incomplete | receipt
    check: str | None = None  # the check that must fail (invalid)
    why: str = ""
    edit: Callable[[Built], list[Event]] | None = None
    phase: str | None = None  # incomplete: the phase the record stops in
    receipt: Callable[[Built], dict[str, Any]] | None = None


def _valid(name: str, description: str, **kw: Any) -> Record:
    return Record(name, description, Scenario(name, description, **kw), "valid")


SIMPLE = Scenario(
    "simple-majority",
    "two regions, a yes/no/blank question, simple majority: 3 yes, 2 no, 1 blank: approved; "
    "all three trustees publish shares",
    ballots=TWO_REGIONS_FIVE,
)
REVOTES = Scenario(
    "revotes",
    "east voter 0 votes three times (no, no, yes), west voter 0 twice (yes, no): the last "
    "ballot of each credential counts",
    ballots=[
        Vote("east", 0, {"q1": ["no"]}),
        Vote("west", 0, {"q1": ["yes"]}),
        Vote("east", 1, {"q1": ["yes"]}),
        Vote("east", 0, {"q1": ["no"]}),
        Vote("west", 1, {"q1": ["no"]}),
        Vote("east", 0, {"q1": ["yes"]}),
        Vote("west", 0, {"q1": ["no"]}),
        Vote("west", 2, {"q1": ["yes"]}),
    ],
)
REFUSALS = Scenario(
    "refusals",
    "a refused submission of every reason of events.md (not_open, outside_window, oversize, "
    "malformed, wrong_election, unknown_credential, wrong_region, bad_signature, bad_proof, "
    "replayed, stale_replaces, closed) among accepted ballots",
    ballots=TWO_REGIONS_FIVE,
    refusals=True,
)
ABSENT = Scenario(
    "absent-trustee",
    "three trustees, threshold 2: trustee 2 publishes no decryption share; 1 and 3 decrypt",
    ballots=TWO_REGIONS_FIVE,
    present=(1, 3),
)
COMPLAINT = Scenario(
    "justified-complaint",
    "dealer 2 sends trustee 3 a corrupted share; trustee 3's justified complaint disqualifies "
    "dealer 2 (election.key: qualified [1, 3]); trustees 1 and 3 decrypt",
    ballots=TWO_REGIONS_FIVE,
    present=(1, 3),
    cheating_dealer=(2, 3),
)


def _same(run: Scenario) -> Record:
    return Record(run.name, run.description, run, "valid")


REISSUE = Scenario(
    "reissued-credential",
    "east voter 1 lost their letter: before opening, a credentials.reissue takes the old public "
    "credential off the east list and lists a new one; a ballot signed with the old one is "
    "refused (unknown_credential) and the new one votes: 3 yes, 2 no, 1 blank, approved, "
    "east's electorate still 4",
    ballots=TWO_REGIONS_FIVE,
    reissue=("east", 1),
)


def _reissue_after_opening(built: Built) -> list[Event]:
    """A board that puts the reissue after voting.open (the lists were frozen then)."""
    items = a.payloads(built.events)
    reissue = next(i for i, (t, _, _) in enumerate(items) if t == m.CREDENTIALS_REISSUE)
    moved = items.pop(reissue)
    opened = next(i for i, (t, _, _) in enumerate(items) if t == m.VOTING_OPEN)
    items.insert(opened + 1, (moved[0], items[opened][1], moved[2]))
    return a.rehash(items)


def _valid_records() -> list[Record]:
    return [
        _same(SIMPLE),
        _same(REISSUE),
        _valid(
            "supermajority",
            "a 2/3 majority needed: 3 yes of 5 valid votes (60%): rejected",
            manifest={"rule": {"majority": "2/3"}},
            ballots=TWO_REGIONS_FIVE,
        ),
        _valid(
            "turnout-quorum-void",
            "turnout quorum > 1/2: 3 ballots of an electorate of 8: void",
            manifest={"rule": {"turnout_quorum": "1/2"}},
            ballots=[*votes("east", "yes", "yes"), *votes("west", "no")],
        ),
        _valid(
            "valid-quorum",
            "valid-vote quorum > 1/2: 5 yes or no votes of an electorate of 8: approved",
            manifest={"rule": {"valid_quorum": "1/2"}},
            ballots=[*votes("east", "yes", "yes", "no"), *votes("west", "yes", "no", "blank")],
        ),
        _valid(
            "approval-quorum",
            "approval quorum >= 1/2: 3 yes against 1 no, but 3 of an electorate of 8: rejected",
            manifest={"rule": {"approval_quorum": "1/2"}},
            ballots=[*votes("east", "yes", "yes", "no"), *votes("west", "yes")],
        ),
        _valid(
            "veto-quorum",
            "veto quorum 1/3: 2 no against 1 yes, but 2 of an electorate of 8 is under 1/3: "
            "approved",
            manifest={"rule": {"veto_quorum": "1/3"}},
            ballots=[*votes("east", "no", "yes"), *votes("west", "no")],
        ),
        _valid(
            "double-majority",
            "double majority with a half-region: 4 yes against 3 no overall, but only North "
            "(weight 1) of North, Centre (1) and South (1/2) says yes: 1 of 5/2 is not more "
            "than half: rejected",
            manifest={
                "rule": {"double_majority": True},
                "regions": [
                    {"id": "north", "name": "North"},
                    {"id": "centre", "name": "Centre"},
                    {"id": "south", "name": "South (half-region)", "weight": "1/2"},
                ],
            },
            per_region=3,
            ballots=[
                *votes("north", "yes", "yes", "yes"),
                *votes("centre", "yes", "no", "no"),
                *votes("south", "no"),
            ],
        ),
        _valid(
            "per-region",
            "each region decides for itself: East approves (2 yes, 1 no), West rejects (1 yes, "
            "3 no)",
            manifest={"rule": {"per_region": True}},
            ballots=[*votes("east", "yes", "yes", "no"), *votes("west", "yes", "no", "no", "no")],
        ),
        _valid(
            "tie",
            "simple majority, 2 yes and 2 no: a tie",
            ballots=[*votes("east", "yes", "no"), *votes("west", "no", "yes")],
        ),
        _valid(
            "multi-option",
            "a first question with three options (status quo 'keep': 'reform' wins 4 of 6 "
            "votes) and a yes/no second question on East's ballot only",
            manifest={
                "questions": [
                    {
                        "id": "q1",
                        "text": "Which option?",
                        "answers": ["keep", "reform", "abolish"],
                        "status_quo": "keep",
                    },
                    {
                        "id": "q2",
                        "text": "Should East keep its own office?",
                        "answers": ["yes", "no"],
                        "regions": ["east"],
                    },
                ],
            },
            ballots=[
                Vote("east", 0, {"q1": ["reform"], "q2": ["yes"]}),
                Vote("east", 1, {"q1": ["reform"], "q2": ["no"]}),
                Vote("east", 2, {"q1": ["keep"], "q2": ["yes"]}),
                Vote("west", 0, {"q1": ["reform"]}),
                Vote("west", 1, {"q1": ["abolish"]}),
                Vote("west", 2, {"q1": ["reform"]}),
            ],
        ),
        _valid(
            "multilingual",
            "official languages uk and ru: the title, the information, the questions and the "
            "answers of a second question in both (covered by the fingerprint); the second "
            "question on West's ballot only; 2 yes and 1 no",
            manifest={
                "title": "Референдум про міський парк",
                "information": "Рада пропонує відкрити парк щодня.",
                "languages": ["uk", "ru"],
                "questions": [
                    {"id": "q1", "answers": ["yes", "no"], "text": "Відкрити парк щодня?"},
                    {
                        "id": "q2",
                        "answers": ["summer", "always"],
                        "text": "Коли відкривати ставок?",
                        "status_quo": "summer",
                        "regions": ["west"],
                    },
                ],
                "translations": {
                    "ru": {
                        "title": "Референдум о городском парке",
                        "information": "Совет предлагает открыть парк ежедневно.",
                        "questions": {
                            "q1": {"text": "Открыть парк ежедневно?", "answers": {}},
                            "q2": {
                                "text": "Когда открывать пруд?",
                                "answers": {"summer": "Летом", "always": "Всегда"},
                            },
                        },
                        "regions": {"east": "Восток", "west": "Запад"},
                    }
                },
            },
            ballots=[
                Vote("east", 0, {"q1": ["yes"]}),
                Vote("east", 1, {"q1": ["no"]}),
                Vote("west", 0, {"q1": ["yes"], "q2": ["always"]}),
            ],
        ),
        _same(ABSENT),
        Record(
            REVOTES.name,
            REVOTES.description + "; with East voter 0's receipt of its last ballot, which holds",
            REVOTES,
            "valid",
            receipt=_receipt_of("east", 0, -1),
        ),
        _same(REFUSALS),
        _same(COMPLAINT),
    ]


# --- attacks --------------------------------------------------------------------------------


def _results(change: Callable[[dict[str, Any]], None]) -> Callable[[Built], list[Event]]:
    return lambda built: a.edit_last(built.events, m.RESULTS, change)


def _bump_count(results: dict[str, Any]) -> None:
    results["regions"]["east"]["questions"]["q1"]["no"] += 1
    results["regions"]["east"]["questions"]["q1"]["yes"] -= 1


def _flip_decision(results: dict[str, Any]) -> None:
    results["outcome"]["decision"] = "rejected"


def _bad_proof(built: Built) -> list[Event]:
    def change(p: dict[str, Any]) -> None:
        proof = p["ballot"]["questions"][0]["selections"][0]["proof"]
        response = bytearray.fromhex(proof["responses"][0])
        response[0] ^= 1
        proof["responses"][0] = response.hex()

    return a.edit_first(built.events, m.BALLOT_ACCEPTED, change)


def _added_credential(built: Built) -> list[Event]:
    outsider = s.issue_credentials("conformance", "east", 1, s.DeterministicRandom(b"outsider"))
    return a.edit_first(
        built.events,
        m.CREDENTIALS,
        lambda p: p.__setitem__(
            "public_credentials", sorted([*p["public_credentials"], outsider[0].public])
        ),
    )


def _voter_of(built: Built, region: str, voter: int) -> str:
    return built.credentials[region][voter].public


def _drop(region: str, voter: int, which: int) -> s.Tamper:
    """Leave out the ``which``-th ballot of a voter before the tally."""

    def tamper(events: list[Event], built: Built) -> Payloads:
        items = a.payloads(events)
        del items[a.ballots_of(items, _voter_of(built, region, voter))[which]]
        return items

    return tamper


def _swap(region: str, voter: int) -> s.Tamper:
    """Swap a voter's last two ballots (and their ``replaces`` links): the earlier counts."""

    def tamper(events: list[Event], built: Built) -> Payloads:
        items = a.payloads(events)
        first, second = a.ballots_of(items, _voter_of(built, region, voter))[-2:]
        (_, t1, p1), (_, t2, p2) = items[first], items[second]
        p1["replaces"], p2["replaces"] = p2["tracking_code"], p1["replaces"]
        items[first] = (m.BALLOT_ACCEPTED, t1, p2)
        items[second] = (m.BALLOT_ACCEPTED, t2, p1)
        return items

    return tamper


def _delete_refusal(reason: str) -> s.Tamper:
    def tamper(events: list[Event], built: Built) -> Payloads:
        items = a.payloads(events)
        at = next(
            h
            for h, (t, _, p) in enumerate(items)
            if t == m.BALLOT_REJECTED and p["reason"] == reason
        )
        del items[at]
        return items

    return tamper


def _invent_refusal(events: list[Event], built: Built) -> Payloads:
    """A refusal, attributed to a listed voter who never sent anything: the submission names
    the victim's credential, with another voter's ballot and signature."""
    items = a.payloads(events)
    victim = _voter_of(built, "west", 3)
    close = next(h for h, (t, _, _) in enumerate(items) if t == m.VOTING_CLOSE)
    timestamp = items[close - 1][1]
    _, _, other = items[a.ballots_of(items, _voter_of(built, "east", 0))[0]]
    submission = {
        "election": _fingerprint(items),
        "region": "west",
        "credential": victim,
        "ballot": other["ballot"],
        "signature": other["signature"],
    }
    items.insert(
        close, (m.BALLOT_REJECTED, timestamp, _refusal("bad_signature", submission, victim))
    )
    return items


def _accepted_to_refused(events: list[Event], built: Built) -> Payloads:
    """A valid accepted ballot recorded as a ``bad_proof`` refusal instead (not counted)."""
    items = a.payloads(events)
    at = a.ballots_of(items, _voter_of(built, "east", 0))[0]
    _, timestamp, accepted = items[at]
    submission = {
        "election": _fingerprint(items),
        "region": accepted["region"],
        "credential": accepted["credential"],
        "ballot": accepted["ballot"],
        "signature": accepted["signature"],
        "replaces": accepted["replaces"],
    }
    items[at] = (
        m.BALLOT_REJECTED,
        timestamp,
        _refusal("bad_proof", submission, accepted["credential"]),
    )
    return items


_FIELD_OF = {"bad_signature": "signature", "bad_proof": "ballot"}


def _refusal(reason: str, submission: dict[str, Any], credential: str) -> dict[str, Any]:
    """A ``ballot.rejected`` payload as a board makes it (events.md), of a JSON submission."""
    body = canonical_json(submission)
    return {
        "reason": reason,
        "field": _FIELD_OF[reason],
        "detail": f"{reason} (invented)",
        "credential": credential,
        "submission": {"json": submission},
        "submission_sha256": hashlib.sha256(body).hexdigest(),
        "submission_size": len(body),
    }


def _fingerprint(items: Payloads) -> str:
    from referendum.crypto.hashing import sha256_fields

    return sha256_fields("referendum/v1/manifest", canonical_json(items[0][2])).hex()


def _frame_share(built: Built) -> list[Event]:
    """A failing decryption share attributed to trustee 2, who published none, and named
    in ``rejected_shares``."""
    items = a.payloads(built.events)
    share = next(p for t, _, p in items if t == m.DECRYPTION_SHARE)
    forged = {"trustee": 2, "regions": json.loads(json.dumps(share["regions"]))}
    for per_question in forged["regions"].values():
        for shares in per_question.values():
            for entry in shares:
                entry["index"] = 2
    results_at = next(h for h, (t, _, _) in enumerate(items) if t == m.RESULTS)
    items.insert(results_at, (m.DECRYPTION_SHARE, items[results_at - 1][1], forged))
    results = items[results_at + 1][2]
    results["rejected_shares"] = {"2": "the DLEQ proof of a decryption share does not verify"}
    results["outcome"] = results.pop("outcome")
    return a.rehash(items)


def _falsely_rejected(results: dict[str, Any]) -> None:
    results["trustees"] = [1, 3]
    results["rejected_shares"] = {"2": "the DLEQ proof of a decryption share does not verify"}


def _manifest(change: Callable[[dict[str, Any]], None]) -> Callable[[Built], list[Event]]:
    return lambda built: a.edit_first(built.events, m.MANIFEST, change)


def _huge_weight(manifest: dict[str, Any]) -> None:
    manifest["regions"][0]["weight"] = "1e300000000"


def _three_marks(manifest: dict[str, Any]) -> None:
    manifest["questions"][0]["max_selections"] = 3


def _upper_tally(tally: dict[str, Any]) -> None:
    first = tally["regions"]["east"]["questions"]["q1"][0]
    first["alpha"] = first["alpha"].upper()


def _upper_credential(listing: dict[str, Any]) -> None:
    listing["public_credentials"][0] = listing["public_credentials"][0].upper()


def _extra_member(ballot: dict[str, Any]) -> None:
    ballot["voter"] = "Jane Doe, 12 Main Street"


def _receipt_of(region: str, voter: int, which: int) -> Callable[[Built], dict[str, Any]]:
    def receipt(built: Built) -> dict[str, Any]:
        credential = _voter_of(built, region, voter)
        mine = [r["receipt"] for r in built.receipts if r["credential"] == credential]
        receipt: dict[str, Any] = mine[which]
        return receipt

    return receipt


def _refusal_receipt(reason: str) -> Callable[[Built], dict[str, Any]]:
    def receipt(built: Built) -> dict[str, Any]:
        refusal: dict[str, Any] = next(r for r in built.refusals if r["reason"] == reason)
        receipt: dict[str, Any] = refusal["receipt"]
        return receipt

    return receipt


def _tampered(base: Scenario, name: str, description: str, tamper: s.Tamper) -> Scenario:
    return Scenario(
        name,
        description,
        base.manifest,
        base.per_region,
        base.ballots,
        base.refusals,
        base.present,
        base.cheating_dealer,
        base.omit_check,
        tamper,
    )


def _invalid_records() -> list[Record]:
    def on(run: Scenario, name: str, check: str, why: str, edit: Any) -> Record:
        return Record(name, why, run, "invalid", check, why, edit)

    def cheated(base: Scenario, name: str, check: str, why: str, tamper: s.Tamper) -> Record:
        return Record(name, why, _tampered(base, name, why, tamper), "invalid", check, why)

    def dropped(base: Scenario, name: str, why: str, tamper: s.Tamper, receipt: Any) -> Record:
        run = _tampered(base, name, why, tamper)
        return Record(name, why, run, "receipt", None, why, receipt=receipt)

    def stops(name: str, where: str, after: str, phase: str, skip: int = 0) -> Record:
        return Record(
            name,
            f"the record stops {where}",
            SIMPLE,
            "incomplete",
            why=f"an honest record cut {where}: valid so far, but no results",
            edit=lambda b: a.truncate_after(b.events, after, skip=skip),
            phase=phase,
        )

    return [
        on(
            REISSUE,
            "reissue-after-opening",
            "EVENT_ORDER",
            "the reissue moved after voting.open, when the lists are frozen",
            _reissue_after_opening,
        ),
        # classic
        on(
            SIMPLE,
            "altered-count",
            "RESULTS",
            "a yes in East counted as a no",
            _results(_bump_count),
        ),
        on(
            SIMPLE,
            "altered-outcome",
            "OUTCOME",
            "an approved outcome published as rejected",
            _results(_flip_decision),
        ),
        on(
            SIMPLE,
            "bad-proof",
            "BALLOTS",
            "a response of an accepted ballot's 0/1 proof altered",
            _bad_proof,
        ),
        on(
            SIMPLE,
            "added-credential",
            "CREDENTIALS",
            "a credential added to East's signed list",
            _added_credential,
        ),
        # a. ballots dropped or reordered before the tally
        dropped(
            REVOTES,
            "dropped-last-ballot",
            "East voter 0's last ballot (yes) left out before the tally: the earlier no "
            "counts; only that voter's receipt of the last ballot shows it",
            _drop("east", 0, -1),
            _receipt_of("east", 0, -1),
        ),
        dropped(
            REVOTES,
            "dropped-only-ballot",
            "East voter 1's only ballot left out before the tally; only the voter's "
            "receipt shows it",
            _drop("east", 1, 0),
            _receipt_of("east", 1, 0),
        ),
        cheated(
            REVOTES,
            "swapped-revotes",
            "BALLOTS",
            "West voter 0's two ballots swapped (and their replaces links) so that the "
            "first (yes) counts: the voter's signature binds the ballot it replaces",
            _swap("west", 0),
        ),
        # b. refusals deleted, invented, or a valid ballot turned into a refusal
        dropped(
            REFUSALS,
            "deleted-refusal",
            "the bad_proof refusal left out of the record; only the sender's refusal "
            "receipt shows it",
            _delete_refusal("bad_proof"),
            _refusal_receipt("bad_proof"),
        ),
        cheated(
            SIMPLE,
            "invented-refusal",
            "REJECTIONS",
            "a bad_signature refusal attributed to West voter 3, who sent nothing: the "
            "refusal carries no submission signed by that credential",
            _invent_refusal,
        ),
        cheated(
            SIMPLE,
            "accepted-turned-refused",
            "REJECTIONS",
            "East voter 0's valid ballot recorded as a bad_proof refusal and left out of "
            "the tally: the submission's proofs verify",
            _accepted_to_refused,
        ),
        # c. a trustee's check left out
        Record(
            "missing-check",
            "trustee 3's trustee.check left out of the record",
            Scenario("missing-check", "", ballots=TWO_REGIONS_FIVE, omit_check=3),
            "invalid",
            "KEY_CEREMONY",
            "every trustee must publish a trustee.check before election.key",
        ),
        Record(
            "missing-check-with-complaint",
            "trustee 3's trustee.check, holding a justified complaint against dealer 2, "
            "left out: dealer 2 stays qualified",
            Scenario(
                "missing-check-with-complaint",
                "",
                ballots=TWO_REGIONS_FIVE,
                present=(1, 2),
                cheating_dealer=(2, 3),
                omit_check=3,
            ),
            "invalid",
            "KEY_CEREMONY",
            "every trustee must publish a trustee.check before election.key",
        ),
        # d. decryption shares
        on(
            ABSENT,
            "framed-trustee-share",
            "DECRYPTION",
            "a failing tally.share attributed to trustee 2, who never published one (shares "
            "are signed by their trustee), named in rejected_shares",
            _frame_share,
        ),
        on(
            SIMPLE,
            "falsely-rejected-share",
            "DECRYPTION",
            "results name trustee 2's valid share in rejected_shares",
            _results(_falsely_rejected),
        ),
        # e. members and types the spec does not allow
        on(
            SIMPLE,
            "extra-member-ballot",
            "BALLOTS",
            "ballot.accepted with a member events.md does not list (the voter's identity)",
            lambda b: a.edit_first(b.events, m.BALLOT_ACCEPTED, _extra_member),
        ),
        on(
            SIMPLE,
            "trustees-string",
            "DECRYPTION",
            'results "trustees": "13", not a list',
            _results(lambda r: r.__setitem__("trustees", "13")),
        ),
        on(
            ABSENT,
            "trustees-bool",
            "DECRYPTION",
            "results trustees [true, 3]: true is not 1",
            _results(lambda r: r.__setitem__("trustees", [True, 3])),
        ),
        on(
            SIMPLE,
            "uppercase-hex-tally",
            "TALLY",
            "a tally ciphertext in upper-case hex",
            lambda b: a.edit_first(b.events, m.TALLY, _upper_tally),
        ),
        on(
            SIMPLE,
            "uppercase-hex-credential",
            "CREDENTIALS",
            "a public credential in upper-case hex",
            lambda b: a.edit_first(b.events, m.CREDENTIALS, _upper_credential),
        ),
        # f. records that stop before the count
        stops(
            "stops-mid-voting", "after the third accepted ballot", m.BALLOT_ACCEPTED, "voting", 2
        ),
        stops("stops-after-closing", "at voting.close", m.VOTING_CLOSE, "closed"),
        stops("stops-after-tally", "at the tally", m.TALLY, "tallied"),
        # g. malformed results and manifests
        on(
            SIMPLE,
            "results-without-regions",
            "RESULTS",
            "results with no regions member",
            _results(lambda r: r.pop("regions")),
        ),
        on(
            SIMPLE,
            "results-regions-list",
            "RESULTS",
            "results regions given as a list",
            _results(lambda r: r.__setitem__("regions", list(r["regions"].values()))),
        ),
        on(
            SIMPLE,
            "huge-weight",
            "MANIFEST",
            'a region weight "1e300000000": not a p/q fraction (and must not hang a verifier)',
            _manifest(_huge_weight),
        ),
        on(
            SIMPLE,
            "yes-no-three-marks",
            "MANIFEST",
            "a yes/no/blank question with max_selections 3",
            _manifest(_three_marks),
        ),
    ]


def catalogue() -> list[Record]:
    """Every conformance record, valid ones first."""
    return [*_valid_records(), *_invalid_records()]


def _decision(events: list[Event]) -> str | None:
    last = events[-1]
    return str(last.payload["outcome"]["decision"]) if last.type == m.RESULTS else None


def build(record: Record, cache: dict[str, Built]) -> tuple[list[Event], dict[str, Any]]:
    """The events of ``record`` and its index entry."""
    built = cache.get(record.run.name)
    if built is None:
        built = cache[record.run.name] = s.run(record.run)
    events = built.events if record.edit is None else record.edit(built)
    entry: dict[str, Any] = {
        "name": record.name,
        "description": record.description,
        "verdict": record.verdict,
    }
    if record.verdict == "valid":
        entry["decision"] = _decision(events)
        entry["counts"] = events[-1].payload["regions"]
    if record.check is not None:
        entry["check"] = record.check
    if record.why:
        entry["why"] = record.why
    if record.phase is not None:
        entry["phase"] = record.phase
    if record.receipt is not None:
        entry["receipt"] = RECEIPT_FILE
    return events, entry


def generate(out: Path = RECORDS) -> None:
    """Write every record and ``index.json`` under ``out`` (replacing what was there)."""
    cache: dict[str, Built] = {}
    made = []
    for record in catalogue():  # everything is built before anything is replaced
        events, entry = build(record, cache)
        receipt = None if record.receipt is None else record.receipt(cache[record.run.name])
        made.append((record.name, events, entry, receipt))
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():  # earlier records; the README stays
        if old.is_dir():
            shutil.rmtree(old)
    entries = []
    for name, events, entry, receipt in made:
        write_record(events, out / name)
        if receipt is not None:
            (out / name / RECEIPT_FILE).write_bytes(canonical_json(receipt) + b"\n")
        entries.append(entry)
    index = {
        "format": "referendum-conformance-records",
        "version": 1,
        "description": (
            "Complete small election records for any verifier: valid ones of every outcome "
            "rule, and records a cheating board would publish (meaning changed, every hash "
            "recomputed), each naming the check of docs/spec/verification.md that must fail."
        ),
        "generator": GENERATOR,
        "records": entries,
    }
    (out / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else RECORDS)
