"""A whole-record verifier written from ``docs/spec/`` and ``docs/rules.md`` alone.

It imports nothing of the ``referendum`` package: the group arithmetic and the proof checks
are those of ``tests/crypto/spec_verifier.py`` (RFC 9496 in pure Python), the rest follows
record.md (canonical JSON, events, chain, record directory), events.md (payloads and the
order of events), crypto.md and rules.md.  It reports the first failing check with the ids of
docs/spec/verification.md.  Deliberately plain and slow; it exists to show where the
specification is complete, and where it is not (the ``GUESS`` notes below, gathered in
``vectors/records/README.md``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "crypto"))
import spec_verifier as sv

__all__ = ["Fail", "Verdict", "verify"]

ZERO_HASH = "0" * 64
HASH = re.compile(r"[0-9a-f]{64}")
TYPE = re.compile(r"[a-z][a-z0-9_.\-]{0,63}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
MANIFEST_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# GUESS: events.md says only "a fraction string ("1", "1/2")"; rules.md "fractions as "p/q"".
FRACTION = re.compile(r"(0|[1-9][0-9]*)(/[1-9][0-9]*)?")
WINDOW_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
MAX_INT = 2**53 - 1
REASONS = {
    "oversize", "malformed", "wrong_election", "not_open", "closed", "outside_window",
    "unknown_credential", "wrong_region", "bad_signature", "bad_proof", "replayed",
}  # fmt: skip


class Fail(Exception):
    """A check failed: its id (verification.md), the item and why."""

    def __init__(self, check: str, item: str, detail: str) -> None:
        super().__init__(f"{check} {item}: {detail}")
        self.check, self.item, self.detail = check, item, detail


@dataclass
class Verdict:
    failed: tuple[str, str, str] | None = None
    complete: bool = False  # results published
    decision: str | None = None
    passed: list[str] = field(default_factory=list)


# --- record.md section 2: canonical JSON ----------------------------------------------------


def cj(value: Any) -> bytes:
    """record.md 2.2."""
    return _cj_text(value).encode("utf-8")


def _cj_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValueError("integer out of range")
        return str(value)
    if isinstance(value, str):
        return _cj_string(value)
    if isinstance(value, list):
        return "[" + ",".join(_cj_text(v) for v in value) + "]"
    if isinstance(value, dict):
        names = sorted(value)  # Python compares str by code points, as the spec says
        return "{" + ",".join(_cj_string(k) + ":" + _cj_text(value[k]) for k in names) + "}"
    raise ValueError(f"not a JSON value: {type(value).__name__}")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}  # fmt: skip


def _cj_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise ValueError("unpaired surrogate")
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate name {k!r}")
        out[k] = v
    return out


def _refuse(text: str) -> Any:
    raise ValueError(f"not canonical: {text}")


def strict_json(data: bytes) -> Any:
    """record.md 2.3, without the re-encoding step."""
    return json.loads(
        data.decode("utf-8"),
        object_pairs_hook=_no_duplicates,
        parse_float=_refuse,
        parse_constant=_refuse,
    )


def canonical_value(data: bytes) -> Any:
    """record.md 2.3: parse, re-encode, compare byte for byte."""
    value = strict_json(data)
    if cj(value) != data:
        raise ValueError("not in canonical form")
    return value


# --- record.md sections 3 to 6: events, chain, directory ------------------------------------


def event_hash(height: int, parent: str, type_: str, timestamp: str, payload: Any) -> str:
    """record.md 4.2."""
    data = sv.fields(
        b"referendum/v1/event",
        sv.u64(height),
        bytes.fromhex(parent),
        type_.encode(),
        timestamp.encode(),
        cj(payload),
    )
    return hashlib.sha256(data).hexdigest()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _timestamp_ok(text: Any) -> bool:
    if not isinstance(text, str) or not TIMESTAMP.fullmatch(text):
        return False
    try:
        dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return False
    return True


def read_record(folder: Path) -> list[dict[str, Any]]:
    """record.md 6.4: the events of a record directory, every rule checked."""
    try:
        info = strict_json((folder / "record.json").read_bytes())
    except (OSError, ValueError) as exc:
        raise Fail("RECORD_FORMAT", "record.json", str(exc)) from None
    members = {"format", "version", "event_count", "head_hash", "events_sha256"}
    if not isinstance(info, dict) or set(info) != members:
        raise Fail("RECORD_FORMAT", "record.json", "not the five members of record.md 6.2")
    if info["format"] != "referendum-record" or info["version"] != 2:
        raise Fail("RECORD_FORMAT", "record.json", "not a referendum-record of version 2")
    count, head = info["event_count"], info["head_hash"]
    if not _is_int(count) or count < 0:
        raise Fail("RECORD_FORMAT", "record.json", "event_count")
    if not (head is None and count == 0) and not (isinstance(head, str) and HASH.fullmatch(head)):
        raise Fail("RECORD_FORMAT", "record.json", "head_hash")
    try:
        data = (folder / "events.jsonl").read_bytes()
    except OSError as exc:
        raise Fail("RECORD_FORMAT", "events.jsonl", str(exc)) from None
    events: list[dict[str, Any]] = []
    if data and not data.endswith(b"\n"):
        raise Fail("CHAIN", "events.jsonl", "the last line has no line feed")
    parent, last_time = ZERO_HASH, ""
    for height, line in enumerate(data.split(b"\n")[:-1] if data else []):
        item = f"event {height}"
        try:
            event = canonical_value(line)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Fail("CHAIN", item, f"not canonical JSON: {exc}") from None
        names = {"height", "parent", "type", "timestamp", "payload", "hash"}
        if not isinstance(event, dict) or set(event) != names:
            raise Fail("CHAIN", item, "not the six members of an event")
        if event["height"] != height or not _is_int(event["height"]):
            raise Fail("CHAIN", item, "height")
        if event["parent"] != parent:
            raise Fail("CHAIN", item, "parent is not the previous hash")
        if not isinstance(event["type"], str) or not TYPE.fullmatch(event["type"]):
            raise Fail("CHAIN", item, "type")
        if not _timestamp_ok(event["timestamp"]) or event["timestamp"] < last_time:
            raise Fail("CHAIN", item, "timestamp")
        if not isinstance(event["payload"], dict):
            raise Fail("CHAIN", item, "payload is not an object")
        expected = event_hash(height, parent, event["type"], event["timestamp"], event["payload"])
        if event["hash"] != expected:
            raise Fail("CHAIN", item, "hash")
        parent, last_time = expected, event["timestamp"]
        events.append(event)
    if len(events) != count or (events[-1]["hash"] if events else None) != head:
        raise Fail("CHAIN", "record.json", "event_count or head_hash")
    if hashlib.sha256(data).hexdigest() != info["events_sha256"]:
        raise Fail("CHAIN", "record.json", "events_sha256")
    return events


# --- events.md: the manifest ----------------------------------------------------------------


def _members(obj: Any, names: set[str], check: str, item: str, what: str) -> dict[str, Any]:
    """events.md: 'Every object has exactly the members listed (no others)'."""
    if not isinstance(obj, dict) or set(obj) != names:
        got = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise Fail(check, item, f"{what}: members {got}, expected {sorted(names)}")
    return obj


def _string(value: Any, check: str, item: str, what: str) -> str:
    if not isinstance(value, str):
        raise Fail(check, item, f"{what}: not a string")
    return value


def _count(value: Any, check: str, item: str, what: str) -> int:
    if not _is_int(value) or value < 0:
        raise Fail(check, item, f"{what}: not a non-negative integer")
    return int(value)


def _hex32(value: Any, check: str, item: str, what: str) -> bytes:
    if not isinstance(value, str) or not HASH.fullmatch(value):
        raise Fail(check, item, f"{what}: not 64 lowercase hex digits")
    return bytes.fromhex(value)


@dataclass(frozen=True)
class Question:
    id: str
    answers: tuple[str, ...]
    min_selections: int
    max_selections: int
    status_quo: str | None
    regions: tuple[str, ...] | None


@dataclass
class Manifest:
    payload: dict[str, Any]
    fingerprint: bytes
    questions: list[Question]
    regions: dict[str, Fraction]  # id -> weight, in the manifest's order
    window: list[tuple[str, str]]
    names: list[str]
    threshold: int
    authority: bytes
    rule: dict[str, Any]

    def style(self, region: str) -> list[Question]:
        return [q for q in self.questions if q.regions is None or region in q.regions]


def check_manifest(event: dict[str, Any]) -> Manifest:
    """events.md, ``manifest``."""
    c, item = "MANIFEST", "event 0"
    if event["type"] != "manifest":
        raise Fail(c, item, "event 0 is not a manifest")
    names = {"format", "id", "title", "information", "questions", "regions", "window",
             "trustees", "credential_authority", "rule"}  # fmt: skip
    p = _members(event["payload"], names, c, item, "manifest")
    if p["format"] != "referendum-manifest/1":
        raise Fail(c, item, "format")
    if not isinstance(p["id"], str) or not MANIFEST_ID.fullmatch(p["id"]):
        raise Fail(c, item, "id")
    _string(p["title"], c, item, "title")
    _string(p["information"], c, item, "information")
    regions: dict[str, Fraction] = {}
    if not isinstance(p["regions"], list) or not p["regions"]:
        raise Fail(c, item, "regions")
    for r in p["regions"]:
        r = _members(r, {"id", "name", "weight"}, c, item, "region")
        weight = _string(r["weight"], c, item, "region weight")
        if not FRACTION.fullmatch(weight) or len(weight) > 64 or Fraction(weight) <= 0:
            raise Fail(c, item, f"region weight {weight[:40]!r}: not a positive p/q fraction")
        rid = _string(r["id"], c, item, "region id")
        if rid in regions:
            raise Fail(c, item, f"region {rid} twice")
        regions[rid] = Fraction(weight)
        _string(r["name"], c, item, "region name")
    questions = []
    if not isinstance(p["questions"], list) or not 1 <= len(p["questions"]) <= 16:
        raise Fail(c, item, "questions: 1 to 16")
    for q in p["questions"]:
        keys = {"id", "text", "answers", "min_selections", "max_selections", "status_quo",
                "regions"}  # fmt: skip
        q = _members(q, keys, c, item, "question")
        answers = q["answers"]
        if not isinstance(answers, list) or not all(isinstance(x, str) for x in answers):
            raise Fail(c, item, "answers")
        if len(set(answers)) != len(answers) or len(answers) < 2:
            raise Fail(c, item, "answers: at least two, distinct")
        lo = _count(q["min_selections"], c, item, "min_selections")
        hi = _count(q["max_selections"], c, item, "max_selections")
        if not lo <= hi <= len(answers) or hi < 1:
            raise Fail(c, item, f"question {q['id']}: selections [{lo}, {hi}]")
        yes_no = set(answers) in ({"yes", "no"}, {"yes", "no", "blank"})
        # GUESS: events.md does not say how many marks a yes/no question allows; one, as
        # in crypto.md 5.1 ("yes / no / blank" has shape (3, 1, 1)).
        if yes_no and (lo, hi) != (1, 1):
            raise Fail(c, item, f"question {q['id']}: a yes/no question takes exactly one mark")
        if not yes_no and q["status_quo"] not in answers:
            raise Fail(c, item, f"question {q['id']}: status_quo is not one of its answers")
        on = q["regions"]
        if on is not None and (not isinstance(on, list) or not on or not set(on) <= set(regions)):
            raise Fail(c, item, f"question {q['id']}: regions")
        if not questions and on is not None:
            raise Fail(c, item, "the first question must be on every ballot")
        questions.append(
            Question(q["id"], tuple(answers), lo, hi, q["status_quo"],
                     None if on is None else tuple(on))
        )  # fmt: skip
    window = []
    if not isinstance(p["window"], list) or not p["window"]:
        raise Fail(c, item, "window")
    for w in p["window"]:
        w = _members(w, {"opens", "closes"}, c, item, "window period")
        for t in (w["opens"], w["closes"]):
            if not isinstance(t, str) or not WINDOW_TIME.fullmatch(t):
                raise Fail(c, item, f"window time {t!r}")
        if not w["opens"] < w["closes"] or (window and window[-1][1] > w["opens"]):
            raise Fail(c, item, "window periods out of order or overlapping")
        window.append((w["opens"], w["closes"]))
    trustees = _members(p["trustees"], {"names", "threshold"}, c, item, "trustees")
    tnames = trustees["names"]
    if not isinstance(tnames, list) or not tnames or not all(isinstance(n, str) for n in tnames):
        raise Fail(c, item, "trustees.names")
    threshold = _count(trustees["threshold"], c, item, "threshold")
    if not 1 <= threshold <= len(tnames):
        raise Fail(c, item, "threshold")
    authority = _hex32(p["credential_authority"], c, item, "credential_authority")
    if not isinstance(p["rule"], dict):
        raise Fail(c, item, "rule")
    fingerprint = hashlib.sha256(sv.fields(b"referendum/v1/manifest", cj(p))).digest()
    return Manifest(
        p, fingerprint, questions, regions, window, tnames, threshold, authority, p["rule"]
    )


# --- events.md: the order of events ---------------------------------------------------------

STAGES = [
    {"trustee.transport", "trustee.deal", "trustee.check", "election.key", "credentials",
     "ballot.rejected"},
    {"ballot.accepted", "ballot.rejected"},
    {"ballot.rejected"},
    {"tally.share", "ballot.rejected"},
    {"ballot.rejected"},
]  # fmt: skip
ENDS = ["voting.open", "voting.close", "tally", "results"]


def check_order(events: list[dict[str, Any]]) -> int:
    """events.md, 'The order of events'; returns the stage the record ends in."""
    stage = 0
    seen: set[tuple[str, Any]] = set()
    for event in events[1:]:
        t, item = event["type"], f"event {event['height']}"
        if stage < len(ENDS) and t == ENDS[stage]:
            stage += 1
            continue
        if t not in STAGES[stage]:
            raise Fail("EVENT_ORDER", item, f"{t} in stage {stage}")
        # GUESS: "at most once per trustee / region" keyed by the payload member named so.
        key: Any = None
        if t.startswith("trustee.") or t == "tally.share":
            key = event["payload"].get("trustee")
        elif t == "credentials":
            key = event["payload"].get("region")
        elif t == "election.key":
            key = 0
        if key is not None:
            if (t, repr(key)) in seen:
                raise Fail("EVENT_ORDER", item, f"a second {t} for {key}")
            seen.add((t, repr(key)))
    return stage


# --- the whole record -----------------------------------------------------------------------


def verify(folder: Path) -> Verdict:
    """Every check of verification.md this verifier implements, in order."""
    verdict = Verdict()
    try:
        events = read_record(folder)
        verdict.passed += ["RECORD_FORMAT", "CHAIN"]
        if not events:
            raise Fail("MANIFEST", "event 0", "the record is empty")
        manifest = check_manifest(events[0])
        verdict.passed.append("MANIFEST")
        stage = check_order(events)
        verdict.passed.append("EVENT_ORDER")
        verdict.complete = stage == len(ENDS)
        results = [e for e in events if e["type"] == "results"]
        if results:
            verdict.decision = str(results[0]["payload"]["outcome"]["decision"])
        del manifest
    except Fail as fail:
        verdict.failed = (fail.check, fail.item, fail.detail)
    return verdict
