"""One timer for the `: ping` heartbeat of every open stream, instead of a task per stream that
sleeps and is cancelled when its stream ends (the seed's steps stream for milliseconds, and that
task's timer, cancellation and wake-up cost more than everything else aiohttp-sse does for them).

Every stream's interval is the same, so the streams wait in one queue in the order they are due:
a stream joins at the end, due an interval after it opened, and after each ping it goes to the
end again, due an interval after that ping. Only the queue's head has a timer."""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from typing import Protocol


class Beating(Protocol):
    @property
    def beating(self) -> bool:
        """False once the stream has ended: it leaves the queue when next due."""

    def beat(self) -> None:
        """Send a ping now, unless events are being sent (data is flowing)."""


class Heartbeat:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._due: deque[tuple[float, weakref.ref[Beating]]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    def __len__(self) -> int:
        """Streams in the queue (ended ones included until they are next due)."""
        return len(self._due)

    def join(self, stream: Beating) -> None:
        loop = asyncio.get_running_loop()
        self._due.append((loop.time() + self.interval, weakref.ref(stream)))
        if self._timer is None:
            self._timer = loop.call_at(self._due[0][0], self._beat)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due.clear()

    def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        # Everything queued is due at most an interval from now, so the streams put back here,
        # due exactly then, keep the queue in order.
        again = now + self.interval
        while self._due and self._due[0][0] <= now:
            _, ref = self._due.popleft()
            stream = ref()
            if stream is not None and stream.beating:
                stream.beat()
                self._due.append((again, ref))
        self._timer = loop.call_at(self._due[0][0], self._beat) if self._due else None
