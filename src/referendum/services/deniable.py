"""Deniable revoting on a board (docs/spec/coercion.md): the board's casting of deniable
ballots, and the tallying authority's steps (dummies, mix, groups, filter, eligibility)
before the homomorphic tally.

**The board** checks a deniable submission (its referendum, the phase and the voting
periods, a listed credential of the region, the voter's signature, the ``credential_proof``
and the selection proofs bound to the encrypted credential, no replay, at most
:data:`~referendum.protocol.deniable.MAX_BALLOTS_PER_VOTER` ballots per credential) and
appends a ``ballot.deniable`` event: no credential, no signature, no ``replaces``.  It assigns
the counter ``Enc_T(o_C + k)``: ``k`` the credential's earlier ballots (from its private
index), ``o_C`` an offset only the board and the tallying authority can derive
(:func:`counter_offset`).  A refused deniable submission is not logged on the public board
(a ``ballot.rejected`` event names the credential, which is what a coercer looks for).

**The tallying authority** (:func:`publish_deniable_tally`) decrypts every ballot's
credential and counter, pads each voter's group to the cover, mixes, groups by pseudonym,
filters each group's last ballot, mixes again with the region's list, and then publishes
the ``tally`` of the rows that count, after checking every step as the verifier will.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain as chain_iterables
from typing import Any, ClassVar

from referendum.board.protocol import BulletinBoard, Draft, append_on
from referendum.clock import Clock, format_timestamp
from referendum.crypto.ballot import EncryptedBallot, tracking_code
from referendum.crypto.batch import verify_equations
from referendum.crypto.credentials import Signature, verify_signature
from referendum.crypto.deniable import (
    DUMMY_TAG,
    REAL_TAG,
    PseudonymKey,
    decrypt_counter,
    encrypt_credential,
    prove_filter,
    prove_pseudonym,
    reencrypt_with_proof,
)
from referendum.crypto.elgamal import Ciphertext, public_key_table
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.hashing import sha256_fields
from referendum.crypto.proofs.shuffle import Row
from referendum.crypto.proofs.shuffle_prover import (
    ROW_LISTS,
    EncodedMix,
    Packed,
    Pool,
    decode_row,
    mix_in_ranges,
    row_bytes,
    row_json,
)
from referendum.crypto.random import DeterministicRandom, RandomSource, SystemRandom
from referendum.errors import (
    BallotRejected,
    CryptoError,
    HeadMovedError,
    InputError,
    PhaseError,
    RecordError,
    UnjudgedSubmission,
    UsageError,
)
from referendum.protocol.deniable import (
    MAX_BALLOTS_PER_VOTER,
    OFFSET_DOMAIN,
    ROWS_PER_PART,
    DeniableBallot,
    PackedBallots,
    ballot_equations_of,
    ballot_row,
    candidate_of,
    collect_steps,
    group_rows,
    item_context,
    mix_context,
    selected_tally,
    signing_message,
    verify_region,
    width_of,
)
from referendum.protocol.deniable_tasks import (
    RegionFigures,
    Unsure,
    check_in_tasks,
    run_task,
)
from referendum.protocol.padding import assign, cover
from referendum.protocol.payloads import check_payload
from referendum.protocol.refusals import Submission
from referendum.protocol.state import ElectionState, Phase, credential_key, tracking_key
from referendum.protocol.tally import tally_payload
from referendum.record import messages as m
from referendum.record.bounded_json import RECORD_LINE
from referendum.record.canonical import canonical_json
from referendum.record.event import Event
from referendum.services.signing_key import SigningKey
from referendum.services.state import load_state
from referendum.services.step_spool import JsonView, RowStream, StepSpool, draft_event
from referendum.services.voting import append

__all__ = [
    "DENIABLE_MEMBERS",
    "PROOFS_PER_TASK",
    "Pool",
    "TallyingKey",
    "cast_deniable_many",
    "check_planned",
    "counter_offset",
    "draft_event",
    "publish_deniable_tally",
    "region_steps",
]

DENIABLE_MEMBERS = frozenset(
    {"election", "region", "credential", "ballot", "voter", "credential_proof", "signature"}
)
"""The members of a deniable submission (exactly these)."""

_OFFSET_LOW = 1 << 32
_OFFSET_SPAN = (1 << 40) - (1 << 32)
_APPEND_RETRIES = 64
MAX_STEP_BYTES = RECORD_LINE.max_bytes - 4096
"""The largest step payload: a record line (docs/spec/record.md section 2.4) less the room
its event's other members take."""


