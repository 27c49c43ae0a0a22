"""Events: the hash as the spec writes it, field checks, timestamps, the chain rules."""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest

from referendum.crypto.hashing import encode_fields
from referendum.errors import BoardCorrupted, InputError
from referendum.record.chain import ChainChecker, verify_chain
from referendum.record.event import (
    GENESIS_PARENT,
    Event,
    Head,
    event_hash,
    format_timestamp,
    make_event,
    parse_timestamp,
)

TS = "2026-03-01T08:00:00.000000Z"

# Known-answer vectors, also printed in docs/spec/record.md.
VECTORS = [
    (
        0,
        GENESIS_PARENT,
        "manifest",
        "2026-03-01T08:00:00.000000Z",
        {"title": "Référendum", "n": [1, True, None]},
        "5f2b77930cb4528e36f05c7b5144624fad1d25b192d5ea97af6ac7b5f92ec15f",
    ),
    (
        1,
        "ab" * 32,
        "ballot",
        "2026-03-01T08:00:01.250000Z",
        {},
        "69eb005d184dddd122f1e9a39e890579b344311987c08c1df42ee81b1f466dc9",
    ),
]


def spec_hash(height: int, parent: str, type_: str, timestamp: str, payload_json: bytes) -> str:
    """The event hash written out from the spec, without the package's helpers."""
    fields = [
        b"referendum/v1/event",
        struct.pack(">Q", height),
        bytes.fromhex(parent),
        type_.encode(),
        timestamp.encode(),
        payload_json,
    ]
    return hashlib.sha256(b"".join(struct.pack(">Q", len(f)) + f for f in fields)).hexdigest()


@pytest.mark.parametrize("vector", VECTORS)
def test_event_hash_vectors(vector: tuple[object, ...]) -> None:
    height, parent, type_, timestamp, payload, expected = vector
    assert event_hash(height, parent, type_, timestamp, payload) == expected  # type: ignore[arg-type]


def test_event_hash_matches_spec_text() -> None:
    payload_json = '{"n":[1,true,null],"title":"Référendum"}'.encode()
    assert spec_hash(0, GENESIS_PARENT, "manifest", TS, payload_json) == VECTORS[0][5]


def test_encode_fields_layout() -> None:
    assert encode_fields(b"ab", b"") == bytes.fromhex("0000000000000002616200000000000000" + "00")
    assert encode_fields() == b""


def test_make_event_checks_fields() -> None:
    event = make_event(0, GENESIS_PARENT, "manifest", TS, {"a": 1})
    assert event.hash == event_hash(0, GENESIS_PARENT, "manifest", TS, {"a": 1})
    assert Event.from_json(event.to_json()) == event
    for args, field in [
        ((1, GENESIS_PARENT, "a", TS, {}), "parent"),
        ((0, "ab" * 32, "a", TS, {}), "parent"),
        ((-1, GENESIS_PARENT, "a", TS, {}), "height"),
        ((True, GENESIS_PARENT, "a", TS, {}), "height"),
        ((0, "AB" * 32, "a", TS, {}), "parent"),
        ((0, GENESIS_PARENT, "1a", TS, {}), "type"),
        ((0, GENESIS_PARENT, "a" * 65, TS, {}), "type"),
        ((0, GENESIS_PARENT, "a", TS.replace("Z", "+00:00"), {}), "timestamp"),
        ((0, GENESIS_PARENT, "a", TS, []), "payload"),
    ]:
        with pytest.raises(InputError) as info:
            make_event(*args)  # type: ignore[arg-type]
        assert info.value.field == field, args


def test_from_json_names_fields() -> None:
    good = make_event(0, GENESIS_PARENT, "a", TS, {}).to_json()
    for change, field in [
        ({"height": "0"}, "event.height"),
        ({"parent": "x"}, "event.parent"),
        ({"hash": None}, "event.hash"),
        ({"payload": []}, "event.payload"),
        ({"timestamp": 5}, "event.timestamp"),
        ({"extra": 1}, "event"),
    ]:
        with pytest.raises(InputError) as info:
            Event.from_json({**good, **change})
        assert info.value.field == field
    missing = dict(good)
    del missing["type"]
    with pytest.raises(InputError, match="missing type"):
        Event.from_json(missing)


def test_timestamps() -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 1, 9, 0, 0, 250, tzinfo=paris)
    assert format_timestamp(moment) == "2026-03-01T08:00:00.000250Z"
    assert parse_timestamp("2026-03-01T08:00:00.000250Z") == moment
    with pytest.raises(InputError, match="naive"):
        format_timestamp(datetime(2026, 3, 1))
    assert format_timestamp(datetime(2026, 3, 1, tzinfo=UTC)) == "2026-03-01T00:00:00.000000Z"


def chain(n: int) -> list[Event]:
    events: list[Event] = []
    parent = GENESIS_PARENT
    for height in range(n):
        event = make_event(
            height, parent, "e", f"2026-03-01T08:00:{height:02d}.000000Z", {"h": height}
        )
        events.append(event)
        parent = event.hash
    return events


def test_verify_chain_accepts_a_good_chain() -> None:
    events = chain(5)
    assert verify_chain(events) == Head(4, events[-1].hash)
    assert verify_chain([]) is None


def test_verify_chain_names_the_first_bad_event() -> None:
    events = chain(5)
    tampered = Event(2, events[2].parent, "e", events[2].timestamp, {"h": 99}, events[2].hash)
    with pytest.raises(BoardCorrupted, match="height 2: hash"):
        verify_chain([*events[:2], tampered, *events[3:]])
    with pytest.raises(BoardCorrupted, match="height 3: expected height 2"):
        verify_chain([*events[:2], *events[3:]])
    with pytest.raises(BoardCorrupted, match="height 1: expected height 0"):
        verify_chain(events[1:])
    forged = make_event(3, events[1].hash, "e", "2026-03-01T08:00:03.000000Z", {"h": 3})
    with pytest.raises(BoardCorrupted, match="height 3: parent"):
        verify_chain([*events[:3], forged])
    early = make_event(3, events[2].hash, "e", "2026-03-01T07:00:00.000000Z", {})
    with pytest.raises(BoardCorrupted, match="height 3: timestamp"):
        verify_chain([*events[:3], early])
    float_payload = Event(0, GENESIS_PARENT, "e", TS, {"x": 0.5}, "0" * 64)
    with pytest.raises(BoardCorrupted, match="height 0"):
        ChainChecker().add(float_payload)
