"""A verifiable shuffle of ElGamal ciphertext rows (Terelius-Wikström), with Fiat-Shamir.

The mix takes ``N`` input rows of ``w`` ciphertexts each (one per question of a ballot, or a
ballot's encrypted credential, counter and tag beside its choices), permutes the rows and
re-encrypts every ciphertext: output row ``i`` is input row ``pi(i)`` with
``(alpha, beta) + (rho·G, rho·K_k)`` in column ``k``, each column under its own key ``K_k``.
The proof is Terelius and Wikström's proof of a shuffle ("Proofs of restricted shuffles",
Africacrypt 2010) in the form Verificatum and Belenios use: a commitment to the permutation
matrix under independent generators, a chain of commitments showing that the matrix is a
permutation, and one sigma protocol tying both to the re-encryption.  ``docs/spec/shuffle.md``
defines every value, hash and equation; the names here follow it.  The proof is published in
commitment form, so verification is ``N + 3 + 2w`` linear equations that
:func:`referendum.crypto.batch.verify_equations` checks with one multi-scalar multiplication,
naming the first false equation when the batch fails.

>>> from referendum.crypto.elgamal import encrypt
>>> from referendum.crypto.group import base_mul
>>> from referendum.crypto.random import DeterministicRandom
>>> rng = DeterministicRandom(b"doc")
>>> key = base_mul(Scalar.random(rng))
>>> rows = [(encrypt(key, m, Scalar.random(rng)),) for m in (0, 1, 1)]
>>> outputs, witness = shuffle(key, rows, rng)
>>> statement = ShuffleStatement((key,), b"ctx", tuple(rows), outputs)
>>> verify_shuffle(statement, prove_shuffle(statement, witness, rng))
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain as chain_iterables
from typing import Any, Final

from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.elgamal import Ciphertext, public_key_table
from referendum.crypto.group import FixedBase, Point, Scalar, multi_mul
from referendum.crypto.hashing import encode_fields, hash_to_group, hash_to_scalar
from referendum.crypto.json_fields import CryptoInputError, get_object, point, scalar
from referendum.crypto.random import RandomSource
from referendum.errors import ProofError, UsageError

__all__ = [
    "CHALLENGE_DOMAIN",
    "GENERATOR_DOMAIN",
    "PERMUTATION_DOMAIN",
    "STATEMENT_DOMAIN",
    "Row",
    "ShuffleGenerators",
    "ShuffleNonces",
    "ShuffleProof",
    "ShuffleStatement",
    "ShuffleWitness",
    "chain_generator",
    "challenge_of_encodings",
    "check_proof_shape",
    "permutation_challenge",
    "proof_challenge",
    "prove_shuffle",
    "prove_shuffle_with_nonces",
    "random_permutation",
    "random_shuffle_nonces",
    "row_generator",
    "rows_from_json",
    "rows_to_json",
    "secret_weighted_sum",
    "seed_of_encodings",
    "shuffle",
    "shuffle_equations",
    "shuffle_generators",
    "shuffle_with_nonces",
    "statement_seed",
    "verify_shuffle",
]

GENERATOR_DOMAIN: Final = "referendum/v3/shuffle/generator"
STATEMENT_DOMAIN: Final = "referendum/v3/shuffle/statement"
PERMUTATION_DOMAIN: Final = "referendum/v3/shuffle/permutation-challenge"
CHALLENGE_DOMAIN: Final = "referendum/v3/shuffle/challenge"
_GROUP_NAME: Final = b"ristretto255"
_WEIGHTS_DOMAIN: Final = b"referendum/v3/shuffle/batch-transcript"

Row = tuple[Ciphertext, ...]
"""One row of the mix: a ballot's ciphertexts, one per question, permuted together."""

_G_TABLE = FixedBase(Point.generator())


@dataclass(frozen=True, slots=True)
class ShuffleGenerators:
    """``H`` (the start of the commitment chain) and ``H_0 .. H_{N-1}`` (one per row)."""

    chain: Point
    rows: tuple[Point, ...]


def chain_generator(context: bytes) -> Point:
    """``H``: the start of the commitment chain."""
    return hash_to_group(GENERATOR_DOMAIN, encode_fields(context, b"chain"))