@dataclass(frozen=True)
class TallyingKey(SigningKey):
    """The tallying authority's key ``t`` (``T = t·G`` is the manifest's
    ``tallying_authority``)."""

    FORMAT: ClassVar[str] = "referendum-tallying-key/1"
    WHAT: ClassVar[str] = "tallying authority key"


def counter_offset(shared: Point, credential: str) -> int:
    """``o_C``: the offset of a credential's counters, from the point ``b·T = t·B`` that the
    board (secret ``b`` of ``board_key``) and the tallying authority (secret ``t``) both
    compute and no one else can; in ``[2^32, 2^40)``, so that dummies below it stay
    positive."""
    digest = sha256_fields(OFFSET_DOMAIN, shared.to_bytes(), bytes.fromhex(credential))
    return _OFFSET_LOW + int.from_bytes(digest[:8], "big") % _OFFSET_SPAN


def _encrypt_counter(authority: Point, value: int, nonce: Scalar) -> Ciphertext:
    """``Enc_T(value)``: exponential ElGamal of a counter (below ``2^40``)."""
    return Ciphertext(base_mul(nonce), base_mul(Scalar.from_int(value)) + authority * nonce)


# --- the board --------------------------------------------------------------------------------


def _reject(code: str, field: str, reason: str) -> BallotRejected:
    return BallotRejected(code, field, reason)


def _form(state: ElectionState, submission: bytes | Mapping[str, Any]) -> dict[str, Any]:
    received = Submission.received(submission)
    data = received.value
    if received.raw is None and not isinstance(submission, Mapping) and data is None:
        raise _reject("malformed", "body", "not JSON")
    if not isinstance(data, dict):
        raise _reject("malformed", "body", received.problem or "expected a JSON object")
    for key in sorted(DENIABLE_MEMBERS):
        if key not in data:
            raise _reject("malformed", key, "missing")
    if extra := sorted(set(data) - DENIABLE_MEMBERS):
        raise _reject("malformed", extra[0], "unexpected field")
    for key in ("election", "region", "credential"):
        if not isinstance(data[key], str):
            raise _reject("malformed", key, "expected a string")
    if data["election"] != state.fingerprint.hex():
        raise _reject("wrong_election", "election", "the ballot is for another referendum")
    return data


def _examine(state: ElectionState, data: Mapping[str, Any]) -> tuple[str, str]:
    """The checks of a deniable submission's content: its credential and tracking code."""
    credential, region = data["credential"], data["region"]
    listed = state.region_of(credential)
    if listed is None:
        raise _reject("unknown_credential", "credential", "not on any region's credential list")
    if listed != region:
        raise _reject("wrong_region", "region", f"the credential belongs to region {listed!r}")
    assert state.manifest.tallying_authority is not None
    authority = Point.from_hex(state.manifest.tallying_authority)
    try:
        ballot = EncryptedBallot.from_json(data["ballot"])
        canonical = canonical_json(ballot.to_json())
        voter = Ciphertext.from_json(data["voter"], field="voter")
        signature = Signature.from_json(data["signature"])
        proof_json = data["credential_proof"]
        if not isinstance(proof_json, dict):
            raise InputError("credential_proof", "expected an object")
        message = signing_message(
            state.fingerprint, bytes.fromhex(credential), region, canonical, voter, proof_json
        )
    except (CryptoError, InputError, ValueError, TypeError, KeyError) as exc:
        raise _reject("malformed", "ballot", str(exc)) from None
    try:
        verify_signature(Point.from_hex(credential), message, signature)
    except (CryptoError, ValueError) as exc:
        raise _reject("bad_signature", "signature", str(exc)) from None
    code = tracking_code(canonical)
    payload = {**data, "tracking_code": code, "counter": REAL_TAG.to_json()}
    try:
        verify_equations(ballot_equations_of(state, authority, payload, label="ballot"))
    except (CryptoError, InputError) as exc:
        raise _reject("bad_proof", "ballot", str(exc)) from None
    return credential, code


