"""Cryptography of the verifiable core: ristretto255, hashing, ElGamal, proofs, ballots.

Import from the submodules (``referendum.crypto.group``, ``referendum.crypto.ballot``...);
this package deliberately re-exports nothing.
"""

__all__: list[str] = []