def row_generator(context: bytes, index: int) -> Point:
    """``H_i``: the generator of row ``index`` (it does not depend on the number of rows)."""
    return hash_to_group(GENERATOR_DOMAIN, encode_fields(context, b"row", index.to_bytes(8, "big")))


def shuffle_generators(context: bytes, count: int) -> ShuffleGenerators:
    """The independent generators of a shuffle of ``count`` rows under ``context`` (RFC 9380
    hash-to-group: no one knows a relation between them or with ``G``)."""
    return ShuffleGenerators(
        chain_generator(context), tuple(row_generator(context, i) for i in range(count))
    )


@dataclass(frozen=True, slots=True)
class ShuffleStatement:
    """``outputs`` is a permutation of ``inputs`` with every ciphertext of column ``k``
    re-encrypted under ``keys[k]``; ``context`` (for a record: the election fingerprint and
    the mix's position) names the shuffle and derives its generators."""

    keys: tuple[Point, ...]
    context: bytes
    inputs: tuple[Row, ...]
    outputs: tuple[Row, ...]

    @property
    def width(self) -> int:
        """The number of ciphertexts per row (of the first input row)."""
        return len(self.inputs[0]) if self.inputs else 0

    def check_shape(self) -> None:
        """``ProofError`` unless inputs and outputs are as many rows (at least one), each of
        the same width (at least one)."""
        n, w = len(self.inputs), self.width
        if n == 0:
            raise ProofError("shuffle.inputs: no rows")
        if w == 0:
            raise ProofError("shuffle.inputs[0]: no ciphertexts")
        if len(self.keys) != w:
            raise ProofError(f"shuffle.keys: {len(self.keys)} keys for {w} columns")
        if len(self.outputs) != n:
            raise ProofError(f"shuffle.outputs: {len(self.outputs)} rows for {n} input rows")
        for name, rows in (("inputs", self.inputs), ("outputs", self.outputs)):
            for i, row in enumerate(rows):
                if len(row) != w:
                    raise ProofError(f"shuffle.{name}[{i}]: {len(row)} ciphertexts, not {w}")


@dataclass(frozen=True, slots=True)
class ShuffleWitness:
    """The secret of a shuffle: output row ``i`` is input row ``permutation[i]`` re-encrypted
    with ``nonces[i][k]`` in column ``k``."""

    permutation: tuple[int, ...]
    nonces: tuple[tuple[Scalar, ...], ...]


@dataclass(frozen=True, slots=True)
class ShuffleNonces:
    """The prover's random values (spec names): ``r`` and ``r_chain`` open the permutation and
    chain commitments; the ``w_*`` are the sigma protocol's nonces."""

    r: tuple[Scalar, ...]
    r_chain: tuple[Scalar, ...]
    w_sum: Scalar
    w_product: Scalar
    w_weighted: Scalar
    w_reencryption: tuple[Scalar, ...]
    w_chain: tuple[Scalar, ...]
    w_permuted: tuple[Scalar, ...]


