"""The BulletinBoard protocol, run identically on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from board_targets import BoardTarget
from referendum.board.protocol import BulletinBoard, Draft, Head
from referendum.errors import BoardError, HeadMovedError, InputError
from referendum.record.chain import verify_chain
from referendum.record.event import GENESIS_PARENT, event_hash, format_timestamp

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def ts(second: int) -> str:
    return format_timestamp(T0 + timedelta(seconds=second))


def fill(board: BulletinBoard, n: int, *, batch: int = 1) -> None:
    """Append events 0..n-1 (types, payloads and keys derived from the height)."""
    head = board.head()
    for start in range(0, n, batch):
        drafts = [
            Draft(
                "ballot" if i % 3 else "note",
                {"i": i, "text": f"événement {i}"},
                [f"voter-{i % 4}"],
            )
            for i in range(start, min(start + batch, n))
        ]
        events = board.append_many(
            drafts, expected_head=None if head is None else head.hash, timestamp=ts(start)
        )
        head = events[-1].head


def test_board_satisfies_protocol(board: BulletinBoard) -> None:
    assert isinstance(board, BulletinBoard)


def test_empty_board(board: BulletinBoard) -> None:
    assert board.head() is None
    assert list(board.events()) == []
    assert board.count("ballot") == 0
    assert board.lookup("anything") == []
    with pytest.raises(BoardError, match="no event at height 0"):
        board.get(0)


def test_append_and_read_back(board: BulletinBoard) -> None:
    genesis = board.append(
        "manifest", {"title": "Q?"}, expected_head=None, keys=["m"], timestamp=ts(0)
    )
    assert genesis.height == 0
    assert genesis.parent == GENESIS_PARENT
    assert genesis.hash == event_hash(0, GENESIS_PARENT, "manifest", ts(0), {"title": "Q?"})
    second = board.append(
        "ballot", {"n": [1, 2]}, expected_head=genesis.hash, keys=["a", "b", "a"], timestamp=ts(1)
    )
    assert second.parent == genesis.hash
    assert second.height == 1
    assert board.head() == Head(1, second.hash)
    assert list(board.events()) == [genesis, second]
    assert list(board.events(start=1)) == [second]
    assert list(board.events(types={"manifest"})) == [genesis]
    assert list(board.events(types=[])) == []
    assert board.get(1) == second
    assert board.lookup("a") == [second]
    assert board.lookup("m") == [genesis]
    assert board.count("ballot") == 1
    assert board.count("manifest") == 1


def test_many_events_stream_filter_and_lookup(board: BulletinBoard) -> None:
    fill(board, 2500, batch=250)  # more than one SQL batch or cursor fetch
    events = list(board.events())
    assert [e.height for e in events] == list(range(2500))
    assert verify_chain(board.events()) == events[-1].head
    ballots = list(board.events(start=1000, types=["ballot"]))
    assert [e.height for e in ballots] == [h for h in range(1000, 2500) if h % 3]
    assert board.count("ballot") == sum(1 for h in range(2500) if h % 3)
    assert [e.height for e in board.lookup("voter-1")] == list(range(1, 2500, 4))
    keys = [f"voter-{v}" for v in range(6)] + ["nobody", "voter-1"]
    found = board.lookup_many(keys)  # more keys than one SQL query takes are tested below
    assert sorted(found) == [f"voter-{v}" for v in range(4)]
    assert all(found[k] == board.lookup(k) for k in found)
    many = board.lookup_many(
        [f"voter-{v % 4}" for v in range(1200)] + [f"x{i}" for i in range(900)]
    )
    assert sorted(many) == [f"voter-{v}" for v in range(4)] and many["voter-2"] == board.lookup(
        "voter-2"
    )
    assert board.get(1234).payload == {"i": 1234, "text": "événement 1234"}


def test_stale_head_is_refused_and_nothing_stored(board: BulletinBoard) -> None:
    first = board.append("a", {}, expected_head=None, timestamp=ts(0))
    board.append("b", {}, expected_head=first.hash, timestamp=ts(1))
    with pytest.raises(HeadMovedError):
        board.append("c", {}, expected_head=first.hash, keys=["k"], timestamp=ts(2))
    with pytest.raises(HeadMovedError):
        board.append("c", {}, expected_head=None, timestamp=ts(2))
    with pytest.raises(HeadMovedError):
        board.append("c", {}, expected_head="f" * 64, timestamp=ts(2))
    assert board.head() is not None and board.head().height == 1  # type: ignore[union-attr]
    assert board.count("c") == 0
    assert board.lookup("k") == []


def test_expected_head_on_empty_board(board: BulletinBoard) -> None:
    with pytest.raises(HeadMovedError):
        board.append("a", {}, expected_head="0" * 64, timestamp=ts(0))
    assert board.head() is None


def test_timestamps_never_decrease(board: BulletinBoard) -> None:
    first = board.append("a", {}, expected_head=None, timestamp=ts(5))
    with pytest.raises(BoardError, match="earlier than the head"):
        board.append("b", {}, expected_head=first.hash, timestamp=ts(4))
    same = board.append("b", {}, expected_head=first.hash, timestamp=ts(5))
    assert same.height == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"type": "Bad Type"}, "type"),
        ({"type": ""}, "type"),
        ({"payload": {"x": 1.5}}, "$.x"),
        ({"payload": {"x": 2**60}}, "$.x"),
        ({"payload": ["not", "an", "object"]}, "payload"),
        ({"timestamp": "2026-03-01 08:00:00"}, "timestamp"),
        ({"timestamp": "2026-02-30T08:00:00.000000Z"}, "timestamp"),
        ({"keys": "one-string"}, "keys"),
        ({"keys": [""]}, "keys[0]"),
        ({"keys": ["ok", "x" * 513]}, "keys[1]"),
        ({"keys": ["a\x00b"]}, "keys[0]"),
        ({"keys": ["\ud800"]}, "keys[0]"),
    ],
)
def test_bad_append_arguments_name_the_field(
    board: BulletinBoard, kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {
        "type": "ballot",
        "payload": {"ok": True},
        "expected_head": None,
        "keys": (),
        "timestamp": ts(0),
    }
    args.update(kwargs)
    with pytest.raises(InputError) as info:
        board.append(**args)  # type: ignore[arg-type]
    assert info.value.field == field
    assert board.head() is None


def test_payload_is_copied(board: BulletinBoard) -> None:
    payload = {"list": [1, 2]}
    event = board.append("a", payload, expected_head=None, timestamp=ts(0))
    payload["list"].append(3)
    assert event.payload == {"list": [1, 2]}
    assert board.get(0).payload == {"list": [1, 2]}
    assert verify_chain(board.events()) == event.head


def test_reopen_keeps_events(shared_target: BoardTarget) -> None:
    board = shared_target.open()
    fill(board, 5)
    head = board.head()
    board.close()
    again = shared_target.open()
    assert again.head() == head
    assert verify_chain(again.events()) == head


def test_two_handles_see_each_other(target: BoardTarget) -> None:
    one, two = target.open(), target.open()
    first = one.append("a", {"by": 1}, expected_head=None, timestamp=ts(0))
    assert two.head() == first.head
    with pytest.raises(HeadMovedError):
        two.append("a", {"by": 2}, expected_head=None, timestamp=ts(1))
    second = two.append("a", {"by": 2}, expected_head=first.hash, timestamp=ts(1))
    assert one.head() == second.head


def test_append_while_streaming(board: BulletinBoard) -> None:
    fill(board, 3)
    stream = board.events()
    seen = [next(stream)]
    head = board.head()
    assert head is not None
    board.append("late", {}, expected_head=head.hash, timestamp=ts(100))
    seen.extend(stream)
    assert [e.height for e in seen][:3] == [0, 1, 2]


def test_closed_board_refuses_use(target: BoardTarget) -> None:
    board = target.open()
    board.close()
    if target.kind != "memory":
        board.close()  # idempotent
    with pytest.raises(BoardError, match="closed"):
        board.head()


def test_append_many_is_atomic(board: BulletinBoard) -> None:
    first = board.append("manifest", {}, expected_head=None, timestamp=ts(0))
    drafts = [Draft("ballot", {"i": i}, (f"k{i}", "all")) for i in range(3)]
    events = board.append_many(drafts, expected_head=first.hash, timestamp=ts(1))
    assert [e.height for e in events] == [1, 2, 3]
    assert [e.parent for e in events] == [first.hash, events[0].hash, events[1].hash]
    assert {e.timestamp for e in events} == {ts(1)}
    assert board.lookup("all") == events
    assert verify_chain(board.events()) == events[-1].head
    bad = [Draft("ballot", {"i": 9}), Draft("ballot", {"x": 0.5}), Draft("ballot", {})]
    with pytest.raises(InputError) as info:
        board.append_many(bad, expected_head=events[-1].hash, timestamp=ts(2))
    assert info.value.field == "drafts[1].$.x"
    with pytest.raises(InputError) as info:
        board.append_many(
            [Draft("ballot", {}), Draft("ballot", {}, ("",))],
            expected_head=events[-1].hash,
            timestamp=ts(2),
        )
    assert info.value.field == "drafts[1].keys[0]"
    with pytest.raises(HeadMovedError):
        board.append_many(drafts, expected_head=first.hash, timestamp=ts(2))
    assert board.head() == events[-1].head
    assert board.count("ballot") == 3
    assert board.append_many([], expected_head="whatever", timestamp=ts(2)) == []


def test_abandoned_streams_do_not_break_the_board(board: BulletinBoard) -> None:
    fill(board, 5)
    for _ in range(3):
        stream = board.events()
        assert next(stream).height == 0
        stream.close()  # abandoned after one event
    nested = [(a.height, b.height) for a in board.events(types=["note"]) for b in board.events(4)]
    assert nested == [(0, 4), (3, 4)]
    assert len(list(board.events())) == 5
