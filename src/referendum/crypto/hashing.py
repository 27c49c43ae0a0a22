"""Domain-separated hashing over canonical, length-prefixed encodings.

Every hash in the package is over ``encode_fields(domain, *parts)``: for each field its length
as 8 bytes big-endian, then its bytes.  Domain tags are ASCII strings starting
``referendum/v1/`` or, for constructions new in version 2 of the record, ``referendum/v2/``
(``referendum/v3/``: the shuffle of deniable revoting, docs/spec/shuffle.md).

>>> encode_fields(b"ab", b"").hex()
'000000000000000261620000000000000000'
"""

from __future__ import annotations

import hashlib
from typing import Final

from referendum.crypto.group import Point, Scalar
from referendum.errors import UsageError

__all__ = [
    "DOMAIN_PREFIX",
    "DOMAIN_PREFIXES",
    "encode_fields",
    "expand_message_xmd",
    "hash_to_group",
    "hash_to_scalar",
    "sha256_fields",
]

DOMAIN_PREFIX: Final = "referendum/v1/"
DOMAIN_PREFIXES: Final = (DOMAIN_PREFIX, "referendum/v2/", "referendum/v3/")


def encode_fields(*parts: bytes) -> bytes:
    """Concatenate each part as 8-byte big-endian length followed by its bytes."""
    try:
        return b"".join([len(part).to_bytes(8, "big") + part for part in parts])
    except TypeError as exc:
        raise UsageError("encode_fields takes bytes only") from exc


def _domain_bytes(domain: str) -> bytes:
    if not domain.startswith(DOMAIN_PREFIXES) or not domain.isascii():
        raise UsageError(
            f"domain tags are ASCII and start with one of {DOMAIN_PREFIXES}: {domain!r}"
        )
    return domain.encode("ascii")


def hash_to_scalar(domain: str, *parts: bytes) -> Scalar:
    """SHA-512 of ``encode_fields(domain, *parts)`` read little-endian, reduced modulo L."""
    digest = hashlib.sha512(encode_fields(_domain_bytes(domain), *parts)).digest()
    return Scalar.from_uniform_bytes(digest)


def sha256_fields(domain: str, *parts: bytes) -> bytes:
    """SHA-256 of ``encode_fields(domain, *parts)``."""
    return hashlib.sha256(encode_fields(_domain_bytes(domain), *parts)).digest()


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 ``expand_message_xmd`` with SHA-512."""
    b_in_bytes, r_in_bytes = 64, 128
    ell = -(-length // b_in_bytes)
    if ell > 255 or length > 65535 or len(dst) > 255:
        raise UsageError("expand_message_xmd: length or DST too long")
    dst_prime = dst + bytes([len(dst)])
    msg_prime = bytes(r_in_bytes) + msg + length.to_bytes(2, "big") + b"\x00" + dst_prime
    b0 = hashlib.sha512(msg_prime).digest()
    blocks = [hashlib.sha512(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, blocks[-1], strict=True))
        blocks.append(hashlib.sha512(mixed + bytes([i]) + dst_prime).digest())
    return b"".join(blocks)[:length]


def hash_to_group(domain: str, msg: bytes) -> Point:
    """RFC 9380 ``hash_to_ristretto255``: expand_message_xmd (SHA-512, DST = ``domain``) to 64
    bytes, then RFC 9496 element derivation.  ``domain`` need not carry our prefix, so that
    the RFC's own test suites can be run."""
    if not domain.isascii() or not domain:
        raise UsageError("hash_to_group: the domain is a non-empty ASCII string")
    return Point.from_uniform_bytes(expand_message_xmd(msg, domain.encode("ascii"), 64))
