"""The one heartbeat timer: each stream is pinged every interval from its opening, until removed."""

from __future__ import annotations

import asyncio

from qbot.heartbeat import TICK, Heartbeat


class Beats:
    def __init__(self) -> None:
        self.at: list[float] = []

    def beat(self) -> None:
        self.at.append(asyncio.get_running_loop().time())


async def test_streams_are_pinged_every_interval_from_their_opening_until_removed():
    heartbeat = Heartbeat()
    loop = asyncio.get_running_loop()
    first, second, gone = Beats(), Beats(), Beats()
    opened = loop.time()
    heartbeat.add(first, 0.05)
    heartbeat.add(gone, 0.05)
    await asyncio.sleep(0.02)
    heartbeat.add(second, 0.03)
    await asyncio.sleep(0.04)
    heartbeat.remove(gone)
    heartbeat.remove(gone)  # twice is harmless
    await asyncio.sleep(0.2)
    assert len(gone.at) == 1
    assert len(first.at) >= 3 and len(second.at) >= 5
    for k, at in enumerate(first.at, 1):  # due at opening + k intervals, never earlier
        assert at >= opened + k * 0.05 - 1e-6
    heartbeat.remove(first)
    heartbeat.remove(second)
    assert len(heartbeat) == 0 and not heartbeat._timers  # no timer left behind


async def test_streams_due_in_one_tick_share_a_timer():
    heartbeat = Heartbeat()
    streams = [Beats() for _ in range(50)]
    for stream in streams:
        heartbeat.add(stream, 10.0)
    assert len(heartbeat._timers) <= 2  # 50 streams opened within a tick or two of TICK s
    assert TICK <= 0.01
    for stream in streams:
        heartbeat.remove(stream)
    assert not heartbeat._timers
