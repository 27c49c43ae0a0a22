"""Trustees, t of n: Pedersen's distributed key generation with Feldman commitments, and
threshold decryption with a proof on every share.

Trustees are numbered ``1..n``.  Each has a *transport* key pair ``(y_i, Y_i = y_i·G)`` used
only to receive key shares.  Key generation, for every dealer ``i``:

1. pick a random polynomial ``f_i(x) = a_i0 + a_i1·x + ... + a_i(t-1)·x^(t-1)``; publish the
   Feldman commitments ``C_ik = a_ik·G`` and a Schnorr proof of ``a_i0`` (context
   ``encode_fields(context, i)``);
2. for every other trustee ``j``, encrypt the share ``s_ij = f_i(j)`` to ``Y_j``: with an
   ephemeral ``e``, publish ``E = e·G`` and ``s_ij XOR pad``, where
   ``pad = SHA-512(encode_fields("referendum/v1/share-pad", context, i, j, E, Y_j, e·Y_j))[:32]``.

Trustee ``j`` decrypts with ``S = y_j·E`` and checks ``s_ij·G == sum_k C_ik·j^k``.  If the
check fails it publishes a *complaint*: ``S`` and a DLEQ proof that ``log_G(Y_j) ==
log_E(S)``; anyone can then recompute the share and see that the dealer cheated (or that the
complaint is false).  The election key is ``K = sum_i C_i0`` over the qualified dealers,
trustee ``j``'s secret share is ``x_j = sum_i s_ij`` and its public verification key
``V_j = x_j·G = sum_i sum_k C_ik·j^k``.

Decryption of a ciphertext ``(alpha, beta)``: trustee ``j`` publishes ``D_j = x_j·alpha``
with a DLEQ proof (``G, V_j, alpha, D_j``); any ``t`` valid shares give
``x·alpha = sum_j lambda_j·D_j`` with Lagrange coefficients at 0, so ``m·G = beta - x·alpha``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from referendum.crypto.elgamal import Ciphertext
from referendum.crypto.group import Point, Scalar, base_mul, multi_mul_vartime
from referendum.crypto.hashing import encode_fields
from referendum.crypto.json_fields import (
    CryptoInputError,
    get_index,
    get_list,
    get_object,
    get_point,
    point,
)
from referendum.crypto.proofs.dleq import (
    DleqProof,
    DleqStatement,
    prove_dleq,
    prove_dleq_with_nonce,
    verify_dleq,
)
from referendum.crypto.proofs.schnorr import SchnorrProof, prove_schnorr, verify_schnorr
from referendum.crypto.random import RandomSource
from referendum.errors import CryptoError, ProofError, UsageError

__all__ = [
    "COMPLAINT_CONTEXT",
    "SHARE_PAD_DOMAIN",
    "BadShare",
    "Commitments",
    "Complaint",
    "Dealing",
    "DecryptionShare",
    "EncryptedShare",
    "TransportKeyPair",
    "check_complaint",
    "deal",
    "decrypt_with_shares",
    "decryption_share",
    "decryption_share_with_nonce",
    "generate_transport_key",
    "joint_public_key",
    "lagrange_coefficient",
    "lagrange_combine",
    "receive_share",
    "verification_key",
    "verify_decryption_share",
    "verify_transport_key",
]

SHARE_PAD_DOMAIN: Final = b"referendum/v1/share-pad"
COMPLAINT_CONTEXT: Final = b"referendum/v1/complaint"
_DECRYPTION_CONTEXT: Final = b"referendum/v1/decryption-share"
_TRANSPORT_CONTEXT: Final = b"referendum/v1/transport-key"
_COEFFICIENT_CONTEXT: Final = b"referendum/v1/dkg-constant"


def _u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def _check_index(index: int, n: int, what: str) -> None:
    if not 1 <= index <= n:
        raise UsageError(f"{what} must be in 1..{n}, got {index}")


@dataclass(frozen=True, slots=True)
class TransportKeyPair:
    """A trustee's key pair for receiving shares, with its proof of possession."""

    index: int
    secret: Scalar
    public: Point
    proof: SchnorrProof