_POINT_LISTS: Final = ("permutation", "chain", "t_chain")
_SCALAR_LISTS: Final = ("s_chain", "s_permuted")
_MEMBERS: Final = frozenset(
    {
        "permutation",
        "chain",
        "t_sum",
        "t_product",
        "t_weighted",
        "t_reencryption",
        "t_chain",
        "s_sum",
        "s_product",
        "s_weighted",
        "s_reencryption",
        "s_chain",
        "s_permuted",
    }
)


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    """Commitments (``permutation``, ``chain``, the ``t_*``) and responses (the ``s_*``)."""

    permutation: tuple[Point, ...]
    chain: tuple[Point, ...]
    t_sum: Point
    t_product: Point
    t_weighted: Point
    t_reencryption: tuple[Ciphertext, ...]
    t_chain: tuple[Point, ...]
    s_sum: Scalar
    s_product: Scalar
    s_weighted: Scalar
    s_reencryption: tuple[Scalar, ...]
    s_chain: tuple[Scalar, ...]
    s_permuted: tuple[Scalar, ...]

    def challenge(self, seed: bytes) -> Scalar:
        """``c`` of the spec for this proof's commitments after ``seed``."""
        return proof_challenge(
            seed,
            self.chain,
            self.t_sum,
            self.t_product,
            self.t_weighted,
            self.t_reencryption,
            self.t_chain,
        )

    def responses(self) -> list[Scalar]:
        """Every response, in the order of the batch transcripts."""
        return [
            self.s_sum,
            self.s_product,
            self.s_weighted,
            *self.s_reencryption,
            *self.s_chain,
            *self.s_permuted,
        ]

    def to_json(self) -> dict[str, Any]:
        """The proof's JSON object (spec section "Proof JSON")."""
        return {
            "permutation": [p.hex() for p in self.permutation],
            "chain": [p.hex() for p in self.chain],
            "t_sum": self.t_sum.hex(),
            "t_product": self.t_product.hex(),
            "t_weighted": self.t_weighted.hex(),
            "t_reencryption": [ct.to_json() for ct in self.t_reencryption],
            "t_chain": [p.hex() for p in self.t_chain],
            "s_sum": self.s_sum.hex(),
            "s_product": self.s_product.hex(),
            "s_weighted": self.s_weighted.hex(),
            "s_reencryption": [s.hex() for s in self.s_reencryption],
            "s_chain": [s.hex() for s in self.s_chain],
            "s_permuted": [s.hex() for s in self.s_permuted],
        }

    @staticmethod
    def from_json(obj: Any, *, rows: int, width: int, field: str = "proof") -> ShuffleProof:
        """Parse ``to_json`` output for a shuffle of ``rows`` rows of ``width`` ciphertexts:
        exactly the spec's members, lists of the right lengths, canonical encodings; errors
        (``CryptoInputError``) name the member."""
        data = get_object(obj, field)
        extra = sorted(set(data) - _MEMBERS)
        if extra:
            raise CryptoInputError(f"{field}.{extra[0]}", "not a member of a shuffle proof")
        for name in sorted(_MEMBERS - set(data)):
            raise CryptoInputError(f"{field}.{name}", "missing")

        def items(name: str, length: int) -> list[Any]:
            value = data[name]
            if not isinstance(value, list):
                raise CryptoInputError(f"{field}.{name}", "expected a JSON list")
            if len(value) != length:
                raise CryptoInputError(
                    f"{field}.{name}", f"expected {length} items, got {len(value)}"
                )
            return value

        points = {
            name: tuple(point(v, f"{field}.{name}[{i}]") for i, v in enumerate(items(name, rows)))
            for name in _POINT_LISTS
        }
        scalars = {
            name: tuple(scalar(v, f"{field}.{name}[{i}]") for i, v in enumerate(items(name, rows)))
            for name in _SCALAR_LISTS
        }
        t_reencryption = tuple(
            Ciphertext.from_json(v, field=f"{field}.t_reencryption[{k}]")
            for k, v in enumerate(items("t_reencryption", width))
        )
        s_reencryption = tuple(
            scalar(v, f"{field}.s_reencryption[{k}]")
            for k, v in enumerate(items("s_reencryption", width))
        )
        return ShuffleProof(
            permutation=points["permutation"],
            chain=points["chain"],
            t_sum=point(data["t_sum"], f"{field}.t_sum"),
            t_product=point(data["t_product"], f"{field}.t_product"),
            t_weighted=point(data["t_weighted"], f"{field}.t_weighted"),
            t_reencryption=t_reencryption,
            t_chain=points["t_chain"],
            s_sum=scalar(data["s_sum"], f"{field}.s_sum"),
            s_product=scalar(data["s_product"], f"{field}.s_product"),
            s_weighted=scalar(data["s_weighted"], f"{field}.s_weighted"),
            s_reencryption=s_reencryption,
            s_chain=scalars["s_chain"],
            s_permuted=scalars["s_permuted"],
        )


def rows_to_json(rows: Sequence[Row]) -> list[list[dict[str, str]]]:
    """``[[{"alpha", "beta"}, ...], ...]``: one list per row."""
    return [[ct.to_json() for ct in row] for row in rows]


