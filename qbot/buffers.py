"""Bytes the server holds in memory for clients that have not read them yet: a follower's inbox of
committed events, and what a stream waiting for its socket to drain still has in hand. Bounded per
client (a follower's inbox, `turns.subscriber_buffer_bytes`) and for all clients together
(`limits.slow_clients_bytes`): past the server-wide limit the client holding the most is dropped.
A dropped client loses only its connection: every event is in the log, and it resumes with
Last-Event-ID."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Protocol

from qbot.events import Event


class Holder(Protocol):
    def drop(self) -> None:
        """Let go of everything held and end the client's stream."""


class ClientBuffers:
    """The server-wide account of held bytes. `on_slow_client_left` is called when a client that
    had to wait for its socket has gone (the app hands the memory it used back to the system)."""

    __slots__ = ("_held", "_on_slow_client_left", "dropped", "limit", "total")

    def __init__(self, limit: int, on_slow_client_left: Callable[[], None] | None = None) -> None:
        self.limit = limit
        self.total = 0
        self.dropped = 0  # clients dropped because all together held too much
        self._held: dict[Holder, int] = {}
        self._on_slow_client_left = on_slow_client_left

    @property
    def clients(self) -> int:
        """How many clients hold bytes now."""
        return len(self._held)

    def hold(self, holder: Holder, size: int) -> None:
        """`holder` now holds `size` bytes (0: nothing)."""
        self.total += size - self._held.get(holder, 0)
        if size:
            self._held[holder] = size
        else:
            self._held.pop(holder, None)
        while self.total > self.limit and self._held:
            victim = max(self._held, key=self._held.__getitem__)
            self.total -= self._held.pop(victim)
            self.dropped += 1
            victim.drop()

    def release(self, holder: Holder) -> None:
        self.hold(holder, 0)

    def slow_client_left(self) -> None:
        if self._on_slow_client_left is not None:
            self._on_slow_client_left()


class Subscriber:
    """A bounded inbox of committed events for one stream. A reader whose inbox would pass `limit`
    bytes, or whom the server-wide account drops, is `overflowed`: its stream closes and it may
    resume from the log with Last-Event-ID, while the turn goes on."""

    __slots__ = ("_events", "_ready", "_buffers", "limit", "size", "overflowed", "closed")

    def __init__(self, buffers: ClientBuffers, limit: int) -> None:
        self._events: deque[Event] = deque()
        self._ready = asyncio.Event()
        self._buffers = buffers
        self.limit = limit
        self.size = 0  # bytes of the frames waiting
        self.overflowed = False
        self.closed = False

    def offer(self, events: list[Event]) -> None:
        if self.overflowed:
            return
        size = self.size + sum(len(e.frame) for e in events)
        if size > self.limit:
            self.drop()
            return
        self._events.extend(events)
        self.size = size
        self._ready.set()
        self._buffers.hold(self, size)

    def drop(self) -> None:
        self.overflowed = True
        self._events.clear()
        self.size = 0
        self._buffers.release(self)
        self._ready.set()

    def close(self) -> None:
        """No more events will come (the turn ended without a recordable done)."""
        self.closed = True
        self._ready.set()

    async def take(self) -> list[Event]:
        """Everything waiting (at least one event), or [] once overflowed or closed and empty."""
        while not self._events and not self.overflowed and not self.closed:
            self._ready.clear()
            await self._ready.wait()
        taken = list(self._events)
        self._events.clear()
        if self.size:
            self.size = 0
            self._buffers.release(self)
        return taken
