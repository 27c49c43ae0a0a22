"""The shuffle and its proof made in ranges of rows, so that worker processes share them.

:func:`mix_in_ranges` makes the same mix and the same proof, to the byte, as
:func:`~referendum.crypto.proofs.shuffle.shuffle` then
:func:`~referendum.crypto.proofs.shuffle.prove_shuffle` drawing from the same ``rng`` in the
same order (``tests/crypto/test_shuffle_prover.py`` compares them), but:

- **rows travel as their encodings** (64 bytes a ciphertext, ``alpha`` then ``beta``): the
  caller hands the input rows encoded and gets the output rows, the commitments and the
  responses back packed (:class:`Packed`), so a mix of a million rows is held in a few
  hundred megabytes where decoded points would take gigabytes (about 530 bytes a point);
- **the work runs in tasks of** :data:`ROWS_PER_TASK` **output rows** through ``pool`` (the
  builtin ``map``, or a pool of this machine's processes: the tasks carry the permutation and
  the nonces, which are secret);
- **the commitment chain is computed from fixed bases.**  The spec's chain is
  ``C_i = r^_i·G + u'_i·C_{i-1}`` with ``C_{-1} = H``, a recurrence over the rows.  Unrolled,
  ``C_i = R_i·G + U_i·H`` with ``R_i = r^_i + u'_i·R_{i-1}`` (``R_{-1} = 0``) and
  ``U_i = u'_0·...·u'_i`` (``U_{-1} = 1``): scalars, whose values at the start of each range
  follow from each range's own product and partial sum (a scan over the ranges in the parent),
  after which every row is independent and costs two fixed-base multiplications instead of
  a fixed-base and a variable-base one.  Likewise
  ``t^_i = w^_i·G + w'_i·C_{i-1} = (w^_i + w'_i·R_{i-1})·G + (w'_i·U_{i-1})·H``.  ``R_{N-1}``
  is the response's ``r_product``.

The phases: (1) each task re-encrypts its output rows, commits to the permutation at those
rows' sources and adds its share of ``t_weighted`` and ``t_reencryption``; (2) the parent
hashes the statement's seed; (3) each task derives its rows' ``u'_i`` and its share of the
scalar sums; (4) the parent scans the ranges; (5) each task makes its rows' chain and ``t^``;
(6) the parent hashes the challenge and makes the responses.  Every multiplication by a
secret runs in constant time, as in the reference prover.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, overload

from referendum.crypto.elgamal import Ciphertext, public_key_table
from referendum.crypto.group import FixedBase, Point, Scalar
from referendum.crypto.proofs.shuffle import (
    Row,
    ShuffleProof,
    chain_generator,
    challenge_of_encodings,
    permutation_challenge,
    random_permutation,
    row_generator,
    secret_weighted_sum,
    seed_of_encodings,
)
from referendum.crypto.random import RandomSource
from referendum.errors import UsageError

__all__ = [
    "ROWS_PER_TASK",
    "ROW_LISTS",
    "EncodedMix",
    "EncodedProof",
    "Packed",
    "Pool",
    "decode_row",
    "encode_rows",
    "mix_in_ranges",
    "row_bytes",
    "row_json",
]

ROWS_PER_TASK: Final = 512
"""Output rows a task of the prover works on."""

Pool = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]
"""Maps a function over tasks (the builtin ``map``; or a pool of local worker processes,
``referendum.verify.partition.ProcessRunner.map``) and yields the results in order.  The
proving tasks carry secrets (a mix's permutation and nonces, the tallying authority's key):
a pool of this machine's processes only, never a cluster."""

_G = Point.generator()
_G_TABLE = FixedBase(_G)
_ZERO = Scalar.from_int(0)
_ONE = Scalar.from_int(1)


