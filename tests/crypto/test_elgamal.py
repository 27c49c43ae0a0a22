"""Homomorphism and decryption of exponential ElGamal (property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.crypto.elgamal import Ciphertext, DiscreteLog, encrypt
from referendum.crypto.group import GROUP_ORDER, Scalar, base_mul
from referendum.errors import InputError, ProofError

SECRET = Scalar.from_int(0x1234567890ABCDEF)
KEY = base_mul(SECRET)
messages = st.integers(min_value=0, max_value=500)
nonces = st.integers(min_value=0, max_value=GROUP_ORDER - 1)


@settings(max_examples=40, deadline=None)
@given(m1=messages, m2=messages, r1=nonces, r2=nonces)
def test_sum_of_encryptions_is_encryption_of_sum(m1: int, m2: int, r1: int, r2: int) -> None:
    a = encrypt(KEY, m1, Scalar.from_int(r1))
    b = encrypt(KEY, m2, Scalar.from_int(r2))
    assert a + b == encrypt(KEY, m1 + m2, Scalar.from_int(r1 + r2))
    total = a + b
    assert DiscreteLog(1000).solve(total.beta - total.alpha * SECRET) == m1 + m2
    assert a + Ciphertext.zero() == a


def test_discrete_log_bounds() -> None:
    solver = DiscreteLog(50)
    assert [solver.solve(base_mul(Scalar.from_int(m))) for m in (0, 1, 49, 50)] == [0, 1, 49, 50]
    with pytest.raises(ProofError):
        solver.solve(base_mul(Scalar.from_int(51)))


def test_json_round_trip_and_errors() -> None:
    ct = encrypt(KEY, 1, Scalar.from_int(5))
    assert Ciphertext.from_json(ct.to_json()) == ct
    with pytest.raises(InputError) as info:
        Ciphertext.from_json({"alpha": ct.alpha.hex()}, field="tally[3]")
    assert info.value.field == "tally[3].beta"
    with pytest.raises(InputError) as info:
        Ciphertext.from_json({"alpha": ct.alpha.hex().upper(), "beta": ct.beta.hex()})
    assert info.value.field == "ciphertext.alpha"
    with pytest.raises(InputError):
        Ciphertext.from_json([1, 2])