def rows_from_json(obj: Any, *, field: str = "rows") -> tuple[Row, ...]:
    """Parse ``rows_to_json`` output (every row as wide as the first); errors name the row."""
    if not isinstance(obj, list):
        raise CryptoInputError(field, "expected a JSON list")
    rows: list[Row] = []
    for i, row in enumerate(obj):
        if not isinstance(row, list) or not row:
            raise CryptoInputError(f"{field}[{i}]", "expected a non-empty JSON list")
        if rows and len(row) != len(rows[0]):
            raise CryptoInputError(f"{field}[{i}]", f"expected {len(rows[0])} ciphertexts")
        rows.append(
            tuple(Ciphertext.from_json(ct, field=f"{field}[{i}][{k}]") for k, ct in enumerate(row))
        )
    return tuple(rows)


def _random_below(bound: int, rng: RandomSource) -> int:
    """A uniform integer in ``0 .. bound-1`` by rejection from 8-byte draws."""
    limit = (1 << 64) - (1 << 64) % bound
    while True:
        value = int.from_bytes(rng.random_bytes(8), "big")
        if value < limit:
            return value % bound


def random_permutation(count: int, rng: RandomSource) -> tuple[int, ...]:
    """A uniformly random permutation of ``0 .. count-1`` (Fisher-Yates)."""
    items = list(range(count))
    for i in range(count - 1, 0, -1):
        j = _random_below(i + 1, rng)
        items[i], items[j] = items[j], items[i]
    return tuple(items)


def shuffle_with_nonces(
    keys: Sequence[Point],
    rows: Sequence[Row],
    permutation: Sequence[int],
    nonces: Sequence[Sequence[Scalar]],
) -> tuple[Row, ...]:
    """Output row ``i`` = input row ``permutation[i]``, column ``k`` re-encrypted under
    ``keys[k]`` with ``nonces[i][k]`` (deterministic twin of :func:`shuffle`)."""
    if sorted(permutation) != list(range(len(rows))) or len(nonces) != len(rows):
        raise UsageError("shuffle: a permutation of the rows and one nonce row per row")
    tables = [public_key_table(key) for key in keys]
    out = []
    for i, j in enumerate(permutation):
        row = rows[j]
        if not len(nonces[i]) == len(row) == len(tables):
            raise UsageError("shuffle: one key per column and one nonce per ciphertext")
        out.append(
            tuple(
                Ciphertext(ct.alpha + _G_TABLE.mul(r), ct.beta + table.mul(r))
                for ct, r, table in zip(row, nonces[i], tables, strict=True)
            )
        )
    return tuple(out)


def shuffle(
    keys: Point | Sequence[Point], rows: Sequence[Row], rng: RandomSource
) -> tuple[tuple[Row, ...], ShuffleWitness]:
    """Permute ``rows`` at random and re-encrypt every ciphertext (column ``k`` under
    ``keys[k]``, or every column under ``keys`` when it is one point); returns the output rows
    and the witness the proof needs (keep it secret, then erase it)."""
    width = len(rows[0]) if rows else 0
    columns = (keys,) * width if isinstance(keys, Point) else tuple(keys)
    permutation = random_permutation(len(rows), rng)
    nonces = tuple(tuple(Scalar.random(rng) for _ in row) for row in rows)
    outputs = shuffle_with_nonces(columns, rows, permutation, nonces)
    return outputs, ShuffleWitness(permutation, nonces)


def random_shuffle_nonces(rows: int, width: int, rng: RandomSource) -> ShuffleNonces:
    """Fresh prover nonces for ``rows`` rows of ``width`` ciphertexts."""

    def many(n: int) -> tuple[Scalar, ...]:
        return tuple(Scalar.random(rng) for _ in range(n))

    return ShuffleNonces(
        r=many(rows),
        r_chain=many(rows),
        w_sum=Scalar.random(rng),
        w_product=Scalar.random(rng),
        w_weighted=Scalar.random(rng),
        w_reencryption=many(width),
        w_chain=many(rows),
        w_permuted=many(rows),
    )


def statement_seed(
    statement: ShuffleStatement, generators: ShuffleGenerators, permutation: Sequence[Point]
) -> bytes:
    """``seed`` of the spec: SHA-512 over the whole statement and the permutation commitment."""
    return seed_of_encodings(
        statement.context,
        len(statement.inputs),
        statement.width,
        [key.to_bytes() for key in statement.keys],
        generators.chain.to_bytes(),
        [h.to_bytes() for h in generators.rows],
        [
            p.to_bytes()
            for rows in (statement.inputs, statement.outputs)
            for row in rows
            for ct in row
            for p in (ct.alpha, ct.beta)
        ],
        [c.to_bytes() for c in permutation],
    )


