"""The server's one heartbeat: each open stream pinged once an interval, in the order they became
due, an ended stream never again and not kept alive by its place in the queue."""

from __future__ import annotations

import asyncio
import gc
import weakref

from qbot.heartbeat import Heartbeat
from tests.test_turns import wait_until


class Stream:
    def __init__(self, name: str, pings: list[tuple[str, float]]) -> None:
        self.name = name
        self.pings = pings

    def beat(self) -> None:
        self.pings.append((self.name, asyncio.get_running_loop().time()))


async def test_streams_are_pinged_an_interval_apart_in_order_and_an_ended_one_no_more():
    heartbeat = Heartbeat(0.05)
    pings: list[tuple[str, float]] = []
    loop = asyncio.get_running_loop()
    opened = loop.time()
    a, b = Stream("a", pings), Stream("b", pings)
    place_a = heartbeat.join(a)
    await asyncio.sleep(0.02)
    place_b = heartbeat.join(b)
    await asyncio.sleep(0.13)  # a is due at 0.05 and 0.10 (and 0.15), b at 0.07 and 0.12
    names = [name for name, _ in pings]
    assert names[:4] == ["a", "b", "a", "b"]
    times_a = [t for name, t in pings if name == "a"]
    assert times_a[0] - opened >= 0.05 and all(later - earlier >= 0.05 for earlier, later in zip(times_a, times_a[1:]))

    place_b.stream = None  # b's stream ended
    ended = weakref.ref(b)
    del b
    gc.collect()
    assert ended() is None  # its place in the queue does not hold it
    count_a, count_b = names.count("a"), names.count("b")
    await wait_until(lambda: [name for name, _ in pings].count("a") >= count_a + 2)
    assert [name for name, _ in pings].count("b") == count_b
    place_a.stream = None
    await wait_until(lambda: len(heartbeat) == 0)  # both places dropped when they came up
    heartbeat.stop()
