"""Group commit: writes wait in a queue, and one task hands everything queued to the writer's
thread as one transaction; only then do the writes' callbacks run (they send the events to
clients). So nothing a client saw can be missing from the log, and the log keeps up with many
streams (one commit per event would cap it at a few thousand events a second)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qbot.backlog import Backlog
from qbot.clock import utcnow
from qbot.events import Event
from qbot.logapi import LogError
from qbot.sqlitelog.writer import BatchWriter

log = logging.getLogger(__name__)

MAX_BATCH = 512  # writes folded into one transaction


@dataclass
class Write:
    """One unit for the writer: statements run in order, then the events, in one transaction."""

    conversation_id: str = ""
    events: Sequence[Event] = ()
    statements: Sequence[tuple[str, tuple[Any, ...]]] = ()
    on_commit: Callable[[], None] | None = None
    on_error: Callable[[LogError], None] | None = None
    # Asked just before writing: True drops the write (its turn already failed to log an event,
    # and later events must not be recorded after a gap).
    skip: Callable[[], bool] | None = None
    done: asyncio.Future[None] | None = field(default=None, repr=False)
    taken: bool = False  # the writer has taken it from the queue: it can no longer grow


def _committed(write: Write) -> None:
    if write.on_commit:
        try:
            write.on_commit()
        except Exception:  # noqa: BLE001 - a callback's bug must not stop the writer
            log.exception("callback after commit failed")
    if write.done and not write.done.done():
        write.done.set_result(None)


def _failed(write: Write, failure: LogError) -> None:
    if write.on_error:
        write.on_error(failure)
    if write.done and not write.done.done():
        write.done.set_exception(failure)


class WriteQueue:
    def __init__(self, writer: BatchWriter) -> None:
        self._writer = writer
        self._queue: deque[Write] = deque()
        self._wakeup = asyncio.Event()
        self._backlog = Backlog()
        self._task: asyncio.Task[None] | None = asyncio.create_task(self._write_loop(), name="qbot-log-writer")
        self.commits = 0  # transactions committed (for /metrics)

    async def close(self) -> None:
        """Write what is queued, then stop."""
        if self._task is not None:
            await self.flush()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def submit(self, write: Write) -> None:
        """Queue a write; its callbacks run after the commit that holds it."""
        self._queue.append(write)
        self._wakeup.set()
        self._backlog.queued(len(write.events))

    def append(self, write: Write, event: Event) -> None:
        """Add an event to a queued write that the writer has not taken yet."""
        assert not write.taken, "the writer has taken this write"
        write.events.append(event)  # type: ignore[attr-defined]  # a list, for writes that grow
        self._backlog.queued(1)

    @property
    def backlog(self) -> int:
        """Events queued that the writer has not taken yet."""
        return self._backlog.events

    async def room(self) -> None:
        """Wait while the writer is far behind, so producers cannot outrun the disk."""
        await self._backlog.room()

    async def write(self, write: Write) -> None:
        """Queue a write and wait for its commit; raises LogError if it failed."""
        write.done = asyncio.get_running_loop().create_future()
        self.submit(write)
        await write.done

    async def flush(self) -> None:
        await self.write(Write())

    async def _write_loop(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch = self._backlog.take(self._queue, MAX_BATCH)
                batch = [write for write in batch if not self._dropped(write)]
                try:
                    await self._commit(batch)
                except Exception:  # noqa: BLE001 - one bad write must not fail the others
                    for write in batch:
                        if not self._dropped(write):
                            await self._commit_alone(write)
                    continue
                for write in batch:
                    _committed(write)

    @staticmethod
    def _dropped(write: Write) -> bool:
        if write.skip is None or not write.skip():
            return False
        _failed(write, LogError("not written: an earlier write of its turn failed"))
        return True

    async def _commit_alone(self, write: Write) -> None:
        try:
            await self._commit([write])
        except Exception as exc:  # noqa: BLE001 - handed to the write's owner
            _failed(write, LogError(f"the conversation log could not be written: {exc}"))
        else:
            _committed(write)

    async def _commit(self, batch: list[Write]) -> None:
        statements = [statement for write in batch for statement in write.statements]
        events = [(write.conversation_id, e) for write in batch for e in write.events]
        await self._writer.commit(statements, events, utcnow())
        self.commits += 1