def seed_of_encodings(
    context: bytes,
    rows: int,
    width: int,
    keys: Sequence[bytes],
    chain: bytes,
    generators: Iterable[bytes],
    values: Iterable[bytes],
    permutation: Iterable[bytes],
) -> bytes:
    """:func:`statement_seed` from the 32-byte encodings: the keys, ``H``, the ``H_i``, every
    input then output point (row by row, ``alpha`` before ``beta``), the permutation
    commitment.  For a verifier that hashes a statement it has not decoded (its workers decode
    each part, and refuse a non-canonical encoding).  The fields are hashed as they come
    (``SHA-512(encode_fields(...))`` without the concatenation held): ``generators``,
    ``values`` and ``permutation`` may be generators."""
    head = [STATEMENT_DOMAIN.encode(), context, _GROUP_NAME]
    head += [rows.to_bytes(8, "big"), width.to_bytes(8, "big"), *keys, chain]
    digest = hashlib.sha512()
    for part in chain_iterables(head, generators, values, permutation):
        if not isinstance(part, bytes):
            raise UsageError("seed_of_encodings takes bytes only")
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def permutation_challenge(seed: bytes, index: int) -> Scalar:
    """``u_j = hash_to_scalar(PERMUTATION_DOMAIN, seed, u64(j))``."""
    return hash_to_scalar(PERMUTATION_DOMAIN, seed, index.to_bytes(8, "big"))


def _permutation_challenges(seed: bytes, count: int) -> list[Scalar]:
    return [permutation_challenge(seed, j) for j in range(count)]


def proof_challenge(
    seed: bytes,
    chain: Sequence[Point],
    t_sum: Point,
    t_product: Point,
    t_weighted: Point,
    t_reencryption: Sequence[Ciphertext],
    t_chain: Sequence[Point],
) -> Scalar:
    """``c`` of the spec: binds the seed, the chain and every ``t``."""
    parts = [p.to_bytes() for p in chain]
    parts += [t_sum.to_bytes(), t_product.to_bytes(), t_weighted.to_bytes()]
    parts += [p.to_bytes() for ct in t_reencryption for p in (ct.alpha, ct.beta)]
    parts += [p.to_bytes() for p in t_chain]
    return challenge_of_encodings(seed, parts)


def challenge_of_encodings(seed: bytes, commitments: Sequence[bytes]) -> Scalar:
    """:func:`proof_challenge` from the encodings of the chain, ``t_sum``, ``t_product``,
    ``t_weighted``, ``t_reencryption`` (``alpha``, ``beta`` per column) and ``t_chain``."""
    return hash_to_scalar(CHALLENGE_DOMAIN, seed, *commitments)


