"""Cost of the verifiable shuffle (docs/spec/shuffle.md) per ciphertext: mixing, proving,
verifying (one batched multi-scalar multiplication, then again in ranges of 4,096 rows as
worker processes would, here in one process) and reading the proof's JSON.

Run: ``.venv/bin/python benchmarks/shuffle_bench.py [--rows 1000 10000] [--width 1]``.
Figures are CPU seconds of this process (so other jobs on the machine count less) divided by
the number of ciphertexts (rows times width), in microseconds; each size runs once.
``run(rows, width)`` returns them as a dict.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from referendum.crypto.elgamal import encrypt, public_key_table
from referendum.crypto.group import Scalar, base_mul
from referendum.crypto.proofs.shuffle import (
    ShuffleProof,
    ShuffleStatement,
    prove_shuffle,
    shuffle,
    verify_shuffle,
)
from referendum.crypto.proofs.shuffle_ranges import verify_in_ranges
from referendum.crypto.random import DeterministicRandom


def run(rows: int, width: int = 1) -> dict[str, Any]:
    """Microseconds of CPU per ciphertext for one shuffle of ``rows`` rows of ``width``."""
    rng = DeterministicRandom(b"shuffle bench %d %d" % (rows, width))
    key = base_mul(Scalar.random(rng))
    table = public_key_table(key)
    inputs = tuple(
        tuple(encrypt(table, (i + k) % 2, Scalar.random(rng)) for k in range(width))
        for i in range(rows)
    )
    count = rows * width
    clock = time.process_time
    start = clock()
    outputs, witness = shuffle(key, inputs, rng)
    mixed = clock()
    statement = ShuffleStatement((key,) * width, b"bench", inputs, outputs)
    proof = prove_shuffle(statement, witness, rng)
    proved = clock()
    verify_shuffle(statement, proof)
    verified = clock()
    verify_in_ranges(statement, proof, range_rows=4096)
    ranged = clock()
    text = json.dumps(proof.to_json())
    parsed = ShuffleProof.from_json(json.loads(text), rows=rows, width=width)
    read = clock()
    assert parsed == proof
    return {
        "rows": rows,
        "width": width,
        "shuffle_us": (mixed - start) / count * 1e6,
        "prove_us": (proved - mixed) / count * 1e6,
        "verify_us": (verified - proved) / count * 1e6,
        "verify_in_ranges_us": (ranged - verified) / count * 1e6,
        "read_proof_us": (read - ranged) / count * 1e6,
        "proof_bytes_per_row": len(text) / rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--width", type=int, default=1)
    args = parser.parse_args()
    for rows in args.rows:
        print(json.dumps(run(rows, args.width)))


if __name__ == "__main__":
    main()