def generate_transport_key(index: int, context: bytes, rng: RandomSource) -> TransportKeyPair:
    """A transport key pair for trustee ``index``; the Schnorr proof's context is
    ``encode_fields("referendum/v1/transport-key", context, index)``."""
    secret = Scalar.random(rng)
    public = base_mul(secret)
    proof_context = encode_fields(_TRANSPORT_CONTEXT, context, _u64(index))
    return TransportKeyPair(
        index, secret, public, prove_schnorr(secret, public, proof_context, rng)
    )


def verify_transport_key(index: int, public: Point, proof: SchnorrProof, context: bytes) -> None:
    """Raise ``ProofError`` unless ``proof`` shows possession of ``public``'s secret."""
    proof_context = encode_fields(_TRANSPORT_CONTEXT, context, _u64(index))
    verify_schnorr(public, proof, proof_context, label=f"trustee[{index}].transport_key")


@dataclass(frozen=True, slots=True)
class Commitments:
    """Dealer ``dealer``'s Feldman commitments ``C_k = a_k·G`` and proof of ``a_0``."""

    dealer: int
    coefficients: tuple[Point, ...]
    proof: SchnorrProof

    @property
    def threshold(self) -> int:
        """``t``: the number of coefficients."""
        return len(self.coefficients)

    def evaluate(self, j: int) -> Point:
        """``sum_k C_k·j^k`` = ``f(j)·G`` (variable time: public data)."""
        powers = [Scalar.from_int(j**k) for k in range(len(self.coefficients))]
        return multi_mul_vartime(powers, list(self.coefficients))

    def verify(self, context: bytes, *, threshold: int | None = None) -> None:
        """Check the proof of knowledge of the constant term and, when ``threshold`` is given,
        that there are exactly ``threshold`` coefficients (``ProofError`` names the dealer)."""
        if not self.coefficients:
            raise ProofError(f"dealer[{self.dealer}]: no commitments")
        if threshold is not None and len(self.coefficients) != threshold:
            raise ProofError(
                f"dealer[{self.dealer}]: {len(self.coefficients)} coefficients, "
                f"expected {threshold} (the threshold)"
            )
        proof_context = encode_fields(_COEFFICIENT_CONTEXT, context, _u64(self.dealer))
        verify_schnorr(
            self.coefficients[0], self.proof, proof_context, label=f"dealer[{self.dealer}]"
        )

    def to_json(self) -> dict[str, Any]:
        """``{"dealer": i, "coefficients": [hex...], "proof": {...}}``."""
        return {
            "dealer": self.dealer,
            "coefficients": [c.hex() for c in self.coefficients],
            "proof": self.proof.to_json(),
        }

    @staticmethod
    def from_json(obj: Any, *, field: str = "commitments") -> Commitments:
        """Parse ``to_json`` output; errors name the field."""
        data = get_object(obj, field)
        dealer = get_index(data, "dealer", field)
        raw = get_list(data, "coefficients", field)
        if not raw:
            raise CryptoInputError(f"{field}.coefficients", "expected at least one")
        return Commitments(
            dealer,
            tuple(point(c, f"{field}.coefficients[{k}]") for k, c in enumerate(raw)),
            SchnorrProof.from_json(data.get("proof"), field=f"{field}.proof"),
        )


