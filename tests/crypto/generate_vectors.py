"""Write the known-answer vectors in ``vectors/`` (run from the repository root:
``.venv/bin/python tests/crypto/generate_vectors.py``).

The RFC cases are copied from the standards (``rfc_data.py``); every other case is computed
by this package from fixed inputs and fixed nonces (drawn from ``DeterministicRandom`` with
the seed named in the case), so an independent implementation must reproduce each output
byte for byte.  Negative cases carry the reason they must be rejected.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from referendum.crypto.ballot import (
    BallotContext,
    EncryptedBallot,
    QuestionShape,
    encrypt_ballot_with_nonces,
    random_ballot_nonces,
    tracking_code,
)
from referendum.crypto.credentials import (
    derive_credential,
    generate_private_credential,
    sign_with_nonce,
)
from referendum.crypto.elgamal import encrypt
from referendum.crypto.group import GROUP_ORDER, Point, Scalar, base_mul
from referendum.crypto.hashing import encode_fields, hash_to_group, hash_to_scalar, sha256_fields
from referendum.crypto.proofs.disjunctive import prove_range_with_nonces, random_range_nonces
from referendum.crypto.proofs.dleq import DleqStatement, prove_dleq_with_nonce
from referendum.crypto.proofs.schnorr import prove_schnorr_with_nonce
from referendum.crypto.proofs.shuffle import (
    ShuffleProof,
    ShuffleStatement,
    ShuffleWitness,
    prove_shuffle_with_nonces,
    random_permutation,
    random_shuffle_nonces,
    rows_to_json,
    shuffle_with_nonces,
    verify_shuffle,
)
from referendum.crypto.random import DeterministicRandom
from referendum.crypto.threshold import decryption_share_with_nonce

sys.path.insert(0, str(Path(__file__).parent))
import rfc_data

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
GENERATOR = "tests/crypto/generate_vectors.py"


def canonical(obj: Any) -> bytes:
    """Canonical JSON (sorted keys, no whitespace): what the record's canonical_json gives
    for these ASCII-only objects."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def scalar(rng: DeterministicRandom) -> Scalar:
    return Scalar.random(rng)


def header(name: str, description: str, provenance: str, version: int = 1) -> dict[str, Any]:
    return {
        "format": f"referendum-vectors/{name}",
        "version": version,
        "description": description,
        "provenance": provenance,
        "generator": GENERATOR,
    }


def group_vectors() -> dict[str, Any]:
    cases: list[dict[str, Any]] = []
    for m, encoding in enumerate(rfc_data.SMALL_MULTIPLES):
        cases.append({"kind": "small-multiple", "valid": True, "multiple": m, "encoding": encoding})
    for reason, encodings in rfc_data.BAD_ENCODINGS.items():
        for encoding in encodings:
            cases.append(
                {"kind": "point-decode", "valid": False, "encoding": encoding, "reason": reason}
            )
    for label, element in rfc_data.LABELLED_DERIVATIONS:
        uniform = hashlib.sha512(label.encode()).hexdigest()
        cases.append(
            {
                "kind": "element-derivation",
                "valid": True,
                "label": label,
                "uniform": uniform,
                "element": element,
            }
        )
    for uniform, element in rfc_data.EDGE_DERIVATIONS:
        cases.append(
            {"kind": "element-derivation", "valid": True, "uniform": uniform, "element": element}
        )
    for value in (0, 1, GROUP_ORDER - 1):
        cases.append(
            {"kind": "scalar-decode", "valid": True, "encoding": value.to_bytes(32, "little").hex()}
        )
    for value, reason in (
        (GROUP_ORDER, "equal to the group order"),
        (GROUP_ORDER + 1, "above the group order"),
        (2**256 - 1, "above the group order"),
    ):
        cases.append(
            {
                "kind": "scalar-decode",
                "valid": False,
                "encoding": value.to_bytes(32, "little").hex(),
                "reason": reason,
            }
        )
    rng = DeterministicRandom(b"vectors/group")
    for _ in range(3):
        a, b = scalar(rng), scalar(rng)
        cases.append(
            {
                "kind": "scalar-mul",
                "valid": True,
                "a": a.hex(),
                "b": b.hex(),
                "a_times_G": base_mul(a).hex(),
                "ab_times_G": (base_mul(a) * b).hex(),
                "a_plus_b": (a + b).hex(),
                "a_times_b": (a * b).hex(),
            }
        )
    return {
        **header(
            "group",
            "ristretto255 encodings, element derivation and scalar encodings",
            "RFC 9496 appendix A (small multiples, invalid encodings, element derivation); "
            "scalar cases computed by referendum",
        ),
        "cases": cases,
    }


def hashing_vectors() -> dict[str, Any]:
    cases: list[dict[str, Any]] = []
    for parts in ([], [b""], [b"ab", b""], [b"referendum/v1/x", bytes(range(5))]):
        cases.append(
            {
                "kind": "encode-fields",
                "parts": [p.hex() for p in parts],
                "encoding": encode_fields(*parts).hex(),
            }
        )
    for msg, length, output in rfc_data.XMD_SHA512:
        cases.append(
            {
                "kind": "expand-message-xmd-sha512",
                "dst": rfc_data.XMD_SHA512_DST,
                "msg": msg.encode().hex(),
                "length": length,
                "output": output,
                "source": "RFC 9380 appendix K.3",
            }
        )
    for domain, parts in (
        ("referendum/v1/test", []),
        ("referendum/v1/test", [b"abc"]),
        ("referendum/v1/proof/schnorr", [b"\x00" * 32, b"\x01" * 32, b"ctx"]),
    ):
        cases.append(
            {
                "kind": "hash-to-scalar",
                "domain": domain,
                "parts": [p.hex() for p in parts],
                "scalar": hash_to_scalar(domain, *parts).hex(),
            }
        )
        cases.append(
            {
                "kind": "sha256-fields",
                "domain": domain,
                "parts": [p.hex() for p in parts],
                "digest": sha256_fields(domain, *parts).hex(),
            }
        )
    for domain, msg in (
        ("referendum/v1/test-group", b""),
        ("referendum/v1/test-group", b"abc"),
        ("ristretto255_XMD:SHA-512_R255MAP_RO_", bytes([5] * 10)),
    ):
        cases.append(
            {
                "kind": "hash-to-group",
                "domain": domain,
                "msg": msg.hex(),
                "element": hash_to_group(domain, msg).hex(),
            }
        )
    return {
        **header(
            "hashing",
            "encode_fields, hash_to_scalar, sha256_fields, expand_message_xmd, hash_to_group",
            "expand_message_xmd cases from RFC 9380 appendix K.3; the rest computed by referendum",
        ),
        "cases": cases,
    }


