"""Checking many ballots of one ballot style at once, in C (public data only).

The verifier and the board's batch ingest spend most of their time on ballots that are valid.
:class:`BallotBatch` takes ballots in their JSON form, checks in Python only that each has
exactly the shape of its ballot style (the keys, the list lengths, every value 64 lowercase hex
digits), and hands their 32-byte encodings to one C function (``csrc/ballots.c``) that decodes
every point and scalar canonically, recomputes every Fiat-Shamir challenge of
docs/spec/crypto.md, checks that each proof's challenges add up, and checks every signature and
proof equation of the batch together as one random linear combination with one multi-scalar
multiplication.  It answers only "all valid" or "not all valid": in the second case the caller
checks the ballots one by one with the reference code (:func:`~referendum.crypto.ballot.
verify_ballot` and friends), which names the ballot and the reason.  The test suite checks that
both agree on every vector and on every kind of corruption.

The batch weights are 128-bit values from SHAKE-256 seeded with a hash of everything the
equations depend on (the context, every encoding and every signed message), so that whoever
made the ballots cannot predict them, and verification stays deterministic.

The checker exists on the libdecaf backend only (:data:`AVAILABLE`); on the portable one
(:mod:`referendum.crypto.backend`) every ballot is checked by the reference code, which gives
the same answers (docs/crypto-backend.md).
"""

from __future__ import annotations

import binascii
import functools
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

from referendum.crypto.backend import BACKEND
from referendum.crypto.ballot import COUNT_DOMAIN, SELECTION_DOMAIN, BallotContext
from referendum.crypto.credentials import SIGNATURE_DOMAIN
from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point
from referendum.crypto.hashing import encode_fields
from referendum.errors import UsageError

if BACKEND == "decaf":
    from referendum.crypto._decaf import ffi, lib
    from referendum.crypto._group_decaf import FixedBase, points_from_buffer

__all__ = ["AVAILABLE", "BALLOT_BATCH_DOMAIN", "CHECK_GROUP", "BallotBatch", "CiphertextSums"]

AVAILABLE: Final = BACKEND == "decaf"
"""Whether the C batch checker runs in this process (the libdecaf backend)."""

BALLOT_BATCH_DOMAIN: Final = b"referendum/v1/ballot-batch-weights"

CHECK_GROUP: Final = 32
"""Ballots :meth:`BallotBatch.valid_members` checks at once.  A batch check costs about the
same per ballot from 32 ballots up (0.29 CPU ms here, against 0.33 for 16 and 0.49 alone),
while a group that fails is searched by halves: in groups of 32 an invalid ballot costs the
search of 32 ballots, not of the whole batch (with one ballot in a hundred invalid, most
batches of 128 hold one, and fewer than a third of groups of 32 do)."""

_SELECTION_KEYS: Final = frozenset({"alpha", "beta", "proof"})
_PROOF_KEYS: Final = frozenset({"commitments", "challenges", "responses"})
_COMMITMENT_KEYS: Final = frozenset({"a", "b"})
_QUESTION_KEYS: Final = frozenset({"selections", "count_proof"})
_SIGNATURE_KEYS: Final = frozenset({"commitment", "response"})
_SIGNATURE_PREFIX: Final = encode_fields(SIGNATURE_DOMAIN.encode("ascii"))
_SELECTION: Final = SELECTION_DOMAIN.encode("ascii")
_COUNT: Final = COUNT_DOMAIN.encode("ascii")


class CiphertextSums:
    """Running sums of ballots' ciphertexts, one per option of a ballot style, kept in C
    memory; :meth:`BallotBatch.check` adds the ballots of a batch that holds."""

    def __init__(self, ctx: BallotContext) -> None:
        _require()
        self._options = [q.options for q in ctx.questions]
        count = 2 * sum(self._options)
        self._buffer = ffi.new("decaf_255_point_s[]", count)
        size = ffi.sizeof("decaf_255_point_s")
        for i in range(count):
            ffi.memmove(self._buffer + i, lib.decaf_255_point_identity, size)
        self.ballots = 0

    def ciphertexts(self) -> list[list[Ciphertext]]:
        """The sums, per question and option."""
        points = points_from_buffer(self._buffer, 2 * sum(self._options))
        out = []
        at = 0
        for options in self._options:
            out.append(
                [Ciphertext(points[at + 2 * o], points[at + 2 * o + 1]) for o in range(options)]
            )
            at += 2 * options
        return out


