"""``referendum demo``: a whole multi-region, multi-day referendum, end to end, on SQLite.

Three regions (one with weight 1/2, like a Swiss half-canton), three trustees of whom any
two can decrypt (one stays away at decryption), voters over three voting days, revotes, and
a series of bad submissions refused with their reasons.  The board signs a receipt for every
ballot; the last voter's is written beside the record as ``receipt.json``.  Deterministic
under ``seed``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from referendum.board.open import open_board
from referendum.board.protocol import BulletinBoard
from referendum.clock import SteppingClock
from referendum.crypto.ballot import tracking_code
from referendum.crypto.credentials import derive_credential, sign
from referendum.crypto.group import Point, Scalar
from referendum.crypto.random import DeterministicRandom
from referendum.errors import BallotRejected
from referendum.protocol.ballots import ballot_signing_message
from referendum.protocol.receipts import BoardReceipt
from referendum.protocol.state import ElectionState
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.io import write_record
from referendum.record.manifest import Manifest, manifest_from_mapping, parse_timestamp
from referendum.services.checkpoints import CheckpointPublisher, stored_notes
from referendum.services.credentials import (
    AuthorityKey,
    IssuedCredential,
    credential_list_payload,
    issue_credentials,
)
from referendum.services.keys import (
    TrusteeSecrets,
    publish_election_key,
    trustee_check,
    trustee_deal,
    trustee_setup,
)
from referendum.services.receipts import BoardKey, ReceiptSigner
from referendum.services.state import load_state
from referendum.services.tally import publish_results, publish_share, publish_tally
from referendum.services.voter import prepare_ballot
from referendum.services.voting import (
    cast,
    close_voting,
    create,
    last_tracking_code,
    open_voting,
    publish_credentials,
)

__all__ = ["DemoSummary", "demo_manifest", "run_demo"]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)``."""

_REGIONS = (
    ("north", "North", "1", 0.68),
    ("centre", "Centre", "1", 0.55),
    ("south", "South (half-region)", "1/2", 0.38),
)