def elgamal_vectors() -> dict[str, Any]:
    rng = DeterministicRandom(b"vectors/elgamal")
    secret = scalar(rng)
    key = base_mul(secret)
    cases = []
    for message in (0, 1, 2, 1000):
        nonce = scalar(rng)
        ct = encrypt(key, message, nonce)
        cases.append(
            {
                "kind": "encrypt",
                "valid": True,
                "public_key": key.hex(),
                "secret_key": secret.hex(),
                "message": message,
                "nonce": nonce.hex(),
                "ciphertext": ct.to_json(),
            }
        )
    return {
        **header(
            "elgamal",
            "exponential ElGamal encryption with given nonces",
            "computed by referendum",
        ),
        "cases": cases,
    }


def flip_hex(text: str, position: int = 0) -> str:
    digit = int(text[position], 16) ^ 1
    return text[:position] + format(digit, "x") + text[position + 1 :]


def proof_vectors() -> dict[str, Any]:
    rng = DeterministicRandom(b"vectors/proofs")
    cases: list[dict[str, Any]] = []
    secret = scalar(rng)
    public = base_mul(secret)
    nonce = scalar(rng)
    proof = prove_schnorr_with_nonce(secret, public, b"context", nonce).to_json()
    base = {"kind": "schnorr", "public": public.hex(), "context": b"context".hex()}
    cases.append(
        {**base, "valid": True, "secret": secret.hex(), "nonce": nonce.hex(), "proof": proof}
    )
    cases.append(
        {
            **base,
            "valid": False,
            "proof": {**proof, "response": flip_hex(proof["response"])},
            "reason": "response altered",
        }
    )
    cases.append(
        {
            **base,
            "valid": False,
            "context": b"other".hex(),
            "proof": proof,
            "reason": "other context",
        }
    )
    g2 = base_mul(scalar(rng))
    statement = DleqStatement(Point.generator(), public, g2, g2 * secret)
    nonce = scalar(rng)
    dleq = prove_dleq_with_nonce(secret, statement, b"ctx", nonce).to_json()
    base = {
        "kind": "dleq",
        "g1": statement.g1.hex(),
        "h1": statement.h1.hex(),
        "g2": statement.g2.hex(),
        "h2": statement.h2.hex(),
        "context": b"ctx".hex(),
    }
    cases.append(
        {**base, "valid": True, "secret": secret.hex(), "nonce": nonce.hex(), "proof": dleq}
    )
    cases.append(
        {
            **base,
            "valid": False,
            "h2": public.hex(),
            "proof": dleq,
            "reason": "h2 is not secret·g2",
        }
    )
    election_secret = scalar(rng)
    key = base_mul(election_secret)
    fingerprint = hashlib.sha256(b"vectors/election").digest()
    for lo, hi, message in ((0, 1, 0), (0, 1, 1), (1, 1, 1), (0, 3, 2)):
        r = scalar(rng)
        ct = encrypt(key, message, r)
        nonces = random_range_nonces(lo, hi, rng)
        rp = prove_range_with_nonces(
            domain="referendum/v1/proof/selection",
            fingerprint=fingerprint,
            public_key=key,
            ciphertext=ct,
            message=message,
            nonce=r,
            lo=lo,
            hi=hi,
            context=b"ctx",
            nonces=nonces,
        ).to_json()
        base = {
            "kind": "range",
            "domain": "referendum/v1/proof/selection",
            "fingerprint": fingerprint.hex(),
            "public_key": key.hex(),
            "ciphertext": ct.to_json(),
            "lo": lo,
            "hi": hi,
            "context": b"ctx".hex(),
        }
        cases.append(
            {
                **base,
                "valid": True,
                "message": message,
                "encryption_nonce": r.hex(),
                "proof_nonces": [[u.hex(), v.hex()] for u, v in nonces],
                "proof": rp,
            }
        )
        if hi > lo:
            bad = json.loads(json.dumps(rp))
            bad["challenges"][0], bad["challenges"][1] = bad["challenges"][1], bad["challenges"][0]
            cases.append({**base, "valid": False, "proof": bad, "reason": "challenges swapped"})
    outside = encrypt(key, 2, scalar(rng))
    cases.append(
        {
            **{k: v for k, v in cases[-1].items() if k not in ("proof", "reason")},
            "valid": False,
            "lo": 0,
            "hi": 1,
            "ciphertext": outside.to_json(),
            "proof": cases[5]["proof"],
            "reason": "proof of another ciphertext (which encrypts 2)",
        }
    )
    return {
        **header(
            "proofs",
            "Schnorr, DLEQ and disjunctive range proofs with given nonces",
            "computed by referendum",
        ),
        "cases": cases,
    }


def election(
    kind: str, fingerprint: bytes, key: Point, shapes: list[QuestionShape]
) -> dict[str, Any]:
    """The members of a ballot case that describe its election and ballot style."""
    return {
        "kind": kind,
        "fingerprint": fingerprint.hex(),
        "public_key": key.hex(),
        "questions": [
            {"options": s.options, "min": s.min_selections, "max": s.max_selections} for s in shapes
        ],
    }