class Packed(Sequence[bytes]):
    """Items of ``size`` bytes each, packed in one ``bytes``: a row's encodings (``64·width``)
    or a point's or scalar's (32)."""

    __slots__ = ("data", "size")

    def __init__(self, data: bytes, size: int) -> None:
        if size <= 0 or len(data) % size:
            raise UsageError(f"Packed: {len(data)} bytes are not items of {size}")
        self.data = data
        self.size = size

    def __len__(self) -> int:
        return len(self.data) // self.size

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        size = self.size
        if isinstance(index, slice):
            return [self.data[size * i : size * i + size] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.data[size * index : size * index + size]

    def run(self, start: int, end: int) -> bytes:
        """Items ``start .. end-1`` as one ``bytes``."""
        return self.data[self.size * start : self.size * end]


def encode_rows(rows: Iterable[Row]) -> Packed:
    """Rows of ciphertexts as one :class:`Packed` (every row as wide as the first)."""
    encoded = [row_bytes(row) for row in rows]
    if not encoded:
        raise UsageError("encode_rows: no rows")
    size = len(encoded[0])
    if any(len(row) != size for row in encoded):
        raise UsageError("encode_rows: rows of different widths")
    return Packed(b"".join(encoded), size)


ROW_LISTS: Final = ("permutation", "chain", "t_chain", "s_chain", "s_permuted")
"""The proof's lists of one item a row."""


def _hex_list(items: Packed) -> list[str]:
    return [item.hex() for item in items]


@dataclass(frozen=True, slots=True)
class EncodedProof:
    """A :class:`~referendum.crypto.proofs.shuffle.ShuffleProof` as its encodings."""

    permutation: Packed
    chain: Packed
    t_sum: bytes
    t_product: bytes
    t_weighted: bytes
    t_reencryption: tuple[tuple[bytes, bytes], ...]
    t_chain: Packed
    s_sum: bytes
    s_product: bytes
    s_weighted: bytes
    s_reencryption: tuple[bytes, ...]
    s_chain: Packed
    s_permuted: Packed

    def head_json(self) -> dict[str, Any]:
        """The proof's JSON members that are not one item a row."""
        return {
            "t_sum": self.t_sum.hex(),
            "t_product": self.t_product.hex(),
            "t_weighted": self.t_weighted.hex(),
            "t_reencryption": [{"alpha": a.hex(), "beta": b.hex()} for a, b in self.t_reencryption],
            "s_sum": self.s_sum.hex(),
            "s_product": self.s_product.hex(),
            "s_weighted": self.s_weighted.hex(),
            "s_reencryption": [s.hex() for s in self.s_reencryption],
        }

    def to_json(self) -> dict[str, Any]:
        """The same JSON as ``ShuffleProof.to_json`` (spec section "Proof JSON")."""
        lists = {name: _hex_list(getattr(self, name)) for name in ROW_LISTS}
        return {**lists, **self.head_json()}

    def decode(self) -> ShuffleProof:
        """The proof as points and scalars."""

        def points(items: Packed) -> tuple[Point, ...]:
            return tuple(Point.from_bytes(p) for p in items)

        def scalars(items: Iterable[bytes]) -> tuple[Scalar, ...]:
            return tuple(Scalar.from_bytes(s) for s in items)

        return ShuffleProof(
            permutation=points(self.permutation),
            chain=points(self.chain),
            t_sum=Point.from_bytes(self.t_sum),
            t_product=Point.from_bytes(self.t_product),
            t_weighted=Point.from_bytes(self.t_weighted),
            t_reencryption=tuple(
                Ciphertext(Point.from_bytes(a), Point.from_bytes(b)) for a, b in self.t_reencryption
            ),
            t_chain=points(self.t_chain),
            s_sum=Scalar.from_bytes(self.s_sum),
            s_product=Scalar.from_bytes(self.s_product),
            s_weighted=Scalar.from_bytes(self.s_weighted),
            s_reencryption=scalars(self.s_reencryption),
            s_chain=scalars(self.s_chain),
            s_permuted=scalars(self.s_permuted),
        )


@dataclass(frozen=True, slots=True)
class EncodedMix:
    """A mix's output rows (packed), its permutation (output row ``i`` is input row
    ``permutation[i]``: secret, the witness) and its proof."""

    outputs: Packed
    permutation: tuple[int, ...]
    proof: EncodedProof

    def output_rows(self) -> tuple[Row, ...]:
        """The output rows decoded."""
        return tuple(decode_row(row) for row in self.outputs)


def row_bytes(row: Row) -> bytes:
    """A row's encodings: each ciphertext's ``to_bytes``, in order."""
    return b"".join(ct.to_bytes() for ct in row)


def decode_row(raw: bytes) -> Row:
    """The row whose encodings are ``raw`` (:func:`row_bytes`)."""
    return tuple(Ciphertext.from_bytes(raw[k : k + 64]) for k in range(0, len(raw), 64))


def row_json(raw: bytes) -> list[dict[str, str]]:
    """The JSON of the row whose encodings are ``raw``, without decoding a point."""
    return [Ciphertext.json_of_bytes(raw[k : k + 64]) for k in range(0, len(raw), 64)]


def _scalars(raw: bytes) -> list[Scalar]:
    return [Scalar.from_bytes(raw[i : i + 32]) for i in range(0, len(raw), 32)]


def _draw(rng: RandomSource, count: int) -> bytes:
    """``count`` scalars drawn as ``Scalar.random`` draws them, packed."""
    return b"".join(Scalar.random(rng).to_bytes() for _ in range(count))


# -- phase 1: re-encryption, the permutation commitment, t_weighted and t_reencryption ----


@dataclass(frozen=True, slots=True)
class _Commit:
    keys: tuple[bytes, ...]
    context: bytes
    start: int
    sources: bytes  # the input rows of output rows start.., packed
    mix_nonces: bytes  # one scalar a ciphertext of those rows
    r: bytes  # r_{pi(i)}: the commitment nonce at each row's source
    w_permuted: bytes


@dataclass(frozen=True, slots=True)
class _Committed:
    outputs: bytes
    generators: bytes  # H_i of the task's rows
    commitments: bytes  # r_{pi(i)}·G + H_i, at position pi(i)
    t_weighted: bytes  # sum w'_i·H_i
    t_reencryption: bytes  # per column: sum w'_i·alpha'_i, sum w'_i·beta'_i
    r_sum: bytes


def _commit(task: _Commit) -> _Committed:
    width = len(task.keys)
    tables = [public_key_table(Point.from_bytes(k)) for k in task.keys]
    rows = len(task.r) // 32
    nonces = _scalars(task.mix_nonces)
    r = _scalars(task.r)
    wp = _scalars(task.w_permuted)
    outputs: list[bytes] = []
    columns: list[list[Point]] = [[] for _ in range(2 * width)]
    generators: list[Point] = []
    commitments: list[bytes] = []
    r_sum = _ZERO
    src = task.sources
    for i in range(rows):
        row = src[64 * width * i : 64 * width * (i + 1)]
        for k in range(width):
            s = nonces[width * i + k]
            alpha = Point.from_bytes(row[64 * k : 64 * k + 32]) + _G_TABLE.mul(s)
            beta = Point.from_bytes(row[64 * k + 32 : 64 * k + 64]) + tables[k].mul(s)
            columns[2 * k].append(alpha)
            columns[2 * k + 1].append(beta)
            outputs.append(alpha.to_bytes())
            outputs.append(beta.to_bytes())
        h = row_generator(task.context, task.start + i)
        generators.append(h)
        commitments.append((_G_TABLE.mul(r[i]) + h).to_bytes())
        r_sum = r_sum + r[i]
    return _Committed(
        outputs=b"".join(outputs),
        generators=b"".join(h.to_bytes() for h in generators),
        commitments=b"".join(commitments),
        t_weighted=secret_weighted_sum(generators, wp).to_bytes(),
        t_reencryption=b"".join(secret_weighted_sum(c, wp).to_bytes() for c in columns),
        r_sum=r_sum.to_bytes(),
    )


# -- phase 3: the challenges of the task's rows and its share of the scalar sums ---------


@dataclass(frozen=True, slots=True)
class _Challenges:
    seed: bytes
    sources: tuple[int, ...]  # pi(i) of the task's rows
    mix_nonces: bytes
    r: bytes
    r_chain: bytes


@dataclass(frozen=True, slots=True)
class _Challenged:
    u_out: bytes  # u'_i = u_{pi(i)}
    product: bytes  # prod of the task's u'_i
    r_chain_end: bytes  # R at the task's last row, from R = 0 before its first
    r_weighted: bytes  # sum r_{pi(i)}·u'_i
    r_reencryption: bytes  # per column: sum nonce_{i,k}·u'_i


def _challenges(task: _Challenges) -> _Challenged:
    rows = len(task.sources)
    width = len(task.mix_nonces) // 32 // rows
    nonces = _scalars(task.mix_nonces)
    r = _scalars(task.r)
    r_chain = _scalars(task.r_chain)
    u_out = [permutation_challenge(task.seed, j) for j in task.sources]
    product, chain, weighted = _ONE, _ZERO, _ZERO
    reencryption = [_ZERO] * width
    for i, u in enumerate(u_out):
        product = product * u
        chain = chain * u + r_chain[i]
        weighted = weighted + r[i] * u
        for k in range(width):
            reencryption[k] = reencryption[k] + nonces[width * i + k] * u
    return _Challenged(
        u_out=b"".join(u.to_bytes() for u in u_out),
        product=product.to_bytes(),
        r_chain_end=chain.to_bytes(),
        r_weighted=weighted.to_bytes(),
        r_reencryption=b"".join(x.to_bytes() for x in reencryption),
    )


# -- phase 5: the chain and t^ of the task's rows ----------------------------------------


@dataclass(frozen=True, slots=True)
class _Chain:
    chain_generator: bytes
    r_before: bytes  # R_{start-1}
    u_before: bytes  # U_{start-1}
    u_out: bytes
    r_chain: bytes
    w_chain: bytes
    w_permuted: bytes


def _chain(task: _Chain) -> tuple[bytes, bytes]:
    h = public_key_table(Point.from_bytes(task.chain_generator))
    big_r = Scalar.from_bytes(task.r_before)
    big_u = Scalar.from_bytes(task.u_before)
    chain: list[bytes] = []
    t_chain: list[bytes] = []
    for u, r_hat, w_hat, wp in zip(
        _scalars(task.u_out),
        _scalars(task.r_chain),
        _scalars(task.w_chain),
        _scalars(task.w_permuted),
        strict=True,
    ):
        t_chain.append((_G_TABLE.mul(w_hat + wp * big_r) + h.mul(wp * big_u)).to_bytes())
        big_r = r_hat + u * big_r
        big_u = u * big_u
        chain.append((_G_TABLE.mul(big_r) + h.mul(big_u)).to_bytes())
    return b"".join(chain), b"".join(t_chain)


# -- the whole ----------------------------------------------------------------------------


def _ranges(count: int, size: int) -> list[tuple[int, int]]:
    return [(a, min(a + size, count)) for a in range(0, count, size)]


def _gather(items: bytes, size: int, indices: Iterable[int]) -> bytes:
    return b"".join(items[size * j : size * j + size] for j in indices)


def _sum_points(parts: Iterable[bytes]) -> Point:
    total = Point.identity()
    for part in parts:
        total = total + Point.from_bytes(part)
    return total


def mix_in_ranges(
    keys: Sequence[Point],
    context: bytes,
    inputs: Packed,
    rng: RandomSource,
    pool: Pool = map,
    *,
    rows_per_task: int = ROWS_PER_TASK,
) -> EncodedMix:
    """Permute the rows of ``inputs`` (each ``64·len(keys)`` bytes of encodings) at random,
    re-encrypt column ``k`` under ``keys[k]``, and prove it under ``context``; the work in
    tasks of ``rows_per_task`` rows through ``pool``.  Draws from ``rng`` exactly what
    ``shuffle`` then ``prove_shuffle`` draw, in their order."""
    n, width = len(inputs), len(keys)
    if n == 0 or width == 0:
        raise UsageError("mix_in_ranges: no rows or no columns")
    if inputs.size != 64 * width:
        raise UsageError(f"mix_in_ranges: rows of {inputs.size} bytes for {width} keys")
    # the draws, in the reference's order: shuffle(), then random_shuffle_nonces()
    pi = random_permutation(n, rng)
    mix_nonces = _draw(rng, n * width)
    r = _draw(rng, n)
    r_chain = _draw(rng, n)
    w_sum, w_product, w_weighted = (Scalar.random(rng) for _ in range(3))
    w_reencryption = [Scalar.random(rng) for _ in range(width)]
    w_chain = _draw(rng, n)
    w_permuted = _draw(rng, n)
    key_bytes = tuple(k.to_bytes() for k in keys)
    ranges = _ranges(n, rows_per_task)
    row_size = inputs.size
    r_out = _gather(r, 32, pi)  # r_{pi(i)}: the commitment nonce at output i's source

    # phase 1
    def commits() -> Iterator[_Commit]:
        for a, b in ranges:
            yield _Commit(
                keys=key_bytes,
                context=context,
                start=a,
                sources=_gather(inputs.data, row_size, pi[a:b]),
                mix_nonces=mix_nonces[32 * width * a : 32 * width * b],
                r=r_out[32 * a : 32 * b],
                w_permuted=w_permuted[32 * a : 32 * b],
            )

    outputs: list[bytes] = []
    generators: list[bytes] = []
    by_position = bytearray(32 * n)
    t_weighted_parts: list[bytes] = []
    t_reencryption_parts: list[bytes] = []
    r_sum = _ZERO
    for (a, b), done in zip(ranges, pool(_commit, commits()), strict=True):
        outputs.append(done.outputs)
        generators.append(done.generators)
        for i, j in enumerate(pi[a:b]):
            by_position[32 * j : 32 * j + 32] = done.commitments[32 * i : 32 * i + 32]
        t_weighted_parts.append(done.t_weighted)
        t_reencryption_parts.append(done.t_reencryption)
        r_sum = r_sum + Scalar.from_bytes(done.r_sum)
    packed_outputs = Packed(b"".join(outputs), row_size)
    del outputs
    permutation = Packed(bytes(by_position), 32)
    del by_position
    h = chain_generator(context)

    # phase 2
    seed = seed_of_encodings(
        context,
        n,
        width,
        list(key_bytes),
        h.to_bytes(),
        (g[i : i + 32] for g in generators for i in range(0, len(g), 32)),
        _points_of(inputs, packed_outputs),
        iter(permutation),
    )
    del generators

    # phase 3
    challenged = list(
        pool(
            _challenges,
            (
                _Challenges(
                    seed=seed,
                    sources=pi[a:b],
                    mix_nonces=mix_nonces[32 * width * a : 32 * width * b],
                    r=r_out[32 * a : 32 * b],
                    r_chain=r_chain[32 * a : 32 * b],
                )
                for a, b in ranges
            ),
        )
    )
    mix_nonces = r = r_out = b""  # not needed after: freed
    r_weighted = _ZERO
    r_reencryption = [_ZERO] * width
    for part in challenged:
        r_weighted = r_weighted + Scalar.from_bytes(part.r_weighted)
        for k, x in enumerate(_scalars(part.r_reencryption)):
            r_reencryption[k] = r_reencryption[k] + x

    # phase 4: R and U before each range
    befores: list[tuple[Scalar, Scalar]] = []
    big_r, big_u = _ZERO, _ONE
    for part in challenged:
        befores.append((big_r, big_u))
        product = Scalar.from_bytes(part.product)
        big_r = Scalar.from_bytes(part.r_chain_end) + product * big_r
        big_u = product * big_u
    r_product = big_r
    u_out = b"".join(part.u_out for part in challenged)
    del challenged

    # phase 5
    chain_parts: list[bytes] = []
    t_chain_parts: list[bytes] = []
    for c_part, t_part in pool(
        _chain,
        (
            _Chain(
                chain_generator=h.to_bytes(),
                r_before=rb.to_bytes(),
                u_before=ub.to_bytes(),
                u_out=u_out[32 * a : 32 * b],
                r_chain=r_chain[32 * a : 32 * b],
                w_chain=w_chain[32 * a : 32 * b],
                w_permuted=w_permuted[32 * a : 32 * b],
            )
            for (a, b), (rb, ub) in zip(ranges, befores, strict=True)
        ),
    ):
        chain_parts.append(c_part)
        t_chain_parts.append(t_part)
    chain = Packed(b"".join(chain_parts), 32)
    t_chain = Packed(b"".join(t_chain_parts), 32)
    del chain_parts, t_chain_parts

    # phase 6: the commitments that are not a row's, the challenge, the responses
    t_sum = _G_TABLE.mul(w_sum)
    t_product = _G_TABLE.mul(w_product)
    t_weighted = _G_TABLE.mul(w_weighted) + _sum_points(t_weighted_parts)
    t_reencryption: list[tuple[bytes, bytes]] = []
    for k in range(width):
        alpha = _sum_points(p[64 * k : 64 * k + 32] for p in t_reencryption_parts)
        beta = _sum_points(p[64 * k + 32 : 64 * k + 64] for p in t_reencryption_parts)
        alpha = alpha - _G_TABLE.mul(w_reencryption[k])
        beta = beta - public_key_table(keys[k]).mul(w_reencryption[k])
        t_reencryption.append((alpha.to_bytes(), beta.to_bytes()))
    commitments = [*chain, t_sum.to_bytes(), t_product.to_bytes(), t_weighted.to_bytes()]
    commitments += [p for pair in t_reencryption for p in pair]
    commitments += t_chain
    c = challenge_of_encodings(seed, commitments)
    del commitments
    s_chain = b"".join(
        (w + c * x).to_bytes() for w, x in zip(_scalars(w_chain), _scalars(r_chain), strict=True)
    )
    s_permuted = b"".join(
        (w + c * u).to_bytes() for w, u in zip(_scalars(w_permuted), _scalars(u_out), strict=True)
    )
    proof = EncodedProof(
        permutation=permutation,
        chain=chain,
        t_sum=t_sum.to_bytes(),
        t_product=t_product.to_bytes(),
        t_weighted=t_weighted.to_bytes(),
        t_reencryption=tuple(t_reencryption),
        t_chain=t_chain,
        s_sum=(w_sum + c * r_sum).to_bytes(),
        s_product=(w_product + c * r_product).to_bytes(),
        s_weighted=(w_weighted + c * r_weighted).to_bytes(),
        s_reencryption=tuple(
            (w + c * x).to_bytes() for w, x in zip(w_reencryption, r_reencryption, strict=True)
        ),
        s_chain=Packed(s_chain, 32),
        s_permuted=Packed(s_permuted, 32),
    )
    return EncodedMix(packed_outputs, pi, proof)


def _points_of(*tables: Packed) -> Iterator[bytes]:
    """Every 32-byte encoding of the rows of ``tables``, in order."""
    for table in tables:
        data = table.data
        for i in range(0, len(data), 32):
            yield data[i : i + 32]
