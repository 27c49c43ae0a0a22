"""``referendum audit sample|plan|assess``: risk-limiting audits of the paper ballots.

A thin shell over :mod:`referendum.audit`; see docs/audit/ for the methods and a walk-through.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import typer

from referendum.audit import manifest as manifest_mod
from referendum.audit.assess import assess_audit
from referendum.audit.batch import parse_batch_counts, parse_batches
from referendum.audit.methods import METHODS, Method, Settings
from referendum.audit.plan import plan_audit
from referendum.audit.readings import parse_sample
from referendum.audit.results import Referendum, load_results, simple_referendum
from referendum.audit.sampler import check_seed, draws
from referendum.cli.main import app
from referendum.errors import AuditInputError
from referendum.rules import parse_fraction

__all__ = ["audit_app"]

audit_app = typer.Typer(
    name="audit",
    help="Risk-limiting audits of paper ballots: draw a sample, plan, assess the risk.",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")

_FORMATS = ("text", "json")


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditInputError(what, f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise AuditInputError(what, f"{path} is not UTF-8 text") from None


def _format(value: str) -> str:
    if value not in _FORMATS:
        raise AuditInputError("format", f"expected one of {_FORMATS}, got {value!r}")
    return value


def _method(value: str) -> Method:
    for m in METHODS:
        if m == value:
            return m
    raise AuditInputError("method", f"unknown method {value!r}; expected one of {METHODS}")


def _fraction(value: str, name: str) -> Fraction:
    return parse_fraction(value, field_name=name)


def _referendum(
    *,
    yes: int | None,
    no: int | None,
    invalid: int,
    ballots: int | None,
    results: Path | None,
    batches: Path | None,
) -> Referendum:
    if results is not None:
        if yes is not None or no is not None or ballots is not None:
            raise AuditInputError("results", "give either --results or --yes/--no/--ballots")
        ref = load_results(_read(results, "results"))
    else:
        missing = [
            n for n, v in (("--yes", yes), ("--no", no), ("--ballots", ballots)) if v is None
        ]
        if missing:
            raise AuditInputError("tallies", f"missing {', '.join(missing)} (or give --results)")
        assert yes is not None and no is not None and ballots is not None
        ref = simple_referendum(yes=yes, no=no, invalid=invalid, ballots=ballots)
    if batches is not None:
        ref = ref.with_batches(parse_batches(_read(batches, "batches")))
    return ref


def _settings(
    method: str, risk_limit: str, gamma: str, discrepancies: int, without_replacement: bool
) -> Settings:
    return Settings(
        method=_method(method),
        risk_limit=_fraction(risk_limit, "risk-limit"),
        gamma=_fraction(gamma, "gamma"),
        discrepancies=discrepancies,
        replacement=not without_replacement,
    )


def _emit(data: dict[str, Any], fmt: str, lines: list[str]) -> None:
    if fmt == "json":
        typer.echo(json.dumps(data, indent=2, sort_keys=False))
    else:
        for line in lines:
            typer.echo(line)


_RISK = typer.Option(..., "--risk-limit", help="Risk limit as a fraction, e.g. 0.05.")
_METHOD = typer.Option(
    "bravo", "--method", help=f"Audit method: {', '.join(METHODS)}.", show_default=True
)
_YES = typer.Option(None, "--yes", help="Reported yes votes (simple form).")
_NO = typer.Option(None, "--no", help="Reported no votes (simple form).")
_INVALID = typer.Option(0, "--invalid", help="Reported invalid (and blank) ballots.")
_BALLOTS = typer.Option(None, "--ballots", help="All ballots cast, invalid included (simple form).")
_RESULTS = typer.Option(
    None, "--results", help="YAML/JSON file: per-region counts and the outcome rule."
)
_BATCHES = typer.Option(
    None, "--batches", help="CSV of reported counts per batch (batch,yes,no,invalid[,region])."
)
_GAMMA = typer.Option("1.1", "--gamma", help="Kaplan-Markov error inflation factor.")
_DISCREPANCIES = typer.Option(
    0, "--discrepancies", help="One-vote overstatements the plan should tolerate (comparison)."
)
_WITHOUT = typer.Option(
    False, "--without-replacement", help="The sample is drawn without replacement."
)
_FORMAT = typer.Option("text", "--format", help="Output format: text or json.")
_MANIFEST = typer.Option(None, "--manifest", help="Ballot manifest CSV (batch,ballots[,region]).")
_PULL_CSV = typer.Option(
    None, "--pull-sheet-csv", help="Write the pull sheet as CSV (needs --manifest)."
)
_PULL_HTML = typer.Option(
    None, "--pull-sheet-html", help="Write a printable HTML pull sheet (needs --manifest)."
)
_SAMPLE = typer.Option(
    ..., "--sample", help="Readings, one sampled ballot per line, in draw order."
)


@audit_app.command("sample")
def sample_command(
    seed: str = typer.Option(..., "--seed", help="Seed: the digits of the public dice rolls."),
    ballots: int = typer.Option(..., "--ballots", help="Number of ballots N (1..N)."),
    count: int = typer.Option(..., "--count", help="Number of ballots K to draw."),
    without_replacement: bool = typer.Option(
        False, "--without-replacement", help="Keep distinct ballots only, in first-draw order."
    ),
    manifest: Path | None = _MANIFEST,
    pull_sheet_csv: Path | None = _PULL_CSV,
    pull_sheet_html: Path | None = _PULL_HTML,
    fmt: str = _FORMAT,
) -> None:
    """Draw ballot numbers with Rivest's SHA-256 sampler, printed one per line in draw order.

    With --manifest each draw is located (batch, position) and pull sheets can be written.
    """
    fmt = _format(fmt)
    check_seed(seed)
    steps = draws(seed, population=ballots, count=count, replacement=not without_replacement)
    chosen = [d.ballot for d in steps if not d.skipped]
    data: dict[str, Any] = {
        "seed": seed,
        "ballots": ballots,
        "count": count,
        "replacement": not without_replacement,
        "sampler": "Rivest sampler.py: SHA-256 of 'SEED,i', mod N, plus 1",
        "draws": chosen,
        "skipped_indices": [d.index for d in steps if d.skipped],
    }
    lines = [str(b) for b in chosen]
    if (pull_sheet_csv or pull_sheet_html) and manifest is None:
        raise AuditInputError("manifest", "pull sheets need --manifest")
    if manifest is not None:
        m = manifest_mod.parse_manifest(_read(manifest, "manifest"), expected_ballots=ballots)
        where = [manifest_mod.locate(m, b) for b in chosen]
        data["locations"] = [
            {
                "draw": i,
                "ballot": w.ballot,
                "batch": w.batch,
                "position": w.position,
                "region": w.region,
            }
            for i, w in enumerate(where, start=1)
        ]
        lines = ["draw,ballot,batch,position"] + [
            f"{i},{w.ballot},{w.batch},{w.position}" for i, w in enumerate(where, start=1)
        ]
        rows = manifest_mod.pull_sheet(m, chosen)
        if pull_sheet_csv is not None:
            pull_sheet_csv.write_text(manifest_mod.pull_sheet_csv(rows), encoding="utf-8")
        if pull_sheet_html is not None:
            html = manifest_mod.pull_sheet_html(
                rows, title="Risk-limiting audit: ballots to pull", seed=seed, ballots=ballots
            )
            pull_sheet_html.write_text(html, encoding="utf-8")
    _emit(data, fmt, lines)


@audit_app.command("plan")
def plan_command(
    risk_limit: str = _RISK,
    method: str = _METHOD,
    yes: int | None = _YES,
    no: int | None = _NO,
    invalid: int = _INVALID,
    ballots: int | None = _BALLOTS,
    results: Path | None = _RESULTS,
    batches: Path | None = _BATCHES,
    gamma: str = _GAMMA,
    discrepancies: int = _DISCREPANCIES,
    without_replacement: bool = _WITHOUT,
    fmt: str = _FORMAT,
) -> None:
    """Expected number of ballots to examine, per region and overall."""
    fmt = _format(fmt)
    settings = _settings(method, risk_limit, gamma, discrepancies, without_replacement)
    ref = _referendum(
        yes=yes, no=no, invalid=invalid, ballots=ballots, results=results, batches=batches
    )
    data = plan_audit(ref, settings)
    lines = [
        f"method {data['method']}, risk limit {data['risk_limit']}; reported outcome: "
        f"{data['reported_outcome']}",
        f"expected sample size: {data['expected_sample_size']} of {data['ballots']} ballots"
        + (" (full hand count)" if data["full_hand_count"] else ""),
    ]
    for name, region in data.get("regions", {}).items():
        lines.append(
            f"  {name}: {region['expected_sample_size']} of {region['ballots']} ballots"
            f"{'' if region['required'] else ' (for information)'}"
        )
    _emit(data, fmt, lines)


@audit_app.command("assess")
def assess_command(
    sample: Path = _SAMPLE,
    risk_limit: str = _RISK,
    method: str = _METHOD,
    yes: int | None = _YES,
    no: int | None = _NO,
    invalid: int = _INVALID,
    ballots: int | None = _BALLOTS,
    results: Path | None = _RESULTS,
    batches: Path | None = _BATCHES,
    gamma: str = _GAMMA,
    discrepancies: int = _DISCREPANCIES,
    without_replacement: bool = _WITHOUT,
    fmt: str = _FORMAT,
) -> None:
    """Risk after the sampled ballots; whether the audit can stop; how many more to draw."""
    fmt = _format(fmt)
    settings = _settings(method, risk_limit, gamma, discrepancies, without_replacement)
    ref = _referendum(
        yes=yes, no=no, invalid=invalid, ballots=ballots, results=results, batches=batches
    )
    text = _read(sample, "sample")
    if settings.method == "batch-comparison":
        data = assess_audit(ref, settings, counts=parse_batch_counts(text, ref.batches))
    else:
        observations = parse_sample(text, comparison=settings.comparison, regions=bool(ref.regions))
        data = assess_audit(ref, settings, observations)
    verdict = (
        "stop: the reported outcome is confirmed"
        if data["stop"]
        else (
            "continue: full hand count"
            if data["full_hand_count"]
            else f"continue: draw about {data['more_ballots']} more ballots"
        )
    )
    lines = [
        f"risk {data['risk']:.6g} (limit {data['risk_limit']}) after "
        f"{data['ballots_examined']} ballots; {verdict}",
    ]
    for name, region in data.get("regions", {}).items():
        lines.append(f"  {name}: risk {region['risk']:.6g}")
    _emit(data, fmt, lines)