def ballot_vectors() -> dict[str, Any]:
    rng = DeterministicRandom(b"vectors/ballot")
    key = base_mul(scalar(rng))
    fingerprint = hashlib.sha256(b"vectors/election").digest()
    cases: list[dict[str, Any]] = []
    for shapes, selections in (
        ([QuestionShape(3, 1, 1)], [[1, 0, 0]]),
        ([QuestionShape(3, 1, 1)], [[0, 0, 1]]),
        ([QuestionShape(3, 1, 1), QuestionShape(4, 0, 2)], [[0, 1, 0], [1, 0, 0, 1]]),
    ):
        ctx = BallotContext(fingerprint, key, tuple(shapes))
        nonces = random_ballot_nonces(ctx, rng)
        binding = base_mul(scalar(rng)).to_bytes()
        ballot = encrypt_ballot_with_nonces(ctx, selections, nonces, binding=binding).to_json()
        base = {**election("ballot", fingerprint, key, shapes), "binding": binding.hex()}
        cases.append(
            {
                **base,
                "valid": True,
                "selections": selections,
                "nonces": nonces.to_json(),
                "ballot": ballot,
                "tracking_code": tracking_code(canonical(ballot)),
            }
        )
        bad = json.loads(json.dumps(ballot))
        first = bad["questions"][0]["selections"]
        first[0], first[1] = first[1], first[0]
        cases.append({**base, "valid": False, "ballot": bad, "reason": "options swapped"})
        cases.append(
            {
                **base,
                "valid": False,
                "binding": base_mul(scalar(rng)).hex(),
                "ballot": ballot,
                "reason": "bound to another credential",
            }
        )
    # A ballot whose marks break the count rule cannot be produced honestly; a forged one
    # (two marks, proofs made for a 0..2 question) must fail under the 1..1 question.
    ctx_loose = BallotContext(fingerprint, key, (QuestionShape(3, 0, 2),))
    forged = encrypt_ballot_with_nonces(
        ctx_loose, [[1, 1, 0]], random_ballot_nonces(ctx_loose, rng)
    ).to_json()
    cases.append(
        {
            "kind": "ballot",
            "fingerprint": fingerprint.hex(),
            "public_key": key.hex(),
            "questions": [{"options": 3, "min": 1, "max": 1}],
            "binding": "",
            "valid": False,
            "ballot": forged,
            "reason": "two marks on a one-mark question",
        }
    )
    EncryptedBallot.from_json(forged)
    return {
        **header(
            "ballot",
            "ballot encryption with given nonces, tracking codes, and ballots to reject",
            "computed by referendum",
        ),
        "cases": cases,
    }


def ballot_signature_message(
    fingerprint: bytes, credential: bytes, region: str, ballot: Any, replaces: str | None
) -> bytes:
    """The message a credential signs (docs/spec/crypto.md section 7.2): a tracking code in
    ``replaces`` is signed as its 32 bytes, null as the empty field."""
    return sha256_fields(
        "referendum/v2/ballot-signature",
        fingerprint,
        credential,
        region.encode(),
        canonical(ballot),
        b"" if replaces is None else bytes.fromhex(replaces),
    )


def signed_case(
    rng: DeterministicRandom,
    fingerprint: bytes,
    base: dict[str, Any],
    voter: tuple[Scalar, Point],
    ballot: dict[str, Any],
    replaces: str | None,
    *,
    signer: tuple[Scalar, Point] | None = None,
    signed: tuple[str, str | None] | None = None,
    v1: bool = False,
) -> dict[str, Any]:
    """A case whose members say ``ballot``, ``replaces`` and region r1 under the voter's
    credential; ``signer`` (by default the voter) signed it over ``signed`` (region and
    replaces: by default the case's own), or over the version 1 message when ``v1``."""
    secret, public = signer or voter
    region, named = signed or ("r1", replaces)
    if v1:
        signed_message = sha256_fields(
            "referendum/v1/ballot-signature",
            fingerprint,
            public.to_bytes(),
            region.encode(),
            canonical(ballot),
        )
    else:
        signed_message = ballot_signature_message(
            fingerprint, public.to_bytes(), region, ballot, named
        )
    signature = sign_with_nonce(secret, public, signed_message, scalar(rng))
    message = ballot_signature_message(fingerprint, voter[1].to_bytes(), "r1", ballot, replaces)
    return {
        **base,
        "credential": voter[1].hex(),
        "ballot": ballot,
        "replaces": replaces,
        "message": message.hex(),
        "signature": signature.to_json(),
    }


