"""Baseline: ElectionGuard-style exponential ElGamal in a 4096-bit prime field (gmpy2).

The same per-ballot work as ``crypto_bench.py`` for a yes/no/blank question (3 options,
exactly one mark): encrypt each option, prove each is 0 or 1 (disjunctive Chaum-Pedersen),
prove the options add up to 1; then verify all of it.  The parameters are ElectionGuard 1.x's
standard ones (ElectionGuard specification, "Baseline parameters": ``q = 2^256 - 189``, a
4096-bit ``p`` with ``q | p - 1``, ``g = 2^((p-1)/q) mod p``), checked on import.  Plain
``gmpy2.powmod`` throughout (no fixed-base tables), Fiat-Shamir with SHA-256 over
length-prefixed big-endian encodings.

``run(ballots)`` returns per-ballot times in milliseconds, so that ``referendum bench`` can
print ratios; ``python benchmarks/modp_baseline.py`` prints them.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import time
from typing import Any

import gmpy2

Q = 2**256 - 189
P = gmpy2.mpz(
    "1044388881413152506691752710716624382579964249047383780384233483283953907971553643537729993126875883902173634017777416360502926082946377942955704498542097614841825246773580689398386320439747911160897731551074903967243883427132918813748016269754522343505285898816777211761912392772914485521155521641049273446207578961939840619466145806859275053476560973295158703823395710210329314709715239251736552384080845836048778667318931418338422443891025911884723433084701207771901944593286624979917391350564662632723703007964229849154756196890615252286533089643184902706926081744149289517418249153634178342075381874131646013444796894582106870531535803666254579602632453103741452569793905551901541856173251385047414840392753585581909950158046256810542678368121278509960520957624737942914600310646609792665012858397381435755902851312071248102599442308951327039250818892493767423329663783709190716162023529669217300939783171415808233146823000766917789286154006042281423733706462905243774854543127239500245873582012663666430583862778167369547603016344242729592244544608279405999759391099769165589722584216017468464576217318557948461765770700913220460557598574717173408252913596242281190298966500668625620138188265530628036538314433100326660047110143"
)
G = gmpy2.powmod(2, (P - 1) // Q, P)
assert P.bit_length() == 4096 and (P - 1) % Q == 0 and gmpy2.powmod(G, Q, P) == 1 and G != 1

OPTIONS = 3
_BYTES = 512


def _hash(*values: Any) -> gmpy2.mpz:
    data = b"".join(
        len(b).to_bytes(8, "big") + b
        for b in (int(v).to_bytes(_BYTES, "big") if not isinstance(v, bytes) else v for v in values)
    )
    return gmpy2.mpz(int.from_bytes(hashlib.sha256(data).digest(), "big")) % Q


def _random() -> gmpy2.mpz:
    return gmpy2.mpz(secrets.randbelow(Q))


def _inverse(x: gmpy2.mpz) -> gmpy2.mpz:
    return gmpy2.invert(x, P)


def encrypt(key: gmpy2.mpz, m: int, r: gmpy2.mpz) -> tuple[gmpy2.mpz, gmpy2.mpz]:
    return gmpy2.powmod(G, r, P), gmpy2.powmod(G, m, P) * gmpy2.powmod(key, r, P) % P


def prove_range(key, alpha, beta, m, r, lo, hi):  # type: ignore[no-untyped-def]
    """Disjunctive Chaum-Pedersen proof that (alpha, beta) encrypts m in lo..hi."""
    commitments, challenges, responses = [], [], []
    w = _random()
    for j in range(lo, hi + 1):
        if j == m:
            commitments.append((gmpy2.powmod(G, w, P), gmpy2.powmod(key, w, P)))
            challenges.append(None)
            responses.append(None)
        else:
            c, z = _random(), _random()
            shifted = beta * _inverse(gmpy2.powmod(G, j, P)) % P
            a = gmpy2.powmod(G, z, P) * _inverse(gmpy2.powmod(alpha, c, P)) % P
            b = gmpy2.powmod(key, z, P) * _inverse(gmpy2.powmod(shifted, c, P)) % P
            commitments.append((a, b))
            challenges.append(c)
            responses.append(z)
    flat = [x for pair in commitments for x in pair]
    total = _hash(key, alpha, beta, lo, hi, *flat)
    real = (total - sum(c for c in challenges if c is not None)) % Q
    k = m - lo
    challenges[k] = real
    responses[k] = (w + real * r) % Q
    return commitments, challenges, responses


def verify_range(key, alpha, beta, lo, hi, proof) -> bool:  # type: ignore[no-untyped-def]
    commitments, challenges, responses = proof
    flat = [x for pair in commitments for x in pair]
    if sum(challenges) % Q != _hash(key, alpha, beta, lo, hi, *flat):
        return False
    for j, (a, b), c, z in zip(range(lo, hi + 1), commitments, challenges, responses, strict=True):
        shifted = beta * _inverse(gmpy2.powmod(G, j, P)) % P
        if gmpy2.powmod(G, z, P) != a * gmpy2.powmod(alpha, c, P) % P:
            return False
        if gmpy2.powmod(key, z, P) != b * gmpy2.powmod(shifted, c, P) % P:
            return False
    return True


def encrypt_ballot(key: gmpy2.mpz, marks: list[int]) -> list[Any]:
    selections = []
    nonce_sum = gmpy2.mpz(0)
    alpha_sum, beta_sum = gmpy2.mpz(1), gmpy2.mpz(1)
    for m in marks:
        r = _random()
        alpha, beta = encrypt(key, m, r)
        selections.append((alpha, beta, prove_range(key, alpha, beta, m, r, 0, 1)))
        nonce_sum = (nonce_sum + r) % Q
        alpha_sum, beta_sum = alpha_sum * alpha % P, beta_sum * beta % P
    count = prove_range(key, alpha_sum, beta_sum, sum(marks), nonce_sum, 1, 1)
    return [selections, count]


def verify_ballot(key: gmpy2.mpz, ballot: list[Any]) -> bool:
    selections, count = ballot
    alpha_sum, beta_sum = gmpy2.mpz(1), gmpy2.mpz(1)
    for alpha, beta, proof in selections:
        if not verify_range(key, alpha, beta, 0, 1, proof):
            return False
        alpha_sum, beta_sum = alpha_sum * alpha % P, beta_sum * beta % P
    return verify_range(key, alpha_sum, beta_sum, 1, 1, count)


def run(ballots: int = 10) -> dict[str, Any]:
    """Per-ballot milliseconds for encrypt+prove and verify of ``ballots`` ballots."""
    key = gmpy2.powmod(G, _random(), P)
    marks = [[1 if o == b % OPTIONS else 0 for o in range(OPTIONS)] for b in range(ballots)]
    start = time.perf_counter()
    encrypted = [encrypt_ballot(key, m) for m in marks]
    encrypt_ms = (time.perf_counter() - start) / ballots * 1e3
    start = time.perf_counter()
    ok = all(verify_ballot(key, b) for b in encrypted)
    verify_ms = (time.perf_counter() - start) / ballots * 1e3
    if not ok:
        raise AssertionError("baseline ballot failed to verify")
    return {
        "group": "ElectionGuard 1.x 4096-bit MODP (gmpy2.powmod)",
        "ballots": ballots,
        "encrypt_prove_ms": encrypt_ms,
        "verify_ms": verify_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=10)
    figures = run(parser.parse_args().ballots)
    print(f"{figures['group']}, {figures['ballots']} ballots (yes/no/blank)")
    print(f"  encrypt+prove  {figures['encrypt_prove_ms']:8.2f} ms per ballot")
    print(f"  verify         {figures['verify_ms']:8.2f} ms per ballot")


if __name__ == "__main__":
    main()
