"""The board benchmark runs and reports its figures (no speed is asserted: see benchmarks/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "board_bench.py"


def test_board_bench_reports_figures() -> None:
    spec = importlib.util.spec_from_file_location("board_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    figures = module.run(8, "sqlite")
    assert figures["backend"] == "SqliteBoard"
    assert figures["events"] == 8
    for key in (
        "single_writer_appends_per_s",
        "append_many_100_events_per_s",
        "concurrent_4_appends_per_s",
        "export_events_per_s",
        "read_record_events_per_s",
    ):
        assert figures[key] > 0, key
