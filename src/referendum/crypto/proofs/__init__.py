"""Sigma proofs made non-interactive with Fiat-Shamir: Schnorr, DLEQ, disjunctive ranges.

Each proof is published in commitment form (commitments and responses, plus the branch
challenges for disjunctions) so that verification is a set of linear equations that can be
checked one by one or in a batch (``referendum.crypto.batch``).  Import the submodules.
"""

__all__: list[str] = []