def prove_shuffle_with_nonces(
    statement: ShuffleStatement, witness: ShuffleWitness, nonces: ShuffleNonces
) -> ShuffleProof:
    """Deterministic twin of :func:`prove_shuffle` (every multiplication by a secret or a
    value that depends on the permutation runs in constant time)."""
    statement.check_shape()
    n, w = len(statement.inputs), statement.width
    pi = witness.permutation
    if sorted(pi) != list(range(n)) or len(witness.nonces) != n:
        raise UsageError("prove_shuffle: the witness is not a permutation of the rows")
    if len(nonces.r) != n or len(nonces.w_reencryption) != w:
        raise UsageError("prove_shuffle: nonces for another shape")
    gens = shuffle_generators(statement.context, n)
    g = _G_TABLE.mul
    # permutation commitment: c_{pi(i)} = r_{pi(i)}·G + H_i
    permutation: list[Point] = [Point.identity()] * n
    for i, j in enumerate(pi):
        permutation[j] = g(nonces.r[j]) + gens.rows[i]
    seed = statement_seed(statement, gens, permutation)
    u = _permutation_challenges(seed, n)
    u_out = [u[j] for j in pi]  # u'_i = u_{pi(i)}
    # the chain: C_i = r^_i·G + u'_i·C_{i-1}, C_{-1} = H
    chain: list[Point] = []
    previous = gens.chain
    for i in range(n):
        previous = g(nonces.r_chain[i]) + previous * u_out[i]
        chain.append(previous)
    # the secrets the sigma protocol proves knowledge of
    zero = Scalar.from_int(0)
    r_sum = zero
    for r in nonces.r:
        r_sum = r_sum + r
    r_product = zero  # sum_i r^_i · prod_{l>i} u'_l
    for i in range(n):
        r_product = r_product * u_out[i] + nonces.r_chain[i]
    r_weighted = zero
    for j in range(n):
        r_weighted = r_weighted + nonces.r[j] * u[j]
    r_reencryption = []
    for k in range(w):
        total = zero
        for i in range(n):
            total = total + witness.nonces[i][k] * u_out[i]
        r_reencryption.append(total)
    # commitments
    wp = nonces.w_permuted
    t_sum = g(nonces.w_sum)
    t_product = g(nonces.w_product)
    t_weighted = g(nonces.w_weighted) + secret_weighted_sum(gens.rows, wp)
    t_reencryption = []
    for k in range(w):
        column = [row[k] for row in statement.outputs]
        alpha = secret_weighted_sum([ct.alpha for ct in column], wp) - g(nonces.w_reencryption[k])
        beta = secret_weighted_sum([ct.beta for ct in column], wp) - public_key_table(
            statement.keys[k]
        ).mul(nonces.w_reencryption[k])
        t_reencryption.append(Ciphertext(alpha, beta))
    t_chain = []
    previous = gens.chain
    for i in range(n):
        t_chain.append(g(nonces.w_chain[i]) + previous * wp[i])
        previous = chain[i]
    c = proof_challenge(seed, chain, t_sum, t_product, t_weighted, t_reencryption, t_chain)
    return ShuffleProof(
        permutation=tuple(permutation),
        chain=tuple(chain),
        t_sum=t_sum,
        t_product=t_product,
        t_weighted=t_weighted,
        t_reencryption=tuple(t_reencryption),
        t_chain=tuple(t_chain),
        s_sum=nonces.w_sum + c * r_sum,
        s_product=nonces.w_product + c * r_product,
        s_weighted=nonces.w_weighted + c * r_weighted,
        s_reencryption=tuple(
            wk + c * rk for wk, rk in zip(nonces.w_reencryption, r_reencryption, strict=True)
        ),
        s_chain=tuple(wi + c * ri for wi, ri in zip(nonces.w_chain, nonces.r_chain, strict=True)),
        s_permuted=tuple(wi + c * ui for wi, ui in zip(wp, u_out, strict=True)),
    )


def secret_weighted_sum(points: Sequence[Point], secrets: Sequence[Scalar]) -> Point:
    """``sum_i secrets[i]·points[i]`` in constant time (:func:`~referendum.crypto.group.multi_mul`),
    in runs of :data:`SECRET_SUM_RUN` points."""
    total = Point.identity()
    for a in range(0, len(points), SECRET_SUM_RUN):
        total = total + multi_mul(secrets[a : a + SECRET_SUM_RUN], points[a : a + SECRET_SUM_RUN])
    return total


SECRET_SUM_RUN: Final = 1024
"""Points per constant-time multiplication (its tables take about 1.3 KB a point)."""


def prove_shuffle(
    statement: ShuffleStatement, witness: ShuffleWitness, rng: RandomSource
) -> ShuffleProof:
    """Prove that ``statement.outputs`` is ``statement.inputs`` permuted and re-encrypted."""
    nonces = random_shuffle_nonces(len(statement.inputs), statement.width, rng)
    return prove_shuffle_with_nonces(statement, witness, nonces)


def check_proof_shape(statement: ShuffleStatement, proof: ShuffleProof) -> None:
    """``ProofError`` unless the proof's lists have the statement's row count and width."""
    n, w = len(statement.inputs), statement.width
    lengths: Mapping[str, int] = {
        "permutation": len(proof.permutation),
        "chain": len(proof.chain),
        "t_chain": len(proof.t_chain),
        "s_chain": len(proof.s_chain),
        "s_permuted": len(proof.s_permuted),
    }
    for name, length in lengths.items():
        if length != n:
            raise ProofError(f"shuffle.proof.{name}: {length} items for {n} rows")
    for name, length in (
        ("t_reencryption", len(proof.t_reencryption)),
        ("s_reencryption", len(proof.s_reencryption)),
    ):
        if length != w:
            raise ProofError(f"shuffle.proof.{name}: {length} items for {w} columns")


