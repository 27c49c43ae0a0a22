"""Private credentials (typable, checksummed), derivation, signatures."""

from __future__ import annotations

import pytest

from referendum.crypto.credentials import (
    ALPHABET,
    Signature,
    derive_credential,
    generate_private_credential,
    normalize_private_credential,
    sign,
    verify_signature,
)
from referendum.crypto.group import Point
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError, ProofError

RNG = DeterministicRandom(b"test-credentials")


def test_format_and_tolerant_reading() -> None:
    private = generate_private_credential(RNG)
    groups = private.split("-")
    assert [len(g) for g in groups] == [4] * 7
    assert set(private.replace("-", "")) <= set(ALPHABET)
    sloppy = private.upper().replace("-", " ").replace("0", "O").replace("1", "L")
    assert normalize_private_credential(sloppy) == private.replace("-", "")[:26]
    assert derive_credential("e", sloppy) == derive_credential("e", private)


def test_every_single_typo_and_adjacent_swap_is_caught() -> None:
    private = generate_private_credential(DeterministicRandom(b"typo")).replace("-", "")
    typos = {private[:i] + ch + private[i + 1 :] for i in range(len(private)) for ch in ALPHABET}
    typos |= {
        private[:i] + private[i + 1] + private[i] + private[i + 2 :]
        for i in range(len(private) - 1)
    }
    typos.discard(private)
    assert len(typos) > 800
    for typed in typos:
        with pytest.raises(InputError) as info:
            normalize_private_credential(typed)
        assert info.value.field == "credential"


@pytest.mark.parametrize("text", ["", "abc", "u" * 28, 42])
def test_malformed_credentials(text: object) -> None:
    with pytest.raises(InputError):
        normalize_private_credential(text)  # type: ignore[arg-type]


def test_derivation_depends_on_election_and_credential() -> None:
    one, two = generate_private_credential(RNG), generate_private_credential(RNG)
    assert one != two
    assert derive_credential("a", one)[1] != derive_credential("b", one)[1]
    assert derive_credential("a", one)[1] != derive_credential("a", two)[1]


def test_signatures() -> None:
    secret, public = derive_credential("e", generate_private_credential(RNG))
    signature = sign(secret, public, b"ballot", RNG)
    verify_signature(public, b"ballot", Signature.from_json(signature.to_json()))
    with pytest.raises(ProofError):
        verify_signature(public, b"ballot2", signature)
    _, other = derive_credential("e", generate_private_credential(RNG))
    with pytest.raises(ProofError):
        verify_signature(other, b"ballot", signature)
    with pytest.raises(ProofError):
        verify_signature(
            public,
            b"ballot",
            Signature(signature.commitment + Point.generator(), signature.response),
        )
    with pytest.raises(InputError):
        Signature.from_json({"commitment": signature.commitment.hex()})
