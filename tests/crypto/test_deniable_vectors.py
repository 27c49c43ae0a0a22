"""``vectors/deniable.json``: the reference implementation and the spec-only verifier
(``spec_deniable_verifier.py``, written from docs/spec/coercion.md section 8) accept every valid
case and refuse every altered one, naming the same first check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import spec_deniable_verifier as spec
from generate_vectors import _deniable_failure, deniable_vectors

DATA: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "deniable.json").read_text(encoding="utf-8")
)


def ids(case: dict[str, Any]) -> str:
    return f"{case['kind']} {case.get('group', '')} {case.get('reason', 'valid')}"


def test_the_file_is_what_the_generator_writes() -> None:
    assert deniable_vectors() == DATA


@pytest.mark.parametrize("case", DATA["cases"], ids=ids)
def test_both_verifiers_agree(case: dict[str, Any]) -> None:
    if case["valid"]:
        spec.check_case(case)
        with pytest.raises(AssertionError, match="verifies"):
            _deniable_failure({**case, "reason": "valid"})
        return
    assert _deniable_failure(case) == case["fails"]
    with pytest.raises(spec.Invalid) as info:
        spec.check_case(case)
    assert str(info.value) == case["fails"]