def cast_deniable_many(
    board: BulletinBoard,
    submissions: Sequence[bytes | Mapping[str, Any]],
    clock: Clock,
    *,
    state: ElectionState,
    signer: Any,
) -> list[Any]:
    """Cast deniable submissions (``cast_many``'s path for a deniable manifest): for each, in
    order, a receipt or the :class:`BallotRejected` it was refused with (not logged)."""
    from referendum.services.ingest import Receipt

    if signer is None:
        raise PhaseError(
            "a deniable board needs its key (--board-key): the counters' offsets derive from it"
        )
    signer.bind(board)
    assert state.manifest.tallying_authority is not None
    authority = Point.from_hex(state.manifest.tallying_authority)
    shared = authority * signer.key.secret
    outcomes: list[Any] = [None] * len(submissions)
    examined: dict[int, tuple[dict[str, Any], str, str]] = {}
    for i, s in enumerate(submissions):
        try:
            data = _form(state, s)
            credential, code = _examine(state, data)
            examined[i] = (data, credential, code)
        except BallotRejected as exc:
            outcomes[i] = exc
        except Exception as exc:
            outcomes[i] = UnjudgedSubmission(type(exc).__name__)
    for _ in range(_APPEND_RETRIES):
        head = board.head()
        now = clock()
        current = load_state(board) if board.count(m.VOTING_CLOSE) else state
        keys = [credential_key(c) for _, c, _ in examined.values()]
        keys += [tracking_key(code) for _, _, code in examined.values()]
        known = board.lookup_many(keys) if examined else {}
        counts: dict[str, int] = defaultdict(int)
        seen: set[str] = set()
        drafts: list[Draft] = []
        placed: list[int] = []
        for i, (data, credential, code) in sorted(examined.items()):
            refusal = None
            if current.phase is not Phase.OPEN:
                refusal = (
                    _reject("closed", "election", "voting is closed")
                    if current.closed_at is not None
                    else _reject("not_open", "election", "voting is not open yet")
                )
            elif not current.manifest.in_window(now):
                refusal = _reject("outside_window", "election", "outside the voting periods")
            elif code in seen or tracking_key(code) in known:
                refusal = _reject("replayed", "ballot", "this ballot is on the board already")
            k = len(known.get(credential_key(credential), ())) + counts[credential]
            if refusal is None and k >= MAX_BALLOTS_PER_VOTER:
                refusal = _reject(
                    "too_many_ballots",
                    "credential",
                    f"a credential casts at most {MAX_BALLOTS_PER_VOTER} ballots",
                )
            if refusal is not None:
                outcomes[i] = refusal
                continue
            with signer._lock:
                nonce = Scalar.random(signer.rng)
            counter = _encrypt_counter(authority, counter_offset(shared, credential) + k, nonce)
            payload = {
                "region": data["region"],
                "ballot": data["ballot"],
                "voter": data["voter"],
                "counter": counter.to_json(),
                "credential_proof": data["credential_proof"],
                "tracking_code": code,
            }
            check_payload(m.BALLOT_DENIABLE, payload)
            drafts.append(
                Draft(m.BALLOT_DENIABLE, payload, (credential_key(credential), tracking_key(code)))
            )
            placed.append(i)
            counts[credential] += 1
            seen.add(code)
        if not drafts:
            return outcomes
        events = append_on(board, drafts, head, format_timestamp(now))
        if events is None:
            continue
        for i, event in zip(placed, events, strict=True):
            outcomes[i] = Receipt(
                tracking_code=event.payload["tracking_code"],
                replaces=None,
                event_hash=event.hash,
                height=event.height,
                timestamp=event.timestamp,
                signed=signer.sign(board, event),
            )
        signer.appended(board)
        return outcomes
    raise HeadMovedError("the board is too busy: could not append the batch after many retries")


# --- the tallying authority ---------------------------------------------------------------------


def _mix_event(
    state: ElectionState,
    region: str,
    stage: str,
    keys: tuple[Point, ...],
    inputs: Packed,
    rng: RandomSource,
    pool: Pool,
) -> tuple[dict[str, Any], EncodedMix]:
    """One mix of ``inputs`` (rows as encodings), made and proven in tasks through ``pool``
    (:func:`~referendum.crypto.proofs.shuffle_prover.mix_in_ranges`), and its event's payload,
    whose lists are made by the slice as the spool writes them (:class:`JsonView`)."""
    mix = mix_in_ranges(keys, mix_context(state.fingerprint, region, stage), inputs, rng, pool)
    payload = {
        "region": region,
        "stage": stage,
        "outputs": JsonView(mix.outputs, row_json),
        "proof": {
            **{name: JsonView(getattr(mix.proof, name), bytes.hex) for name in ROW_LISTS},
            **mix.proof.head_json(),
        },
    }
    return payload, mix


