"""The prover in ranges (crypto/proofs/shuffle_prover.py) makes, from the same random draws,
the very mix and proof of the reference prover, whatever the tasks' size and in worker
processes; its proofs verify, and a mix it makes of other rows does not pass for this one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.crypto.elgamal import Ciphertext, encrypt, public_key_table
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.proofs.shuffle import (
    Row,
    ShuffleStatement,
    prove_shuffle,
    shuffle,
    verify_shuffle,
)
from referendum.crypto.proofs.shuffle_prover import Packed, encode_rows, mix_in_ranges
from referendum.crypto.random import DeterministicRandom
from referendum.errors import ProofError, UsageError
from referendum.verify.partition import open_runner

RNG = DeterministicRandom(b"test-shuffle-prover")
KEYS = tuple(base_mul(Scalar.random(RNG)) for _ in range(3))
CONTEXT = b"test-shuffle-prover context"


def _rows(count: int, width: int, seed: bytes) -> tuple[Row, ...]:
    rng = DeterministicRandom(seed)
    return tuple(
        tuple(
            encrypt(public_key_table(KEYS[k]), (i + k) % 5, Scalar.random(rng))
            for k in range(width)
        )
        for i in range(count)
    )


def _reference(rows: tuple[Row, ...], width: int, seed: bytes):  # type: ignore[no-untyped-def]
    rng = DeterministicRandom(seed)
    outputs, witness = shuffle(KEYS[:width], rows, rng)
    statement = ShuffleStatement(KEYS[:width], CONTEXT, rows, outputs)
    return outputs, witness, prove_shuffle(statement, witness, rng), statement


@settings(max_examples=12, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=9),
    width=st.integers(min_value=1, max_value=3),
    per_task=st.integers(min_value=1, max_value=10),
)
def test_the_same_mix_and_proof_as_the_reference(count: int, width: int, per_task: int) -> None:
    rows = _rows(count, width, b"rows %d %d" % (count, width))
    seed = b"draws %d %d %d" % (count, width, per_task)
    outputs, witness, proof, statement = _reference(rows, width, seed)
    mix = mix_in_ranges(
        KEYS[:width], CONTEXT, encode_rows(rows), DeterministicRandom(seed), rows_per_task=per_task
    )
    assert mix.permutation == witness.permutation
    assert mix.output_rows() == outputs
    assert mix.proof.to_json() == proof.to_json()
    assert mix.proof.decode() == proof
    verify_shuffle(statement, mix.proof.decode())


def test_in_worker_processes() -> None:
    rows = _rows(40, 2, b"rows in workers")
    outputs, _, proof, statement = _reference(rows, 2, b"workers")
    runner = open_runner(workers=2)
    try:
        mix = mix_in_ranges(
            KEYS[:2],
            CONTEXT,
            encode_rows(rows),
            DeterministicRandom(b"workers"),
            runner.map,
            rows_per_task=7,
        )
    finally:
        runner.close()
    assert mix.output_rows() == outputs
    assert mix.proof.to_json() == proof.to_json()
    verify_shuffle(statement, mix.proof.decode())


def test_a_proof_for_other_rows_fails() -> None:
    rows = _rows(6, 2, b"rows a")
    mix = mix_in_ranges(KEYS[:2], CONTEXT, encode_rows(rows), DeterministicRandom(b"a"))
    other = _rows(6, 2, b"rows b")
    with pytest.raises(ProofError):
        verify_shuffle(
            ShuffleStatement(KEYS[:2], CONTEXT, other, mix.output_rows()), mix.proof.decode()
        )
    # one output re-encrypted once more: the proof no longer holds
    changed = list(mix.output_rows())
    first = changed[0]
    extra = Ciphertext(Point.generator(), KEYS[0])
    changed[0] = (first[0] + extra, *first[1:])
    with pytest.raises(ProofError):
        verify_shuffle(
            ShuffleStatement(KEYS[:2], CONTEXT, rows, tuple(changed)), mix.proof.decode()
        )


def test_bad_shapes_are_refused() -> None:
    rows = encode_rows(_rows(3, 2, b"rows shapes"))
    with pytest.raises(UsageError, match="rows of 128 bytes for 3 keys"):
        mix_in_ranges(KEYS, CONTEXT, rows, DeterministicRandom(b"x"))
    with pytest.raises(UsageError, match="not items of 64"):
        Packed(b"\0" * 65, 64)
    with pytest.raises(UsageError, match="different widths"):
        encode_rows([_rows(1, 1, b"w1")[0], _rows(1, 2, b"w2")[0]])


def test_packed_items() -> None:
    packed = Packed(bytes(range(96)), 32)
    assert len(packed) == 3
    assert packed[-1] == bytes(range(64, 96))
    assert packed[0:2] == [bytes(range(32)), bytes(range(32, 64))]
    assert packed.run(1, 3) == bytes(range(32, 96))
    with pytest.raises(IndexError):
        packed[3]
