"""Voter credentials and ballot signatures (in the manner of Belenios).

A credential authority gives each voter a *private credential*: a typable string of 26
characters from a 32-symbol alphabet (130 random bits) and 2 checksum characters (the sum of
``(position + 1)·digit`` modulo 1021, in base 32), shown in groups of four.  The voter
derives a signing key from it and the election identifier:

    secret = hash_to_scalar("referendum/v1/credential", election_id (UTF-8), body (ASCII))
    public = secret·G

where ``body`` is the normalised 26-character random part.  Only public credentials are
published.  A ballot is signed with a Schnorr signature in commitment form ``(R, z)``:

    c = hash_to_scalar("referendum/v1/signature", public, R, message);   z = w + c·secret

and verified by ``z·G == R + c·public``.

>>> from referendum.crypto.random import DeterministicRandom
>>> rng = DeterministicRandom(b"doc")
>>> private = generate_private_credential(rng)
>>> secret, public = derive_credential("election-1", private)
>>> verify_signature(public, b"ballot", sign(secret, public, b"ballot", rng))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from referendum.crypto.batch import Equation, verify_equations
from referendum.crypto.group import Point, Scalar, base_mul
from referendum.crypto.hashing import hash_to_scalar
from referendum.crypto.json_fields import CryptoInputError, get_object, get_point, get_scalar
from referendum.crypto.random import RandomSource

__all__ = [
    "ALPHABET",
    "CREDENTIAL_DOMAIN",
    "SIGNATURE_DOMAIN",
    "Signature",
    "check_characters",
    "derive_credential",
    "generate_private_credential",
    "normalize_private_credential",
    "sign",
    "sign_with_nonce",
    "signature_equations",
    "verify_signature",
]

ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case
CREDENTIAL_DOMAIN: Final = "referendum/v1/credential"
SIGNATURE_DOMAIN: Final = "referendum/v1/signature"
_CHECK_PRIME: Final = 1021
_BODY: Final = 26
_CHECK: Final = 2
_READ_AS: Final = {"o": "0", "i": "1", "l": "1"}


def check_characters(body: str) -> str:
    """Two check characters of ``body`` (characters of :data:`ALPHABET`): the sum of
    ``(position + 1)·digit`` modulo the prime 1021, in base 32.  They catch every single
    substituted character and every swap of two different adjacent characters (of a body
    shorter than 1020 characters)."""
    value = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body)) % _CHECK_PRIME
    return ALPHABET[value >> 5] + ALPHABET[value & 31]


def _group(text: str) -> str:
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def generate_private_credential(rng: RandomSource) -> str:
    """A fresh private credential such as ``'k3v9-...-x2'`` (7 groups, 28 characters)."""
    value = int.from_bytes(rng.random_bytes(17), "big") >> 6  # 130 bits
    body = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(_BODY)))
    return _group(body + check_characters(body))


def normalize_private_credential(private: str, *, field: str = "credential") -> str:
    """The 26-character body of a typed credential (case, dashes and spaces ignored; ``o``
    read as ``0``, ``i``/``l`` as ``1``); ``InputError`` naming ``field`` when malformed or
    when the checksum does not match."""
    if not isinstance(private, str):
        raise CryptoInputError(field, "a credential is a string")
    text = "".join(_READ_AS.get(ch, ch) for ch in private.lower() if ch not in "- \t")
    if len(text) != _BODY + _CHECK:
        raise CryptoInputError(field, f"expected {_BODY + _CHECK} characters, got {len(text)}")
    bad = sorted({ch for ch in text if ch not in ALPHABET})
    if bad:
        raise CryptoInputError(field, f"characters not in the alphabet: {''.join(bad)!r}")
    body, check = text[:_BODY], text[_BODY:]
    if check_characters(body) != check:
        raise CryptoInputError(field, "checksum does not match (mistyped credential?)")
    return body


def derive_credential(election_id: str, private: str) -> tuple[Scalar, Point]:
    """The signing key pair ``(secret, public)`` of a private credential in an election."""
    body = normalize_private_credential(private)
    secret = hash_to_scalar(CREDENTIAL_DOMAIN, election_id.encode("utf-8"), body.encode("ascii"))
    return secret, base_mul(secret)


@dataclass(frozen=True, slots=True)
class Signature:
    """A Schnorr signature ``(R, z)``."""

    commitment: Point
    response: Scalar

    def to_json(self) -> dict[str, str]:
        """``{"commitment": hex, "response": hex}``."""
        return {"commitment": self.commitment.hex(), "response": self.response.hex()}

    @staticmethod
    def from_json(obj: Any, *, field: str = "signature") -> Signature:
        """Parse ``to_json`` output; errors name ``field``."""
        data = get_object(obj, field)
        if set(data) != {"commitment", "response"}:
            raise CryptoInputError(field, "expected keys commitment, response")
        return Signature(get_point(data, "commitment", field), get_scalar(data, "response", field))


def _challenge(public: Point, commitment: Point, message: bytes) -> Scalar:
    return hash_to_scalar(SIGNATURE_DOMAIN, public.to_bytes(), commitment.to_bytes(), message)


def sign_with_nonce(secret: Scalar, public: Point, message: bytes, nonce: Scalar) -> Signature:
    """Deterministic twin of ``sign`` (constant time in ``secret`` and ``nonce``)."""
    commitment = base_mul(nonce)
    return Signature(commitment, nonce + _challenge(public, commitment, message) * secret)


def sign(secret: Scalar, public: Point, message: bytes, rng: RandomSource) -> Signature:
    """Sign ``message`` with a credential's key pair."""
    return sign_with_nonce(secret, public, message, Scalar.random(rng))


def signature_equations(
    public: Point, message: bytes, signature: Signature, *, label: str = "signature"
) -> list[Equation]:
    """The equation ``z·G - R - c·public == 0`` (to batch with a ballot's proofs)."""
    challenge = _challenge(public, signature.commitment, message)
    terms = (
        (signature.response, Point.generator()),
        (Scalar.from_int(-1), signature.commitment),
        (-challenge, public),
    )
    transcript = challenge.to_bytes() + signature.response.to_bytes()
    return [Equation(label, terms, transcript)]


def verify_signature(public: Point, message: bytes, signature: Signature) -> None:
    """Raise ``ProofError`` unless ``signature`` is ``public``'s signature on ``message``."""
    verify_equations(signature_equations(public, message, signature))