def signed_ballot_vectors() -> dict[str, Any]:
    """Ballots as a board holds them: bound to a voter's public credential, naming the ballot
    they replace, and signed with the credential.  In every case ``message`` is the message
    computed from the case's own members (fingerprint, credential, region, ballot,
    replaces): a verifier recomputes it, and rejects a case whose signature does not sign it."""
    rng = DeterministicRandom(b"vectors/signed-ballot/2")
    key = base_mul(scalar(rng))
    fingerprint = hashlib.sha256(b"vectors/election").digest()
    cases: list[dict[str, Any]] = []
    for shapes, selections in (
        ([QuestionShape(3, 1, 1)], [[0, 1, 0]]),
        ([QuestionShape(2, 0, 1), QuestionShape(4, 1, 3)], [[0, 0], [1, 0, 1, 1]]),
    ):
        ctx = BallotContext(fingerprint, key, tuple(shapes))
        secret, public = derive_credential("vectors", generate_private_credential(rng))
        other_secret, other = derive_credential("vectors", generate_private_credential(rng))
        earlier = hashlib.sha256(b"vectors/earlier-ballot-%d" % len(cases)).hexdigest()
        base = {**election("signed-ballot", fingerprint, key, shapes), "region": "r1"}

        case = functools.partial(signed_case, rng, fingerprint, base, (secret, public))

        ballot = encrypt_ballot_with_nonces(
            ctx, selections, random_ballot_nonces(ctx, rng), binding=public.to_bytes()
        ).to_json()
        first = case(ballot, None)
        cases.append({**first, "valid": True})
        good = case(ballot, earlier)
        cases.append({**good, "valid": True})
        for reason, replaces, signed in (
            ("replaces a ballot, but signed as the first ballot", earlier, ("r1", None)),
            ("the first ballot, but signed as replacing a ballot", None, ("r1", earlier)),
            ("replaces another ballot than the one signed", flip_hex(earlier, 63), None),
            ("signed for another region", earlier, ("r2", earlier)),
        ):
            signed_as = signed or ("r1", earlier)
            cases.append(
                {**case(ballot, replaces, signed=signed_as), "valid": False, "reason": reason}
            )
        cases.append(
            {
                **case(ballot, None, v1=True),
                "valid": False,
                "reason": "signed with the version 1 message (which does not bind replaces)",
            }
        )
        foreign = encrypt_ballot_with_nonces(
            ctx, selections, random_ballot_nonces(ctx, rng), binding=other.to_bytes()
        ).to_json()
        cases.append(
            {
                **case(foreign, earlier),
                "valid": False,
                "reason": "ballot bound to another credential",
            }
        )
        cases.append(
            {
                **case(ballot, earlier, signer=(other_secret, other)),
                "valid": False,
                "reason": "signed by another credential",
            }
        )
        for reason, edit in (
            ("a selection proof's response altered", ("responses", 0, 0)),
            ("a count proof's challenge altered", ("challenges", None, -1)),
        ):
            bad = json.loads(json.dumps(ballot))
            field, option, index = edit
            question = bad["questions"][-1]
            proof = (
                question["count_proof"]
                if option is None
                else question["selections"][option]["proof"]
            )
            proof[field][index] = flip_hex(proof[field][index], 2)
            cases.append({**case(bad, earlier), "valid": False, "reason": reason})
        response = Scalar.from_hex(good["signature"]["response"]).to_int() + GROUP_ORDER
        cases.append(
            {
                **good,
                "valid": False,
                "signature": {
                    **good["signature"],
                    "response": response.to_bytes(32, "little").hex(),
                },
                "reason": "signature response not below the group order",
            }
        )
        bad = json.loads(json.dumps(ballot))
        a = bytearray.fromhex(bad["questions"][0]["selections"][0]["proof"]["commitments"][1]["a"])
        a[31] |= 0x80
        bad["questions"][0]["selections"][0]["proof"]["commitments"][1]["a"] = a.hex()
        cases.append({**case(bad, earlier), "valid": False, "reason": "a commitment's top bit set"})
    return {
        **header(
            "signed_ballot",
            "signed ballots as a board holds them (each naming the ballot it replaces, or null), "
            "valid and to reject; message is recomputed from the case's members",
            "computed by referendum",
            version=2,
        ),
        "cases": cases,
    }


def credential_vectors() -> dict[str, Any]:
    rng = DeterministicRandom(b"vectors/credentials")
    cases: list[dict[str, Any]] = []
    for election in ("referendum-2026-demo", "ÉLECTION"):
        private = generate_private_credential(rng)
        secret, public = derive_credential(election, private)
        nonce = scalar(rng)
        message = b"ballot bytes"
        signature = sign_with_nonce(secret, public, message, nonce).to_json()
        base = {"kind": "credential", "election_id": election, "message": message.hex()}
        cases.append(
            {
                **base,
                "valid": True,
                "private": private,
                "secret": secret.hex(),
                "public": public.hex(),
                "nonce": nonce.hex(),
                "signature": signature,
            }
        )
        cases.append(
            {
                **base,
                "valid": False,
                "public": public.hex(),
                "message": b"another ballot".hex(),
                "signature": signature,
                "reason": "signature over another message",
            }
        )
        typo = private[:-1] + ("0" if private[-1] != "0" else "1")
        cases.append(
            {
                **base,
                "kind": "private-credential",
                "valid": False,
                "private": typo,
                "reason": "checksum does not match",
            }
        )
    return {
        **header(
            "credentials",
            "credential derivation and ballot signatures with given nonces",
            "computed by referendum",
        ),
        "cases": cases,
    }


def threshold_vectors() -> dict[str, Any]:
    rng = DeterministicRandom(b"vectors/threshold")
    cases: list[dict[str, Any]] = []
    # a degree-1 polynomial (t = 2): shares f(j) = a0 + a1·j
    a0, a1 = scalar(rng), scalar(rng)
    key = base_mul(a0)
    ct = encrypt(key, 3, scalar(rng))
    context = b"vectors/tally"
    shares = {}
    for j in (1, 2, 3):
        x_j = a0 + a1 * Scalar.from_int(j)
        v_j = base_mul(x_j)
        nonce = scalar(rng)
        share = decryption_share_with_nonce(
            x_j, ct.alpha, index=j, verification_key=v_j, context=context, nonce=nonce
        )
        shares[j] = share.share
        base = {
            "kind": "decryption-share",
            "alpha": ct.alpha.hex(),
            "verification_key": v_j.hex(),
            "context": context.hex(),
        }
        cases.append(
            {
                **base,
                "valid": True,
                "secret_share": x_j.hex(),
                "nonce": nonce.hex(),
                "share": share.to_json(),
            }
        )
    bad = cases[0]["share"] | {"share": shares[2].hex()}
    cases.append({**cases[0], "valid": False, "share": bad, "reason": "another trustee's share"})
    for subset in ((1, 2), (1, 3), (2, 3)):
        cases.append(
            {
                "kind": "combine",
                "valid": True,
                "ciphertext": ct.to_json(),
                "shares": {str(j): shares[j].hex() for j in subset},
                "plaintext_times_G": base_mul(Scalar.from_int(3)).hex(),
                "message": 3,
            }
        )
    return {
        **header(
            "threshold",
            "decryption shares with their DLEQ proofs and Lagrange combination (t = 2, n = 3)",
            "computed by referendum",
        ),
        "cases": cases,
    }