PROOFS_PER_TASK = 256
"""Rows (or groups) whose proofs one proving task makes."""


def _task_seed(rng: RandomSource) -> bytes | None:
    """What a proving task draws its nonces from: the system's generator where the tally's is
    the system's, else a seed from the tally's (deterministic runs stay deterministic, with
    any number of workers)."""
    return None if isinstance(rng, SystemRandom) else rng.random_bytes(32)


def _random_of(seed: bytes | None) -> RandomSource:
    return SystemRandom() if seed is None else DeterministicRandom(seed)


@dataclass(frozen=True)
class _PseudonymProofs:
    """Rows ``start ..`` of a step's pseudonyms with their proofs."""

    key: PseudonymKey
    fingerprint: bytes
    region: str
    step: str
    start: int
    voters: tuple[Ciphertext, ...]
    seed: bytes | None

    def run(self) -> list[dict[str, Any]]:
        rng = _random_of(self.seed)
        rows = []
        for i, voter in enumerate(self.voters, self.start):
            context = item_context(self.fingerprint, self.region, self.step, i)
            pseudonym, proof = prove_pseudonym(self.key, voter, context, rng)
            rows.append({"pseudonym": pseudonym.hex(), "proof": proof.to_json()})
        return rows


@dataclass(frozen=True)
class _CounterOpenings:
    """Rows ``start ..`` of ``tally.groups``: each counter opened, with its proof."""

    secret: Scalar
    fingerprint: bytes
    region: str
    start: int
    counters: tuple[Ciphertext, ...]
    offsets: tuple[int, ...]
    seed: bytes | None

    def run(self) -> list[dict[str, Any]]:
        rng = _random_of(self.seed)
        authority = base_mul(self.secret)
        rows = []
        for i, (counter, offset) in enumerate(zip(self.counters, self.offsets, strict=True)):
            context = item_context(self.fingerprint, self.region, "groups.counter", self.start + i)
            # a dummy's or a ballot's value: one of offset - 16 .. offset + 15
            candidates = range(offset - MAX_BALLOTS_PER_VOTER, offset + MAX_BALLOTS_PER_VOTER)
            try:
                opening = decrypt_counter(
                    self.secret, counter, candidates, context, rng, authority_key=authority
                )
            except UsageError:
                raise UsageError(
                    "a counter that is none of its credential's: the board's counters are wrong"
                ) from None
            rows.append(
                {
                    "counter": opening.value,
                    "factor": opening.factor.hex(),
                    "counter_proof": opening.proof.to_json(),
                }
            )
        return rows


@dataclass(frozen=True)
class _FilterProofs:
    """Groups' selected rows with their proofs: each group as ``(g, its tags, the
    candidate's place, the candidate row)``."""

    secret: Scalar
    election: Point
    fingerprint: bytes
    region: str
    groups: tuple[tuple[int, tuple[Ciphertext, ...], int, Row], ...]
    seed: bytes | None

    def run(self) -> list[tuple[dict[str, Any], bytes]]:
        rng = _random_of(self.seed)
        authority = base_mul(self.secret)
        fp, region = self.fingerprint, self.region
        out = []
        for g, tags, candidate, row in self.groups:
            voter_after, voter_proof = reencrypt_with_proof(
                authority, row[0], item_context(fp, region, "filter.voter", g), rng
            )
            choices, proof = prove_filter(
                self.secret,
                self.election,
                list(tags),
                candidate,
                row[3:],
                item_context(fp, region, "filter", g),
                rng,
            )
            selected = {
                "voter": voter_after.to_json(),
                "voter_proof": voter_proof.to_json(),
                "choices": [c.to_json() for c in choices],
                "proof": proof.to_json(),
            }
            out.append((selected, row_bytes((voter_after, *choices))))
        return out


def _prove(task: _PseudonymProofs | _CounterOpenings | _FilterProofs) -> Any:
    """Run one proving task (where the pool puts it)."""
    return task.run()


def _chunks(count: int) -> Iterable[tuple[int, int]]:
    return ((k, min(k + PROOFS_PER_TASK, count)) for k in range(0, count, PROOFS_PER_TASK))


def _pseudonym_tasks(
    state: ElectionState,
    key: PseudonymKey,
    region: str,
    step: str,
    voters: Sequence[Ciphertext],
    rng: RandomSource,
) -> list[_PseudonymProofs]:
    return [
        _PseudonymProofs(
            key, state.fingerprint, region, step, a, tuple(voters[a:b]), _task_seed(rng)
        )
        for a, b in _chunks(len(voters))
    ]


