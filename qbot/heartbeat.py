"""One timer for the `: ping` heartbeat of every open stream, instead of a task per stream that
sleeps and is cancelled when its stream ends (the seed's steps stream for milliseconds, and that
task's timer, cancellation and wake-up cost more than everything else aiohttp-sse does for them).

Every stream's interval is the same, so the streams wait in one queue in the order they are due:
a stream joins at the end, due an interval after it opened, and after each ping it goes to the
end again, due an interval after that ping. Only the queue's head has a timer."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Protocol


class Beating(Protocol):
    def beat(self) -> None:
        """Send a ping now, unless events are being sent (data is flowing)."""


class Place:
    """A stream's place in the queue. A stream that ends clears it (so the stream is freed at
    once, not when next due); the place itself is dropped when it comes up."""

    __slots__ = ("due", "stream")

    def __init__(self, due: float, stream: Beating) -> None:
        self.due = due
        self.stream: Beating | None = stream


class Heartbeat:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._due: deque[Place] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        """Places in the queue (those of ended streams included, until they come up)."""
        return len(self._due)

    def join(self, stream: Beating) -> Place:
        """Queue `stream`, due an interval from now; clear the place it returns to leave."""
        loop = asyncio.get_running_loop()
        place = Place(loop.time() + self.interval, stream)
        self._due.append(place)
        if self._timer is None:
            self._timer = loop.call_at(place.due, self._beat)
        return place

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due.clear()

    def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        # Everything queued is due at most an interval from now, so the places put back here,
        # due exactly then, keep the queue in order.
        again = now + self.interval
        while self._due and self._due[0].due <= now:
            place = self._due.popleft()
            if place.stream is not None:
                place.stream.beat()
                place.due = again
                self._due.append(place)
        self._timer = loop.call_at(self._due[0].due, self._beat) if self._due else None