@dataclass(frozen=True, slots=True)
class EncryptedShare:
    """Dealer ``dealer``'s share for ``recipient``, encrypted to its transport key."""

    dealer: int
    recipient: int
    ephemeral: Point
    ciphertext: bytes

    def to_json(self) -> dict[str, Any]:
        """``{"dealer", "recipient", "ephemeral": hex, "ciphertext": hex}``."""
        return {
            "dealer": self.dealer,
            "recipient": self.recipient,
            "ephemeral": self.ephemeral.hex(),
            "ciphertext": self.ciphertext.hex(),
        }

    @staticmethod
    def from_json(obj: Any, *, field: str = "share") -> EncryptedShare:
        """Parse ``to_json`` output; errors name the field."""
        data = get_object(obj, field)
        indices = [get_index(data, key, field) for key in ("dealer", "recipient")]
        text = data.get("ciphertext")
        if not isinstance(text, str) or len(text) != 64:
            raise CryptoInputError(f"{field}.ciphertext", "expected 64 hex digits")
        try:
            ciphertext = bytes.fromhex(text)
        except ValueError as exc:
            raise CryptoInputError(f"{field}.ciphertext", "not hex") from exc
        return EncryptedShare(
            indices[0], indices[1], get_point(data, "ephemeral", field), ciphertext
        )


@dataclass(frozen=True, slots=True)
class Dealing:
    """What a dealer produces: its secret polynomial (keep it), the public commitments, the
    encrypted shares for the other trustees and its own share ``f(i)``."""

    polynomial: tuple[Scalar, ...]
    commitments: Commitments
    shares: Mapping[int, EncryptedShare]
    own_share: Scalar


def _evaluate(polynomial: Sequence[Scalar], j: int) -> Scalar:
    x = Scalar.from_int(j)
    result = Scalar.from_int(0)
    for coefficient in reversed(polynomial):
        result = result * x + coefficient
    return result


def _pad(
    context: bytes, dealer: int, recipient: int, ephemeral: Point, public: Point, shared: Point
) -> bytes:
    data = encode_fields(
        SHARE_PAD_DOMAIN,
        context,
        _u64(dealer),
        _u64(recipient),
        ephemeral.to_bytes(),
        public.to_bytes(),
        shared.to_bytes(),
    )
    return hashlib.sha512(data).digest()[:32]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def deal(
    index: int,
    n: int,
    t: int,
    rng: RandomSource,
    *,
    transport_keys: Mapping[int, Point],
    context: bytes,
) -> Dealing:
    """Deal as trustee ``index`` of ``n`` with threshold ``t``; ``transport_keys`` maps every
    other trustee to its (verified) transport public key."""
    if not 1 <= t <= n:
        raise UsageError(f"need 1 <= t <= n, got t={t}, n={n}")
    _check_index(index, n, "index")
    missing = [j for j in range(1, n + 1) if j != index and j not in transport_keys]
    if missing:
        raise UsageError(f"missing transport keys of trustees {missing}")
    polynomial = tuple(Scalar.random(rng) for _ in range(t))
    coefficients = tuple(base_mul(a) for a in polynomial)
    proof_context = encode_fields(_COEFFICIENT_CONTEXT, context, _u64(index))
    proof = prove_schnorr(polynomial[0], coefficients[0], proof_context, rng)
    shares = {}
    for j in range(1, n + 1):
        if j == index:
            continue
        ephemeral_secret = Scalar.random(rng)
        ephemeral = base_mul(ephemeral_secret)
        shared = transport_keys[j] * ephemeral_secret
        pad = _pad(context, index, j, ephemeral, transport_keys[j], shared)
        share = _evaluate(polynomial, j)
        shares[j] = EncryptedShare(index, j, ephemeral, _xor(share.to_bytes(), pad))
    return Dealing(
        polynomial,
        Commitments(index, coefficients, proof),
        shares,
        _evaluate(polynomial, index),
    )


