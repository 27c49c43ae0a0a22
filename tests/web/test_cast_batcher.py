"""The group commit of the casting route (``web/casting.py``, :class:`CastBatcher`): batches
in flight at once, and every request answered with its own outcome."""

from __future__ import annotations

import asyncio
import threading

from referendum.errors import UnjudgedSubmission
from referendum.services.ingest import Outcome
from referendum.web.casting import CastBatcher, Headers


def test_a_second_batch_is_cast_while_the_first_waits() -> None:
    """The first batch waits (as for the board's writer turn) until a second one is being
    cast: with one batch at a time, it would wait for ever (here: the test's timeout)."""
    second_started = threading.Event()
    seen: list[list[bytes]] = []

    def cast(bodies: list[bytes]) -> tuple[list[Outcome], Headers]:
        seen.append(bodies)
        if len(seen) == 1:
            assert second_started.wait(10), "no second batch was cast while the first waited"
        else:
            second_started.set()
        return [UnjudgedSubmission(body.decode()) for body in bodies], ()

    async def main() -> list[tuple[Outcome, Headers]]:
        batcher = CastBatcher(cast, depth=2)
        try:
            first = asyncio.ensure_future(batcher.cast(b"a"))
            await asyncio.sleep(0.05)  # "a" is being cast, alone
            rest = [asyncio.ensure_future(batcher.cast(b)) for b in (b"b", b"c")]
            return await asyncio.gather(first, *rest)
        finally:
            batcher.close()

    answers = asyncio.run(main())
    assert [getattr(outcome, "cause", None) for outcome, _ in answers] == ["a", "b", "c"]
    assert seen[0] == [b"a"] and sorted(b for batch in seen[1:] for b in batch) == [b"b", b"c"]


def test_one_batch_at_a_time_when_asked() -> None:
    """With ``depth=1``, a batch starts only when the previous one has been answered."""
    running = 0
    most = 0
    lock = threading.Lock()

    def cast(bodies: list[bytes]) -> tuple[list[Outcome], Headers]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.01)
        with lock:
            running -= 1
        return [UnjudgedSubmission("x") for _ in bodies], ()

    async def main() -> None:
        batcher = CastBatcher(cast, depth=1)
        try:
            await asyncio.gather(*(batcher.cast(b"%d" % i) for i in range(20)))
        finally:
            batcher.close()

    asyncio.run(main())
    assert most == 1
