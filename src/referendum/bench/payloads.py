"""Event payloads shaped like ballots, for the board benchmarks (``benchmarks/board_bench.py``,
:mod:`referendum.bench.merkle`)."""

from __future__ import annotations

from typing import Any

__all__ = ["ballot_payload"]


def ballot_payload(index: int) -> dict[str, Any]:
    """A payload the size and shape of an encrypted three-option ballot with its proofs."""
    hex32 = f"{index:064x}"
    options = [
        {"alpha": hex32, "beta": hex32, "proof": {"c": [hex32] * 2, "r": [hex32] * 2}}
        for _ in range(3)
    ]
    return {
        "credential": hex32,
        "region": f"R{index % 5}",
        "ballot": {"questions": [{"options": options, "sum_proof": [hex32] * 4}]},
        "signature": {"c": hex32, "r": hex32},
    }