def demo_manifest(
    seed: int, authority: str, board_key: str, tallying_authority: str | None = None
) -> Manifest:
    """The demo's manifest: one yes/no/blank question, three regions, three voting days;
    deniable revoting when the ``tallying_authority``'s key is given."""
    days = [dt.datetime(2026, 3, 6 + d, 8, 0, tzinfo=dt.UTC) for d in range(3)]
    deniable: dict[str, Any] = (
        {}
        if tallying_authority is None
        else {"revoting": "deniable", "tallying_authority": tallying_authority}
    )
    return manifest_from_mapping(
        {
            **deniable,
            "id": f"demo-{seed}",
            "title": "Demonstration referendum",
            "information": (
                "Official information: the proposal would adopt a four-day working week in "
                "public administration.  Vote yes to adopt it, no to keep the present rules."
            ),
            "questions": [
                {
                    "id": "q1",
                    "text": "Do you approve the four-day working week in public administration?",
                    "answers": ["yes", "no", "blank"],
                }
            ],
            "regions": [{"id": r, "name": n, "weight": w} for r, n, w, _ in _REGIONS],
            "window": [
                {
                    "opens": d.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "closes": (d + dt.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
                for d in days
            ],
            "trustees": {"names": ["Alice", "Bohdan", "Chiara"], "threshold": 2},
            "credential_authority": authority,
            "board_key": board_key,
            "rule": {"turnout_quorum": "1/2", "double_majority": True},
        }
    )


@dataclass
class DemoSummary:
    record: Path
    database: Path
    results: dict[str, Any]
    manifest: Manifest
    receipt: BoardReceipt | None = None
    """The board's receipt of the last ballot cast (written to ``receipt.json``)."""
    accepted: int = 0
    revotes: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    trustees_present: list[int] = field(default_factory=list)
    coerced: str | None = None
    """Deniable revoting: the public credential of the coerced voter, who voted yes in front
    of the coercer, then no alone (its second ballot is the one that counts)."""
    dummies: dict[str, int] = field(default_factory=dict)


def _noop(step: str, done: int, total: int) -> None:
    return None


def run_demo(
    out: Path,
    *,
    voters: int = 60,
    seed: int = 7,
    progress: Progress = _noop,
    revoting: str = "visible",
) -> DemoSummary:
    """Run the demo referendum; the board is ``out/board.sqlite``, the record goes in ``out``.
    With ``revoting="deniable"``, ballots hide their credential, a coerced voter revotes
    unseen, and the tallying authority pads, mixes and filters before the tally."""
    if revoting not in ("visible", "deniable"):
        raise ValueError("revoting is 'visible' or 'deniable'")
    if voters < 6:
        raise ValueError("the demo needs at least 6 voters")
    out.mkdir(parents=True, exist_ok=True)
    database = out / "board.sqlite"
    if database.exists():
        database.unlink()
    rng = DeterministicRandom(f"referendum-demo/{seed}".encode())
    chooser = random.Random(seed)
    authority = AuthorityKey.generate(rng)
    # The board's key and its receipts' nonces come from a generator of their own, so that
    # the rest of the demo's record does not depend on them.
    receipts_rng = DeterministicRandom(f"referendum-demo/{seed}/board".encode())
    signer = ReceiptSigner(BoardKey.generate(receipts_rng), receipts_rng)
    tallying = None
    if revoting == "deniable":  # from a generator of its own: the visible demo is unchanged
        from referendum.services.deniable import TallyingKey

        tallying = TallyingKey.generate(
            DeterministicRandom(f"referendum-demo/{seed}/tallying".encode())
        )
    manifest = demo_manifest(
        seed,
        authority.public.hex(),
        signer.key.public.hex(),
        None if tallying is None else tallying.public.hex(),
    )
    clock = SteppingClock(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), dt.timedelta(seconds=7))
    # checkpoints carry the time of the clock's last reading (reading it would move it)
    publisher = CheckpointPublisher(signer, lambda: clock.last or clock.start)
    signer.on_append = publisher.publish_if_due
    board = open_board(f"sqlite:///{database}")
    try:
        if tallying is None:
            summary = _run(
                board, manifest, authority, signer, voters, rng, chooser, clock, progress
            )
        else:
            summary = _run_deniable(
                board, manifest, authority, signer, tallying, voters, rng, chooser, clock, progress
            )
        progress("publishing the record", 0, 1)
        publisher.publish(board)  # the last checkpoint covers the whole record
        write_record(board.events(), out, overwrite=True, checkpoints=stored_notes(board))
        if summary.receipt is not None:
            (out / "receipt.json").write_bytes(canonical_json(summary.receipt.to_json()) + b"\n")
        _write_key(out / "board.key", signer.key)
        progress("publishing the record", 1, 1)
    finally:
        board.close()
    summary.record = out
    summary.database = database
    return summary


def _set_up_and_open(
    board: BulletinBoard,
    manifest: Manifest,
    authority: AuthorityKey,
    voters: int,
    rng: DeterministicRandom,
    clock: SteppingClock,
    progress: Progress,
) -> tuple[ElectionState, list[TrusteeSecrets], list[IssuedCredential]]:
    """Publish the manifest, run the trustees' key ceremony, issue and publish every region's
    credentials, and open voting an hour before the first period: the state then, the
    trustees' secrets and the issued credentials."""
    state = create(board, manifest, clock)

    # Key ceremony: each trustee publishes a transport key, deals shares, checks its shares.
    n = len(manifest.trustees.names)
    progress("trustees' key ceremony", 0, 3 * n)
    secrets = [trustee_setup(board, i, rng, clock) for i in range(1, n + 1)]
    progress("trustees' key ceremony", n, 3 * n)
    secrets = [trustee_deal(board, s, rng, clock) for s in secrets]
    progress("trustees' key ceremony", 2 * n, 3 * n)
    secrets = [trustee_check(board, s, rng, clock) for s in secrets]
    progress("trustees' key ceremony", 3 * n, 3 * n)
    publish_election_key(board, clock)

    # Credential authority: credentials per region, only the public ones published.
    credentials: list[IssuedCredential] = []
    for (region, *_), size in zip(_REGIONS, _region_sizes(voters), strict=True):
        issued = issue_credentials(manifest.id, region, size, rng)
        listing = credential_list_payload(
            state.fingerprint, region, [c.public for c in issued], authority, rng
        )
        publish_credentials(board, listing, clock)
        credentials.extend(issued)

    clock.jump(
        parse_timestamp(manifest.window[0].opens, field_name="opens") - dt.timedelta(hours=1)
    )
    open_voting(board, clock)
    return load_state(board), secrets, credentials


def _run(
    board: BulletinBoard,
    manifest: Manifest,
    authority: AuthorityKey,
    signer: ReceiptSigner,
    voters: int,
    rng: DeterministicRandom,
    chooser: random.Random,
    clock: SteppingClock,
    progress: Progress,
) -> DemoSummary:
    state, secrets, credentials = _set_up_and_open(
        board, manifest, authority, voters, rng, clock, progress
    )

    # Voting over the three days; about 88% turn out, some revote.
    summary = DemoSummary(record=Path(), database=Path(), results={}, manifest=manifest)
    yes_rate = {r: p for r, _, _, p in _REGIONS}
    turnout = [c for c in credentials if chooser.random() < 0.88]
    revoters = set(chooser.sample(range(len(turnout)), k=max(2, len(turnout) // 10)))
    casts: list[tuple[IssuedCredential, str]] = []
    for i, cred in enumerate(turnout):
        first = _choose(chooser, yes_rate[cred.region])
        casts.append((cred, first))
        if i in revoters:
            casts.append((cred, _choose(chooser, yes_rate[cred.region])))
    clock.step = _voting_step(manifest, len(casts), clock.step)
    last_ballot: dict[str, Any] = {}
    last_voter = credentials[0]
    night_tried = False
    for k, (cred, choice) in enumerate(casts):
        day = k * len(manifest.window) // len(casts)
        if day == len(manifest.window) - 1 and not night_tried:
            # The night before the last voting day, outside every voting period: a replay
            # of the last ballot, then a series of bad submissions, each refused with its
            # reason and logged on the board.
            night_tried = True
            clock.jump(
                parse_timestamp(manifest.window[day].opens, field_name="opens")
                - dt.timedelta(hours=2)
            )
            with contextlib.suppress(BallotRejected):
                cast(board, last_ballot, clock, state=state, signer=signer)
            _inside(clock, manifest, day, 0, len(casts))
            for submission in _bad_submissions(state, last_voter, last_ballot, rng):
                with contextlib.suppress(BallotRejected):
                    cast(board, submission, clock, state=state, signer=signer)
        _inside(clock, manifest, day, k, len(casts))
        replaces = last_tracking_code(board, cred.public)
        prepared = prepare_ballot(state, cred.private, {"q1": [choice]}, rng, replaces=replaces)
        receipt = cast(board, prepared.submission, clock, state=state, signer=signer)
        summary.receipt = receipt.signed
        summary.accepted += 1
        summary.revotes += receipt.replaces is not None
        last_ballot, last_voter = prepared.submission, cred
        progress("voters casting ballots", k + 1, len(casts))

    clock.jump(
        parse_timestamp(manifest.window[-1].closes, field_name="closes") + dt.timedelta(minutes=1)
    )
    close_voting(board, clock)
    late = prepare_ballot(state, credentials[0].private, {"q1": ["yes"]}, rng)
    with contextlib.suppress(BallotRejected):
        cast(board, late.submission, clock, signer=signer)  # after closing

    # The count: the encrypted tally, two of the three trustees decrypt (trustee 2 is away).
    publish_tally(board, clock)
    present = [1, 3]
    for s in secrets:
        if s.trustee in present:
            publish_share(board, s, rng, clock)
    summary.results = publish_results(board, clock)
    summary.trustees_present = present
    summary.rejected = _count_rejections(board)
    return summary


def _run_deniable(
    board: BulletinBoard,
    manifest: Manifest,
    authority: AuthorityKey,
    signer: ReceiptSigner,
    tallying: Any,
    voters: int,
    rng: DeterministicRandom,
    chooser: random.Random,
    clock: SteppingClock,
    progress: Progress,
) -> DemoSummary:
    """The demo with deniable revoting: a coerced voter votes yes in front of its coercer,
    later no alone; others vote, some revote; the tallying authority pads, mixes, filters;
    the trustees decrypt."""
    from referendum.services.deniable import publish_deniable_tally
    from referendum.services.voter import prepare_deniable_ballot

    state, secrets, credentials = _set_up_and_open(
        board, manifest, authority, voters, rng, clock, progress
    )

    summary = DemoSummary(record=Path(), database=Path(), results={}, manifest=manifest)
    yes_rate = {r: p for r, _, _, p in _REGIONS}
    turnout = [c for c in credentials if chooser.random() < 0.88]
    coerced = turnout[0]
    summary.coerced = coerced.public
    casts: list[tuple[IssuedCredential, str]] = [(coerced, "yes")]  # watched by the coercer
    revoters = set(chooser.sample(range(1, len(turnout)), k=max(2, len(turnout) // 10)))
    for i, cred in enumerate(turnout[1:], 1):
        casts.append((cred, _choose(chooser, yes_rate[cred.region])))
        if i in revoters:
            casts.append((cred, _choose(chooser, yes_rate[cred.region])))
    casts.insert(2 * len(casts) // 3, (coerced, "no"))  # later, alone: this one counts
    clock.step = _voting_step(manifest, len(casts), clock.step)
    seen: set[str] = set()
    for k, (cred, choice) in enumerate(casts):
        day = k * len(manifest.window) // len(casts)
        _inside(clock, manifest, day, k, len(casts))
        prepared = prepare_deniable_ballot(state, cred.private, {"q1": [choice]}, rng)
        receipt = cast(board, prepared.submission, clock, state=state, signer=signer)
        summary.receipt = receipt.signed
        summary.accepted += 1
        summary.revotes += cred.public in seen
        seen.add(cred.public)
        progress("voters casting ballots", k + 1, len(casts))

    clock.jump(
        parse_timestamp(manifest.window[-1].closes, field_name="closes") + dt.timedelta(minutes=1)
    )
    close_voting(board, clock)
    progress("tallying authority: dummies, mix, filter", 0, 1)
    summary.dummies = publish_deniable_tally(board, tallying, rng, clock)
    progress("tallying authority: dummies, mix, filter", 1, 1)
    present = [1, 3]
    for s in secrets:
        if s.trustee in present:
            publish_share(board, s, rng, clock)
    summary.results = publish_results(board, clock)
    summary.trustees_present = present
    return summary


def _write_key(path: Path, key: BoardKey) -> None:
    """The demo's board key, so that ``referendum serve`` can go on signing receipts on the
    demo's board (mode 0600, as ``referendum board keygen`` writes it)."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(canonical_json(key.to_json()) + b"\n")


_READINGS_PER_CAST = 8
"""More clock readings than casting one ballot takes (the demo's bad submissions included)."""


def _voting_step(manifest: Manifest, casts: int, step: dt.timedelta) -> dt.timedelta:
    """The clock's step while voting: ``step``, or less so that every day's share of the
    ``casts`` fits in its voting period however many voters there are."""
    shortest = min(
        parse_timestamp(p.closes, field_name="closes")
        - parse_timestamp(p.opens, field_name="opens")
        for p in manifest.window
    )
    per_day = casts // len(manifest.window) + 1
    fitting = shortest / (2 * _READINGS_PER_CAST * per_day)
    return max(dt.timedelta(microseconds=1), min(step, fitting))


def _region_sizes(voters: int) -> list[int]:
    base = [voters * 2 // 5, voters * 2 // 5]
    return [*base, voters - sum(base)]


def _choose(chooser: random.Random, yes_rate: float) -> str:
    x = chooser.random()
    if x < 0.04:
        return "blank"
    return "yes" if x < 0.04 + yes_rate * 0.96 else "no"


def _inside(clock: SteppingClock, manifest: Manifest, day: int, k: int, total: int) -> None:
    """Move the clock into voting day ``day`` (spreading the ballots over it)."""
    period = manifest.window[day]
    opens = parse_timestamp(period.opens, field_name="opens")
    closes = parse_timestamp(period.closes, field_name="closes")
    moment = opens + (closes - opens) * ((k % max(1, total // 3)) + 1) / (total // 3 + 2)
    if clock.last is None or moment > clock.last:
        clock.jump(moment)


def _bad_submissions(
    state: ElectionState, voter: IssuedCredential, valid: dict[str, Any], rng: DeterministicRandom
) -> list[Any]:
    """Submissions a board must refuse, each failing a different check."""
    manifest = state.manifest
    # an unknown credential: signed by a key that is on no list
    outsider = issue_credentials(manifest.id, valid["region"], 1, rng)[0]
    forged = prepare_ballot(state, voter.private, {"q1": ["yes"]}, rng).submission
    secret, public = derive_credential(manifest.id, outsider.private)
    forged["credential"] = public.hex()
    forged["signature"] = _signature(state, secret, public, forged, rng)
    # the right credential claiming another region
    wrong_region = dict(valid)
    wrong_region["region"] = next(r.id for r in manifest.regions if r.id != valid["region"])
    # a ballot whose ciphertexts were swapped after signing: the signature no longer matches
    tampered = json.loads(json.dumps(valid))
    sel = tampered["ballot"]["questions"][0]["selections"]
    sel[0]["beta"], sel[1]["beta"] = sel[1]["beta"], sel[0]["beta"]
    # the same tampering, re-signed by the voter: the proofs no longer verify
    resigned = json.loads(json.dumps(tampered))
    secret, public = derive_credential(manifest.id, voter.private)
    resigned["signature"] = _signature(state, secret, public, resigned, rng)
    # a new ballot that names no earlier ballot, though the voter has one on the board: a
    # board must refuse it (accepted, it would count before the voter's ballot it ignores)
    stale = prepare_ballot(state, voter.private, {"q1": ["no"]}, rng, replaces=None).submission
    # the same ballot, signed by its voter as replacing itself: a replay (sent again as it
    # was, it would be a resend, answered with its receipt and not logged)
    replay = dict(valid, replaces=tracking_code(canonical_json(valid["ballot"])))
    replay["signature"] = _signature(state, secret, public, replay, rng)
    return [
        forged,
        wrong_region,
        tampered,
        resigned,
        stale,
        replay,
        b'{"election": ',  # malformed JSON
        b" " * (70 * 1024),  # an oversize body
    ]


def _signature(
    state: ElectionState,
    secret: Scalar,
    public: Point,
    submission: dict[str, Any],
    rng: DeterministicRandom,
) -> dict[str, str]:
    message = ballot_signing_message(
        state.fingerprint,
        public.hex(),
        submission["region"],
        submission["ballot"],
        submission["replaces"],
    )
    return sign(secret, public, message, rng).to_json()


def _count_rejections(board: BulletinBoard) -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in board.events(types=(m.BALLOT_REJECTED,)):
        reason = str(event.payload["reason"])
        counts[reason] = counts.get(reason, 0) + 1
    return counts
