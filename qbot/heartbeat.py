"""One timer for the `: ping` of every open stream.

aiohttp-sse gives each stream a task that sleeps `ping_interval` between pings. Most streams live
a fraction of a second, and creating, cancelling and awaiting that task cost a stream more than
its first events do. Here the streams due in the same tick of TICK seconds share one timer; each
is pinged `interval` seconds after it opened, then every `interval` from that due time (no drift)."""

from __future__ import annotations

import asyncio
import math
from typing import Protocol

TICK = 0.005  # seconds: a ping may be this much late, so that the streams due together share a timer


class Beating(Protocol):
    def beat(self) -> None:
        """Start sending a ping; must not block."""


class Heartbeat:
    def __init__(self) -> None:
        self._due: dict[int, dict[Beating, tuple[float, float]]] = {}  # tick -> stream -> (due, interval)
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._tick_of: dict[Beating, int] = {}

    def __len__(self) -> int:
        return len(self._tick_of)

    def add(self, stream: Beating, interval: float) -> None:
        loop = asyncio.get_running_loop()
        self._schedule(loop, stream, loop.time() + interval, interval)

    def remove(self, stream: Beating) -> None:
        tick = self._tick_of.pop(stream, None)
        if tick is None:
            return
        streams = self._due[tick]
        del streams[stream]
        if not streams:
            del self._due[tick]
            self._timers.pop(tick).cancel()

    def _schedule(self, loop: asyncio.AbstractEventLoop, stream: Beating, due: float, interval: float) -> None:
        tick = math.ceil(due / TICK)
        streams = self._due.get(tick)
        if streams is None:
            streams = self._due[tick] = {}
            self._timers[tick] = loop.call_at(tick * TICK, self._fire, loop, tick)
        streams[stream] = (due, interval)
        self._tick_of[stream] = tick

    def _fire(self, loop: asyncio.AbstractEventLoop, tick: int) -> None:
        del self._timers[tick]
        for stream, (due, interval) in self._due.pop(tick).items():
            self._schedule(loop, stream, due + interval, interval)
            stream.beat()
