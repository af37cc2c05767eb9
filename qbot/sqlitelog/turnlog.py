"""One running turn's writes to the SQLite log (qbot.logapi.TurnLog)."""

from __future__ import annotations

from functools import partial

from qbot.clock import utcnow
from qbot.events import Event
from qbot.logapi import ConversationRow, LogError, TurnEnding, TurnListener
from qbot.sqlitelog import statements
from qbot.sqlitelog.queue import Write, WriteQueue
from qbot.sqlitelog.rows import RowCache


class SqliteTurnLog:
    def __init__(self, queue: WriteQueue, rows: RowCache, turn_id: str, row: ConversationRow,
                 listener: TurnListener) -> None:
        self._queue = queue
        self._rows = rows
        self._turn_id = turn_id
        self._listener = listener
        self._outbox: Write | None = None  # its events queued but not yet taken by the writer
        self.row = row
        self.failure: LogError | None = None
        self.committed_id = row.last_event_id

    def append(self, event: Event) -> None:
        if self.failure is not None:
            raise self.failure
        write = self._outbox
        if write is None or write.taken:
            # The events a handler yields in one burst are committed, and sent, together.
            write = self._outbox = Write(self.row.id, [], on_error=self._failed,
                                         skip=lambda: self.failure is not None)
            write.on_commit = partial(self._committed, write.events)
            self._queue.submit(write)
        self._queue.append(write, event)

    async def room(self) -> None:
        await self._queue.room()

    def end(self, ending: TurnEnding) -> None:
        knew_failure = self.failure is not None
        now = utcnow()

        def committed() -> None:
            self._outbox = None  # the write's callbacks refer back to the turn: free both
            self._committed(list(ending.events))
            self._listener.end_committed(self._rows.ended(self.row, ending, now))

        self._queue.submit(Write(
            self.row.id, list(ending.events), statements.end_turn(self.row.id, self._turn_id, ending, now),
            on_commit=committed, on_error=self._ending_failed,
            # Dropped if an earlier event fails meanwhile: the ending must then be renumbered.
            skip=lambda: self.failure is not None and not knew_failure))

    def _committed(self, events: list[Event]) -> None:
        self.committed_id = events[-1].id
        self._listener.committed(events)

    def _failed(self, error: LogError) -> None:
        self.failure = error
        self._rows.forget(self.row.id)  # its events after the start are in the log only in part

    def _ending_failed(self, error: LogError) -> None:
        self._rows.forget(self.row.id)
        self._listener.end_failed(error)