@dataclass(frozen=True, slots=True)
class Complaint:
    """A recipient's public accusation: the decryption key point ``S = y·E`` and a DLEQ proof
    that it is right (``log_G(Y) == log_E(S)``)."""

    dealer: int
    recipient: int
    shared: Point
    proof: DleqProof

    def to_json(self) -> dict[str, Any]:
        """``{"dealer", "recipient", "shared": hex, "proof": {...}}``."""
        return {
            "dealer": self.dealer,
            "recipient": self.recipient,
            "shared": self.shared.hex(),
            "proof": self.proof.to_json(),
        }

    @staticmethod
    def from_json(obj: Any, *, field: str = "complaint") -> Complaint:
        """Parse ``to_json`` output; errors name the field."""
        data = get_object(obj, field)
        indices = [get_index(data, key, field) for key in ("dealer", "recipient")]
        return Complaint(
            indices[0],
            indices[1],
            get_point(data, "shared", field),
            DleqProof.from_json(data.get("proof"), field=f"{field}.proof"),
        )


class BadShare(CryptoError):
    """A dealer's share that does not match its commitments; ``dealer`` names the culprit
    and ``complaint`` lets anyone check the accusation."""

    def __init__(self, dealer: int, complaint: Complaint, reason: str) -> None:
        self.dealer = dealer
        self.complaint = complaint
        super().__init__(f"dealer {dealer}: {reason}")


def _complaint_context(context: bytes, dealer: int, recipient: int) -> bytes:
    return encode_fields(COMPLAINT_CONTEXT, context, _u64(dealer), _u64(recipient))


def _open_share(
    share: EncryptedShare, public: Point, shared: Point, commitments: Commitments, context: bytes
) -> tuple[Scalar | None, str]:
    pad = _pad(context, share.dealer, share.recipient, share.ephemeral, public, shared)
    try:
        value = Scalar.from_bytes(_xor(share.ciphertext, pad))
    except CryptoError:
        return None, "the decrypted share is not a canonical scalar"
    if base_mul(value) != commitments.evaluate(share.recipient):
        return None, "the share does not match the dealer's commitments"
    return value, ""


def receive_share(
    recipient: TransportKeyPair,
    share: EncryptedShare,
    commitments: Commitments,
    *,
    context: bytes,
    rng: RandomSource,
) -> Scalar:
    """Decrypt and check a share; raise ``BadShare`` (with a complaint) when it is wrong."""
    if share.recipient != recipient.index or share.dealer != commitments.dealer:
        raise UsageError("share, recipient and commitments do not belong together")
    shared = share.ephemeral * recipient.secret
    value, reason = _open_share(share, recipient.public, shared, commitments, context)
    if value is not None:
        return value
    statement = DleqStatement(Point.generator(), recipient.public, share.ephemeral, shared)
    proof = prove_dleq(
        recipient.secret,
        statement,
        _complaint_context(context, share.dealer, share.recipient),
        rng,
    )
    raise BadShare(share.dealer, Complaint(share.dealer, share.recipient, shared, proof), reason)


def check_complaint(
    complaint: Complaint,
    share: EncryptedShare,
    commitments: Commitments,
    recipient_public: Point,
    *,
    context: bytes,
) -> int:
    """Return the index of the dealer a justified complaint names; raise ``ProofError`` when
    the complaint is not justified (bad proof, or the share is in fact correct)."""
    if (complaint.dealer, complaint.recipient) != (share.dealer, share.recipient):
        raise ProofError("complaint: does not refer to this share")
    if commitments.dealer != share.dealer:
        raise ProofError("complaint: commitments of another dealer")
    statement = DleqStatement(
        Point.generator(), recipient_public, share.ephemeral, complaint.shared
    )
    verify_dleq(
        statement,
        complaint.proof,
        _complaint_context(context, share.dealer, share.recipient),
        label=f"complaint[{share.dealer}->{share.recipient}]",
    )
    value, _ = _open_share(share, recipient_public, complaint.shared, commitments, context)
    if value is not None:
        raise ProofError(f"complaint: dealer {share.dealer}'s share is correct")
    return share.dealer


def joint_public_key(commitments: Iterable[Commitments]) -> Point:
    """The election key ``K = sum_i C_i0`` over the qualified dealers."""
    key = Point.identity()
    for c in commitments:
        key = key + c.coefficients[0]
    return key


