"""A whole-record verifier written from ``docs/spec/`` and ``docs/rules.md`` alone.

It imports nothing of the ``referendum`` package: the group arithmetic and the proof checks
are those of ``tests/crypto/spec_verifier.py`` (RFC 9496 in pure Python), the rest follows
record.md (canonical JSON, events, chain, record directory), events.md (payloads and the
order of events), crypto.md and rules.md.  It reports the first failing check with the ids of
docs/spec/verification.md.  Deliberately plain and slow; it exists to show where the
specification is complete; the points it first had to guess, now stated in the spec, are
listed in ``vectors/records/README.md``.
"""

from __future__ import annotations

import base64
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

__all__ = ["Fail", "Verdict", "check_receipt", "verify"]

ZERO_HASH = "0" * 64
HASH = re.compile(r"[0-9a-f]{64}")
TYPE = re.compile(r"[a-z][a-z0-9_.\-]{0,63}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
MANIFEST_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
# events.md, "The forms used above": a fraction is "p/q" or "p", 1 to 18 digits each, no sign,
# no leading zero (0 alone allowed for p), q not 0
FRACTION = re.compile(r"(0|[1-9][0-9]{0,17})(/[1-9][0-9]{0,17})?")
# events.md, *time*: whole seconds, optionally 1 to 6 fraction digits, then Z
WINDOW_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
MAX_INT = 2**53 - 1
REASONS = {
    "oversize", "malformed", "wrong_election", "not_open", "closed", "outside_window",
    "unknown_credential", "wrong_region", "bad_signature", "bad_proof", "replayed",
    "stale_replaces",
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
    counts: dict[str, Any] | None = None  # the results' regions, recomputed
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


def _check_translations(p: dict[str, Any], c: str, item: str) -> None:
    """events.md, manifest, "Official languages": every official language after the first has
    a translation holding the title, the information (when the manifest has some) and the text
    of every question, and the answers of every question that is not a yes/no question."""
    languages, translations = p["languages"], p["translations"]
    if not isinstance(languages, list) or not languages or len(set(languages)) != len(languages):
        raise Fail(c, item, "languages")
    if not isinstance(translations, dict) or set(translations) != set(languages[1:]):
        raise Fail(c, item, "translations: exactly the official languages after the first")
    for lang, tr in translations.items():
        where = f"translations.{lang}"
        tr = _members(tr, {"title", "information", "questions", "regions"}, c, item, where)
        if not _string(tr["title"], c, item, f"{where}.title").strip():
            raise Fail(c, item, f"{where}.title")
        if p["information"].strip() and not tr["information"].strip():
            raise Fail(c, item, f"{where}.information")
        for q in p["questions"]:
            text = tr["questions"].get(q["id"]) if isinstance(tr["questions"], dict) else None
            if not isinstance(text, dict) or not str(text.get("text", "")).strip():
                raise Fail(c, item, f"{where}.questions.{q['id']}")
            yes_no = set(q["answers"]) in ({"yes", "no"}, {"yes", "no", "blank"})
            if not yes_no and set(text.get("answers", {})) != set(q["answers"]):
                raise Fail(c, item, f"{where}.questions.{q['id']}.answers")


def check_manifest(event: dict[str, Any]) -> Manifest:
    """events.md, ``manifest``."""
    c, item = "MANIFEST", "event 0"
    if event["type"] != "manifest":
        raise Fail(c, item, "event 0 is not a manifest")
    names = {"format", "id", "title", "information", "questions", "regions", "window",
             "trustees", "credential_authority", "board_key", "rule"}  # fmt: skip
    if isinstance(event["payload"], dict) and "languages" in event["payload"]:
        names |= {"languages", "translations"}  # a multilingual manifest: both, or neither
    p = _members(event["payload"], names, c, item, "manifest")
    if p["format"] != "referendum-manifest/2":
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
        # events.md, manifest: a yes/no question has max_selections 1, min_selections 0 or 1
        if yes_no and hi != 1:
            raise Fail(c, item, f"question {q['id']}: a yes/no question takes at most one mark")
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
        opens, closes = _instant(w["opens"]), _instant(w["closes"])
        if not opens < closes or (window and window[-1][1] > opens):
            raise Fail(c, item, "window periods out of order or overlapping")
        window.append((opens, closes))
    trustees = _members(p["trustees"], {"names", "threshold"}, c, item, "trustees")
    tnames = trustees["names"]
    if not isinstance(tnames, list) or not tnames or not all(isinstance(n, str) for n in tnames):
        raise Fail(c, item, "trustees.names")
    threshold = _count(trustees["threshold"], c, item, "threshold")
    if not 1 <= threshold <= len(tnames):
        raise Fail(c, item, "threshold")
    authority = _hex32(p["credential_authority"], c, item, "credential_authority")
    _hex32(p["board_key"], c, item, "board_key")  # signs receipts (record.md section 10)
    if not isinstance(p["rule"], dict):
        raise Fail(c, item, "rule")
    if "languages" in p:
        _check_translations(p, c, item)
    fingerprint = hashlib.sha256(sv.fields(b"referendum/v1/manifest", cj(p))).digest()
    return Manifest(
        p, fingerprint, questions, regions, window, tnames, threshold, authority, p["rule"]
    )


# --- events.md: the order of events ---------------------------------------------------------

STAGES = [
    {"trustee.transport", "trustee.deal", "trustee.check", "election.key", "credentials",
     "credentials.reissue", "ballot.rejected"},
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
        # events.md, "The order of events": "at most once per trustee / region", keyed by the
        # payload member of that name; a second one is an EVENT_ORDER failure
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


# --- events.md: the key ceremony -----------------------------------------------------------


def _point(value: Any, check: str, item: str, what: str) -> bytes:
    data = _hex32(value, check, item, what)
    try:
        sv.decode(data)
    except sv.Invalid:
        raise Fail(check, item, f"{what}: not a group element") from None
    return data


def _scalar_value(value: Any, check: str, item: str, what: str) -> int:
    data = _hex32(value, check, item, what)
    number = int.from_bytes(data, "little")
    if number >= sv.L:
        raise Fail(check, item, f"{what}: not a scalar")
    return number


def signed_message(tag: bytes, F: bytes, event_type: str, payload: dict[str, Any]) -> bytes:
    """crypto.md 7.1: the message of a signed event."""
    unsigned = {k: v for k, v in payload.items() if k != "signature"}
    return hashlib.sha256(sv.fields(tag, F, event_type.encode("ascii"), cj(unsigned))).digest()


def _event_signed_by(event: dict[str, Any], tag: bytes, F: bytes, public: bytes) -> bool:
    signature = event["payload"].get("signature")
    if not isinstance(signature, dict) or set(signature) != {"commitment", "response"}:
        return False
    try:
        sv.check_signature(
            public, signed_message(tag, F, event["type"], event["payload"]), signature
        )
    except (sv.Invalid, TypeError, ValueError):
        return False
    return True


TRUSTEE_TAG = b"referendum/v1/trustee-event"


def _ceremony_order(events: list[dict[str, Any]], n: int) -> None:
    """events.md, "The ceremony's order"."""
    need = {"trustee.deal": "trustee.transport", "trustee.check": "trustee.deal",
            "election.key": "trustee.check"}  # fmt: skip
    done: dict[str, set[Any]] = {k: set() for k in ("trustee.transport", "trustee.deal",
                                                   "trustee.check")}  # fmt: skip
    keyed = False
    for e in events:
        t, item = e["type"], f"event {e['height']}"
        if t.startswith("trustee.") and keyed:
            raise Fail("KEY_CEREMONY", item, f"{t} after election.key")
        if t in need and len(done[need[t]]) < n:
            raise Fail("KEY_CEREMONY", item, f"{t} before every trustee's {need[t]}")
        if t in done:
            done[t].add(e["payload"].get("trustee"))
        keyed = keyed or t == "election.key"


def _by_trustee(events: list[dict[str, Any]], t: str) -> dict[int, dict[str, Any]]:
    out = {}
    for e in events:
        if e["type"] == t:
            out[e["payload"]["trustee"]] = e
    return out


def _evaluate(coefficients: list[bytes], j: int) -> Any:
    """sum_k (j^k mod L)·C_k (crypto.md 8.3)."""
    total = sv.IDENTITY
    for k, c in enumerate(coefficients):
        total = sv.add(total, sv.mul(pow(j, k, sv.L), sv.decode(c)))
    return total


def check_ceremony(events: list[dict[str, Any]], man: Manifest) -> dict[str, Any]:
    """events.md ``election.key`` steps 1 to 5, and crypto.md section 8."""
    c = "KEY_CEREMONY"
    F, n, t = man.fingerprint, len(man.names), man.threshold
    transport, deals, checks = (_by_trustee(events, k) for k in
                                ("trustee.transport", "trustee.deal", "trustee.check"))  # fmt: skip
    keys: dict[int, bytes] = {}
    for i in range(1, n + 1):
        if i not in transport:
            raise Fail(c, "election.key", f"trustee {i} has no trustee.transport")
        e = transport[i]
        item = f"event {e['height']}"
        p = _members(
            e["payload"], {"trustee", "name", "transport_key", "proof"}, c, item, "transport"
        )
        if p["name"] != man.names[i - 1]:
            raise Fail(c, item, "name is not the manifest's")
        keys[i] = _point(p["transport_key"], c, item, "transport_key")
        try:
            sv.check_schnorr(
                keys[i], sv.fields(b"referendum/v1/transport-key", F, sv.u64(i)), p["proof"]
            )
        except (sv.Invalid, KeyError, TypeError, ValueError):
            raise Fail(c, item, "the transport key's proof does not verify") from None
    _ceremony_order(events, n)
    for kind in (deals, checks):
        for i in range(1, n + 1):
            if i not in kind:
                raise Fail(
                    c,
                    "election.key",
                    f"trustee {i} has no {'trustee.deal' if kind is deals else 'trustee.check'}",
                )
            if not _event_signed_by(kind[i], TRUSTEE_TAG, F, keys[i]):
                raise Fail(
                    c, f"event {kind[i]['height']}", "not signed by the trustee's transport key"
                )
    for j, e in sorted(checks.items()):
        _well_formed_complaints(e, j, n)
    candidates: dict[int, list[bytes]] = {}
    for i, e in sorted(deals.items()):
        item = f"event {e['height']}"
        p = e["payload"]
        com = p.get("commitments", {})
        try:
            coefficients = [_point(x, c, item, "coefficient") for x in com["coefficients"]]
            ok = com["dealer"] == i and len(coefficients) == t
            sv.check_schnorr(
                coefficients[0],
                sv.fields(b"referendum/v1/dkg-constant", F, sv.u64(i)),
                com["proof"],
            )
            recipients = [s["recipient"] for s in p["shares"]]
            ok = ok and recipients == [j for j in range(1, n + 1) if j != i]
        except (sv.Invalid, KeyError, TypeError, ValueError, IndexError):
            ok = False
        if ok:
            candidates[i] = coefficients
    disqualified: set[int] = set()
    for j, e in sorted(checks.items()):
        item = f"event {e['height']}"
        for complaint in e["payload"].get("complaints", []):
            dealer = complaint.get("dealer")
            if dealer in candidates and _justified(
                complaint, j, deals[dealer], keys, candidates[dealer], F
            ):
                disqualified.add(dealer)
    qualified = sorted(set(candidates) - disqualified)
    if len(qualified) < t:
        raise Fail(c, "election.key", f"{len(qualified)} qualified dealers; {t} needed")
    public = sv.IDENTITY
    for i in qualified:
        public = sv.add(public, sv.decode(candidates[i][0]))
    vkeys = {}
    for j in qualified:
        total = sv.IDENTITY
        for i in qualified:
            total = sv.add(total, _evaluate(candidates[i], j))
        vkeys[str(j)] = sv.encode(total).hex()
    # events.md, election.key step 4: the candidates disqualified by a justified complaint
    expected = {
        "qualified": qualified,
        "disqualified": sorted(set(candidates) - set(qualified)),
        "public_key": sv.encode(public).hex(),
        "verification_keys": vkeys,
    }
    key_events = [e for e in events if e["type"] == "election.key"]
    if not key_events:
        raise Fail(c, "election.key", "no election.key event")
    if cj(key_events[0]["payload"]) != cj(expected):
        raise Fail(c, f"event {key_events[0]['height']}", "election.key is not the key recomputed")
    return {**expected, "transport_keys": keys}


def _well_formed_complaints(event: dict[str, Any], j: int, n: int) -> None:
    """events.md ``trustee.check``: every complaint well-formed."""
    item = f"event {event['height']}"
    complaints = event["payload"].get("complaints")
    if not isinstance(complaints, list):
        raise Fail("KEY_CEREMONY", item, "complaints: not a list")
    dealers: set[int] = set()
    for k, complaint in enumerate(complaints):
        what = f"complaint {k}"
        complaint = _members(complaint, {"dealer", "recipient", "shared", "proof"},
                             "KEY_CEREMONY", item, what)  # fmt: skip
        _point(complaint["shared"], "KEY_CEREMONY", item, f"{what}.shared")
        proof = _members(complaint["proof"], {"a1", "a2", "response"}, "KEY_CEREMONY", item, what)
        _point(proof["a1"], "KEY_CEREMONY", item, f"{what}.proof.a1")
        _point(proof["a2"], "KEY_CEREMONY", item, f"{what}.proof.a2")
        _scalar_value(proof["response"], "KEY_CEREMONY", item, f"{what}.proof.response")
        dealer = complaint["dealer"]
        if (
            complaint["recipient"] != j
            or not _is_int(dealer)
            or not 1 <= dealer <= n
            or dealer == j
        ):
            raise Fail("KEY_CEREMONY", item, f"{what}: recipient or dealer")
        if dealer in dealers:
            raise Fail("KEY_CEREMONY", item, f"{what}: a second complaint against dealer {dealer}")
        dealers.add(dealer)


def _justified(
    complaint: dict[str, Any], j: int, deal: dict[str, Any], keys: dict[int, bytes],
    coefficients: list[bytes], F: bytes,
) -> bool:  # fmt: skip
    """crypto.md 8.3: the DLEQ proof verifies and the share it reveals is not good."""
    try:
        i = deal["payload"]["trustee"]
        share = next(s for s in deal["payload"]["shares"] if s["recipient"] == j)
        e, shared = bytes.fromhex(share["ephemeral"]), bytes.fromhex(complaint["shared"])
        if complaint["recipient"] != j:
            return False
        sv.check_dleq(sv.encode(sv.G), keys[j], e, shared,
                      sv.fields(b"referendum/v1/complaint", F, sv.u64(i), sv.u64(j)),
                      complaint["proof"])  # fmt: skip
        pad = hashlib.sha512(sv.fields(b"referendum/v1/share-pad", F, sv.u64(i), sv.u64(j), e,
                                       keys[j], shared)).digest()[:32]  # fmt: skip
        s = bytes(a ^ b for a, b in zip(bytes.fromhex(share["ciphertext"]), pad, strict=True))
    except (sv.Invalid, KeyError, TypeError, ValueError, StopIteration):
        return False
    value = int.from_bytes(s, "little")
    return value >= sv.L or not sv.equal(sv.mul(value, sv.G), _evaluate(coefficients, j))


# --- events.md: credentials, ballots, rejections --------------------------------------------


def check_credentials(events: list[dict[str, Any]], man: Manifest) -> dict[str, str]:
    """events.md ``credentials``: credential -> region."""
    c = "CREDENTIALS"
    owner: dict[str, str] = {}
    revoked_ever: set[str] = set()
    for e in events:
        if e["type"] == "credentials.reissue":
            _reissue(e, man, owner, revoked_ever)
            continue
        if e["type"] != "credentials":
            continue
        item = f"event {e['height']}"
        p = _members(
            e["payload"], {"region", "public_credentials", "signature"}, c, item, "credentials"
        )
        if p["region"] not in man.regions:
            raise Fail(c, item, "unknown region")
        listed = p["public_credentials"]
        if not isinstance(listed, list):
            raise Fail(c, item, "public_credentials")
        for k, cred in enumerate(listed):
            _point(cred, c, item, f"public_credentials[{k}]")
            if k and not listed[k - 1] < cred:
                raise Fail(c, item, "not strictly ascending")
            if cred in owner or cred in revoked_ever:
                raise Fail(c, item, "a credential on two lists, or revoked")
            owner[cred] = p["region"]
        if not _event_signed_by(
            e, b"referendum/v1/credential-list", man.fingerprint, man.authority
        ):
            raise Fail(c, item, "not signed by the credential authority")
    regions = {r for r in owner.values()}
    for r in man.regions:
        if r not in regions and not any(
            e["type"] == "credentials" and e["payload"]["region"] == r for e in events
        ):
            raise Fail(c, "voting.open", f"region {r} has no credential list")
    return owner


def _reissue(
    e: dict[str, Any], man: Manifest, owner: dict[str, str], revoked_ever: set[str]
) -> None:
    """events.md ``credentials.reissue``: applied to ``owner`` in the record's order."""
    c, item = "CREDENTIALS", f"event {e['height']}"
    p = _members(
        e["payload"],
        {"region", "revoked", "public_credentials", "signature"},
        c,
        item,
        "credentials.reissue",
    )
    region, revoked, added = p["region"], p["revoked"], p["public_credentials"]
    if region not in man.regions or region not in owner.values():
        raise Fail(c, item, "a reissue for a region without a list")
    for name, values in (("revoked", revoked), ("public_credentials", added)):
        if not isinstance(values, list):
            raise Fail(c, item, name)
        for k, cred in enumerate(values):
            _point(cred, c, item, f"{name}[{k}]")
            if k and not values[k - 1] < cred:
                raise Fail(c, item, f"{name} not strictly ascending")
    if not revoked or len(added) > len(revoked):
        raise Fail(c, item, "revokes none, or lists more than it revokes")
    if any(owner.get(cred) != region for cred in revoked):
        raise Fail(c, item, "revokes a credential not on the region's list")
    if any(cred in owner or cred in revoked_ever or cred in revoked for cred in added):
        raise Fail(c, item, "lists a listed or revoked credential")
    if not _event_signed_by(e, b"referendum/v1/credential-list", man.fingerprint, man.authority):
        raise Fail(c, item, "not signed by the credential authority")
    for cred in revoked:
        del owner[cred]
        revoked_ever.add(cred)
    for cred in added:
        owner[cred] = region


def check_window(events: list[dict[str, Any]], man: Manifest) -> None:
    for e in events:
        if e["type"] == "ballot.accepted" and not _within(man, e["timestamp"]):
            raise Fail("WINDOW", f"event {e['height']}", "outside every voting period")
        if e["type"] == "voting.close" and e["timestamp"] < man.window[-1][1]:
            raise Fail("WINDOW", f"event {e['height']}", "voting closed before the window's end")


def _instant(time: str) -> str:
    """A manifest time in the event timestamps' layout (six fraction digits), so that the two
    compare as instants to the microsecond by comparing the strings (events.md, *time*)."""
    whole, _, fraction = time[:-1].partition(".")
    return f"{whole}.{fraction:0<6}Z"


def _within(man: Manifest, timestamp: str) -> bool:
    """events.md, *time*: a period is [opens, closes), compared to the microsecond."""
    return any(o <= timestamp < cl for o, cl in man.window)


_BALLOT_CACHE: dict[bytes, str | None] = {}


def _ballot_error(man: Manifest, key: bytes, p: dict[str, Any]) -> str | None:
    """The reason the ballot, signature and tracking code of ``p`` fail, or None."""
    memo = hashlib.sha256(man.fingerprint + key + cj(p)).digest()
    if memo not in _BALLOT_CACHE:
        _BALLOT_CACHE[memo] = _check_ballot(man, key, p)
    return _BALLOT_CACHE[memo]


def _check_ballot(man: Manifest, key: bytes, p: dict[str, Any]) -> str | None:
    credential = bytes.fromhex(p["credential"])
    shapes = [(len(q.answers), q.min_selections, q.max_selections) for q in man.style(p["region"])]
    ballot_bytes = cj(p["ballot"])
    try:
        sv.check_ballot(man.fingerprint, key, shapes, credential, p["ballot"])
    except (sv.Invalid, KeyError, TypeError, ValueError, AttributeError) as exc:
        return f"ballot: {exc}"
    try:  # crypto.md 7.2: the message binds the ballot this one replaces
        message = sv.ballot_signature_message(
            man.fingerprint, credential, p["region"], p["ballot"], p["replaces"]
        )
    except sv.Invalid as exc:
        return f"replaces: {exc}"
    try:
        if not isinstance(p["signature"], dict) or set(p["signature"]) != {
            "commitment",
            "response",
        }:
            return "signature: members"
        sv.check_signature(credential, message, p["signature"])
    except (sv.Invalid, KeyError, TypeError, ValueError) as exc:
        return f"signature: {exc}"
    code = hashlib.sha256(sv.fields(b"referendum/v1/tracking-code", ballot_bytes)).hexdigest()
    if p["tracking_code"] != code:
        return "tracking_code is not the ballot's"
    return None


def check_ballots(
    events: list[dict[str, Any]], man: Manifest, key: bytes, owner: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """events.md ``ballot.accepted``: the last ballot of each credential."""
    c = "BALLOTS"
    last: dict[str, dict[str, Any]] = {}
    names = {"credential", "region", "ballot", "signature", "tracking_code", "replaces"}
    for e in events:
        if e["type"] != "ballot.accepted":
            continue
        item = f"event {e['height']}"
        p = _members(e["payload"], names, c, item, "ballot.accepted")
        _hex32(p["credential"], c, item, "credential")
        _hex32(p["tracking_code"], c, item, "tracking_code")
        if owner.get(p["credential"]) != p["region"]:
            raise Fail(c, item, "the credential is not on the region's list")
        error = _ballot_error(man, key, p)
        if error is not None:
            raise Fail(c, item, error)
        last[p["credential"]] = p
    return last


def check_revotes(events: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    previous: dict[str, str] = {}
    for e in events:
        if e["type"] != "ballot.accepted":
            continue
        p, item = e["payload"], f"event {e['height']}"
        if p["tracking_code"] in seen:
            raise Fail("REVOTES", item, "a tracking code seen before")
        seen.add(p["tracking_code"])
        if p["replaces"] != previous.get(p["credential"]):
            raise Fail("REVOTES", item, "replaces is not the credential's previous ballot")
        previous[p["credential"]] = p["tracking_code"]


_MAX_BODY = 65536
_SUBMISSION = ("ballot", "credential", "election", "region", "replaces", "signature")
_ENDS = ("voting.open", "voting.close")


def check_rejections(
    events: list[dict[str, Any]], man: Manifest, key: bytes, owner: dict[str, str]
) -> None:
    """events.md ``ballot.rejected``: the members, the submission, the credential named, and
    the reason re-decided at the refusal's point of the record."""
    c = "REJECTIONS"
    names = {"reason", "field", "detail", "credential", "submission", "submission_sha256",
             "submission_size"}  # fmt: skip
    phase, accepted, last = "setup", set(), {}
    for e in events:
        if e["type"] in _ENDS:
            phase = "open" if e["type"] == "voting.open" else "closed"
        if e["type"] == "ballot.accepted":
            accepted.add(e["payload"]["tracking_code"])
            last[e["payload"]["credential"]] = e["payload"]["tracking_code"]
        if e["type"] != "ballot.rejected":
            continue
        item = f"event {e['height']}"
        p = _members(e["payload"], names, c, item, "ballot.rejected")
        if p["reason"] not in REASONS:
            raise Fail(c, item, "unknown reason")
        _string(p["field"], c, item, "field")
        _string(p["detail"], c, item, "detail")
        _hex32(p["submission_sha256"], c, item, "submission_sha256")
        value = _recorded_submission(p, c, item)
        if p["credential"] != _signed_by(man, value):
            raise Fail(c, item, "credential: not the credential whose signature it carries")
        moment = {
            "phase": phase,
            "timestamp": e["timestamp"],
            "accepted": accepted,
            "last": last,
        }
        expected = _decision(man, key, owner, value, moment)
        if expected != (p["reason"], p["field"]):
            raise Fail(c, item, f"the decision gives {expected}, not {p['reason']}")


_NOT_JSON = object()


def _recorded_submission(p: dict[str, Any], c: str, item: str) -> Any:
    """The submission's value (``_NOT_JSON`` for bytes that are not strict JSON, ``None`` for
    an oversize body), after checking that its members agree."""
    size, stored = _count(p["submission_size"], c, item, "submission_size"), p["submission"]
    if stored is None:
        if size <= _MAX_BODY or p["reason"] != "oversize":
            raise Fail(c, item, "submission: null, but not an oversize body")
        return None
    if size > _MAX_BODY or not isinstance(stored, dict) or len(stored) != 1:
        raise Fail(c, item, "submission: not json or base64 within the limit")
    if "json" in stored:
        value = stored["json"]
        if isinstance(value, dict):
            for name, member in value.items():
                if name not in _SUBMISSION and member is not None:
                    raise Fail(c, item, "submission: shows an unexpected member's value")
            cred = value.get("credential")
            if isinstance(cred, str) and cred and not HASH.fullmatch(cred):
                raise Fail(c, item, "submission: shows a credential that cannot be one")
        return value
    text = stored.get("base64")
    try:
        body = base64.b64decode(text, validate=True)
    except (TypeError, ValueError):
        raise Fail(c, item, "submission: not base64") from None
    if base64.b64encode(body).decode() != text or len(body) != size:
        raise Fail(c, item, "submission: base64 not canonical, or not submission_size bytes")
    if hashlib.sha256(body).hexdigest() != p["submission_sha256"]:
        raise Fail(c, item, "submission_sha256: not the bytes' SHA-256")
    try:
        strict_json(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _NOT_JSON
    raise Fail(c, item, "submission: strict JSON recorded as bytes")


def _form(value: Any) -> tuple[str, str] | None:
    """Steps 1 to 3 of the decision: the refusal of a submission's form, if any."""
    if value is None:
        return ("oversize", "body")
    if value is _NOT_JSON or not isinstance(value, dict):
        return ("malformed", "body")
    for name in _SUBMISSION:
        if name not in value:
            return ("malformed", name)
    extra = sorted(set(value) - set(_SUBMISSION))
    if extra:
        return ("malformed", extra[0])
    for name in ("election", "region", "credential"):
        if not isinstance(value[name], str):
            return ("malformed", name)
    return None


def _message(man: Manifest, value: dict[str, Any]) -> bytes:
    """crypto.md 7.2 (raises ``sv.Invalid`` for a ``replaces`` neither null nor a code)."""
    return sv.ballot_signature_message(
        man.fingerprint,
        bytes.fromhex(value["credential"]),
        value["region"],
        value["ballot"],
        value["replaces"],
    )


def _signed_by(man: Manifest, value: Any) -> str | None:
    """events.md: the credential a refusal names."""
    if _form(value) is not None or not HASH.fullmatch(value["credential"]):
        return None
    try:
        sv.decode(bytes.fromhex(value["credential"]))
        signature = value["signature"]
        if not isinstance(signature, dict) or set(signature) != {"commitment", "response"}:
            return None
        sv.decode(sv.hex_bytes(signature["commitment"]))
        sv.check_signature(bytes.fromhex(value["credential"]), _message(man, value), signature)
    except (sv.Invalid, KeyError, TypeError, ValueError):
        return None
    return str(value["credential"])


def _ballot_form(ballot: Any) -> bool:
    """Step 9: the form of crypto.md's encrypted ballot, every value canonical lowercase hex."""

    def point(text: Any) -> None:
        sv.decode(sv.hex_bytes(text))

    def proof(obj: Any, branches: int | None) -> None:
        if not isinstance(obj, dict) or set(obj) != {"commitments", "challenges", "responses"}:
            raise sv.Invalid("proof")
        lists = [obj["commitments"], obj["challenges"], obj["responses"]]
        n = len(lists[0]) if isinstance(lists[0], list) else -1
        if not all(isinstance(x, list) and len(x) == n for x in lists) or not 1 <= n <= 65536:
            raise sv.Invalid("proof lengths")
        if branches is not None and n != branches:
            raise sv.Invalid("proof branches")
        for pair in lists[0]:
            if not isinstance(pair, dict) or set(pair) != {"a", "b"}:
                raise sv.Invalid("commitment")
            point(pair["a"])
            point(pair["b"])
        for number in lists[1] + lists[2]:
            sv.scalar(number)

    try:
        if not isinstance(ballot, dict) or set(ballot) != {"questions"}:
            return False
        if not isinstance(ballot["questions"], list):
            return False
        for question in ballot["questions"]:
            if not isinstance(question, dict) or set(question) != {"selections", "count_proof"}:
                return False
            if not isinstance(question["selections"], list):
                return False
            for sel in question["selections"]:
                if not isinstance(sel, dict) or set(sel) != {"alpha", "beta", "proof"}:
                    return False
                point(sel["alpha"])
                point(sel["beta"])
                proof(sel["proof"], 2)
            proof(question["count_proof"], None)
    except (sv.Invalid, TypeError, ValueError):
        return False
    return True


def _decision(
    man: Manifest, key: bytes, owner: dict[str, str], value: Any, moment: dict[str, Any]
) -> tuple[str, str] | None:
    """events.md, "The decision": the reason and field of the first step that fails."""
    refused = _form(value)
    if refused is not None:
        return refused
    if value["election"] != man.fingerprint.hex():
        return ("wrong_election", "election")
    if moment["phase"] != "open":
        return ("not_open" if moment["phase"] == "setup" else "closed", "timestamp")
    if not _within(man, moment["timestamp"]):
        return ("outside_window", "timestamp")
    region = owner.get(value["credential"])
    if region is None:
        return ("unknown_credential", "credential")
    if value["region"] != region:
        return ("wrong_region", "region")
    signature = value["signature"]
    if not _ballot_form(value["ballot"]) or not (
        isinstance(signature, dict) and set(signature) == {"commitment", "response"}
    ):
        return ("malformed", "ballot")
    try:
        sv.decode(sv.hex_bytes(signature["commitment"]))
        sv.scalar(signature["response"])
    except sv.Invalid:
        return ("malformed", "ballot")
    replaces = value["replaces"]
    if replaces is not None and not (isinstance(replaces, str) and HASH.fullmatch(replaces)):
        return ("malformed", "replaces")
    try:
        sv.check_signature(bytes.fromhex(value["credential"]), _message(man, value), signature)
    except sv.Invalid:
        return ("bad_signature", "signature")
    shapes = [(len(q.answers), q.min_selections, q.max_selections) for q in man.style(region)]
    try:
        sv.check_ballot(man.fingerprint, key, shapes, bytes.fromhex(value["credential"]),
                        value["ballot"])  # fmt: skip
    except (sv.Invalid, KeyError, TypeError, ValueError, AttributeError):
        return ("bad_proof", "ballot")
    code = hashlib.sha256(sv.fields(b"referendum/v1/tracking-code", cj(value["ballot"])))
    if code.hexdigest() in moment["accepted"]:
        return ("replayed", "ballot")
    if replaces != moment["last"].get(value["credential"]):
        return ("stale_replaces", "replaces")
    return None


# --- events.md: tally, shares, results; rules.md: the outcome -------------------------------


def _ciphertext(value: Any, c: str, item: str) -> tuple[Any, Any]:
    value = _members(value, {"alpha", "beta"}, c, item, "ciphertext")
    return (sv.decode(_point(value["alpha"], c, item, "alpha")),
            sv.decode(_point(value["beta"], c, item, "beta")))  # fmt: skip


def check_tally(
    events: list[dict[str, Any]], man: Manifest, last: dict[str, dict[str, Any]]
) -> dict[str, dict[str, list[tuple[Any, Any]]]]:
    c = "TALLY"
    tally = next(e for e in events if e["type"] == "tally")
    item = f"event {tally['height']}"
    p = _members(tally["payload"], {"regions"}, c, item, "tally")
    regions = _members(p["regions"], set(man.regions), c, item, "tally regions")
    out: dict[str, dict[str, list[tuple[Any, Any]]]] = {}
    for r in man.regions:
        entry = _members(regions[r], {"ballots", "questions"}, c, item, f"tally {r}")
        counted = [b for b in last.values() if b["region"] == r]
        if entry["ballots"] != len(counted) or not _is_int(entry["ballots"]):
            raise Fail(c, item, f"{r}: ballots is not the number of credentials that voted")
        style = man.style(r)
        qs = _members(entry["questions"], {q.id for q in style}, c, item, f"tally {r} questions")
        out[r] = {}
        for qi, q in enumerate(style):
            sums = [[sv.IDENTITY, sv.IDENTITY] for _ in q.answers]
            for b in counted:
                for o, sel in enumerate(b["ballot"]["questions"][qi]["selections"]):
                    sums[o][0] = sv.add(sums[o][0], sv.decode(bytes.fromhex(sel["alpha"])))
                    sums[o][1] = sv.add(sums[o][1], sv.decode(bytes.fromhex(sel["beta"])))
            published = qs[q.id]
            if not isinstance(published, list) or len(published) != len(q.answers):
                raise Fail(c, item, f"{r} {q.id}: one ciphertext per answer")
            pairs = [_ciphertext(x, c, item) for x in published]
            for (a1, b1), (a2, b2) in zip(pairs, sums, strict=True):
                if not (sv.equal(a1, a2) and sv.equal(b1, b2)):
                    raise Fail(c, item, f"{r} {q.id}: not the sum of the counted ballots")
            out[r][q.id] = pairs
    return out


def check_decryption(
    events: list[dict[str, Any]], man: Manifest, key: dict[str, Any],
    tally: dict[str, dict[str, list[tuple[Any, Any]]]],
) -> dict[int, dict[str, dict[str, list[bytes]]]]:  # fmt: skip
    c = "DECRYPTION"
    results = next(e for e in events if e["type"] == "results")
    item = f"event {results['height']}"
    trustees = results["payload"].get("trustees")
    if not isinstance(trustees, list) or not all(_is_int(j) for j in trustees):
        raise Fail(c, item, "trustees: not a list of integers")
    if len(set(trustees)) != len(trustees) or len(trustees) < man.threshold:
        raise Fail(c, item, f"trustees: {man.threshold} distinct needed")
    valid: dict[int, dict[str, dict[str, list[bytes]]]] = {}
    failing: dict[int, str] = {}
    for e in events:
        if e["type"] != "tally.share":
            continue
        j = e["payload"].get("trustee")
        shares, reason = _shares(e, j, man, key, tally)
        if reason is not None:
            failing[j] = reason
        else:
            valid[j] = shares
    if trustees != sorted(valid):
        raise Fail(c, item, "trustees: not every trustee whose shares all verify, ascending")
    rejected = results["payload"].get("rejected_shares")
    expected = {str(j): r for j, r in sorted(failing.items())} or None
    if (rejected is None) != (expected is None) or (
        expected is not None and cj(rejected) != cj(expected)
    ):
        raise Fail(c, item, "rejected_shares is not the trustees whose shares fail, with reasons")
    return {j: valid[j] for j in trustees}


def _shares(
    event: dict[str, Any], j: Any, man: Manifest, key: dict[str, Any],
    tally: dict[str, dict[str, list[tuple[Any, Any]]]],
) -> tuple[dict[str, dict[str, list[bytes]]], str | None]:  # fmt: skip
    """events.md ``tally.share``: fails ``DECRYPTION`` unless well-formed; then the shares and
    None when every proof verifies (crypto.md 8.5), else the reason naming the first failing
    share."""
    c, item = "DECRYPTION", f"event {event['height']}"
    payload = _members(
        event["payload"], {"trustee", "regions", "signature"}, c, item, "tally.share"
    )
    vkey = key["verification_keys"].get(str(j)) if _is_int(j) else None
    if vkey is None or j not in key["qualified"]:
        raise Fail(c, item, f"trustee {j!r} is not qualified")
    if not _event_signed_by(event, TRUSTEE_TAG, man.fingerprint, key["transport_keys"][j]):
        raise Fail(c, item, "not signed by the trustee's transport key")
    regions = _members(payload["regions"], set(man.regions), c, item, "regions")
    out: dict[str, dict[str, list[bytes]]] = {}
    checks = []
    for r in man.regions:
        qs = _members(regions[r], {q.id for q in man.style(r)}, c, item, f"regions.{r}")
        out[r] = {}
        for q in man.style(r):
            listed = qs[q.id]
            if not isinstance(listed, list) or len(listed) != len(q.answers):
                raise Fail(c, item, f"{r} {q.id}: one share per answer")
            out[r][q.id] = []
            for answer, share, (alpha, _) in zip(q.answers, listed, tally[r][q.id], strict=True):
                share = _members(share, {"index", "share", "proof"}, c, item, f"{r} {q.id}")
                proof = _members(share["proof"], {"a1", "a2", "response"}, c, item, "proof")
                for name in ("a1", "a2"):
                    _point(proof[name], c, item, f"proof.{name}")
                _scalar_value(proof["response"], c, item, "proof.response")
                out[r][q.id].append(_point(share["share"], c, item, "share"))
                if share["index"] != j:
                    raise Fail(c, item, "index is not the trustee")
                checks.append((r, q.id, answer, sv.encode(alpha), share))
    for r, qid, answer, alpha, share in checks:
        try:
            sv.check_decryption_share(alpha, bytes.fromhex(vkey), man.fingerprint, share)
        except sv.Invalid:
            return out, f"bad proof: region {r}, question {qid}, answer {answer}"
    return out, None


def check_results(
    events: list[dict[str, Any]], man: Manifest, owner: dict[str, str],
    tally: dict[str, dict[str, list[tuple[Any, Any]]]],
    shares: dict[int, dict[str, dict[str, list[bytes]]]],
) -> dict[str, Any]:  # fmt: skip
    c = "RESULTS"
    results = next(e for e in events if e["type"] == "results")
    item = f"event {results['height']}"
    p = results["payload"]
    allowed = {"trustees", "regions", "outcome", "rejected_shares"}
    if not isinstance(p, dict) or not {"trustees", "regions", "outcome"} <= set(p) <= allowed:
        raise Fail(c, item, "results: members")
    regions = _members(p["regions"], set(man.regions), c, item, "results regions")
    tally_event = next(e for e in events if e["type"] == "tally")["payload"]["regions"]
    for r in man.regions:
        entry = _members(regions[r], {"ballots", "electorate", "questions"}, c, item, r)
        ballots = tally_event[r]["ballots"]
        if entry["ballots"] != ballots:
            raise Fail(c, item, f"{r}: ballots")
        if entry["electorate"] != sum(1 for v in owner.values() if v == r):
            raise Fail(c, item, f"{r}: electorate is not the list's size")
        style = man.style(r)
        qs = _members(entry["questions"], {q.id for q in style}, c, item, f"{r} questions")
        for q in style:
            counts = _members(qs[q.id], set(q.answers), c, item, f"{r} {q.id}")
            for o, answer in enumerate(q.answers):
                beta = tally[r][q.id][o][1]
                partial = {j: shares[j][r][q.id][o] for j in shares}
                point = sv.decode(sv.combine(sv.encode(beta), partial))
                m = _dlog(point, ballots)
                if m is None or counts[answer] != m or not _is_int(counts[answer]):
                    raise Fail(c, item, f"{r} {q.id} {answer}: not the decrypted count")
    return regions


def _dlog(point: Any, bound: int) -> int | None:
    current = sv.IDENTITY
    for m in range(bound + 1):
        if sv.equal(current, point):
            return m
        current = sv.add(current, sv.G)
    return None


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _share(num: int, den: int) -> Fraction:
    return Fraction(num, den) if den else Fraction(0)


_KINDS = ("yes", "no", "blank", "invalid")
# rules.md "Thresholds": each component's comparison and ballots counted when it is written
# as a bare fraction
_DEFAULTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "majority": ("at_least", ("yes", "no")),
    "turnout_quorum": ("more_than", _KINDS),
    "valid_quorum": ("more_than", ("yes", "no")),
    "approval_quorum": ("at_least", ()),
    "veto_quorum": ("at_least", ()),
    "double_majority": ("more_than", ()),
}


def _threshold(rule: dict[str, Any], key: str) -> tuple[Fraction, str, tuple[str, ...]]:
    given = rule[key]
    comparison, counts = _DEFAULTS[key]
    if given is True:
        return Fraction(1, 2), "more_than", ()
    if isinstance(given, str):
        return Fraction(given), comparison, counts
    comparison = "at_least" if "at_least" in given else "more_than"
    return Fraction(given[comparison]), comparison, tuple(given.get("counts", counts))


def _holds(value: Fraction, comparison: str, threshold: Fraction) -> bool:
    return value >= threshold if comparison == "at_least" else value > threshold


def _counted(counts: dict[str, int], kinds: tuple[str, ...]) -> int:
    """rules.md: blank = ballots - yes - no, invalid = 0 in a record; all four kinds: ballots."""
    of = {"yes": counts["yes"], "no": counts["no"], "invalid": 0,
          "blank": counts["ballots"] - counts["yes"] - counts["no"]}  # fmt: skip
    return sum(of[k] for k in kinds)


def _majority(rule: dict[str, Any]) -> tuple[Fraction, str, tuple[str, ...]]:
    if rule.get("majority") in (None, "simple"):
        return Fraction(1, 2), "more_than", ("yes", "no")
    return _threshold(rule, "majority")


def _yes_no_outcome(
    counts: dict[str, int], rule: dict[str, Any], W: tuple[Fraction, Fraction] | None
) -> dict[str, Any]:
    """rules.md "A yes/no first question": checks and decision on one set of counts."""
    yes, no, electorate = counts["yes"], counts["no"], counts["electorate"]
    checks: list[dict[str, Any]] = []

    def add(name: str, value: Fraction, threshold: Fraction, passed: bool) -> None:
        checks.append({"name": name, "passed": passed, "value": _fraction(value),
                       "threshold": _fraction(threshold)})  # fmt: skip

    for key in ("turnout_quorum", "valid_quorum"):
        if key in rule:
            q, op, kinds = _threshold(rule, key)
            v = _share(_counted(counts, kinds), electorate)
            add(key, v, q, _holds(v, op, q))
    f, op, kinds = _majority(rule)
    simple = f == Fraction(1, 2) and op == "more_than"
    if "veto_quorum" in rule:
        q, vop, _ = _threshold(rule, "veto_quorum")
        v = _share(no, electorate)
        add("veto_quorum", v, q, not (no > yes and _holds(v, vop, q)))
    else:
        v = _share(yes, _counted(counts, kinds))
        add("majority" if simple else "supermajority", v, f, _holds(v, op, f))
    if "approval_quorum" in rule:
        q, aop, _ = _threshold(rule, "approval_quorum")
        v = _share(yes, electorate)
        add("approval_quorum", v, q, _holds(v, aop, q))
    if W is not None:
        t, rop, _ = _threshold(rule, "double_majority")
        add("regional_majority", W[0], W[1] * t, _holds(W[0], rop, W[1] * t))
    passed = {ch["name"]: ch["passed"] for ch in checks}
    if not passed.get("turnout_quorum", True) or not passed.get("valid_quorum", True):
        decision = "void"
    elif "veto_quorum" in rule:
        decision = "approved" if passed["veto_quorum"] else "rejected"
    elif all(ch["passed"] for ch in checks):
        decision = "approved"
    elif simple and "approval_quorum" not in rule and (W is None) and yes == no:
        decision = "tie"
    else:
        decision = "rejected"
    return {"decision": decision, "checks": checks}


def expected_outcome(man: Manifest, regions: dict[str, Any]) -> dict[str, Any]:
    first = man.questions[0]
    if set(first.answers) not in ({"yes", "no"}, {"yes", "no", "blank"}):
        totals = {
            a: sum(regions[r]["questions"][first.id][a] for r in man.regions) for a in first.answers
        }
        total = sum(totals.values())
        leader = max(sorted(totals), key=lambda a: totals[a])
        value = _share(totals[leader], total)
        passed = value > Fraction(1, 2)
        out: dict[str, Any] = {
            "decision": "approved" if passed and leader != first.status_quo else "rejected",
            "checks": [{"name": "absolute_majority", "passed": passed, "value": _fraction(value),
                        "threshold": "1/2"}],
        }  # fmt: skip
        if out["decision"] == "approved":
            out["adopted"] = leader
        return out
    per: dict[str, dict[str, int]] = {}
    for r in man.regions:
        q = regions[r]["questions"][first.id]
        per[r] = {"yes": q["yes"], "no": q["no"], "ballots": regions[r]["ballots"],
                  "electorate": regions[r]["electorate"]}  # fmt: skip
    total = {k: sum(c[k] for c in per.values()) for k in ("yes", "no", "ballots", "electorate")}
    rule = man.rule
    W = None
    if rule.get("double_majority"):
        kinds = _majority(rule)[2]
        w_yes = sum(
            (man.regions[r] for r, c in per.items() if 2 * c["yes"] > _counted(c, kinds)),
            Fraction(0),
        )
        W = (w_yes, sum(man.regions.values(), Fraction(0)))
    out = _yes_no_outcome(total, rule, W)
    out["regions"] = {r: _yes_no_outcome(c, rule, None) for r, c in per.items()}
    if W is not None:
        out["regional_weight_yes"] = _fraction(W[0])
        out["regional_weight_total"] = _fraction(W[1])
    return out


def check_outcome(events: list[dict[str, Any]], man: Manifest, regions: dict[str, Any]) -> str:
    results = next(e for e in events if e["type"] == "results")
    published = results["payload"]["outcome"]
    if cj(published) != cj(expected_outcome(man, regions)):
        raise Fail("OUTCOME", f"event {results['height']}", "not the outcome the rule gives")
    return str(published["decision"])


# --- the whole record -----------------------------------------------------------------------


def verify(folder: Path) -> Verdict:
    """Every check of verification.md, in order; stops at the first failure."""
    verdict = Verdict()
    try:
        events = read_record(folder)
        verdict.passed += ["RECORD_FORMAT", "CHAIN"]
        if not events:
            raise Fail("MANIFEST", "event 0", "the record is empty")
        man = check_manifest(events[0])
        verdict.passed.append("MANIFEST")
        stage = check_order(events)
        verdict.passed.append("EVENT_ORDER")
        if stage == 0:
            return verdict
        key = check_ceremony(events, man)
        verdict.passed.append("KEY_CEREMONY")
        owner = check_credentials(events, man)
        verdict.passed.append("CREDENTIALS")
        check_window(events, man)
        verdict.passed.append("WINDOW")
        last = check_ballots(events, man, bytes.fromhex(key["public_key"]), owner)
        verdict.passed.append("BALLOTS")
        check_revotes(events)
        verdict.passed.append("REVOTES")
        check_rejections(events, man, bytes.fromhex(key["public_key"]), owner)
        verdict.passed.append("REJECTIONS")
        if stage < 3:
            return verdict
        tally = check_tally(events, man, last)
        verdict.passed.append("TALLY")
        for e in events:  # a published share is well-formed even before the results
            if e["type"] == "tally.share":
                _shares(e, e["payload"].get("trustee"), man, key, tally)
        if stage < 4:
            return verdict
        shares = check_decryption(events, man, key, tally)
        verdict.passed.append("DECRYPTION")
        regions = check_results(events, man, owner, tally, shares)
        verdict.counts = regions
        verdict.passed.append("RESULTS")
        verdict.decision = check_outcome(events, man, regions)
        verdict.passed.append("OUTCOME")
        verdict.complete = True
    except Fail as fail:
        verdict.failed = (fail.check, fail.item, fail.detail)
    return verdict


# --- record.md section 10: a receipt against a record ---------------------------------------


def check_receipt(folder: Path, receipt_file: Path) -> str:
    """record.md 10.4: ``holds``, ``misbehaviour`` or ``not_yet``; raises ``ValueError`` for a
    malformed, foreign or forged receipt and :class:`Fail` for an unreadable record."""
    data = receipt_file.read_bytes()
    if len(data) > 16384:
        raise ValueError("receipt: over 16384 bytes")
    receipt = strict_json(data)
    kind = receipt.get("kind") if isinstance(receipt, dict) else None
    subject_name = {"accepted": "tracking_code", "refused": "submission_sha256"}.get(str(kind))
    names = {"format", "fingerprint", "kind", "height", "event_hash", "timestamp", "signature"}
    if subject_name is None or set(receipt) != names | {subject_name}:
        raise ValueError("receipt: members")
    if receipt["format"] != "referendum-receipt/1":
        raise ValueError("receipt: format")
    height = receipt["height"]
    if not _is_int(height) or not 1 <= height <= MAX_INT or not _timestamp_ok(receipt["timestamp"]):
        raise ValueError("receipt: height or timestamp")
    for k in ("fingerprint", subject_name, "event_hash"):
        if not isinstance(receipt[k], str) or not HASH.fullmatch(receipt[k]):
            raise ValueError(f"receipt.{k}: not 64 lowercase hex digits")
    fingerprint, subject, event_hash = (
        bytes.fromhex(receipt[k]) for k in ("fingerprint", subject_name, "event_hash")
    )
    events = read_record(folder)
    manifest = events[0]["payload"]
    own = hashlib.sha256(sv.fields(b"referendum/v1/manifest", cj(manifest))).digest()
    if fingerprint != own:
        raise ValueError("receipt: of another referendum")
    message = hashlib.sha256(
        sv.fields(b"referendum/v1/receipt", fingerprint, str(kind).encode(), subject,
                  sv.u64(height), event_hash, receipt["timestamp"].encode())
    ).digest()  # fmt: skip
    try:
        sv.check_signature(bytes.fromhex(manifest["board_key"]), message, receipt["signature"])
    except (sv.Invalid, KeyError, TypeError, ValueError):
        raise ValueError("receipt: the board's signature does not verify") from None
    if height < len(events):
        e = events[height]
        kinds = {"accepted": "ballot.accepted", "refused": "ballot.rejected"}
        holds = (
            e["hash"] == receipt["event_hash"]
            and e["type"] == kinds[str(kind)]
            and e["timestamp"] == receipt["timestamp"]
            and e["payload"].get(subject_name) == receipt[subject_name]
        )
        return "holds" if holds else "misbehaviour"
    return "misbehaviour" if events[-1]["timestamp"] > receipt["timestamp"] else "not_yet"
