"""Deniable revoting's building blocks (docs/spec/coercion.md section 3), run as a tallying
authority would over a small region: ballots with encrypted credentials, dummies, the mix,
pseudonyms and counters, the filter; and the cheats of a tallying authority or a board."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pytest

from referendum.crypto.deniable import (
    DUMMY_TAG,
    REAL_TAG,
    FilterStatement,
    PseudonymKey,
    check_dummy,
    decrypt_counter,
    dummy_choices,
    encrypt_credential,
    prove_credential,
    prove_filter,
    prove_pseudonym,
    verify_counter,
    verify_credential,
    verify_filter,
    verify_pseudonym,
    verify_pseudonym_key,
)
from referendum.crypto.elgamal import Ciphertext, DiscreteLog, encrypt
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.proofs.linear import LinearProof, OrProof
from referendum.crypto.proofs.shuffle import (
    ShuffleStatement,
    prove_shuffle,
    shuffle,
    verify_shuffle,
)
from referendum.crypto.random import DeterministicRandom
from referendum.errors import InputError, ProofError, UsageError

RNG = DeterministicRandom(b"test-deniable")
AUTHORITY = Scalar.random(RNG)  # the tallying authority's secret t
T = base_mul(AUTHORITY)
TRUSTEES = Scalar.random(RNG)  # stands for the trustees' joint secret
K = base_mul(TRUSTEES)
CTX = b"fingerprint|region r1"
DLOG = DiscreteLog(8)


def voter() -> tuple[Scalar, Point]:
    x = Scalar.random(RNG)
    return x, base_mul(x)


def test_the_credential_proof_needs_the_credential() -> None:
    x, c = voter()
    r = Scalar.random(RNG)
    v = encrypt_credential(T, c, r)
    proof = prove_credential(T, v, x, r, CTX, RNG)
    verify_credential(T, v, proof, CTX)
    # a board that knows C but not x cannot make it: any other secret fails
    forged = prove_credential(T, v, Scalar.random(RNG), r, CTX, RNG)
    with pytest.raises(ProofError, match=r"^credential_proof\[1\]"):
        verify_credential(T, v, forged, CTX)
    # bound to the context (another ballot), to the ciphertext and to the authority's key
    with pytest.raises(ProofError):
        verify_credential(T, v, proof, b"another ballot")
    with pytest.raises(ProofError):
        verify_credential(T, encrypt_credential(T, c, Scalar.random(RNG)), proof, CTX)
    with pytest.raises(ProofError):
        verify_credential(K, v, proof, CTX)


def test_proof_json_round_trip_and_malformed() -> None:
    x, c = voter()
    r = Scalar.random(RNG)
    v = encrypt_credential(T, c, r)
    proof = prove_credential(T, v, x, r, CTX, RNG)
    from referendum.crypto.deniable import credential_relation

    relation = credential_relation(T, v)
    assert LinearProof.from_json(proof.to_json(), relation) == proof
    bad = proof.to_json()
    bad["responses"] = bad["responses"][:1]
    with pytest.raises(InputError, match=r"^proof\.responses: expected a list of 2"):
        LinearProof.from_json(bad, relation)


def test_pseudonyms_group_one_credential_and_nothing_else() -> None:
    key = PseudonymKey.create(AUTHORITY, RNG)
    s_point, u_point = key.public
    verify_pseudonym_key(T, s_point, u_point, key.prove_key(T, CTX, RNG), CTX)
    _, c1 = voter()
    _, c2 = voter()
    a = encrypt_credential(T, c1, Scalar.random(RNG))
    b = encrypt_credential(T, c1, Scalar.random(RNG))
    other = encrypt_credential(T, c2, Scalar.random(RNG))
    pa, proof = prove_pseudonym(key, a, CTX, RNG)
    verify_pseudonym(s_point, u_point, a, pa, proof, CTX)
    assert pa == key.pseudonym(b) == c1 * key.s
    assert pa != key.pseudonym(other)
    # another stage's key gives unlinkable pseudonyms
    assert PseudonymKey.create(AUTHORITY, RNG).pseudonym(a) != pa
    # a false pseudonym (the authority merging or splitting groups) is refused
    with pytest.raises(ProofError, match=r"^pseudonym\[0\]"):
        verify_pseudonym(s_point, u_point, other, pa, proof, CTX)
    # a key whose U is not s·T is refused
    wrong = PseudonymKey(key.s, key.u + Scalar.from_int(1))
    with pytest.raises(ProofError, match=r"^pseudonym_key\[0\]"):
        verify_pseudonym_key(T, s_point, wrong.public[1], key.prove_key(T, CTX, RNG), CTX)


def test_counters_open_to_their_value_only() -> None:
    counter = encrypt(T, 41, Scalar.random(RNG))
    opening = decrypt_counter(AUTHORITY, counter, range(30, 50), CTX, RNG)
    assert opening.value == 41
    verify_counter(T, counter, opening, CTX)
    lie = type(opening)(42, opening.factor, opening.proof)
    with pytest.raises(ProofError, match="does not decrypt to the value"):
        verify_counter(T, counter, lie, CTX)
    with pytest.raises(ProofError, match=r"^counter\[0\]"):
        shifted = opening.factor + base_mul(Scalar.from_int(1))
        verify_counter(T, counter, type(opening)(41, shifted, opening.proof), CTX)


def test_dummies_are_publicly_dummies() -> None:
    check_dummy(DUMMY_TAG, dummy_choices(3))
    with pytest.raises(ProofError, match=r"^dummy\.tag"):
        check_dummy(REAL_TAG, dummy_choices(3))
    with pytest.raises(ProofError, match=r"^dummy\.choices\[1\]"):
        check_dummy(DUMMY_TAG, (REAL_TAG, encrypt(K, 1, Scalar.from_int(0)), REAL_TAG))


@dataclass
class Row:
    voter: Ciphertext
    counter: Ciphertext
    tag: Ciphertext
    choice: Ciphertext

    def cts(self) -> tuple[Ciphertext, ...]:
        return (self.voter, self.counter, self.tag, self.choice)


def region_rows(dummy_above: bool = False) -> list[Row]:
    """Alice votes 1 then (revoting, free of her coercer) 0; Bob votes 1 once; the authority
    pads Bob with one dummy below his ballot and adds a dummy voter of two dummies.  Each
    row's counter is a trivial-then-reencrypted encryption of o_C + k."""
    ballots: list[Row] = []
    offsets = {"alice": 1000, "bob": 5000, "nobody": 9000}
    creds = {name: voter()[1] for name in offsets}

    def row(name: str, counter: int, tag: Ciphertext, vote: int | None) -> Row:
        choice = encrypt(K, vote, Scalar.random(RNG)) if vote is not None else REAL_TAG
        return Row(
            encrypt_credential(T, creds[name], Scalar.random(RNG)),
            encrypt(T, counter, Scalar.random(RNG)),
            tag,
            choice,
        )

    ballots += [row("alice", 1000, REAL_TAG, 1), row("bob", 5000, REAL_TAG, 1)]
    ballots += [row("alice", 1001, REAL_TAG, 0)]
    # dummies (a dummy's tag and choice are the public trivial encryptions)
    bob_dummy = 5001 if dummy_above else 4999
    ballots += [row("bob", bob_dummy, DUMMY_TAG, None)]
    ballots += [row("nobody", 9000, DUMMY_TAG, None), row("nobody", 9001, DUMMY_TAG, None)]
    for r in ballots[3:]:
        check_dummy(r.tag, (r.choice,))
    return ballots


