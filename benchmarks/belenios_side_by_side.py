"""Belenios side by side: the same yes/no/blank referendum run with Debian's ``belenios-tool``.

Installs the Debian package ``belenios-tool`` when it is missing (``apt-get``; nothing of
Belenios is in this repository), then drives it as its own demo does: credentials, three
trustee keys, an election of one question (yes / no, blank allowed: the group is the default
2048-bit ``BELENIOS-2048``), one ``election generate-ballot`` per voter appended with
``archive add-event``, and ``election verify`` on the archive.  Per-ballot times are CPU
times of the child processes (``os.times``), with the cost of an empty verification and of
starting the tool subtracted, so that they compare with our per-ballot CPU times.

``run(ballots)`` returns the figures; ``python benchmarks/belenios_side_by_side.py`` prints
them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

TOOL = "belenios-tool"
GROUP = "BELENIOS-2048"
_QUESTIONS = (
    '{"description":"bench","name":"bench","questions":[{"answers":["Yes","No"],'
    '"blank":true,"min":1,"max":1,"question":"Approve?"}]}'
)


def ensure_installed() -> str:
    """The tool's path, installing Debian's package first when it is missing."""
    found = shutil.which(TOOL)
    if found:
        return found
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", TOOL], check=True, env=env)
    found = shutil.which(TOOL)
    if not found:
        raise RuntimeError(f"{TOOL} is still missing after apt-get install")
    return found


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def _tool(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    env = {**os.environ, "BELENIOS_USE_URANDOM": "1"}
    done = subprocess.run(
        [TOOL, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{TOOL} {' '.join(args)}: {done.stderr.strip()[-400:]}")
    return done.stdout


def _setup(folder: Path, voters: int) -> list[str]:
    uuid = _tool(["setup", "generate-token"], folder).strip()
    _tool(
        ["setup", "generate-credentials", "--uuid", uuid, "--group", GROUP, "--count", str(voters)],
        folder,
    )
    next(folder.glob("*.pubcreds")).rename(folder / "public_creds.json")
    private = next(folder.glob("*.privcreds"))
    creds = [line.split()[1] for line in private.read_text().splitlines() if line.strip()]
    for _ in range(3):
        _tool(["setup", "generate-trustee-key", "--group", GROUP], folder)
    keys = "".join(p.read_text() for p in sorted(folder.glob("*.pubkey")))
    (folder / "public_keys.jsons").write_text(keys)
    _tool(["setup", "make-trustees"], folder)
    (folder / "public_keys.jsons").unlink()
    (folder / "questions.json").write_text(_QUESTIONS)
    _tool(
        [
            "setup",
            "make-election",
            "--uuid",
            uuid,
            "--group",
            GROUP,
            "--template",
            "questions.json",
        ],
        folder,
    )
    _tool(["archive", "init"], folder)
    for name in ("election.json", "trustees.json", "public_creds.json"):
        (folder / name).unlink(missing_ok=True)
    return creds


def run(ballots: int = 20) -> dict[str, Any]:
    """Per-ballot CPU milliseconds of Belenios for creating and verifying ``ballots``."""
    ensure_installed()
    with tempfile.TemporaryDirectory(prefix="belenios-") as scratch:
        folder = Path(scratch)
        creds = _setup(folder, ballots)
        start = _children_cpu()
        _tool(["sha256-b64"], folder, stdin="")
        startup = _children_cpu() - start
        start = _children_cpu()
        _tool(["election", "verify"], folder)
        empty_verify = _children_cpu() - start
        creation = 0.0
        for k, cred in enumerate(creds):
            choice = ["[[0,1,0]]", "[[0,0,1]]", "[[1,0,0]]"][k % 3]
            with (
                tempfile.NamedTemporaryFile("w", dir=folder, suffix=".cred") as c,
                tempfile.NamedTemporaryFile("w", dir=folder, suffix=".json") as b,
            ):
                c.write(cred + "\n")
                b.write(choice + "\n")
                c.flush()
                b.flush()
                start = _children_cpu()
                ballot = _tool(
                    ["election", "generate-ballot", "--privcred", c.name, "--ballot", b.name],
                    folder,
                )
                creation += _children_cpu() - start - startup
            _tool(["archive", "add-event", "--type=Ballot"], folder, stdin=ballot)
        start = _children_cpu()
        _tool(["election", "verify"], folder)
        verify = _children_cpu() - start - empty_verify
    return {
        "tool": f"{TOOL} (Debian), group {GROUP}",
        "ballots": ballots,
        "create_ms": creation / ballots * 1e3,
        "verify_ms": verify / ballots * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ballots", type=int, default=20)
    figures = run(parser.parse_args().ballots)
    print(f"{figures['tool']}, {figures['ballots']} ballots (yes/no, blank allowed)")
    print(f"  create a ballot  {figures['create_ms']:8.2f} ms CPU per ballot")
    print(f"  verify           {figures['verify_ms']:8.2f} ms CPU per ballot")


if __name__ == "__main__":
    main()
