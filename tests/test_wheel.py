"""The pure wheel (issue 16): ``python -m build`` gives an sdist and a wheel without the libdecaf
extension, which installs into a fresh virtual environment with no Debian package and runs
``referendum verify`` on a demo record, ``check``, ``forensics`` and ``audit`` there, on the
portable group backend.

The environment is built offline from a wheelhouse of the locked dependencies
(``build/wheelhouse``, downloaded once per lock file with ``pip download``), as ``pipx
install`` or ``uv tool install`` of the wheel would build it from PyPI.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = ROOT / "build" / "wheelhouse"

pytestmark = pytest.mark.slow


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would let the fresh venv see the work tree or
    choose its backend."""
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "REFERENDUM_GROUP_BACKEND", "PYTHONHOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
    )
    return {**env, **extra}


def _run(args: list[str | Path], cwd: Path, timeout: float = 900, **env: str) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-3000:])
    return done.stdout


def _wheelhouse(wheel: Path, scratch: Path, *, refresh: bool = False) -> Path:
    """The wheels of the pure wheel's dependencies at the lock's versions (downloaded when the
    lock changed since the last time, or when ``refresh``: the wheelhouse lacked one)."""
    stamp = hashlib.sha256(
        (ROOT / "requirements.lock").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    ).hexdigest()
    marker = WHEELHOUSE / f".lock-{stamp[:16]}"
    if refresh or not marker.is_file():
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        download = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:"]
        _run([*download, "--dest", WHEELHOUSE, "-c", ROOT / "requirements.lock", wheel], scratch)
        marker.touch()
    return WHEELHOUSE


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a fresh venv holding only the pure wheel and its dependencies."""
    scratch = tmp_path_factory.mktemp("wheel")
    start = time.perf_counter()
    _run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", scratch / "dist", ROOT],
        scratch,
        REFERENDUM_BUILD_DECAF="0",
    )
    built = time.perf_counter()
    (sdist,) = (scratch / "dist").glob("referendum-*.tar.gz")
    (wheel,) = (scratch / "dist").glob("referendum-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    names = zipfile.ZipFile(wheel).namelist()
    assert "referendum/crypto/_group_sodium.py" in names
    extension = [n for n in names if n.startswith("referendum/crypto/_decaf.")]
    assert not extension and not [n for n in names if n.endswith((".so", ".pyd"))], names
    assert sdist.stat().st_size > 0
    house = _wheelhouse(wheel, scratch)
    fetched = time.perf_counter()
    _run([sys.executable, "-m", "venv", scratch / "venv"], scratch)
    pip = [
        scratch / "venv" / "bin" / "python",
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--no-compile",
    ]
    try:
        _run([*pip, "--find-links", house, wheel], scratch)
    except AssertionError:  # a wheelhouse marked current but incomplete: fetch what it lacks
        house = _wheelhouse(wheel, scratch, refresh=True)
        _run([*pip, "--find-links", house, wheel], scratch)
    installed = time.perf_counter()
    print(  # shown with -s or on failure: the test's own cost
        f"build {built - start:.1f} s, wheelhouse {fetched - built:.1f} s, "
        f"venv and install {installed - fetched:.1f} s"
    )
    return scratch / "venv" / "bin"


def test_the_fresh_venv_has_no_libdecaf_and_chooses_the_portable_backend(
    fresh_venv: Path, tmp_path: Path
) -> None:
    code = (
        "import importlib.util, referendum.crypto.group as g;"
        "print(importlib.util.find_spec('referendum.crypto._decaf'), g.BACKEND, g.__file__)"
    )
    spec, backend, where = _run([fresh_venv / "python", "-c", code], tmp_path).split()
    assert (spec, backend) == ("None", "sodium")
    assert not Path(where).is_relative_to(ROOT)
    done = subprocess.run(
        [fresh_venv / "referendum", "verify", tmp_path],
        env=_clean_env(REFERENDUM_GROUP_BACKEND="decaf"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "decaf was asked for" in done.stderr, done.stderr


def test_demo_record_verifies_in_the_fresh_venv(fresh_venv: Path, tmp_path: Path) -> None:
    referendum = fresh_venv / "referendum"
    _run([referendum, "demo", "--out", "demo", "--voters", "12", "--seed", "7"], tmp_path)
    done = subprocess.run(
        [referendum, "verify", "demo", "--format", "json"],
        cwd=tmp_path,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["ok"] and report["summary"]["backend"] == "sodium"
    assert "times slower" in done.stderr and "libdecaf-dev" in done.stderr
    text = _run([referendum, "verify", "demo"], tmp_path)
    assert text.startswith("Group backend: sodium") and "The record verifies." in text


def test_check_forensics_and_audit_in_the_fresh_venv(fresh_venv: Path, tmp_path: Path) -> None:
    referendum = fresh_venv / "referendum"
    case = ROOT / "examples" / "switzerland-2020-responsible-business"
    report = json.loads(_run([referendum, "check", case, "--format", "json"], tmp_path))
    assert report["outcome"]["decision"] == "rejected" and not report["summary"]["failed"]

    table = tmp_path / "stations.csv"
    with table.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["region", "station", "registered", "ballots", "valid", "invalid", "yes"])
        for i in range(60):
            registered = 900 + 7 * i
            ballots = registered * (55 + i % 20) // 100
            yes = ballots * (40 + i % 30) // 100
            out.writerow([f"R{i % 3}", f"S{i}", registered, ballots, ballots - 5, 5, yes])
    columns = ["--registered", "registered", "--ballots", "ballots", "--valid", "valid"]
    columns += ["--invalid", "invalid", "--region", "region", "--station", "station"]
    args = [referendum, "forensics", table, *columns, "--option", "yes"]
    found = json.loads(_run([*args, "--format", "json", "--draws", "20"], tmp_path))
    assert found["stations"] == 60 and found["choice"] == "yes"

    results = ROOT / "examples" / "audit" / "two-regions.yaml"
    plan = [referendum, "audit", "plan", "--results", results, "--risk-limit", "0.05"]
    assert json.loads(_run([*plan, "--format", "json"], tmp_path))["expected_sample_size"] == 817
