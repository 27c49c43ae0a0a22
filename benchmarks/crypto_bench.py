"""Micro- and per-ballot benchmarks of the group backend (libdecaf) against libsodium.

Run: ``.venv/bin/python benchmarks/crypto_bench.py [--ballots N]``.  Prints the minimum over
repeats (the least disturbed run) of each operation, in microseconds.  ``run(ballots)``
returns the same figures as a dict (for ``referendum bench``).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import time
from collections.abc import Callable
from typing import Any

from referendum.crypto.ballot import (
    BallotContext,
    EncryptedBallot,
    QuestionShape,
    SignedBallot,
    encrypt_ballot,
    verify_ballot,
    verify_signed_ballot,
    verify_signed_ballots,
)
from referendum.crypto.credentials import (
    Signature,
    derive_credential,
    generate_private_credential,
    sign,
)
from referendum.crypto.elgamal import public_key_table
from referendum.crypto.group import Point, Scalar, base_mul, double_mul_vartime
from referendum.crypto.libsodium import load_libsodium
from referendum.crypto.random import SystemRandom

REPEATS = 7


def best(fn: Callable[[], object], number: int) -> float:
    """Minimum over ``REPEATS`` runs of the mean time of ``number`` calls, in seconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def group_figures(number: int = 300) -> dict[str, dict[str, float]]:
    """Microseconds per operation, per backend."""
    rng = SystemRandom()
    a, b = Scalar.random(rng), Scalar.random(rng)
    p, q = base_mul(Scalar.random(rng)), base_mul(Scalar.random(rng))
    table = public_key_table(p)
    decaf = {
        "point add": best(lambda: p + q, number * 10),
        "variable-base mul": best(lambda: p * a, number),
        "fixed-base mul (generator)": best(lambda: base_mul(a), number),
        "a·G + b·P (vartime)": best(lambda: double_mul_vartime(a, b, p), number),
        "precomputed election-key mul": best(lambda: table.mul(a), number),
        "add + encode": best(lambda: (p + q).to_bytes(), number * 5),
        "decode": best(lambda: Point.from_bytes(p.to_bytes()), number * 5),
    }
    figures = {"libdecaf (cffi API mode)": {k: v * 1e6 for k, v in decaf.items()}}
    lib = load_libsodium()
    if lib is not None:
        pa, pb = p.to_bytes(), q.to_bytes()
        sa, sb = a.to_bytes(), b.to_bytes()
        out, tmp = ctypes.create_string_buffer(32), ctypes.create_string_buffer(32)

        def combo() -> None:
            lib.crypto_scalarmult_ristretto255_base(out, sa)
            lib.crypto_scalarmult_ristretto255(tmp, sb, pa)
            lib.crypto_core_ristretto255_add(out, out.raw, tmp.raw)

        na = {
            "point add": best(lambda: lib.crypto_core_ristretto255_add(out, pa, pb), number * 10),
            "variable-base mul": best(
                lambda: lib.crypto_scalarmult_ristretto255(out, sa, pa), number
            ),
            "fixed-base mul (generator)": best(
                lambda: lib.crypto_scalarmult_ristretto255_base(out, sa), number
            ),
            "a·G + b·P (vartime)": best(combo, number),
            "precomputed election-key mul": best(
                lambda: lib.crypto_scalarmult_ristretto255(out, sa, pa), number
            ),
        }
        figures["libsodium 1.0.18 (ctypes)"] = {k: v * 1e6 for k, v in na.items()}
    return figures


def ballot_figures(ballots: int = 100) -> dict[str, float]:
    """Milliseconds per yes/no/blank ballot (3 options, exactly one mark)."""
    rng = SystemRandom()
    key = base_mul(Scalar.random(rng))
    ctx = BallotContext(bytes(32), key, (QuestionShape(3, 1, 1),))
    secret, public = derive_credential("bench", generate_private_credential(rng))
    binding = public.to_bytes()
    ballot, _ = encrypt_ballot(ctx, [[0, 1, 0]], rng, binding=binding)
    data = ballot.to_json()
    text = json.dumps(data).encode()
    signature = sign(secret, public, text, rng)
    number = max(1, ballots // REPEATS)

    signature_json = signature.to_json()

    def verify_from_json() -> None:
        parsed = EncryptedBallot.from_json(json.loads(text))
        verify_signed_ballot(
            ctx,
            parsed,
            credential=public,
            message=text,
            signature=Signature.from_json(signature_json),
        )

    batch = []
    for i in range(100):
        secret_i, public_i = derive_credential("bench", generate_private_credential(rng))
        ballot_i, _ = encrypt_ballot(ctx, [[0, 0, 1]], rng, binding=public_i.to_bytes())
        text_i = json.dumps(ballot_i.to_json()).encode()
        batch.append(
            SignedBallot(ballot_i, public_i, text_i, sign(secret_i, public_i, text_i, rng), f"b{i}")
        )

    return {
        "encrypt+prove": best(
            lambda: encrypt_ballot(ctx, [[0, 1, 0]], rng, binding=binding), number
        )
        * 1e3,
        "encrypt+prove+sign": best(
            lambda: sign(
                secret,
                public,
                json.dumps(
                    encrypt_ballot(ctx, [[1, 0, 0]], rng, binding=binding)[0].to_json()
                ).encode(),
                rng,
            ),
            number,
        )
        * 1e3,
        "verify (parsed ballot)": best(lambda: verify_ballot(ctx, ballot, binding=binding), number)
        * 1e3,
        "parse + verify proofs and signature": best(verify_from_json, number) * 1e3,
        "verify proofs and signature, batches of 100": best(
            lambda: verify_signed_ballots(ctx, batch), 1
        )
        * 1e3
        / len(batch),
    }


def run(ballots: int = 100) -> dict[str, Any]:
    """All figures: ``{"group_us": {...}, "ballot_ms": {...}}``."""
    return {"group_us": group_figures(), "ballot_ms": ballot_figures(ballots)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=140)
    args = parser.parse_args()
    figures = run(args.ballots)
    for backend, ops in figures["group_us"].items():
        print(backend)
        for name, value in ops.items():
            print(f"  {name:32s} {value:9.2f} µs")
    print("per ballot (yes/no/blank)")
    for name, value in figures["ballot_ms"].items():
        print(f"  {name:40s} {value:7.3f} ms")


if __name__ == "__main__":
    main()
