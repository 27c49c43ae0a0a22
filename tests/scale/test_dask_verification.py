"""Verification on a Dask cluster: the same verdict, tally and diagnosis as one process, and a
lost worker's ranges run again."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from range_server import serve

from referendum.bench.generate import generate_record
from referendum.record import messages as m
from referendum.record.io import read_record
from referendum.verify.record_verifier import verify_record

distributed = pytest.importorskip("dask.distributed")

SMALL_CHUNK = 24 * 1024


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dask") / "record"
    generate_record(out, voters=30, regions=2, workers=2, seed=11, revote_every=5)
    return out


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def _corrupt(record: Path, out: Path) -> int:
    """A copy whose 12th ballot has one hex digit of its signature changed (chain broken)."""
    shutil.copytree(record, out)
    heights = [e.height for e in read_record(record).events() if e.type == m.BALLOT_ACCEPTED]
    lines = (out / "events.jsonl").read_bytes().split(b"\n")
    line = lines[heights[12]]
    at = line.index(b'"response":"') + len(b'"response":"')
    lines[heights[12]] = line[:at] + (b"1" if line[at : at + 1] != b"1" else b"2") + line[at + 1 :]
    (out / "events.jsonl").write_bytes(b"\n".join(lines))
    return heights[12]


def test_dask_gives_the_single_process_report(record: Path, client: Any, tmp_path: Path) -> None:
    single = verify_record(record).to_json()
    assert single["ok"]
    on_dask = verify_record(record, dask=client, chunk_bytes=SMALL_CHUNK).to_json()
    assert on_dask == single
    assert on_dask["summary"]["results"] == single["summary"]["results"]

    bad = tmp_path / "bad"
    height = _corrupt(record, bad)
    expected = verify_record(bad).to_json()
    assert not expected["ok"]
    failure = next(c for c in expected["checks"] if c["status"] == "fail")
    assert failure["check"] == "CHAIN" and f"line {height + 1}:" in failure["detail"]
    assert verify_record(bad, dask=client, chunk_bytes=SMALL_CHUNK).to_json() == expected


def test_a_lost_worker_ranges_are_run_again(record: Path) -> None:
    expected = verify_record(record).to_json()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        pids = list(dask_client.run(os.getpid).values())
        outcome: dict[str, Any] = {}

        def run() -> None:
            outcome["report"] = verify_record(record, dask=dask_client, chunk_bytes=4096)

        thread = threading.Thread(target=run)
        thread.start()
        while not dask_client.processing() or not any(dask_client.processing().values()):
            time.sleep(0.01)
        os.kill(pids[0], signal.SIGKILL)
        killed_while_running = thread.is_alive()
        thread.join(timeout=120)
    assert killed_while_running
    assert outcome["report"].to_json() == expected


def test_dask_workers_read_a_record_at_a_url(record: Path, client: Any) -> None:
    """The workers fetch their ranges from the URL themselves (HTTP byte ranges)."""
    single = verify_record(record).to_json()
    with serve(record.parent) as base:
        url = f"{base}/{record.name}"
        assert verify_record(url, dask=client, chunk_bytes=SMALL_CHUNK).to_json() == single
