"""A record read over HTTP byte ranges verifies exactly as the same record on disk, in one
process and in worker processes; a server that ignores ranges, or a missing record, is a
clear failure, never a pass."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from range_server import serve

from referendum.bench.generate import generate_record
from referendum.record import messages as m
from referendum.record.io import read_record
from referendum.verify.record_verifier import verify_record
from referendum.verify.source import open_binary, size_of

SMALL_CHUNK = 24 * 1024


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    generate_record(root / "good", voters=30, regions=2, workers=2, seed=5, revote_every=4)
    shutil.copytree(root / "good", root / "broken")
    events = root / "broken" / "events.jsonl"
    lines = events.read_bytes().split(b"\n")
    heights = [e.height for e in read_record(root / "good").events() if e.type == m.BALLOT_ACCEPTED]
    lines[heights[12]] = lines[heights[12]].replace(b'"region":"r', b'"region":"x', 1)
    events.write_bytes(b"\n".join(lines))
    return root


def _report(location: Any, **options: Any) -> dict[str, Any]:
    return verify_record(location, **options).to_json()  # type: ignore[no-any-return]


def test_a_record_over_http_verifies_as_on_disk(site: Path) -> None:
    local = _report(site / "good")
    assert local["ok"]
    with serve(site) as base:
        assert _report(f"{base}/good/") == local
        assert _report(f"{base}/good", workers=2, chunk_bytes=SMALL_CHUNK) == local


def test_a_broken_line_over_http_is_named_as_on_disk(site: Path) -> None:
    local = _report(site / "broken", chunk_bytes=SMALL_CHUNK)
    assert not local["ok"]
    with serve(site) as base:
        remote = _report(f"{base}/broken", workers=2, chunk_bytes=SMALL_CHUNK)
    text = str(remote).replace(f"{base}/broken/events.jsonl", str(site / "broken" / "events.jsonl"))
    assert text == str(local)


def test_a_server_that_ignores_ranges_is_refused(site: Path) -> None:
    with serve(site, ranges=False) as base:
        report = _report(f"{base}/good")
    assert not report["ok"]
    failure = next(r for r in report["checks"] if r["status"] == "fail")
    assert "honours ranges" in failure["detail"], failure


def test_a_missing_record_is_named(site: Path) -> None:
    with serve(site) as base:
        report = _report(f"{base}/nothing-here")
    failure = next(r for r in report["checks"] if r["status"] == "fail")
    assert failure["check"] == "RECORD_FORMAT" and "missing" in failure["detail"]


def test_http_file_reads_like_a_local_file(site: Path) -> None:
    path = site / "good" / "events.jsonl"
    with serve(site) as base:
        url = f"{base}/good/events.jsonl"
        assert size_of(url) == path.stat().st_size
        with open_binary(url, block=1000) as remote, path.open("rb") as local:
            for offset in (0, 999, 1000, 5555, path.stat().st_size - 10):
                remote.seek(offset)
                local.seek(offset)
                assert remote.readline() == local.readline()
                assert remote.read(3000) == local.read(3000)
            remote.seek(path.stat().st_size)
            assert remote.read(10) == b""