def verification_key(j: int, commitments: Iterable[Commitments]) -> Point:
    """Trustee ``j``'s public verification key ``V_j = sum_i f_i(j)·G``."""
    key = Point.identity()
    for c in commitments:
        key = key + c.evaluate(j)
    return key


@dataclass(frozen=True, slots=True)
class DecryptionShare:
    """Trustee ``index``'s share ``D = x_index·alpha`` with its DLEQ proof."""

    index: int
    share: Point
    proof: DleqProof

    def to_json(self) -> dict[str, Any]:
        """``{"index", "share": hex, "proof": {...}}``."""
        return {"index": self.index, "share": self.share.hex(), "proof": self.proof.to_json()}

    @staticmethod
    def from_json(obj: Any, *, field: str = "decryption_share") -> DecryptionShare:
        """Parse ``to_json`` output; errors name the field."""
        data = get_object(obj, field)
        index = get_index(data, "index", field)
        return DecryptionShare(
            index,
            get_point(data, "share", field),
            DleqProof.from_json(data.get("proof"), field=f"{field}.proof"),
        )


def _decryption_context(context: bytes, index: int) -> bytes:
    return encode_fields(_DECRYPTION_CONTEXT, context, _u64(index))


def decryption_share_with_nonce(
    secret_share: Scalar,
    alpha: Point,
    *,
    index: int,
    verification_key: Point,
    context: bytes,
    nonce: Scalar,
) -> DecryptionShare:
    """Deterministic twin of ``decryption_share``."""
    share = alpha * secret_share
    statement = DleqStatement(Point.generator(), verification_key, alpha, share)
    proof = prove_dleq_with_nonce(
        secret_share, statement, _decryption_context(context, index), nonce
    )
    return DecryptionShare(index, share, proof)


def decryption_share(
    secret_share: Scalar,
    alpha: Point,
    *,
    index: int,
    verification_key: Point,
    context: bytes,
    rng: RandomSource,
) -> DecryptionShare:
    """Trustee ``index``'s decryption share of a ciphertext with first component ``alpha``;
    the proof's context is ``encode_fields("referendum/v1/decryption-share", context, index)``."""
    return decryption_share_with_nonce(
        secret_share,
        alpha,
        index=index,
        verification_key=verification_key,
        context=context,
        nonce=Scalar.random(rng),
    )


def verify_decryption_share(
    share: DecryptionShare, alpha: Point, verification_key: Point, *, context: bytes
) -> None:
    """Raise ``ProofError`` (naming the trustee) unless the share's proof verifies."""
    statement = DleqStatement(Point.generator(), verification_key, alpha, share.share)
    verify_dleq(
        statement,
        share.proof,
        _decryption_context(context, share.index),
        label=f"decryption_share[{share.index}]",
    )


def lagrange_coefficient(j: int, indices: Iterable[int]) -> Scalar:
    """``lambda_j = prod_{k != j} k / (k - j)`` over ``indices`` (interpolation at 0)."""
    numerator = Scalar.from_int(1)
    denominator = Scalar.from_int(1)
    for k in indices:
        if k == j:
            continue
        numerator = numerator * Scalar.from_int(k)
        denominator = denominator * Scalar.from_int(k - j)
    return numerator * denominator.inverse()


def lagrange_combine(shares: Mapping[int, Point]) -> Point:
    """``x·alpha`` from the shares ``D_j`` of any ``t`` trustees (indices distinct, >= 1)."""
    indices = sorted(shares)
    if not indices or indices[0] < 1:
        raise UsageError("lagrange_combine: trustee indices are >= 1")
    coefficients = [lagrange_coefficient(j, indices) for j in indices]
    return multi_mul_vartime(coefficients, [shares[j] for j in indices])


def decrypt_with_shares(ciphertext: Ciphertext, shares: Mapping[int, Point]) -> Point:
    """``m·G = beta - x·alpha`` from verified decryption shares of any ``t`` trustees."""
    return ciphertext.beta - lagrange_combine(shares)