Selected = list[tuple[Ciphertext, ...]]
Filtered = list[tuple[FilterStatement, OrProof]]


def tally(rows: list[Row]) -> tuple[Selected, Filtered]:
    """Mix (voter, counter, tag under T; the choice under K), group, open counters, filter."""
    keys = (T, T, T, K)
    inputs = tuple(r.cts() for r in rows)
    mixed, witness = shuffle(keys, inputs, RNG)
    statement = ShuffleStatement(keys, CTX, inputs, mixed)
    verify_shuffle(statement, prove_shuffle(statement, witness, RNG))
    # group by pseudonym, open counters, filter
    key = PseudonymKey.create(AUTHORITY, RNG)
    s_point, u_point = key.public
    groups: dict[bytes, list[int]] = defaultdict(list)
    counters: dict[int, int] = {}
    for i, (v, counter, _tag, _choice) in enumerate(mixed):
        p, proof = prove_pseudonym(key, v, CTX, RNG)
        verify_pseudonym(s_point, u_point, v, p, proof, CTX)
        groups[p.to_bytes()].append(i)
        opening = decrypt_counter(AUTHORITY, counter, range(0, 10_000), CTX, RNG)
        verify_counter(T, counter, opening, CTX)
        counters[i] = opening.value
    assert sorted(len(g) for g in groups.values()) == [2, 2, 2]
    # counters of each group are one run of consecutive integers
    for members in groups.values():
        values = sorted(counters[i] for i in members)
        assert values == list(range(values[0], values[0] + len(values)))
    selected, proofs = [], []
    for members in groups.values():
        candidate = max(range(len(members)), key=lambda k: counters[members[k]])
        tags = [mixed[i][2] for i in members]
        chosen = (mixed[members[candidate]][3],)
        out, proof = prove_filter(AUTHORITY, K, tags, candidate, chosen, CTX, RNG)
        st = FilterStatement(T, K, tuple(tags), candidate, chosen, out)
        verify_filter(st, proof, CTX)
        selected.append(out)
        proofs.append((st, proof))
    return selected, proofs


def decrypt(ct: Ciphertext) -> int:
    return DLOG.solve(ct.beta - ct.alpha * TRUSTEES)


def test_the_last_real_ballot_of_each_voter_counts() -> None:
    rows = region_rows()
    selected, _ = tally(rows)
    counts: dict[int, int] = defaultdict(int)
    for (choice,) in selected:
        counts[decrypt(choice)] += 1
    # Alice's last ballot (0), Bob's (1), and the dummy voter's zero; had Alice's coerced
    # first ballot (1) counted, it would be {1: 2, 0: 1}
    assert dict(counts) == {0: 2, 1: 1}


