"""Benchmark of ``referendum audit``: planning and assessing at national scale.

Targets (2 cores): each plan for 10,000,000 ballots at a 1% margin under 5 s; drawing
100,000 ballots and assessing a 100,000-reading ALPHA sample under 5 s each.

Run: ``.venv/bin/python benchmarks/audit_bench.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from referendum.audit.assess import assess_audit
from referendum.audit.methods import METHODS, Settings
from referendum.audit.plan import plan_audit
from referendum.audit.readings import Observation
from referendum.audit.results import simple_referendum
from referendum.audit.sampler import sample


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def main() -> None:
    """Print the figures as JSON."""
    ref = simple_referendum(yes=5_050_000, no=4_950_000, ballots=10_000_000)
    figures: dict[str, Any] = {}
    for method in METHODS:
        if method == "batch-comparison":
            continue
        settings = Settings(method=method, risk_limit=Fraction(1, 20))
        seconds, plan = _timed(lambda s=settings: plan_audit(ref, s))
        figures[f"plan {method}"] = {
            "seconds": round(seconds, 3),
            "expected_sample_size": plan["expected_sample_size"],
        }
    seconds, drawn = _timed(
        lambda: sample("167253924516343625414352", population=10_000_000, count=100_000)
    )
    figures["sample 100000 draws"] = {"seconds": round(seconds, 3)}
    readings = [Observation(None, None, "yes" if b % 100 < 51 else "no") for b in drawn]
    settings = Settings(method="alpha", risk_limit=Fraction(1, 20))
    seconds, result = _timed(lambda: assess_audit(ref, settings, readings))
    figures["assess alpha 100000 readings"] = {
        "seconds": round(seconds, 3),
        "risk": result["risk"],
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