def shuffle_case(seed: bytes, rows: int, width: int) -> dict[str, Any]:
    """A valid shuffle with every input, nonce and intermediate value (spec shuffle.md)."""
    rng = DeterministicRandom(seed)
    keys = tuple(base_mul(scalar(rng)) for _ in range(width))  # one key per column
    context = hashlib.sha256(seed).digest()
    inputs = tuple(
        tuple(encrypt(keys[k], (3 * i + k) % 4, scalar(rng)) for k in range(width))
        for i in range(rows)
    )
    permutation = random_permutation(rows, rng)
    reencryption = tuple(tuple(scalar(rng) for _ in range(width)) for _ in range(rows))
    nonces = random_shuffle_nonces(rows, width, rng)
    outputs = shuffle_with_nonces(keys, inputs, permutation, reencryption)
    statement = ShuffleStatement(keys, context, inputs, outputs)
    proof = prove_shuffle_with_nonces(statement, ShuffleWitness(permutation, reencryption), nonces)
    verify_shuffle(statement, proof)
    return {
        "kind": "shuffle",
        "valid": True,
        "seed": seed.decode(),
        "context": context.hex(),
        "public_keys": [key.hex() for key in keys],
        "inputs": rows_to_json(inputs),
        "outputs": rows_to_json(outputs),
        "proof": proof.to_json(),
        "witness": {
            "permutation": list(permutation),
            "reencryption": [[r.hex() for r in row] for row in reencryption],
            "nonces": {
                name: ([v.hex() for v in value] if isinstance(value, tuple) else value.hex())
                for name, value in ((n, getattr(nonces, n)) for n in nonces.__slots__)
            },
        },
    }


def _first_failure(case: dict[str, Any]) -> str:
    """What the reference implementation names when it refuses ``case``."""
    from referendum.crypto.elgamal import Ciphertext as Ct
    from referendum.errors import InputError, ProofError

    def rows(obj: Any) -> tuple[tuple[Ct, ...], ...]:
        return tuple(tuple(Ct.from_json(ct) for ct in row) for row in obj)

    inputs, outputs = rows(case["inputs"]), rows(case["outputs"])
    keys = tuple(Point.from_hex(key) for key in case["public_keys"])
    statement = ShuffleStatement(keys, bytes.fromhex(case["context"]), inputs, outputs)
    try:
        if len(outputs) != len(inputs):
            statement.check_shape()
        proof = ShuffleProof.from_json(case["proof"], rows=len(inputs), width=len(inputs[0]))
        verify_shuffle(statement, proof)
    except ProofError as exc:
        return str(exc).split(":")[0].removeprefix("shuffle.")
    except InputError as exc:
        return exc.field
    raise AssertionError("a negative shuffle vector verifies")


def shuffle_vectors() -> dict[str, Any]:
    small = shuffle_case(b"shuffle n=3 w=1", 3, 1)
    base = shuffle_case(b"shuffle n=4 w=2", 4, 2)
    cases = [shuffle_case(b"shuffle n=1 w=1", 1, 1), small, base]
    other = shuffle_case(b"shuffle n=4 w=2, another key", 4, 2)
    negatives: list[tuple[str, Any]] = []

    def variant(reason: str, change: Any) -> None:
        negatives.append((reason, change))

    def set_proof(name: str, value: Any) -> Any:
        return lambda c: c["proof"].__setitem__(name, value)

    def bump(text: str) -> str:
        """Another valid scalar (the little-endian value plus one, below L)."""
        return Scalar.from_int(Scalar.from_hex(text).to_int() + 1).hex()

    def bump_point(text: str) -> str:
        return (Point.from_hex(text) + Point.generator()).hex()

    def altered(member: str, index: int | None = None) -> Any:
        """Change one scalar or point of the proof to another valid one."""

        def change(case: dict[str, Any]) -> None:
            holder = case["proof"] if index is None else case["proof"][member]
            key: Any = member if index is None else index
            value = holder[key]
            holder[key] = bump(value) if member.startswith("s_") else bump_point(value)

        return change

    for member, index in (
        ("s_sum", None),
        ("s_product", None),
        ("s_weighted", None),
        ("s_reencryption", 1),
        ("s_chain", 2),
        ("s_permuted", 0),
    ):
        variant(
            f"altered {member}" + ("" if index is None else f"[{index}]"), altered(member, index)
        )
    variant("altered permutation commitment (changes every challenge)", altered("permutation", 1))
    variant("altered chain commitment", altered("chain", 3))
    variant(
        "altered t_reencryption[0].beta",
        lambda c: c["proof"]["t_reencryption"][0].update(
            beta=bump_point(c["proof"]["t_reencryption"][0]["beta"])
        ),
    )
    variant(
        "outputs 0 and 1 swapped",
        lambda c: c.update(outputs=[c["outputs"][1], c["outputs"][0], *c["outputs"][2:]]),
    )
    variant(
        "the proof of another key (column 1)",
        lambda c: c["public_keys"].__setitem__(1, other["public_keys"][1]),
    )
    variant("the two columns' keys swapped", lambda c: c["public_keys"].reverse())
    variant("another context", lambda c: c.update(context=bytes(32).hex()))
    variant("one input row replaced", lambda c: c["inputs"].__setitem__(0, c["inputs"][1]))
    variant(
        "an output replaced by another valid ciphertext",
        lambda c: c["outputs"].__setitem__(2, other["outputs"][2]),
    )
    variant("one output row fewer", lambda c: c["outputs"].pop())
    variant(
        "s_product not below L",
        set_proof("s_product", (GROUP_ORDER + 1).to_bytes(32, "little").hex()),
    )
    variant("t_sum not a canonical encoding", set_proof("t_sum", "ff" * 32))
    variant("s_chain one item short", lambda c: c["proof"]["s_chain"].pop())
    for reason, change in negatives:
        case = json.loads(json.dumps(base))
        del case["witness"]
        change(case)
        case.update(valid=False, reason=reason)
        case["fails"] = _first_failure(case)
        cases.append(case)
    return {
        **header(
            "shuffle",
            "verifiable shuffles of ElGamal ciphertext rows (Terelius-Wikström, "
            "docs/spec/shuffle.md) with their witnesses and prover nonces, and altered ones "
            "naming the first check that must fail",
            "computed by referendum",
        ),
        "cases": cases,
    }


