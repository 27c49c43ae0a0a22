"""``referendum bench``: every stage timed in one run, with the peers side by side.

Per-ballot figures are CPU seconds of one process divided by the ballots (so other jobs on the
machine inflate them less than wall time would); the large-record figures are wall times of a
separate ``referendum verify`` process, with the peak resident memory of its whole process
tree (workers included; on Dask, the cluster's worker processes too).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import Any

from referendum.bench.generate import VoterSlice, generate_record, make_ballots
from referendum.bench.ingest import ingest
from referendum.bench.memory import PeakMemory, process_cpu
from referendum.bench.witness import witness_rate
from referendum.crypto import ballot_batch
from referendum.crypto.backend import BACKEND, BACKENDS, available
from referendum.crypto.ballot_batch import BallotBatch
from referendum.errors import ReferendumError
from referendum.protocol.ballots import signing_message
from referendum.protocol.state import ElectionState, state_from_events
from referendum.record import messages as m
from referendum.record.canonical import canonical_json
from referendum.record.io import read_record
from referendum.verify.ballots import RangeTask, check_chunk, check_range, setup_events
from referendum.verify.lines import parse_event_line, read_lines

__all__ = ["machine", "peer", "per_ballot", "per_ballot_by_backend", "run_bench", "verify_timed"]

Progress = Callable[[str], None]


def machine() -> dict[str, Any]:
    """The machine the figures come from."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    with contextlib.suppress(ValueError, OSError):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def per_ballot(record: Path, *, sample: int) -> dict[str, Any]:
    """CPU milliseconds per ballot on this process's group backend: encrypt+prove+sign;
    verify one by one; verify batched (both from the record's lines: parsing, hashes, every
    check; on a backend without the C batch checker the verifier checks each ballot alone)."""
    events = read_record(record).events()
    setup = []
    offset = 0
    path = record / "events.jsonl"
    with path.open("rb") as handle:
        for event in events:
            line = handle.readline()
            offset += len(line)
            setup.append(event)
            if event.type == m.VOTING_OPEN:
                break
        setup_end = offset
        lines = []
        for _, line in read_lines(handle, setup_end, 1 << 62):
            lines.append(line)
            if len(lines) == sample:
                break
    end = setup_end + sum(len(line) + 1 for line in lines)
    state = state_from_events(setup_events(setup))

    start = time.process_time()
    chunk = [(e.height, e.payload) for e in (parse_event_line(x, 0) for x in lines)]
    failures = check_chunk(state, [(h, p) for h, p in chunk if "credential" in p])
    single = time.process_time() - start
    assert not failures, failures

    stat = path.stat()
    task = RangeTask(str(path), setup_end, end, setup_end, (stat.st_size, stat.st_mtime_ns))
    check_range(task)  # builds this process's setup state once, outside the timing
    start = time.process_time()
    result = check_range(task)
    batched = time.process_time() - start
    assert not result.failures and result.error is None

    one, together = (
        _c_batch_times(state, [p for _, p in chunk if "credential" in p])
        if ballot_batch.AVAILABLE
        else (None, None)
    )

    key = state.public_key.to_bytes()
    regions = tuple(r.id for r in state.manifest.regions)
    with tempfile.TemporaryDirectory() as scratch:
        job = VoterSlice(
            1,
            1 + sample,
            5,
            state.manifest.id,
            state.fingerprint,
            key,
            regions,
            0,
            os.path.join(scratch, "b.jsonl"),
        )
        start = time.process_time()
        make_ballots(job)
        create = time.process_time() - start
    n = len(lines)
    return {
        "backend": BACKEND,
        "ballots": n,
        "encrypt_prove_sign_ms": create / sample * 1e3,
        "verify_single_ms": single / n * 1e3,
        "verify_batched_ms": batched / n * 1e3,
        "c_check_one_ms": one,
        "c_check_batched_ms": together,
    }


def per_ballot_by_backend(record: Path, *, sample: int) -> dict[str, Any]:
    """:func:`per_ballot` on each installed group backend, side by side in one run (each in
    its own process, the backend being chosen once per process), and how many times longer
    the portable backend takes than libdecaf's (``ratio``: CPU time of the verifier's path,
    batched, and one by one)."""
    found: dict[str, Any] = {}
    for name in BACKENDS:
        if not available(name):
            found[name] = None
            continue
        run = subprocess.run(
            [sys.executable, "-m", "referendum.bench.run", str(record), str(sample)],
            capture_output=True,
            text=True,
            env={**os.environ, "REFERENDUM_GROUP_BACKEND": name},
        )
        found[name] = (
            json.loads(run.stdout) if run.returncode == 0 else {"error": run.stderr[-500:]}
        )
    fast, slow = found.get("decaf"), found.get("sodium")
    if fast and slow and "error" not in fast and "error" not in slow:
        found["ratio"] = {
            key: slow[key] / fast[key]
            for key in ("verify_batched_ms", "verify_single_ms", "encrypt_prove_sign_ms")
        }
    return found