class BallotBatch:
    """Ballots of one ballot style (``ctx``) waiting to be checked together."""

    def __init__(self, ctx: BallotContext) -> None:
        _require()
        self.ctx = ctx
        shape = [(q.options, q.min_selections, q.max_selections) for q in ctx.questions]
        self._shape = ffi.new("uint32_t[]", [v for triple in shape for v in triple])
        self._shape_bytes = b"".join(v.to_bytes(4, "big") for triple in shape for v in triple)
        self._items = 3 + sum(10 * o + 4 * (hi - lo + 1) for o, lo, hi in shape)
        self._equations = 1 + sum(4 * o + 2 * (hi - lo + 1) for o, lo, hi in shape)
        self._branches = [hi - lo + 1 for _, lo, hi in shape]
        self._options = [o for o, _, _ in shape]
        self._line_order = _line_order(shape)
        self._key = ctx.public_key.to_bytes()
        self._key_table = _key_table(ctx.public_key)
        self._blobs: list[bytes] = []
        self._digests: list[bytes] = []

    def __len__(self) -> int:
        return len(self._blobs)

    def add(self, credential: object, ballot: object, signature: object, message: bytes) -> bool:
        """Queue a ballot (``credential``: the public credential's hex; ``message``: what its
        signature signs).  ``False``, and nothing queued, when its JSON does not have exactly
        the form of this ballot style: the caller then checks it alone."""
        try:
            hexes = [credential, *_signature_hexes(signature)]
            hexes += self._ballot_hexes(ballot)
            joined = "".join(hexes)  # TypeError unless every value is a string
            if len(joined) != 64 * self._items or set(map(len, hexes)) != {64}:
                return False
            raw = bytes.fromhex(joined)
        except (AttributeError, TypeError, KeyError, ValueError, IndexError):
            return False
        if raw.hex() != joined:  # upper case, or spaces that fromhex skips
            return False
        self._queue(raw, message)
        return True

    def add_values(
        self,
        credential: str,
        signature: tuple[bytes, bytes],
        values: Sequence[bytes],
        message: bytes,
    ) -> None:
        """Queue a ballot given as its hex values (ASCII bytes, 64 lowercase hex digits each,
        as a canonical line holds them: see :mod:`referendum.verify.fastline`): the signature's
        commitment and response, and the ballot's values in the order of its canonical JSON."""
        if len(values) != len(self._line_order):
            raise UsageError(f"expected {len(self._line_order)} ballot values, got {len(values)}")
        ordered = b"".join([values[i] for i in self._line_order])
        raw = binascii.unhexlify(credential.encode() + signature[0] + signature[1] + ordered)
        self._queue(raw, message)

    def _queue(self, raw: bytes, message: bytes) -> None:
        digest = hashlib.sha512(
            _SIGNATURE_PREFIX + encode_fields(raw[:32], raw[32:64], message)
        ).digest()
        self._blobs.append(raw)
        self._digests.append(digest)

    def _ballot_hexes(self, ballot: Any) -> list[Any]:
        if ballot.keys() != {"questions"}:
            return _bad()
        questions = ballot["questions"]
        if type(questions) is not list or len(questions) != len(self._options):
            return _bad()
        out: list[Any] = []
        for question, options, branches in zip(
            questions, self._options, self._branches, strict=True
        ):
            if question.keys() != _QUESTION_KEYS:
                return _bad()
            selections = question["selections"]
            if type(selections) is not list or len(selections) != options:
                return _bad()
            for selection in selections:
                if selection.keys() != _SELECTION_KEYS:
                    return _bad()
                out.append(selection["alpha"])
                out.append(selection["beta"])
                out += _proof_hexes(selection["proof"], 2)
            out += _proof_hexes(question["count_proof"], branches)
        return out

    def check(self, sums: CiphertextSums | None = None) -> bool:
        """Whether every queued ballot is valid (then their ciphertexts are added to ``sums``);
        the queue is emptied either way."""
        blobs, digests = self._blobs, self._digests
        self._blobs, self._digests = [], []
        return self._check(blobs, digests, sums)

    def valid_members(self) -> list[bool]:
        """For each queued ballot, in order, whether a batch check holding for a group it is
        in shows it valid; the queue is emptied.  The ballots are checked in groups of
        :data:`CHECK_GROUP` first; when one fails, each half of a failing group is checked
        (a half whose sibling holds fails without being checked: its group failed), down to
        single ballots, so that a few invalid ballots among many cost a few checks more
        instead of every ballot checked alone.  ``False`` marks a ballot whose own check
        fails: the caller gives the reference code's reason for it."""
        blobs, digests = self._blobs, self._digests
        self._blobs, self._digests = [], []
        valid = [False] * len(blobs)

        def walk(lo: int, hi: int, *, failing: bool) -> bool:
            if not failing and self._check(blobs[lo:hi], digests[lo:hi]):
                valid[lo:hi] = [True] * (hi - lo)
                return True
            if hi - lo > 1:
                mid = (lo + hi) // 2
                held = walk(lo, mid, failing=False)
                walk(mid, hi, failing=held)  # the left half held: the fault is in this one
            return False

        for lo in range(0, len(blobs), CHECK_GROUP):
            walk(lo, min(lo + CHECK_GROUP, len(blobs)), failing=False)
        return valid

    def _check(
        self,
        blobs: Sequence[bytes],
        digests_of: Sequence[bytes],
        sums: CiphertextSums | None = None,
    ) -> bool:
        n = len(blobs)
        if n == 0:
            return True
        items = b"".join(blobs)
        digests = b"".join(digests_of)
        count = n * self._equations
        seed = hashlib.sha512(
            encode_fields(
                BALLOT_BATCH_DOMAIN,
                self.ctx.fingerprint,
                self._key,
                self._shape_bytes,
                n.to_bytes(8, "big"),
                items,
                digests,
            )
        ).digest()
        weights = hashlib.shake_256(seed).digest(16 * count)
        result: int = lib.referendum_check_ballots(
            items,
            n,
            digests,
            weights,
            count,
            self.ctx.fingerprint,
            len(self.ctx.fingerprint),
            self._key,
            _SELECTION,
            len(_SELECTION),
            _COUNT,
            len(_COUNT),
            self._shape,
            len(self._options),
            self._key_table.table,
            ffi.NULL if sums is None else sums._buffer,
        )
        if result < 0:
            raise MemoryError("checking a batch of ballots: out of memory")
        if result == 1 and sums is not None:
            sums.ballots += n
        return result == 1