def deniable_vectors() -> dict[str, Any]:
    """The proofs of deniable revoting (docs/spec/coercion.md section 8), valid and altered."""
    from referendum.crypto import deniable as dn
    from referendum.crypto.proofs.linear import LinearProof, OrProof

    rng = DeterministicRandom(b"deniable vectors")
    t = scalar(rng)
    authority = base_mul(t)
    election = base_mul(scalar(rng))
    context = b"vectors/deniable"
    cases: list[dict[str, Any]] = []

    def linear(proof: LinearProof) -> dict[str, Any]:
        return proof.to_json()

    def add(
        kind: str, statement: dict[str, Any], proof: Any, altered: list[tuple[str, Any]]
    ) -> None:
        case = {"kind": kind, "valid": True, "context": context.hex(), **statement, "proof": proof}
        cases.append(case)
        for reason, change in altered:
            bad = json.loads(json.dumps(case))
            change(bad)
            bad.update(valid=False, reason=reason)
            cases.append(bad)

    def bump(text: str) -> str:
        return Scalar.from_int(Scalar.from_hex(text).to_int() + 1).hex()

    def bump_response(c: dict[str, Any]) -> None:
        c["proof"]["responses"][0] = bump(c["proof"]["responses"][0])

    # credential proof
    x, r = scalar(rng), scalar(rng)
    voter = dn.encrypt_credential(authority, base_mul(x), r)
    proof = dn.prove_credential(authority, voter, x, r, context, rng)
    add(
        "credential",
        {"authority_key": authority.hex(), "voter": voter.to_json()},
        linear(proof),
        [
            ("altered response", bump_response),
            ("another context", lambda c: c.update(context=b"other".hex())),
            ("another authority key", lambda c: c.update(authority_key=election.hex())),
        ],
    )
    # pseudonym key and pseudonym
    key = dn.PseudonymKey.create(t, rng)
    s_point, u_point = key.public
    add(
        "pseudonym-key",
        {"authority_key": authority.hex(), "S": s_point.hex(), "U": u_point.hex()},
        linear(key.prove_key(authority, context, rng)),
        [("U of another key", lambda c: c.update(U=base_mul(scalar(rng)).hex()))],
    )
    pseudonym, pproof = dn.prove_pseudonym(key, voter, context, rng)
    other = dn.encrypt_credential(authority, base_mul(scalar(rng)), scalar(rng))
    add(
        "pseudonym",
        {"S": s_point.hex(), "U": u_point.hex(), "voter": voter.to_json(),
         "pseudonym": pseudonym.hex()},
        linear(pproof),
        [
            ("another voter's ciphertext", lambda c: c.update(voter=other.to_json())),
            ("altered response", bump_response),
        ],
    )  # fmt: skip
    # counter opening
    counter = encrypt(authority, 1234, scalar(rng))
    opening = dn.decrypt_counter(t, counter, [1234], context, rng)
    add(
        "counter",
        {"authority_key": authority.hex(), "counter": counter.to_json(), "value": 1234,
         "factor": opening.factor.hex()},
        linear(opening.proof),
        [("another value", lambda c: c.update(value=1235))],
    )  # fmt: skip
    # re-encryption
    after, rproof = dn.reencrypt_with_proof(authority, voter, context, rng)
    add(
        "reencryption",
        {"key": authority.hex(), "before": voter.to_json(), "after": after.to_json()},
        linear(rproof),
        [("after of another ciphertext", lambda c: c.update(after=other.to_json()))],
    )
    # the filter: a real group (its candidate's tag encrypts 0) and a group of dummies only
    for name, tag_values in (("real", (1, 0)), ("dummies", (1, 1, 1))):
        tags = [encrypt(authority, v, scalar(rng)) for v in tag_values]
        candidate = len(tags) - 1
        choices = (encrypt(election, 1, scalar(rng)), encrypt(election, 0, scalar(rng)))
        selected, fproof = dn.prove_filter(t, election, tags, candidate, choices, context, rng)
        replacement = encrypt(election, 0, scalar(rng)).to_json()

        def swap_selected(c: dict[str, Any], value: Any = replacement) -> None:
            c["selected"][0] = value

        def shift_challenge(c: dict[str, Any]) -> None:
            c["proof"]["challenges"][0] = bump(c["proof"]["challenges"][0])

        add(
            "filter",
            {
                "group": name,
                "authority_key": authority.hex(),
                "election_key": election.hex(),
                "tags": [tag.to_json() for tag in tags],
                "candidate": candidate,
                "choices": [ch.to_json() for ch in choices],
                "selected": [ch.to_json() for ch in selected],
            },
            fproof.to_json(),
            [("another selected ciphertext", swap_selected),
             ("branch challenges that do not sum", shift_challenge)],
        )  # fmt: skip
    del OrProof
    for case in cases:
        if not case["valid"]:
            case["fails"] = _deniable_failure(case)
    return {
        **header(
            "deniable",
            "the proofs of deniable revoting (docs/spec/coercion.md section 8): encrypted "
            "credential, pseudonym key, pseudonym, counter opening, re-encryption, filter",
            "computed by referendum",
        ),
        "cases": cases,
    }