def shuffle_equations(
    statement: ShuffleStatement, proof: ShuffleProof, *, label: str = "shuffle"
) -> list[Equation]:
    """The verification equations of the spec, each ``sum(s·P) == identity``: ``sum``,
    ``product``, ``weighted``, ``reencryption[k].alpha`` and ``.beta``, ``chain[i]``."""
    statement.check_shape()
    check_proof_shape(statement, proof)
    n, w = len(statement.inputs), statement.width
    gens = shuffle_generators(statement.context, n)
    seed = statement_seed(statement, gens, proof.permutation)
    u = _permutation_challenges(seed, n)
    c = proof.challenge(seed)
    # the batch weights hash c and every response: together they fix every term
    responses = proof.responses()
    transcript = hashlib.sha512(
        encode_fields(_WEIGHTS_DOMAIN, c.to_bytes(), *[s.to_bytes() for s in responses])
    ).digest()
    one, minus_one = Scalar.from_int(1), Scalar.from_int(-1)
    minus_c = -c
    base = Point.generator()
    equations: list[Equation] = []

    def add(name: str, terms: list[tuple[Scalar, Point]]) -> None:
        full = f"{label}.{name}"
        equations.append(Equation(full, tuple(terms), transcript + full.encode()))

    # sum:  s_sum·G == t_sum + c·(sum_j c_j - sum_i H_i)
    terms = [(proof.s_sum, base), (minus_one, proof.t_sum)]
    terms += [(minus_c, cj) for cj in proof.permutation]
    terms += [(c, h) for h in gens.rows]
    add("sum", terms)
    # product:  s_product·G == t_product + c·(C_{N-1} - (prod_j u_j)·H)
    u_product = one
    for uj in u:
        u_product = u_product * uj
    add(
        "product",
        [
            (proof.s_product, base),
            (minus_one, proof.t_product),
            (minus_c, proof.chain[-1]),
            (c * u_product, gens.chain),
        ],
    )
    # weighted:  s_weighted·G + sum_i s'_i·H_i == t_weighted + c·sum_j u_j·c_j
    cu = [c * uj for uj in u]
    minus_cu = [-x for x in cu]
    terms = [(proof.s_weighted, base), (minus_one, proof.t_weighted)]
    terms += list(zip(proof.s_permuted, gens.rows, strict=True))
    terms += list(zip(minus_cu, proof.permutation, strict=True))
    add("weighted", terms)
    # reencryption[k]:  sum_i s'_i·out_ik - s4_k·(G, K) == t4_k + c·sum_j u_j·in_jk
    for k in range(w):
        minus_s4 = -proof.s_reencryption[k]
        t4 = proof.t_reencryption[k]
        for part, column_base in (("alpha", base), ("beta", statement.keys[k])):
            terms = [(minus_s4, column_base), (minus_one, getattr(t4, part))]
            terms += [
                (s, getattr(row[k], part))
                for s, row in zip(proof.s_permuted, statement.outputs, strict=True)
            ]
            terms += [
                (x, getattr(row[k], part))
                for x, row in zip(minus_cu, statement.inputs, strict=True)
            ]
            add(f"reencryption[{k}].{part}", terms)
    # chain[i]:  s_chain_i·G + s'_i·C_{i-1} == t_chain_i + c·C_i
    previous = gens.chain
    for i in range(n):
        add(
            f"chain[{i}]",
            [
                (proof.s_chain[i], base),
                (proof.s_permuted[i], previous),
                (minus_one, proof.t_chain[i]),
                (minus_c, proof.chain[i]),
            ],
        )
        previous = proof.chain[i]
    return equations


def verify_shuffle(
    statement: ShuffleStatement, proof: ShuffleProof, *, label: str = "shuffle"
) -> None:
    """Raise ``ProofError`` naming the failing equation unless the proof verifies."""
    verify_equations(shuffle_equations(statement, proof, label=label))
