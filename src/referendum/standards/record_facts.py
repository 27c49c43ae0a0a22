"""Facts for the legitimacy report taken from a verified election record.

:func:`facts_from_record` runs the verifier on a record directory and extracts the mapping
that :func:`referendum.standards.record.case_from_record_facts` takes
(docs/standards/record-hook.md): the question, the voting window, the rule, the per-region
results, and the verifier's verdict.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from referendum.errors import ReferendumError
from referendum.protocol.state import NON_BALLOT_TYPES, state_from_events
from referendum.record.io import read_record
from referendum.verify.record_verifier import verify_record

__all__ = ["facts_from_record"]


def facts_from_record(directory: Path, *, workers: int = 1) -> dict[str, Any]:
    """Verify the record and extract the facts the legitimacy report uses.

    A record that cannot even be read (a broken chain) gives only ``{"verified": False}``: none
    of its facts can be relied on."""
    report = verify_record(directory, workers=workers)
    try:
        events = [e for e in read_record(directory).events() if e.type in NON_BALLOT_TYPES]
        state = state_from_events(events)
    except ReferendumError:
        return {"verified": False}
    manifest = state.manifest
    question = manifest.questions[0]
    facts: dict[str, Any] = {
        "question": question.text,
        "options": list(question.answers),
        "window": {"opens": manifest.window[0].opens, "closes": manifest.window[-1].closes},
        "verified": report.ok,
    }
    if question.is_referendum:
        facts["rule"] = manifest.outcome_rule().to_mapping()
    if state.results is not None and question.is_referendum:
        regions = []
        totals = {"yes": 0, "no": 0, "blank": 0, "electorate": 0, "ballots": 0}
        for region in manifest.regions:
            entry = state.results["regions"][region.id]
            counts = entry["questions"][question.id]
            row = {
                "yes": counts["yes"],
                "no": counts["no"],
                "blank": entry["ballots"] - counts["yes"] - counts["no"],
                "electorate": entry["electorate"],
                "ballots": entry["ballots"],
            }
            for key in totals:
                totals[key] += row[key]
            regions.append({"name": region.id, "weight": region.weight, **row})
        facts["regions"] = regions
        facts["results"] = totals
    return facts