def _deniable_failure(case: dict[str, Any]) -> str:
    """The name the reference implementation gives when it refuses ``case``."""
    from referendum.crypto import deniable as dn
    from referendum.crypto.elgamal import Ciphertext as Ct
    from referendum.crypto.proofs.linear import LinearProof, OrProof
    from referendum.errors import ProofError

    ctx = bytes.fromhex(case["context"])
    kind = case["kind"]
    pt = Point.from_hex
    try:
        if kind == "credential":
            key, voter = pt(case["authority_key"]), Ct.from_json(case["voter"])
            rel = dn.credential_relation(key, voter)
            dn.verify_credential(key, voter, LinearProof.from_json(case["proof"], rel), ctx)
        elif kind == "pseudonym-key":
            args = pt(case["authority_key"]), pt(case["S"]), pt(case["U"])
            rel = dn.pseudonym_key_relation(*args)
            dn.verify_pseudonym_key(*args, LinearProof.from_json(case["proof"], rel), ctx)
        elif kind == "pseudonym":
            s_point, u_point = pt(case["S"]), pt(case["U"])
            voter, pseudonym = Ct.from_json(case["voter"]), pt(case["pseudonym"])
            rel = dn.pseudonym_relation(s_point, u_point, voter, pseudonym)
            proof = LinearProof.from_json(case["proof"], rel)
            dn.verify_pseudonym(s_point, u_point, voter, pseudonym, proof, ctx)
        elif kind == "counter":
            key, factor = pt(case["authority_key"]), pt(case["factor"])
            counter = Ct.from_json(case["counter"])
            rel = dn.counter_relation(key, counter, factor)
            proof = LinearProof.from_json(case["proof"], rel)
            dn.verify_counter(key, counter, dn.CounterOpening(case["value"], factor, proof), ctx)
        elif kind == "reencryption":
            key = pt(case["key"])
            before, after = Ct.from_json(case["before"]), Ct.from_json(case["after"])
            rel = dn.reencryption_relation(key, before, after)
            proof = LinearProof.from_json(case["proof"], rel)
            dn.verify_reencryption(key, before, after, proof, ctx)
        else:
            st = dn.FilterStatement(
                pt(case["authority_key"]),
                pt(case["election_key"]),
                tuple(Ct.from_json(x) for x in case["tags"]),
                case["candidate"],
                tuple(Ct.from_json(x) for x in case["choices"]),
                tuple(Ct.from_json(x) for x in case["selected"]),
            )
            proof = OrProof.from_json(case["proof"], dn.filter_relations(st))
            dn.verify_filter(st, proof, ctx)
    except ProofError as exc:
        return str(exc).split(":")[0]
    raise AssertionError(f"a negative deniable vector verifies: {case['reason']}")


def check_deniable_submission(case: dict[str, Any]) -> str:
    """The first check of a deniable submission that fails, as the board runs them
    (services/deniable.py): ``signature`` (over the deniable signing message),
    ``credential_proof`` (of the encrypted credential), then ``ballot`` (its proofs, bound to
    ``voter``); ``"valid"`` when all hold."""
    from referendum.crypto.ballot import verify_ballot
    from referendum.crypto.credentials import Signature, verify_signature
    from referendum.crypto.deniable import verify_credential
    from referendum.crypto.elgamal import Ciphertext
    from referendum.crypto.proofs.linear import LinearProof
    from referendum.errors import CryptoError
    from referendum.protocol import deniable as dp

    fingerprint = bytes.fromhex(case["fingerprint"])
    authority = Point.from_hex(case["authority"])
    sub = case["submission"]
    ballot = EncryptedBallot.from_json(sub["ballot"])
    canonical_ballot = canonical(ballot.to_json())
    voter = Ciphertext.from_json(sub["voter"])
    message = dp.signing_message(
        fingerprint,
        bytes.fromhex(sub["credential"]),
        sub["region"],
        canonical_ballot,
        voter,
        sub["credential_proof"],
    )
    try:
        verify_signature(
            Point.from_hex(sub["credential"]), message, Signature.from_json(sub["signature"])
        )
    except CryptoError:
        return "signature"
    from referendum.crypto.deniable import credential_relation

    context = dp.credential_context(fingerprint, sub["region"], canonical_ballot)
    try:
        proof = LinearProof.from_json(
            sub["credential_proof"], credential_relation(authority, voter), field="credential_proof"
        )
        verify_credential(authority, voter, proof, context)
    except CryptoError:
        return "credential_proof"
    shapes = tuple(QuestionShape(q["options"], q["min"], q["max"]) for q in case["questions"])
    ctx = BallotContext(fingerprint, Point.from_hex(case["public_key"]), shapes)
    try:
        verify_ballot(ctx, ballot, binding=voter.to_bytes())
    except CryptoError:
        return "ballot"
    return "valid"


def _resign(
    rng: DeterministicRandom,
    fingerprint: bytes,
    key: tuple[Scalar, Point],
    sub: dict[str, Any],
    message: bytes | None = None,
) -> dict[str, Any]:
    """``sub`` signed again by the credential ``key`` (over ``message``, or the deniable
    signing message of its own members)."""
    from referendum.crypto.elgamal import Ciphertext
    from referendum.protocol import deniable as dp

    secret, public = key
    if message is None:
        message = dp.signing_message(
            fingerprint,
            public.to_bytes(),
            sub["region"],
            canonical(sub["ballot"]),
            Ciphertext.from_json(sub["voter"]),
            sub["credential_proof"],
        )
    signature = sign_with_nonce(secret, public, message, scalar(rng))
    return {**sub, "signature": signature.to_json()}