@functools.lru_cache(maxsize=8)
def _key_table(key: Point) -> FixedBase:
    """The election key's precomputed table, built once (a server builds a batch for each
    region of each group of submissions it casts; the table is the costly part)."""
    return FixedBase(key)


def _require() -> None:
    if not AVAILABLE:
        raise UsageError(f"the batch ballot checker needs the decaf backend, not {BACKEND}")


def _line_order(shape: Sequence[tuple[int, int, int]]) -> list[int]:
    """For each value of the C layout, its index among the values of the canonical JSON."""
    line: list[tuple[int, str, int, int]] = []  # (question, kind, option or branch, index)
    layout: list[tuple[int, str, int, int]] = []
    for q, (options, lo, hi) in enumerate(shape):
        branches = hi - lo + 1
        line += [(q, "c", -1, j) for j in range(branches)]
        for j in range(branches):
            line += [(q, "a", -1, j), (q, "b", -1, j)]
        line += [(q, "z", -1, j) for j in range(branches)]
        for o in range(options):
            line += [(q, "alpha", o, 0), (q, "beta", o, 0)]
            line += [(q, "c", o, 0), (q, "c", o, 1)]
            line += [(q, "a", o, 0), (q, "b", o, 0), (q, "a", o, 1), (q, "b", o, 1)]
            line += [(q, "z", o, 0), (q, "z", o, 1)]
            layout += [(q, "alpha", o, 0), (q, "beta", o, 0)]
            layout += [(q, "a", o, 0), (q, "b", o, 0), (q, "a", o, 1), (q, "b", o, 1)]
            layout += [(q, "c", o, 0), (q, "c", o, 1), (q, "z", o, 0), (q, "z", o, 1)]
        for j in range(branches):
            layout += [(q, "a", -1, j), (q, "b", -1, j)]
        layout += [(q, "c", -1, j) for j in range(branches)]
        layout += [(q, "z", -1, j) for j in range(branches)]
    where = {name: i for i, name in enumerate(line)}
    return [where[name] for name in layout]


def _bad() -> list[Any]:
    raise ValueError("not the ballot style's form")


def _signature_hexes(signature: Any) -> tuple[Any, Any]:
    if signature.keys() != _SIGNATURE_KEYS:
        _bad()
    return signature["commitment"], signature["response"]


def _proof_hexes(proof: Mapping[str, Any], branches: int) -> list[Any]:
    if proof.keys() != _PROOF_KEYS:
        return _bad()
    commitments, challenges, responses = (
        proof["commitments"],
        proof["challenges"],
        proof["responses"],
    )
    if (
        type(commitments) is not list
        or type(challenges) is not list
        or type(responses) is not list
        or not len(commitments) == len(challenges) == len(responses) == branches
    ):
        return _bad()
    out: list[Any] = []
    for commitment in commitments:
        if commitment.keys() != _COMMITMENT_KEYS:
            return _bad()
        out.append(commitment["a"])
        out.append(commitment["b"])
    return out + challenges + responses
