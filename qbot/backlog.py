"""How far a log's writer is behind, shared by the log's implementations: the events queued and
not yet taken by the writer, and producers made to wait once there are HIGH_WATER of them, until
the writer has taken them back under half."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import Protocol, TypeVar

HIGH_WATER = 20_000  # queued events before producers are made to wait


class Queued(Protocol):
    events: Sequence[object]
    taken: bool


Q = TypeVar("Q", bound=Queued)


class Backlog:
    def __init__(self) -> None:
        self.events = 0
        self._room = asyncio.Event()
        self._room.set()

    def queued(self, count: int) -> None:
        self.events += count
        if self.events >= HIGH_WATER:
            self._room.clear()

    def take(self, queue: deque[Q], most: int) -> list[Q]:
        """The next `most` writes of `queue` at most, taken for the writer: they can no longer grow."""
        batch = [queue.popleft() for _ in range(min(most, len(queue)))]
        for write in batch:
            write.taken = True
            self.events -= len(write.events)
        if self.events < HIGH_WATER // 2:
            self._room.set()
        return batch

    async def room(self) -> None:
        """Wait while the writer is far behind, so producers cannot outrun the disk."""
        if not self._room.is_set():
            await self._room.wait()