def deniable_ballot_vectors() -> dict[str, Any]:
    """Deniable ballots as the voter's client makes them (services/voter.py, the booth's
    deniable.js): given every nonce, the encrypted credential ``voter``, the ballot bound to
    it, the ``credential_proof`` (with its context) and the signature (with its message);
    then submissions the board refuses, each naming the first check that fails."""
    from referendum.protocol import deniable as dp
    from referendum.protocol.ballots import ballot_signing_message
    from referendum.services.voter import (
        deniable_submission_with_nonces,
        encrypt_deniable_with_nonces,
    )

    rng = DeterministicRandom(b"vectors/deniable-ballot/1")
    key = base_mul(scalar(rng))
    authority = base_mul(scalar(rng))
    fingerprint = hashlib.sha256(b"vectors/deniable-election").digest()
    cases: list[dict[str, Any]] = []
    election_id = "vectors-deniable"
    for shapes, selections, region in (
        ([QuestionShape(3, 1, 1)], [[0, 1, 0]], "north"),
        ([QuestionShape(2, 0, 1), QuestionShape(4, 1, 3)], [[0, 0], [1, 0, 1, 1]], "Łódź"),
    ):
        ctx = BallotContext(fingerprint, key, tuple(shapes))
        private = generate_private_credential(rng)
        secret, public = derive_credential(election_id, private)
        nonces = random_ballot_nonces(ctx, rng)
        voter_nonce = scalar(rng)
        proof_nonces = (scalar(rng), scalar(rng))
        signature_nonce = scalar(rng)
        encrypted = encrypt_deniable_with_nonces(
            ctx, region, authority, public, selections, nonces, voter_nonce
        )
        submission = deniable_submission_with_nonces(
            fingerprint, authority, secret, encrypted, proof_nonces, signature_nonce
        )
        canonical_ballot = canonical(encrypted.ballot)
        base = {
            **election("deniable-ballot", fingerprint, key, shapes),
            "authority": authority.hex(),
            "election_id": election_id,
        }
        cases.append(
            {
                **base,
                "valid": True,
                "private": private,
                "region": region,
                "selections": selections,
                "nonces": nonces.to_json(),
                "voter_nonce": voter_nonce.hex(),
                "proof_nonces": [n.hex() for n in proof_nonces],
                "signature_nonce": signature_nonce.hex(),
                "voter": encrypted.voter.to_json(),
                "tracking_code": encrypted.tracking_code,
                "context": dp.credential_context(fingerprint, region, canonical_ballot).hex(),
                "message": dp.signing_message(
                    fingerprint,
                    public.to_bytes(),
                    region,
                    canonical_ballot,
                    encrypted.voter,
                    submission["credential_proof"],
                ).hex(),
                "submission": submission,
            }
        )

        def refused(
            reason: str, sub: dict[str, Any], base: dict[str, Any] = base
        ) -> dict[str, Any]:
            return {**base, "valid": False, "reason": reason, "submission": sub}

        resigned = functools.partial(_resign, rng, fingerprint, (secret, public))

        copy = json.loads(json.dumps(submission))
        copy["credential_proof"]["responses"][1] = flip_hex(
            copy["credential_proof"]["responses"][1], 2
        )
        cases.append(refused("the credential proof's response altered", resigned(copy)))
        copy = json.loads(json.dumps(submission))
        copy["signature"]["response"] = flip_hex(copy["signature"]["response"], 2)
        cases.append(refused("the signature's response altered", copy))
        visible = ballot_signing_message(fingerprint, public.hex(), region, encrypted.ballot, None)
        cases.append(
            refused("signed with the visible ballot message", resigned(submission, message=visible))
        )
        # the same choices and nonces with another encryption of the same credential: the
        # proofs made for the first voter no longer hold
        other = encrypt_deniable_with_nonces(
            ctx, region, authority, public, selections, nonces, scalar(rng)
        )
        swapped = {**submission, "voter": other.voter.to_json()}
        cases.append(refused("another encryption of the credential", resigned(swapped)))
        # the credential proof made for another region
        moved = encrypt_deniable_with_nonces(
            ctx, "elsewhere", authority, public, selections, nonces, voter_nonce
        )
        elsewhere = deniable_submission_with_nonces(
            fingerprint, authority, secret, moved, proof_nonces, signature_nonce
        )
        moved_proof = {**submission, "credential_proof": elsewhere["credential_proof"]}
        cases.append(refused("a credential proof made for another region", resigned(moved_proof)))
        # the ballot bound to the credential (as with visible revoting), not to voter
        bound = encrypt_ballot_with_nonces(ctx, selections, nonces, binding=public.to_bytes())
        rebound = deniable_submission_with_nonces(
            fingerprint,
            authority,
            secret,
            replace(encrypted, ballot=bound.to_json()),
            proof_nonces,
            signature_nonce,
        )
        cases.append(refused("the ballot bound to the credential, not to voter", rebound))
    for case in cases:
        case["fails"] = check_deniable_submission(case)
    return {
        **header(
            "deniable_ballot",
            "deniable ballots as the voter's client makes them (docs/spec/coercion.md section "
            "3.1 and 9): the encrypted credential, the ballot bound to it, the credential "
            "proof and the board's signature from given nonces; and submissions the board "
            "refuses, with the first check that fails (signature, credential_proof, ballot)",
            "computed by referendum",
        ),
        "cases": cases,
    }


def main() -> None:
    VECTORS.mkdir(exist_ok=True)
    for name, build in (
        ("group", group_vectors),
        ("hashing", hashing_vectors),
        ("elgamal", elgamal_vectors),
        ("proofs", proof_vectors),
        ("ballot", ballot_vectors),
        ("credentials", credential_vectors),
        ("signed_ballot", signed_ballot_vectors),
        ("threshold", threshold_vectors),
        ("shuffle", shuffle_vectors),
        ("deniable", deniable_vectors),
        ("deniable_ballot", deniable_ballot_vectors),
    ):
        text = json.dumps(build(), indent=1, ensure_ascii=False) + "\n"
        (VECTORS / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"wrote vectors/{name}.json")


if __name__ == "__main__":
    main()
