"""Cross-check the libdecaf group against libsodium's ristretto255 (through ctypes)."""

from __future__ import annotations

import ctypes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from referendum.crypto.group import GROUP_ORDER, Point, Scalar, base_mul, double_mul_vartime
from referendum.crypto.libsodium import load_libsodium
from referendum.errors import EncodingError

SODIUM = load_libsodium()
pytestmark = pytest.mark.skipif(SODIUM is None, reason="libsodium (libsodium23) is not installed")
scalars = st.integers(min_value=1, max_value=GROUP_ORDER - 1)


def sodium_base(n: int) -> bytes:
    assert SODIUM is not None
    out = ctypes.create_string_buffer(32)
    assert SODIUM.crypto_scalarmult_ristretto255_base(out, n.to_bytes(32, "little")) == 0
    return out.raw


def sodium_mul(n: int, point: bytes) -> bytes:
    assert SODIUM is not None
    out = ctypes.create_string_buffer(32)
    assert SODIUM.crypto_scalarmult_ristretto255(out, n.to_bytes(32, "little"), point) == 0
    return out.raw


def sodium_add(p: bytes, q: bytes) -> bytes:
    assert SODIUM is not None
    out = ctypes.create_string_buffer(32)
    assert SODIUM.crypto_core_ristretto255_add(out, p, q) == 0
    return out.raw


def sodium_sub(p: bytes, q: bytes) -> bytes:
    assert SODIUM is not None
    out = ctypes.create_string_buffer(32)
    assert SODIUM.crypto_core_ristretto255_sub(out, p, q) == 0
    return out.raw


def sodium_from_hash(data: bytes) -> bytes:
    assert SODIUM is not None
    out = ctypes.create_string_buffer(32)
    assert SODIUM.crypto_core_ristretto255_from_hash(out, data) == 0
    return out.raw


@settings(max_examples=40, deadline=None)
@given(a=scalars, b=scalars)
def test_multiples_and_sums_match(a: int, b: int) -> None:
    sa, sb = Scalar.from_int(a), Scalar.from_int(b)
    pa = base_mul(sa)
    assert pa.to_bytes() == sodium_base(a)
    pab = pa * sb
    assert pab.to_bytes() == sodium_mul(b, pa.to_bytes())
    pb = base_mul(sb)
    assert (pa + pb).to_bytes() == sodium_add(pa.to_bytes(), pb.to_bytes())
    assert (pa - pb).to_bytes() == sodium_sub(pa.to_bytes(), pb.to_bytes())
    combo = double_mul_vartime(sa, sb, pa)
    assert combo.to_bytes() == sodium_add(sodium_base(a), sodium_mul(b, pa.to_bytes()))


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=64, max_size=64))
def test_element_derivation_matches(data: bytes) -> None:
    assert Point.from_uniform_bytes(data).to_bytes() == sodium_from_hash(data)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=32, max_size=32))
def test_decoding_agrees(data: bytes) -> None:
    assert SODIUM is not None
    sodium_ok = SODIUM.crypto_core_ristretto255_is_valid_point(data) == 1
    try:
        Point.from_bytes(data)
        decaf_ok = True
    except Exception:
        decaf_ok = False
    # libsodium 1.0.18 ignores the top bit, which RFC 9496 requires to be 0 (its A.2
    # vector 00ff..ff is such a case); otherwise both must agree.
    assert decaf_ok == (sodium_ok and not data[31] & 0x80)


def test_libsodium_1_0_18_ignores_the_top_bit_but_we_do_not() -> None:
    assert SODIUM is not None
    data = bytes(31) + b"\x80"
    with pytest.raises(EncodingError):
        Point.from_bytes(data)
    assert SODIUM.crypto_core_ristretto255_is_valid_point(bytes(32)) == 1