def _rows_of(pool: Pool, tasks: Iterable[_PseudonymProofs]) -> list[dict[str, Any]]:
    """The rows the tasks prove, in order."""
    return [row for rows in pool(_prove, tasks) for row in rows]


def _key_json(
    state: ElectionState, key: PseudonymKey, authority: Point, region: str, step: str, rng: Any
) -> dict[str, Any]:
    s_point, u_point = key.public
    proof = key.prove_key(authority, item_context(state.fingerprint, region, f"{step}.key", 0), rng)
    return {"S": s_point.hex(), "U": u_point.hex(), "proof": proof.to_json()}


class _PackedRows:
    """Rows of ciphertexts held as their encodings (64 bytes a ciphertext), decoded when a
    task asks: a decoded point costs about 530 bytes of memory, its encoding 32."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Sequence[bytes]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def cell(self, i: int, k: int) -> Ciphertext:
        return Ciphertext.from_bytes(self._rows[i][64 * k : 64 * k + 64])

    def row(self, i: int) -> Row:
        return decode_row(self._rows[i])

    def column(self, k: int, start: int = 0, end: int | None = None) -> tuple[Ciphertext, ...]:
        """Ciphertext ``k`` of rows ``start .. end-1`` (of every row by default)."""
        return tuple(self.cell(i, k) for i in range(start, len(self) if end is None else end))


def _filter_tasks(
    like: _FilterProofs,
    grouped: Sequence[Sequence[int]],
    values: Sequence[int],
    rows: _PackedRows,
    seeds: Sequence[bytes | None],
) -> Iterator[_FilterProofs]:
    """The filter's tasks (``like``'s keys and contexts), one a chunk of groups, each
    decoding its groups' tags and candidate rows as it is made."""
    for (a, b), seed in zip(_chunks(len(grouped)), seeds, strict=True):
        groups = []
        for g in range(a, b):
            rows_of = grouped[g]
            candidate = candidate_of(rows_of, values)
            tags = tuple(rows.cell(i, 2) for i in rows_of)
            groups.append((g, tags, candidate, rows.row(rows_of[candidate])))
        yield replace(like, groups=tuple(groups), seed=seed)


def _groups_made(
    named: Iterable[list[dict[str, Any]]],
    opened: Iterable[list[dict[str, Any]]],
    values: list[int],
    pseudonyms: list[bytes],
) -> Iterator[dict[str, Any]]:
    """The rows of ``tally.groups`` as their tasks' proofs come (pseudonyms, and counters
    opened), noting each row's counter in ``values`` and pseudonym in ``pseudonyms``."""
    for part, openings in zip(named, opened, strict=True):
        for row, counter in zip(part, openings, strict=True):
            row |= counter
            values.append(counter["counter"])
            pseudonyms.append(bytes.fromhex(row["pseudonym"]))
            yield row


def _selected_made(
    parts: Iterable[list[tuple[dict[str, Any], bytes]]], rows: list[bytes]
) -> Iterator[dict[str, Any]]:
    """The rows of ``tally.filter`` as their tasks' proofs come, each selected row (its
    encodings) noted in ``rows`` for the second mix."""
    for part in parts:
        for selected, row in part:
            rows.append(row)
            yield selected