def _c_batch_times(state: ElectionState, payloads: list[Any]) -> tuple[float, float]:
    """CPU ms per ballot of the C check of signatures and proofs alone (what the batch
    speeds up; no line parsing): one ballot per check, then every ballot in one check."""
    items = [
        (
            p["region"],
            p["credential"],
            p["ballot"],
            p["signature"],
            signing_message(
                state.fingerprint,
                bytes.fromhex(p["credential"]),
                p["region"],
                canonical_json(p["ballot"]),
                p["replaces"],
            ),
        )
        for p in payloads
    ]
    times = []
    for size in (1, len(items)):
        batches = {r: BallotBatch(state.ballot_context(r)) for r in {i[0] for i in items}}
        start = time.process_time()
        for region, credential, ballot, signature, message in items:
            batch = batches[region]
            if not batch.add(credential, ballot, signature, message):
                raise AssertionError("a generated ballot has the wrong form")
            if len(batch) >= size and not batch.check():
                raise AssertionError("a generated ballot does not verify")
        if not all(b.check() for b in batches.values()):
            raise AssertionError("a generated ballot does not verify")
        times.append((time.process_time() - start) / len(items) * 1e3)
    return times[0], times[1]


def _load(path: Path) -> ModuleType | None:
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peer(name: str, ballots: int) -> dict[str, Any] | None:
    """Run ``benchmarks/<name>.py``'s ``run(ballots)`` (``None`` when the script is absent:
    the benchmarks folder is found next to ``src/`` or through ``REFERENDUM_BENCHMARKS``)."""
    folder = Path(
        os.environ.get("REFERENDUM_BENCHMARKS", Path(__file__).resolve().parents[3] / "benchmarks")
    )
    module = _load(folder / f"{name}.py")
    if module is None:
        return None
    figures: dict[str, Any] = module.run(ballots)
    return figures


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def verify_timed(
    record: Path, *, workers: int = 1, dask: str | None = None, extra_roots: tuple[int, ...] = ()
) -> dict[str, Any]:
    """Wall seconds and peak memory (MB, whole process tree) of ``referendum verify``."""
    command = [sys.executable, "-m", "referendum.cli", "verify", str(record), "--format", "json"]
    command += ["--workers", str(workers)] + (["--dask", dask] if dask else [])
    start = time.perf_counter()
    cpu = _children_cpu() + sum(map(process_cpu, extra_roots))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with PeakMemory(lambda: [process.pid, *extra_roots]) as peak:
        out, err = process.communicate()
    seconds = time.perf_counter() - start
    cpu = _children_cpu() + sum(map(process_cpu, extra_roots)) - cpu
    report: dict[str, Any] = json.loads(out) if out.strip() else {"ok": False}
    return {
        "workers": workers if dask is None else f"dask ({dask})",
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mb": peak.peak / 2**20,
        "peak_pss_mb": peak.peak_pss / 2**20,
        "ok": report.get("ok"),
        "accepted": report.get("summary", {}).get("accepted"),
        "error": None if out.strip() else err.decode()[-500:],
    }