def test_a_dummy_above_a_voters_ballot_cannot_be_filtered() -> None:
    """A tallying authority that gives a dummy a counter above Bob's ballot (to erase his
    vote) cannot prove the filter for Bob's group."""
    rows = region_rows(dummy_above=True)
    with pytest.raises(UsageError, match="candidate is a dummy"):
        tally(rows)


def test_forged_filters_are_refused() -> None:
    _, proofs = tally(region_rows())
    st, proof = proofs[0]
    # another selected ciphertext (a changed vote) with the same proof
    changed = FilterStatement(
        st.authority_key, st.election_key, st.tags, st.candidate, st.choices,
        (st.selected[0] + encrypt(K, 1, Scalar.from_int(0)),),
    )  # fmt: skip
    with pytest.raises(ProofError, match=r"^filter: the branch challenges do not sum"):
        verify_filter(changed, proof, CTX)
    # another candidate row
    other = FilterStatement(
        st.authority_key, st.election_key, st.tags, 1 - st.candidate, st.choices, st.selected
    )
    with pytest.raises(ProofError):
        verify_filter(other, proof, CTX)
    # branch challenges that do not sum to the challenge
    bad = OrProof(proof.branches, (proof.challenges[0] + Scalar.from_int(1), proof.challenges[1]))
    with pytest.raises(ProofError, match="do not sum"):
        verify_filter(st, bad, CTX)


def test_a_real_group_cannot_be_passed_off_as_dummies() -> None:
    """Claiming the dummy branch (an encryption of 0) for a group with a real ballot: the
    authority's honest prover refuses, and a proof forced through the dummy branch fails."""
    x, c = voter()
    del x
    real = encrypt(T, 0, Scalar.random(RNG))  # a mixed real tag: an encryption of 0
    dummy = encrypt(T, 1, Scalar.random(RNG))
    tags = (dummy, real)
    choice = (encrypt(K, 1, Scalar.random(RNG)),)
    from referendum.crypto.deniable import FILTER_DOMAIN, filter_relations
    from referendum.crypto.proofs.linear import prove_or

    rho = Scalar.random(RNG)
    zero = (Ciphertext(base_mul(rho), K * rho),)
    st = FilterStatement(T, K, tags, 1, choice, zero)
    forced = prove_or(FILTER_DOMAIN, filter_relations(st), 1, (AUTHORITY, rho), CTX, RNG)
    with pytest.raises(ProofError, match=r"^filter\.branch1\[1\]"):
        verify_filter(st, forced, CTX)
    assert c != base_mul(AUTHORITY)


def test_a_dummy_cannot_be_passed_off_as_a_last_ballot() -> None:
    """The real branch forced for a candidate that is a dummy (its tag decrypts to 1)."""
    from referendum.crypto.deniable import FILTER_DOMAIN, filter_relations
    from referendum.crypto.proofs.linear import prove_or

    tags = (encrypt(T, 0, Scalar.random(RNG)), encrypt(T, 1, Scalar.random(RNG)))
    choice = (Ciphertext.zero(),)
    rho = Scalar.random(RNG)
    selected = (Ciphertext(base_mul(rho), K * rho),)
    st = FilterStatement(T, K, tags, 1, choice, selected)
    forced = prove_or(FILTER_DOMAIN, filter_relations(st), 0, (AUTHORITY, rho), CTX, RNG)
    with pytest.raises(ProofError, match=r"^filter\.branch0\[1\]"):
        verify_filter(st, forced, CTX)


def test_a_ballot_bound_to_its_encrypted_credential_cannot_be_replayed() -> None:
    """A deniable ballot's proofs are bound to its ``voter`` ciphertext: copied beside another
    encrypted credential (a replay to learn the victim's vote from the tally), they fail."""
    from referendum.crypto.ballot import BallotContext, QuestionShape, encrypt_ballot, verify_ballot

    ctx = BallotContext(b"f" * 32, K, (QuestionShape(3, 1, 1),))
    _, c = voter()
    v = encrypt_credential(T, c, Scalar.random(RNG))
    ballot, _ = encrypt_ballot(ctx, [[0, 1, 0]], RNG, binding=v.to_bytes())
    verify_ballot(ctx, ballot, binding=v.to_bytes())
    _, attacker = voter()
    replay = encrypt_credential(T, attacker, Scalar.random(RNG))
    with pytest.raises(ProofError):
        verify_ballot(ctx, ballot, binding=replay.to_bytes())


def test_the_filter_outputs_credential_is_a_reencryption() -> None:
    from referendum.crypto.deniable import reencrypt_with_proof, verify_reencryption

    _, c = voter()
    before = encrypt_credential(T, c, Scalar.random(RNG))
    after, proof = reencrypt_with_proof(T, before, CTX, RNG)
    verify_reencryption(T, before, after, proof, CTX)
    assert after != before
    _, other = voter()  # the authority swapping in another credential
    swapped = Ciphertext(after.alpha, after.beta - c + other)
    with pytest.raises(ProofError, match=r"^reencryption\[0\]"):
        verify_reencryption(T, before, swapped, proof, CTX)
