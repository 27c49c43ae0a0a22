"""The verifiable shuffle: honest mixes verify and keep the plaintexts; every cheat a mixer or
a board could try is refused with the equation (or field) that caught it."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.crypto.elgamal import Ciphertext, DiscreteLog, encrypt
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.proofs.shuffle import (
    Row,
    ShuffleProof,
    ShuffleStatement,
    ShuffleWitness,
    prove_shuffle,
    random_permutation,
    rows_from_json,
    rows_to_json,
    shuffle,
    shuffle_generators,
    shuffle_with_nonces,
    verify_shuffle,
)
from referendum.crypto.proofs.shuffle_ranges import prepare, range_sum, verify_in_ranges
from referendum.crypto.random import DeterministicRandom
from referendum.errors import CryptoError, InputError, ProofError, UsageError

RNG = DeterministicRandom(b"test-shuffle")
SECRET = Scalar.random(RNG)
KEY = base_mul(SECRET)
SECRETS = (SECRET, Scalar.random(RNG))  # the columns are under two keys (as a ballot's are)
KEYS = tuple(map(base_mul, SECRETS))
CONTEXT = b"fingerprint|mix 0"
MESSAGES = [[3, 0], [1, 1], [0, 2], [2, 0], [1, 3]]
INPUTS: tuple[Row, ...] = tuple(
    tuple(encrypt(key, m, Scalar.random(RNG)) for key, m in zip(KEYS, row, strict=True))
    for row in MESSAGES
)
OUTPUTS, WITNESS = shuffle(KEYS, INPUTS, RNG)
STATEMENT = ShuffleStatement(KEYS, CONTEXT, INPUTS, OUTPUTS)
PROOF = prove_shuffle(STATEMENT, WITNESS, RNG)
DLOG = DiscreteLog(10)


def decrypt(rows: tuple[Row, ...]) -> list[tuple[int, ...]]:
    """Column ``k`` is under ``KEYS[k % 2]``."""
    return [
        tuple(DLOG.solve(ct.beta - ct.alpha * SECRETS[k % 2]) for k, ct in enumerate(row))
        for row in rows
    ]


def refused(statement: ShuffleStatement, proof: ShuffleProof) -> str:
    with pytest.raises(ProofError) as info:
        verify_shuffle(statement, proof)
    return str(info.value)


def test_honest_shuffle_verifies_and_keeps_the_plaintexts() -> None:
    verify_shuffle(STATEMENT, PROOF)
    assert Counter(decrypt(OUTPUTS)) == Counter(map(tuple, MESSAGES))
    # every ciphertext was re-encrypted: no output equals its input
    inputs = {ct for row in INPUTS for ct in row}
    assert not inputs & {ct for row in OUTPUTS for ct in row}


@pytest.mark.parametrize(("rows", "width"), [(1, 1), (2, 1), (7, 1), (4, 3)])
def test_shapes(rows: int, width: int) -> None:
    rng = DeterministicRandom(b"shapes %d %d" % (rows, width))
    inputs = tuple(
        tuple(encrypt(KEYS[k % 2], (i + k) % 5, Scalar.random(rng)) for k in range(width))
        for i in range(rows)
    )
    keys = tuple(KEYS[k % 2] for k in range(width))
    outputs, witness = shuffle(keys, inputs, rng)
    statement = ShuffleStatement(keys, b"shape", inputs, outputs)
    verify_shuffle(statement, prove_shuffle(statement, witness, rng))
    assert sorted(decrypt(outputs)) == sorted(decrypt(inputs))


def test_json_round_trip() -> None:
    text = json.dumps({"proof": PROOF.to_json(), "outputs": rows_to_json(OUTPUTS)})
    data = json.loads(text)
    proof = ShuffleProof.from_json(data["proof"], rows=len(INPUTS), width=2)
    assert proof == PROOF
    assert rows_from_json(data["outputs"]) == OUTPUTS
    verify_shuffle(STATEMENT, proof)


def altered_point(p: Point) -> Point:
    return p + Point.generator()


def altered_scalar(s: Scalar) -> Scalar:
    return s + Scalar.from_int(1)


def alter(proof: ShuffleProof, member: str, index: int | None, part: str | None) -> ShuffleProof:
    """The proof with one element changed to another valid element (as a forger would)."""
    data: dict[str, Any] = {name: getattr(proof, name) for name in ShuffleProof.__slots__}
    value = data[member]
    if index is None:
        data[member] = altered_point(value) if isinstance(value, Point) else altered_scalar(value)
        return ShuffleProof(**data)
    items = list(value)
    item = items[index]
    if isinstance(item, Ciphertext):
        assert part is not None
        fields = {"alpha": item.alpha, "beta": item.beta}
        fields[part] = altered_point(fields[part])
        items[index] = Ciphertext(**fields)
    elif isinstance(item, Point):
        items[index] = altered_point(item)
    else:
        items[index] = altered_scalar(item)
    data[member] = tuple(items)
    return ShuffleProof(**data)


def every_element() -> list[tuple[str, int | None, str | None]]:
    out: list[tuple[str, int | None, str | None]] = []
    for member in ShuffleProof.__slots__:
        value = getattr(PROOF, member)
        if not isinstance(value, tuple):
            out.append((member, None, None))
            continue
        for i, item in enumerate(value):
            if isinstance(item, Ciphertext):
                out += [(member, i, "alpha"), (member, i, "beta")]
            else:
                out.append((member, i, None))
    return out


# Responses enter only their own equations (and the batch weights), so the equation that
# refuses them is known; a commitment changes the challenge, so the first equation fails.
EXPECTED = {
    "s_sum": "shuffle.sum",
    "s_product": "shuffle.product",
    "s_weighted": "shuffle.weighted",
    "s_reencryption": "shuffle.reencryption[{i}].alpha",
    "s_chain": "shuffle.chain[{i}]",
    "s_permuted": "shuffle.weighted",
}


@pytest.mark.parametrize(("member", "index", "part"), every_element())
def test_every_altered_element_is_refused(member: str, index: int | None, part: str | None) -> None:
    message = refused(STATEMENT, alter(PROOF, member, index, part))
    expected = EXPECTED.get(member, "shuffle.sum").format(i=index)
    assert message == f"{expected}: verification equation does not hold"


def test_swapped_outputs_are_refused() -> None:
    swapped = (OUTPUTS[1], OUTPUTS[0], *OUTPUTS[2:])
    assert refused(ShuffleStatement(KEYS, CONTEXT, INPUTS, swapped), PROOF).startswith("shuffle.")


def test_a_substituted_ballot_cannot_be_proven() -> None:
    """A mixer that replaces one ballot by its own (a valid encryption of another vote) and
    proves with the honest witness, re-using every nonce, is refused."""
    rng = DeterministicRandom(b"cheat")
    forged = list(OUTPUTS)
    forged[0] = tuple(encrypt(key, 4, Scalar.random(rng)) for key in KEYS)
    statement = ShuffleStatement(KEYS, CONTEXT, INPUTS, tuple(forged))
    assert refused(statement, prove_shuffle(statement, WITNESS, rng)).startswith(
        "shuffle.reencryption[0]."
    )


def test_a_duplicated_ballot_cannot_be_proven() -> None:
    """Dropping row 0 and counting row 1 twice (each copy re-encrypted) is not a permutation:
    whatever permutation the mixer claims, the proof fails."""
    rng = DeterministicRandom(b"duplicate")
    mapping = [1 if j == 0 else j for j in WITNESS.permutation]
    nonces = tuple(tuple(Scalar.random(rng) for _ in row) for row in INPUTS)
    outputs = tuple(
        tuple(
            Ciphertext(ct.alpha + base_mul(r), ct.beta + key * r)
            for ct, r, key in zip(INPUTS[j], nonces[i], KEYS, strict=True)
        )
        for i, j in enumerate(mapping)
    )
    statement = ShuffleStatement(KEYS, CONTEXT, INPUTS, outputs)
    for permutation in (WITNESS.permutation, tuple(range(len(INPUTS)))):
        proof = prove_shuffle(statement, ShuffleWitness(permutation, nonces), rng)
        assert refused(statement, proof).startswith("shuffle.reencryption[0].")


def test_re_encryption_with_a_wrong_nonce_is_refused() -> None:
    rng = DeterministicRandom(b"nonce")
    permutation, nonces = WITNESS.permutation, [list(row) for row in WITNESS.nonces]
    outputs = shuffle_with_nonces(KEYS, INPUTS, permutation, nonces)
    nonces[2][1] = altered_scalar(nonces[2][1])  # the proof uses another nonce than the mix
    statement = ShuffleStatement(KEYS, CONTEXT, INPUTS, outputs)
    proof = prove_shuffle(statement, ShuffleWitness(permutation, tuple(map(tuple, nonces))), rng)
    assert refused(statement, proof) == (
        "shuffle.reencryption[1].alpha: verification equation does not hold"
    )


@pytest.mark.parametrize("what", ["key", "keys swapped", "context", "inputs", "outputs"])
def test_a_proof_for_another_statement_is_refused(what: str) -> None:
    rng = DeterministicRandom(b"other " + what.encode())
    other_key = base_mul(Scalar.random(rng))
    changed = {
        "key": ShuffleStatement((KEY, other_key), CONTEXT, INPUTS, OUTPUTS),
        "keys swapped": ShuffleStatement(KEYS[::-1], CONTEXT, INPUTS, OUTPUTS),
        "context": ShuffleStatement(KEYS, b"another mix", INPUTS, OUTPUTS),
        "inputs": ShuffleStatement(KEYS, CONTEXT, (INPUTS[0], INPUTS[0], *INPUTS[2:]), OUTPUTS),
        "outputs": ShuffleStatement(
            KEYS, CONTEXT, INPUTS, shuffle_with_nonces(KEYS, OUTPUTS, range(5), WITNESS.nonces)
        ),
    }[what]
    assert refused(changed, PROOF) == "shuffle.sum: verification equation does not hold"


def test_shapes_that_do_not_match_are_named() -> None:
    assert refused(ShuffleStatement(KEYS, CONTEXT, INPUTS, OUTPUTS[:-1]), PROOF) == (
        "shuffle.outputs: 4 rows for 5 input rows"
    )
    narrow = tuple(row[:1] for row in OUTPUTS)
    assert refused(ShuffleStatement(KEYS, CONTEXT, INPUTS, narrow), PROOF) == (
        "shuffle.outputs[0]: 1 ciphertexts, not 2"
    )
    assert refused(ShuffleStatement(KEYS, CONTEXT, (), ()), PROOF) == "shuffle.inputs: no rows"
    assert refused(ShuffleStatement(KEYS[:1], CONTEXT, INPUTS, OUTPUTS), PROOF) == (
        "shuffle.keys: 1 keys for 2 columns"
    )
    short = ShuffleProof(**{**{n: getattr(PROOF, n) for n in ShuffleProof.__slots__},
                            "s_chain": PROOF.s_chain[:-1]})  # fmt: skip
    assert refused(STATEMENT, short) == "shuffle.proof.s_chain: 4 items for 5 rows"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("t_sum"), "proof.t_sum: missing"),
        (lambda d: d.update(extra="00" * 32), "proof.extra: not a member of a shuffle proof"),
        (lambda d: d["chain"].pop(), "proof.chain: expected 5 items, got 4"),
        (lambda d: d["s_reencryption"].append(d["s_sum"]), "proof.s_reencryption: expected 2"),
        (lambda d: d.update(s_product="ff" * 32), "proof.s_product: scalar encoding"),
        (lambda d: d["permutation"].__setitem__(3, "AB" * 32), "proof.permutation[3]: expected"),
        (lambda d: d["t_reencryption"][1].pop("beta"), "proof.t_reencryption[1].beta: missing"),
        (lambda d: d.update(t_chain="00"), "proof.t_chain: expected a JSON list"),
    ],
)
def test_malformed_proof_json_names_the_member(change: Any, field: str) -> None:
    data = json.loads(json.dumps(PROOF.to_json()))
    change(data)
    with pytest.raises(InputError) as info:
        ShuffleProof.from_json(data, rows=5, width=2)
    assert str(info.value).startswith(field)


def test_malformed_rows_name_the_row() -> None:
    data = rows_to_json(OUTPUTS)
    data[2] = data[2][:1]
    with pytest.raises(InputError, match=r"^rows\[2\]: expected 2 ciphertexts"):
        rows_from_json(data)
    with pytest.raises(InputError, match=r"^rows\[0\]\[1\]\.alpha"):
        rows_from_json([[data[0][0], {"alpha": "x", "beta": data[0][0]["beta"]}]])


@settings(max_examples=30, deadline=None)
@given(choice=st.integers(0, 10**6), position=st.integers(0, 63), delta=st.integers(1, 15))
def test_any_altered_digit_fails(choice: int, position: int, delta: int) -> None:
    data = json.loads(json.dumps(PROOF.to_json()))
    paths: list[tuple[Any, ...]] = []

    def walk(obj: Any, path: tuple[Any, ...]) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, (*path, k))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, (*path, i))
        else:
            paths.append(path)

    walk(data, ())
    path = paths[choice % len(paths)]
    holder: Any = data
    for key in path[:-1]:
        holder = holder[key]
    value = holder[path[-1]]
    digit = format((int(value[position], 16) + delta) % 16, "x")
    holder[path[-1]] = value[:position] + digit + value[position + 1 :]
    with pytest.raises((InputError, CryptoError)):
        verify_shuffle(STATEMENT, ShuffleProof.from_json(data, rows=5, width=2))


def test_generators_are_fixed_by_context_and_index() -> None:
    small, large = shuffle_generators(CONTEXT, 2), shuffle_generators(CONTEXT, 5)
    assert large.rows[:2] == small.rows and large.chain == small.chain
    other = shuffle_generators(b"another", 2)
    points = [small.chain, *small.rows, other.chain, *other.rows, Point.generator()]
    assert len({p.to_bytes() for p in points}) == len(points)


def test_random_permutation_is_a_permutation_and_varies() -> None:
    rng = DeterministicRandom(b"perm")
    seen = {random_permutation(4, rng) for _ in range(200)}
    assert all(sorted(p) == [0, 1, 2, 3] for p in seen)
    assert len(seen) == 24  # every one of the 4! permutations occurs


def test_the_prover_refuses_a_witness_that_is_not_a_permutation() -> None:
    with pytest.raises(UsageError):
        prove_shuffle(STATEMENT, ShuffleWitness((0, 0, 1, 2, 3), WITNESS.nonces), RNG)


def test_the_benchmark_runs() -> None:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "shuffle_bench.py"
    spec = importlib.util.spec_from_file_location("shuffle_bench", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.run(3, 2)
    assert figures["rows"] == 3 and figures["width"] == 2
    assert all(figures[k] > 0 for k in ("prove_us", "verify_us", "proof_bytes_per_row"))


@pytest.mark.parametrize("range_rows", [1, 2, 3, 5, 100])
def test_verification_in_ranges_accepts_the_honest_proof(range_rows: int) -> None:
    verify_in_ranges(STATEMENT, PROOF, range_rows=range_rows)
    check = prepare(STATEMENT, PROOF)
    # the ranges' sums do not depend on how the rows are cut
    whole = range_sum(check, STATEMENT, PROOF, 0, 5)
    parts = range_sum(check, STATEMENT, PROOF, 0, 2) + range_sum(check, STATEMENT, PROOF, 2, 5)
    assert whole == parts and not whole.is_identity()


@pytest.mark.parametrize(("member", "index", "part"), every_element())
def test_verification_in_ranges_refuses_what_the_whole_check_does(
    member: str, index: int | None, part: str | None
) -> None:
    altered = alter(PROOF, member, index, part)
    with pytest.raises(ProofError) as whole:
        verify_shuffle(STATEMENT, altered)
    with pytest.raises(ProofError) as ranges:
        verify_in_ranges(STATEMENT, altered, range_rows=2)
    assert str(ranges.value) == str(whole.value)


def test_verification_in_ranges_refuses_a_swapped_output() -> None:
    swapped = ShuffleStatement(KEYS, CONTEXT, INPUTS, (OUTPUTS[3], *OUTPUTS[:3], OUTPUTS[4]))
    with pytest.raises(ProofError, match=r"^shuffle\."):
        verify_in_ranges(swapped, PROOF, range_rows=2)
