"""The benchmark's parts on tiny inputs: ingest with verification, export, per-ballot figures,
peak memory sampling (speed targets live in ``referendum bench``, never in tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from referendum.bench.generate import generate_record
from referendum.bench.ingest import ingest
from referendum.bench.memory import PeakMemory, tree_rss
from referendum.bench.run import per_ballot
from referendum.verify.record_verifier import verify_record


def test_ingest_on_sqlite_casts_every_ballot_and_exports_a_record_that_verifies(
    tmp_path: Path,
) -> None:
    figures = ingest(str(tmp_path / "b.sqlite"), ballots=6, workers=1, export_to=tmp_path / "rec")
    assert figures.ballots == 6 and figures.ballots_per_second > 0
    report = verify_record(tmp_path / "rec")
    assert report.sound and report.phase == "voting", [r.to_json() for r in report.failures()]
    assert report.summary["accepted"] == 6


def test_ingest_on_postgresql_with_two_writers(tmp_path: Path) -> None:
    url = os.environ.get("REFERENDUM_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need REFERENDUM_TEST_POSTGRES_URL")
    import uuid

    import psycopg

    schema = f"bench_test_{uuid.uuid4().hex[:8]}"
    target = f"{url}{'&' if '?' in url else '?'}schema={schema}"
    try:
        figures = ingest(target, ballots=6, writers=2, workers=1, export_to=tmp_path / "rec")
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    assert figures.writers == 2 and figures.ballots == 6
    report = verify_record(tmp_path / "rec")
    assert report.sound and report.summary["accepted"] == 6


def test_per_ballot_figures_are_positive(tmp_path: Path) -> None:
    record = tmp_path / "rec"
    generate_record(record, voters=8, regions=2, workers=1, seed=2, revote_every=0)
    figures = per_ballot(record, sample=5)
    assert figures["ballots"] == 5
    for key in (
        "encrypt_prove_sign_ms",
        "verify_single_ms",
        "verify_batched_ms",
        "c_check_one_ms",
        "c_check_batched_ms",
    ):
        assert figures[key] > 0


def test_peak_memory_counts_child_processes() -> None:
    alone = tree_rss([os.getpid()])
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; x = bytearray(64 << 20); time.sleep(1.5)"]
    )
    try:
        with PeakMemory(lambda: [os.getpid()], interval=0.05) as peak:
            child.wait()
    finally:
        child.kill()
    assert peak.peak >= alone + (60 << 20)
    assert peak.peak_pss >= 60 << 20  # the child's pages are its own: counted whole


def test_per_ballot_on_each_backend_side_by_side(tmp_path: Path) -> None:
    from referendum.bench.run import per_ballot_by_backend
    from referendum.crypto.backend import available

    if not available("decaf"):
        pytest.skip("the libdecaf extension is not built: nothing to compare with")
    record = tmp_path / "rec"
    generate_record(record, voters=6, regions=1, workers=1, seed=3, revote_every=0)
    found = per_ballot_by_backend(record, sample=4)
    assert found["decaf"]["backend"] == "decaf" and found["sodium"]["backend"] == "sodium"
    assert found["sodium"]["c_check_one_ms"] is None and found["decaf"]["c_check_one_ms"] > 0
    assert found["decaf"]["ballots"] == found["sodium"]["ballots"] == 4
    assert set(found["ratio"]) == {"verify_batched_ms", "verify_single_ms", "encrypt_prove_sign_ms"}
    assert all(r > 0 for r in found["ratio"].values())
