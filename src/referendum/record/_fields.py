"""Length-prefixed field encoding, the byte layout every hash in the project is taken over.

Private twin of ``referendum.crypto.hashing.encode_fields`` (same bytes): each field is its
length as an 8-byte big-endian unsigned integer followed by the field's bytes.  Kept here so
that the record layer does not depend on the crypto layer's import; the two must stay identical.
"""

from __future__ import annotations

__all__ = ["encode_fields"]


def encode_fields(*parts: bytes) -> bytes:
    """Concatenate ``len(part).to_bytes(8, "big") + part`` for each part, in order.

    >>> encode_fields(b"ab", b"").hex()
    '000000000000000261620000000000000000'
    """
    out = bytearray()
    for part in parts:
        out += len(part).to_bytes(8, "big")
        out += part
    return bytes(out)