def _dask_verify(record: Path, workers: int) -> dict[str, Any]:
    distributed: Any = importlib.import_module("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        return verify_timed(record, dask=cluster.scheduler_address, extra_roots=tuple(pids))


def run_bench(
    *,
    ballots: int,
    out: Path,
    db: str | None = None,
    workers: int = 2,
    ingest_ballots: int = 1000,
    sample: int = 2000,
    peers: bool = True,
    peer_ballots: int = 30,
    record: Path | None = None,
    log_events: int = 0,
    progress: Progress = lambda _: None,
    backend_sample: int = 300,
) -> dict[str, Any]:
    """Run every stage; returns the figures (also written to ``out/bench.json``).  With
    ``record``, that earlier run's record is reused instead of generating one; with
    ``log_events``, the transparency log's figures on a tree of that many events too."""
    out.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {"machine": machine(), "ballots": ballots}
    if record is not None:
        figures.update(_reused(record))
    else:
        record = out / f"record-{ballots}"
        progress(f"generating a record of {ballots} voters with {workers} processes")
        start, cpu = time.perf_counter(), _children_cpu() + _self_cpu()
        generated = generate_record(record, voters=ballots, workers=workers)
        figures["generate"] = {
            "seconds": time.perf_counter() - start,
            "cpu_seconds": _children_cpu() + _self_cpu() - cpu,
            "ballots": generated.ballots,
            "events": generated.events,
            "mb": generated.bytes / 2**20,
        }
    ballots = figures["ballots"]
    progress("per-ballot CPU times")
    figures["per_ballot"] = per_ballot(record, sample=min(sample, ballots))
    progress("per-ballot CPU times on each group backend, side by side")
    figures["per_ballot_by_backend"] = per_ballot_by_backend(
        record, sample=min(backend_sample, ballots)
    )
    progress("ingest with verification on SQLite")
    figures["ingest"] = [
        asdict(
            ingest(
                str(out / f"ingest-{writers}-{batch}.sqlite"),
                ballots=ingest_ballots,
                writers=writers,
                batch=batch,
                workers=workers,
                export_to=out / f"export-sqlite-{writers}-{batch}",
            )
        )
        for writers, batch in ((1, 1), (1, 200), (workers, 200))
    ]
    if db:
        for writers, batch in ((1, 200), (workers, 200), (workers * 2, 200), (1, 1)):
            progress(f"ingest with verification on PostgreSQL, {writers} writers, batch {batch}")
            schema = f"bench_{uuid.uuid4().hex[:8]}_{writers}_{batch}"
            target = f"{db}{'&' if '?' in db else '?'}schema={schema}"
            try:
                figures["ingest"].append(
                    asdict(
                        ingest(
                            target,
                            ballots=ingest_ballots,
                            writers=writers,
                            batch=batch,
                            workers=workers,
                            export_to=out / f"export-pg-{writers}-{batch}",
                        )
                    )
                )
            except ReferendumError as exc:  # a figure in itself: say it, go on measuring
                figures["ingest"].append(
                    {"backend": "postgresql", "writers": writers, "batch": batch, "error": str(exc)}
                )
            finally:
                _drop_schema(db, schema)
    runs = []
    for n in (1, workers):
        progress(f"verifying the record with {n} worker(s)")
        runs.append(verify_timed(record, workers=n))
    progress(f"verifying the record on a {workers}-worker Dask LocalCluster")
    runs.append(_dask_verify(record, workers))
    figures["verify"] = runs
    progress("a witness following a board's checkpoints (events per second it keeps up with)")
    figures["witness"] = [
        witness_rate(events=100_000, every=1000),
        witness_rate(events=20_000, every=100),
    ]
    if peers:
        progress("4096-bit modular ElGamal baseline (benchmarks/modp_baseline.py)")
        figures["modp_baseline"] = peer("modp_baseline", max(3, peer_ballots // 6))
        progress("Belenios (benchmarks/belenios_side_by_side.py)")
        figures["belenios"] = peer("belenios_side_by_side", peer_ballots)
    if log_events:
        from referendum.bench.merkle import log_figures

        progress(f"transparency log: the tree's share of ingest, proofs on {log_events:,} events")
        figures["log"] = log_figures(
            out / "log", events=log_events, ballots=min(ingest_ballots, 600), workers=workers
        )
    (out / "bench.json").write_text(json.dumps(figures, indent=2, default=str))
    return figures


def _reused(record: Path) -> dict[str, Any]:
    """The voters and generation figures of a record an earlier run made (from the
    ``bench.json`` beside it when there; counted from the record otherwise)."""
    earlier = record.parent / "bench.json"
    if earlier.is_file():
        data = json.loads(earlier.read_text())
        if data.get("generate") and "reused_from" not in data["generate"]:
            return {
                "ballots": data["ballots"],
                "generate": {**data["generate"], "reused_from": str(record)},
            }
    accepted = 0
    with (record / "events.jsonl").open("rb") as handle:
        for line in handle:
            accepted += b'"type":"ballot.accepted"' in line
    return {
        "ballots": accepted,
        "generate": {
            "seconds": float("nan"),
            "cpu_seconds": float("nan"),
            "ballots": accepted,
            "events": None,
            "mb": (record / "events.jsonl").stat().st_size / 2**20,
            "reused_from": str(record),
        },
    }


def _drop_schema(db: str, schema: str) -> None:
    import psycopg

    from referendum.board.open import split_schema

    conninfo, _ = split_schema(db)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":  # per_ballot_by_backend's worker: RECORD SAMPLE
    print(json.dumps(per_ballot(Path(sys.argv[1]), sample=int(sys.argv[2]))))
