"""Key generation t of n, complaints naming a bad dealer, threshold decryption."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from referendum.crypto.elgamal import Ciphertext, DiscreteLog, encrypt
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.random import DeterministicRandom
from referendum.crypto.threshold import (
    BadShare,
    Commitments,
    Complaint,
    DecryptionShare,
    EncryptedShare,
    TransportKeyPair,
    check_complaint,
    deal,
    decrypt_with_shares,
    decryption_share,
    generate_transport_key,
    joint_public_key,
    receive_share,
    verification_key,
    verify_decryption_share,
    verify_transport_key,
)
from referendum.errors import ProofError, UsageError

CONTEXT = b"test-election"


def ceremony(
    n: int, t: int, rng: DeterministicRandom
) -> tuple[dict[int, TransportKeyPair], dict[int, Scalar], list[Commitments]]:
    keys = {i: generate_transport_key(i, CONTEXT, rng) for i in range(1, n + 1)}
    for i, k in keys.items():
        verify_transport_key(i, k.public, k.proof, CONTEXT)
    publics = {i: k.public for i, k in keys.items()}
    dealings = {i: deal(i, n, t, rng, transport_keys=publics, context=CONTEXT) for i in keys}
    for d in dealings.values():
        d.commitments.verify(CONTEXT)
    secrets = {}
    for j in keys:
        total = dealings[j].own_share
        for i, d in dealings.items():
            if i != j:
                total = total + receive_share(
                    keys[j], d.shares[j], d.commitments, context=CONTEXT, rng=rng
                )
        secrets[j] = total
    return keys, secrets, [d.commitments for d in dealings.values()]


@pytest.mark.parametrize(("n", "t"), [(3, 2), (4, 3), (1, 1), (5, 2)])
def test_any_t_trustees_decrypt(n: int, t: int) -> None:
    rng = DeterministicRandom(f"dkg-{n}-{t}".encode())
    _, secrets, commitments = ceremony(n, t, rng)
    key = joint_public_key(commitments)
    vks = {j: verification_key(j, commitments) for j in secrets}
    assert all(base_mul(secrets[j]) == vks[j] for j in secrets)
    ct = encrypt(key, 2, Scalar.random(rng)) + encrypt(key, 5, Scalar.random(rng))
    for subset in itertools.combinations(sorted(secrets), t):
        shares = {}
        for j in subset:
            share = decryption_share(
                secrets[j], ct.alpha, index=j, verification_key=vks[j], context=CONTEXT, rng=rng
            )
            verify_decryption_share(share, ct.alpha, vks[j], context=CONTEXT)
            shares[j] = share.share
        assert DiscreteLog(20).solve(decrypt_with_shares(ct, shares)) == 7
    if t > 1:
        fewer = {j: ct.alpha * secrets[j] for j in sorted(secrets)[: t - 1]}
        assert decrypt_with_shares(ct, fewer) != base_mul(Scalar.from_int(7))


def test_bad_share_names_the_dealer_and_the_complaint_convinces_anyone() -> None:
    rng = DeterministicRandom(b"bad-dealer")
    n, t = 3, 2
    keys = {i: generate_transport_key(i, CONTEXT, rng) for i in range(1, n + 1)}
    publics = {i: k.public for i, k in keys.items()}
    dealing = deal(2, n, t, rng, transport_keys=publics, context=CONTEXT)
    honest = dealing.shares[3]
    flipped = bytes([honest.ciphertext[0] ^ 1]) + honest.ciphertext[1:]
    bad = replace(honest, ciphertext=flipped)
    with pytest.raises(BadShare) as info:
        receive_share(keys[3], bad, dealing.commitments, context=CONTEXT, rng=rng)
    assert info.value.dealer == 2
    complaint = Complaint.from_json(info.value.complaint.to_json())
    published = EncryptedShare.from_json(bad.to_json())
    commitments = Commitments.from_json(dealing.commitments.to_json())
    assert check_complaint(complaint, published, commitments, publics[3], context=CONTEXT) == 2
    # the same complaint against the honest share is false
    with pytest.raises(ProofError, match="correct"):
        check_complaint(complaint, honest, commitments, publics[3], context=CONTEXT)
    # a complaint with a forged decryption point does not verify
    forged = replace(complaint, shared=complaint.shared + Point.generator())
    with pytest.raises(ProofError):
        check_complaint(forged, published, commitments, publics[3], context=CONTEXT)


def test_share_inconsistent_with_commitments_is_detected() -> None:
    rng = DeterministicRandom(b"bad-commitments")
    keys = {i: generate_transport_key(i, CONTEXT, rng) for i in range(1, 4)}
    publics = {i: k.public for i, k in keys.items()}
    dealing = deal(1, 3, 2, rng, transport_keys=publics, context=CONTEXT)
    lying = replace(
        dealing.commitments,
        coefficients=(dealing.commitments.coefficients[0], Point.generator()),
    )
    with pytest.raises(BadShare) as info:
        receive_share(keys[2], dealing.shares[2], lying, context=CONTEXT, rng=rng)
    assert info.value.dealer == 1
    assert "commitments" in str(info.value)


def test_commitment_proof_and_transport_proof_are_checked() -> None:
    rng = DeterministicRandom(b"proofs")
    keys = {i: generate_transport_key(i, CONTEXT, rng) for i in range(1, 3)}
    with pytest.raises(ProofError):
        verify_transport_key(2, keys[1].public, keys[1].proof, CONTEXT)
    dealing = deal(1, 2, 2, rng, transport_keys={2: keys[2].public}, context=CONTEXT)
    with pytest.raises(ProofError, match=r"dealer\[1\]"):
        dealing.commitments.verify(b"another election")
    dealing.commitments.verify(CONTEXT, threshold=2)
    with pytest.raises(ProofError, match="threshold"):
        dealing.commitments.verify(CONTEXT, threshold=3)
    with pytest.raises(UsageError):
        deal(1, 3, 2, rng, transport_keys={2: keys[2].public}, context=CONTEXT)
    with pytest.raises(UsageError):
        deal(1, 2, 3, rng, transport_keys={2: keys[2].public}, context=CONTEXT)


def test_wrong_decryption_share_is_rejected_and_named() -> None:
    rng = DeterministicRandom(b"shares")
    _, secrets, commitments = ceremony(3, 2, rng)
    key = joint_public_key(commitments)
    ct = encrypt(key, 1, Scalar.random(rng))
    vk = verification_key(2, commitments)
    share = decryption_share(
        secrets[2], ct.alpha, index=2, verification_key=vk, context=CONTEXT, rng=rng
    )
    again = DecryptionShare.from_json(share.to_json())
    verify_decryption_share(again, ct.alpha, vk, context=CONTEXT)
    wrong = replace(share, share=share.share + Point.generator())
    with pytest.raises(ProofError, match=r"decryption_share\[2\]"):
        verify_decryption_share(wrong, ct.alpha, vk, context=CONTEXT)
    other = Ciphertext(ct.alpha + Point.generator(), ct.beta)
    with pytest.raises(ProofError):
        verify_decryption_share(share, other.alpha, vk, context=CONTEXT)