def region_steps(
    state: ElectionState,
    region: str,
    parsed: Sequence[DeniableBallot],
    secret: Scalar,
    shared: Point,
    rng: RandomSource,
    pool: Pool = map,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The tallying authority's steps for one region's ballots (record order), in order,
    each yielded as its type and whole payload as soon as it is made and not held after
    (:class:`~referendum.services.step_spool.StepSpool` cuts it into the parts that are
    appended, and writes them to disk): across steps only the rows decoded are held (the
    first mix's outputs until the filter, the filtered rows until the second mix).  The
    proofs of each row or group (pseudonyms, counters, filter) are made in tasks of
    :data:`PROOFS_PER_TASK` through ``pool``."""
    authority = base_mul(secret)
    election = state.public_key
    public_key_table(authority)  # the bases of most commitments: through tables
    public_key_table(election)
    width = width_of(state, region)
    fp = state.fingerprint
    # decrypt each ballot's credential; counts per credential
    credentials: list[str] = []
    for b in parsed:
        credentials.append((b.voter.beta - b.voter.alpha * secret).hex())
    counts: dict[str, int] = defaultdict(int)
    for c in credentials:
        counts[c] += 1
    voters = list(counts)
    padding = cover(voters=len(voters), ballots=len(parsed), max_per_voter=MAX_BALLOTS_PER_VOTER)
    sizes = assign([counts[c] for c in voters], padding)
    dummies: list[dict[str, Any]] = []
    dummy_rows: list[Row] = []
    for c, size in zip(voters, sizes, strict=True):
        offset = counter_offset(shared, c)
        for j in range(1, size - counts[c] + 1):  # below the voter's first ballot
            voter = encrypt_credential(authority, Point.from_hex(c), Scalar.random(rng))
            counter = _encrypt_counter(authority, offset - j, Scalar.random(rng))
            dummies.append({"voter": voter.to_json(), "counter": counter.to_json()})
            dummy_rows.append((voter, counter, DUMMY_TAG, *(REAL_TAG,) * width))
    yield m.TALLY_DUMMIES, {"region": region, "rows": dummies}
    del dummies
    real = (
        parsed.row_encodings()
        if isinstance(parsed, PackedBallots)
        else (row_bytes(ballot_row(b)) for b in parsed)
    )
    inputs = Packed(b"".join(chain_iterables(real, map(row_bytes, dummy_rows))), 64 * (3 + width))
    owners = credentials + [c for c, size in zip(voters, sizes, strict=True)
                            for _ in range(size - counts[c])]  # fmt: skip
    offsets = {c: counter_offset(shared, c) for c in voters}
    keys = (authority, authority, authority) + (election,) * width
    payload, first = _mix_event(state, region, "ballots", keys, inputs, rng, pool)
    del inputs, dummy_rows
    yield m.TALLY_MIX, payload
    del payload

    # groups: pseudonyms and opened counters, written as they are proven (RowStream); the
    # mixed rows kept as encodings, each task decoding its own
    packed = _PackedRows(first.outputs)
    permutation = first.permutation
    row_offsets = [offsets[owners[permutation[i]]] for i in range(len(packed))]
    del first, owners, credentials, permutation
    count = len(packed)
    key = PseudonymKey.create(secret, rng)
    named_seeds = [_task_seed(rng) for _ in _chunks(count)]
    opening_seeds = [_task_seed(rng) for _ in _chunks(count)]
    named = (
        _PseudonymProofs(key, fp, region, "groups", a, packed.column(0, a, b), seed)
        for (a, b), seed in zip(_chunks(count), named_seeds, strict=True)
    )
    openings = (
        _CounterOpenings(
            secret, fp, region, a, packed.column(1, a, b), tuple(row_offsets[a:b]), seed
        )
        for (a, b), seed in zip(_chunks(count), opening_seeds, strict=True)
    )
    key_json = _key_json(state, key, authority, region, "groups", rng)
    values: list[int] = []
    pseudonyms: list[bytes] = []
    made = _groups_made(pool(_prove, named), pool(_prove, openings), values, pseudonyms)
    yield m.TALLY_GROUPS, {"region": region, "key": key_json, "rows": RowStream(count, made)}
    del named, openings, made, row_offsets
    grouped = group_rows(pseudonyms)
    del pseudonyms

    # filter: each group's last ballot, re-encrypted, written as it is proven
    filter_seeds = [_task_seed(rng) for _ in _chunks(len(grouped))]
    filters = _filter_tasks(
        _FilterProofs(secret, election, fp, region, (), None), grouped, values, packed, filter_seeds
    )
    selected_rows: list[bytes] = []
    made = _selected_made(pool(_prove, filters), selected_rows)
    yield m.TALLY_FILTER, {"region": region, "selected": RowStream(len(grouped), made)}
    del filters, grouped, made, packed, values

    # eligibility: mix the selected rows and the list, pseudonyms under one fresh key
    selected = Packed(b"".join(selected_rows), 64 * (1 + width))
    del selected_rows
    payload, second = _mix_event(
        state, region, "selected", (authority,) + (election,) * width, selected, rng, pool
    )
    del selected
    yield m.TALLY_MIX, payload
    identity = Point.identity().to_bytes()
    listed = Packed(b"".join(identity + bytes.fromhex(c) for c in state.credentials[region]), 64)
    payload, list_mix = _mix_event(state, region, "list", (authority,), listed, rng, pool)
    del listed
    yield m.TALLY_MIX, payload
    del payload
    key = PseudonymKey.create(secret, rng)
    chosen = _rows_of(
        pool,
        _pseudonym_tasks(
            state,
            key,
            region,
            "eligibility.selected",
            _PackedRows(second.outputs).column(0),
            rng,
        ),
    )
    listed_rows = _rows_of(
        pool,
        _pseudonym_tasks(
            state,
            key,
            region,
            "eligibility.list",
            _PackedRows(list_mix.outputs).column(0),
            rng,
        ),
    )
    yield (
        m.TALLY_ELIGIBILITY,
        {
            "region": region,
            "key": _key_json(state, key, authority, region, "eligibility", rng),
            "selected": chosen,
            "list": listed_rows,
        },
    )


def publish_deniable_tally(
    board: BulletinBoard,
    key: TallyingKey,
    rng: RandomSource,
    clock: Clock,
    *,
    pool: Pool = map,
) -> dict[str, int]:
    """The tallying authority's steps for every region with ballots, then the ``tally`` of
    the rows that count; refused unless every step passes the verifier's checks (nothing is
    appended then).  Returns each region's number of dummies.  The proofs of rows and groups
    are made, and every step is then checked (:mod:`referendum.protocol.deniable_tasks`), in
    tasks through ``pool`` (default: here; :data:`Pool` says what else it may be)."""
    state = load_state(board)
    state.require(Phase.CLOSED)
    manifest = state.manifest
    if not manifest.deniable:
        raise PhaseError("this referendum has visible revoting: publish the tally directly")
    if key.public.hex() != manifest.tallying_authority:
        raise InputError("key", "this key is not the manifest's tallying authority")
    if any(True for _ in board.events(types=m.TALLY_STEPS)):
        raise PhaseError("the tallying authority's steps are on the board already")
    shared = Point.from_hex(manifest.board_key) * key.secret

    def ballots() -> Iterator[Event]:
        return board.events(types=(m.BALLOT_DENIABLE,))

    # each region's ballots as their encodings (PackedBallots), read from the board as they
    # come: about 320 bytes a ballot held, not the events
    by_region = {region.id: PackedBallots(region.id) for region in manifest.regions}
    for event in ballots():
        packed = by_region.get(str(event.payload["region"]))
        if packed is None:
            raise RecordError(f"events[{event.height}].region: not a region of the manifest")
        packed.add(event)
    with StepSpool(max_bytes=MAX_STEP_BYTES, rows=ROWS_PER_PART) as spool:
        for region in manifest.regions:
            parsed = by_region.pop(region.id)
            if parsed:
                for event_type, payload in region_steps(
                    state, region.id, parsed, key.secret, shared, rng, pool
                ):
                    spool.add(event_type, payload)
                    del payload
            del parsed
        # check every step as the verifier will (read back part by part), before anything
        # is appended; the ballots read from the board again
        figures = check_planned(state, ballots, spool.drafts, lambda tasks: pool(run_task, tasks))
        tallies = {region: f.tally for region, f in figures.items()}
        dummies = {region: f.dummies for region, f in figures.items()}
        for event_type, payload in spool.parts():
            append(board, event_type, payload, clock)
    append(board, m.TALLY, tally_payload(manifest, tallies), clock)
    return dummies


def check_planned(
    state: ElectionState,
    ballots: Callable[[], Iterable[Event]],
    drafts: Callable[[], Iterable[Event]],
    run: Any = None,
) -> dict[str, RegionFigures]:
    """Every region's steps checked as the verifier checks them, in tasks through ``run``
    (default: here), the ballots read from ``ballots()`` and the steps one part at a time
    from ``drafts()``; when they do not hold, both read again and checked one by one (all
    held), raising the :class:`~referendum.protocol.deniable.StepFailure` the verifier would
    report."""
    try:
        return check_in_tasks(
            state,
            ballots(),
            drafts(),
            run or (lambda tasks: map(run_task, tasks)),
            check_ballots=False,  # the board checked each when it was cast
        )
    except Unsure:
        pass
    steps = collect_steps(state, list(ballots()), list(drafts()))
    out = {}
    for region in state.manifest.regions:
        count = verify_region(state, region.id, steps[region.id])
        tally = selected_tally(state, region.id, count.counted)
        out[region.id] = RegionFigures(
            count.ballots, count.dummies, count.voters, len(count.counted), tally
        )
    return out
