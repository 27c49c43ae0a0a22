"""The two implementations of the group (issue 16): chosen by ``REFERENDUM_GROUP_BACKEND`` or
by what is installed, with a clear error otherwise; the same names; the same bytes for every
operation; RFC 9496's canonical encodings enforced by the portable one itself."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rfc_data import BAD_ENCODINGS, SMALL_MULTIPLES

from referendum.crypto import _group_sodium as portable
from referendum.crypto import _ristretto as ristretto
from referendum.crypto import backend, group
from referendum.errors import BackendError, EncodingError, UsageError

try:
    from referendum.crypto import _group_decaf as fast
except ImportError:  # the libdecaf extension is not built: nothing to compare with
    fast = None

needs_decaf = pytest.mark.skipif(fast is None, reason="the libdecaf extension is not built")
scalars = st.integers(min_value=0, max_value=group.GROUP_ORDER - 1)


def test_choice_by_variable_and_by_what_is_installed() -> None:
    both = lambda name: True  # noqa: E731
    assert backend.choose({}, both) == "decaf"
    assert backend.choose({"REFERENDUM_GROUP_BACKEND": ""}, both) == "decaf"
    assert backend.choose({}, lambda name: name == "sodium") == "sodium"
    assert backend.choose({"REFERENDUM_GROUP_BACKEND": "sodium"}, both) == "sodium"
    assert backend.choose({"REFERENDUM_GROUP_BACKEND": " decaf "}, both) == "decaf"


def test_unknown_or_missing_backends_are_named() -> None:
    with pytest.raises(BackendError, match=r"unknown group backend 'gmp'.*decaf, sodium") as exc:
        backend.choose({"REFERENDUM_GROUP_BACKEND": "gmp"})
    assert exc.value.field == "REFERENDUM_GROUP_BACKEND"
    with pytest.raises(BackendError, match=r"decaf was asked for.*libdecaf-dev"):
        backend.choose({"REFERENDUM_GROUP_BACKEND": "decaf"}, lambda name: name == "sodium")
    with pytest.raises(BackendError, match="PyNaCl"):
        backend.choose({"REFERENDUM_GROUP_BACKEND": "sodium"}, lambda name: name == "decaf")
    with pytest.raises(BackendError, match="no group backend"):
        backend.choose({}, lambda name: False)


def test_the_command_refuses_an_unknown_backend_with_status_2(tmp_path: Path) -> None:
    env = {**os.environ, "REFERENDUM_GROUP_BACKEND": "Decaf2"}
    run = subprocess.run(
        [sys.executable, "-m", "referendum.cli", "verify", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.startswith("error: REFERENDUM_GROUP_BACKEND: unknown group backend")
    assert "Traceback" not in run.stderr


def test_the_slow_backend_says_how_much_slower_and_how_to_get_the_fast_one() -> None:
    assert backend.slow_backend_note("decaf") is None
    note = backend.slow_backend_note("sodium")
    assert note is not None and f"about {backend.PORTABLE_SLOWDOWN:g} times slower" in note
    assert backend.PORTABLE_SLOWDOWN > 1
    assert "libdecaf-dev" in note and "docs/install.md" in note


def _public_api(module: ModuleType) -> dict[str, list[str]]:
    api: dict[str, list[str]] = {}
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value):
            api[name] = sorted(n for n in dir(value) if not n.startswith("_") or n == "__mul__")
        elif callable(value):
            api[name] = list(inspect.signature(value).parameters)
        else:
            api[name] = [repr(value)]
    return api


@needs_decaf
def test_both_implementations_have_the_same_names() -> None:
    assert fast is not None
    fast_api = _public_api(fast)
    del fast_api["points_from_buffer"]  # the C batch checker's, decaf only
    fast_api["FixedBase"].remove("table")
    assert _public_api(portable) == fast_api
    assert set(group.__all__) - {"BACKEND"} == set(portable.__all__)


def test_rfc_9496_constants() -> None:
    p, d = ristretto.P, ristretto.D
    assert ristretto.SQRT_M1**2 % p == p - 1
    assert ristretto.SQRT_AD_MINUS_ONE**2 % p == (-d - 1) % p
    assert ristretto.INVSQRT_A_MINUS_D**2 * (-1 - d) % p == 1
    assert (1 - d * d) % p == ristretto.ONE_MINUS_D_SQ
    assert (d - 1) ** 2 % p == ristretto.D_MINUS_ONE_SQ


def test_portable_small_multiples_and_bad_encodings() -> None:
    point = portable.Point.identity()
    for k, encoding in enumerate(SMALL_MULTIPLES):
        assert point.hex() == encoding
        assert portable.base_mul(portable.Scalar.from_int(k)).hex() == encoding
        assert portable.Point.from_hex(encoding) == point
        point = point + portable.Point.generator()
    for encodings in BAD_ENCODINGS.values():
        for encoding in encodings:
            with pytest.raises(EncodingError):
                portable.Point.from_hex(encoding)
    # the top bit set: libsodium 1.0.18's own decoding ignores it, RFC 9496 refuses it
    for encoding in SMALL_MULTIPLES:
        raw = bytearray.fromhex(encoding)
        raw[31] |= 0x80
        with pytest.raises(EncodingError, match="canonical"):
            portable.Point.from_bytes(bytes(raw))


def test_portable_edge_cases() -> None:
    zero, one = portable.Scalar.from_int(0), portable.Scalar.from_int(1)
    g, o = portable.Point.generator(), portable.Point.identity()
    assert (g * zero).is_identity() and (o * one).is_identity() and (-o).is_identity()
    assert portable.base_mul(zero) == o and (g - g) == o and (g + o) == g
    assert portable.double_mul_vartime(one, zero, g) == g
    assert portable.multi_mul_vartime([], []) == o
    assert portable.multi_mul([], []) == o
    with pytest.raises(UsageError):
        zero.inverse()
    with pytest.raises(EncodingError):
        portable.Scalar.from_bytes(portable.GROUP_ORDER.to_bytes(32, "little"))


@needs_decaf
@settings(max_examples=30, deadline=None)
@given(a=scalars, b=scalars, data=st.binary(min_size=64, max_size=64))
def test_same_bytes_for_every_operation(a: int, b: int, data: bytes) -> None:
    assert fast is not None
    results = []
    for impl in (fast, portable):
        sa, sb = impl.Scalar.from_int(a), impl.Scalar.from_int(b)
        pa, h = impl.base_mul(sa), impl.Point.from_uniform_bytes(data)
        pb = impl.FixedBase(h).mul(sb)
        out = [
            pa,
            pb,
            pa + pb,
            pa - pb,
            -pa,
            h * sa,
            impl.double_mul_vartime(sa, sb, h),
            impl.double_mul(h, sa, pb, sb),
            impl.multi_mul_vartime([sa, sb, sa], [h, impl.Point.generator(), pb]),
            impl.multi_mul([sa, sb, sa], [h, impl.Point.generator(), pb]),
            impl.weighted_multi_mul_vartime(
                [h, pb], bytes(range(32)), [sa, sb, sb], [0, 1, 0], [0, 1, 1]
            ),
            impl.select_point(1, pa, pb),
            impl.small_multiple(a % 1000),
            impl.Point.from_bytes(pa.to_bytes()) + h,
        ]
        scalars_out = [sa + sb, sa - sb, sa * sb, -sa, impl.select_scalar(0, sa, sb)]
        if a:
            scalars_out.append(sa.inverse())
        results.append(
            (
                [p.to_bytes() for p in out],
                [s.to_bytes() for s in scalars_out],
                impl.Scalar.from_uniform_bytes(data).to_bytes(),
            )
        )
    assert results[0] == results[1]


@needs_decaf
@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=32, max_size=32))
def test_same_decoding_of_any_32_bytes(data: bytes) -> None:
    assert fast is not None
    outcomes = []
    for impl in (fast, portable):
        try:
            outcomes.append(impl.Point.from_bytes(data).to_bytes())
        except EncodingError:
            outcomes.append(None)
    assert outcomes[0] == outcomes[1]
