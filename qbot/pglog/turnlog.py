"""One running turn's writes to the PostgreSQL log (`qbot.logapi.TurnLog`), and what the writer
tells it back: committed, ended, failed, lost or asked to stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from qbot.events import Event
from qbot.logapi import ConversationRow, LogError, TurnEnding, TurnListener
from qbot.pglog.writer import Write, Writer


class StopListener(Protocol):
    """A listener that also hears of a stop asked for on another instance (the turn's stop flag).
    Proposed for `qbot.logapi.TurnListener`; a listener without it is not told."""

    def stop_requested(self) -> None: ...


class PgTurnLog:
    def __init__(self, writer: Writer, conversation_id: str, turn_id: str, listener: TurnListener,
                 row: ConversationRow, on_end: Callable[[PgTurnLog], None]) -> None:
        self._writer = writer
        self.conversation_id = conversation_id
        self.turn_id = turn_id
        self._listener = listener
        self.row = row
        self.failure: LogError | None = None
        self.committed_id = row.last_event_id
        self.closing = False  # its ending is queued: a lapse seen now is not a loss
        self.stopping = False  # a stop was asked for (on any instance)
        self._outbox: Write | None = None
        self._on_end = on_end

    def append(self, event: Event) -> None:
        if self.failure is not None:
            raise self.failure
        write = self._outbox
        if write is None or write.taken:
            write = self._outbox = Write(self)
            self._writer.submit(write)
        write.events.append(event)
        self._writer.queued(1)

    async def room(self) -> None:
        await self._writer.room()

    def end(self, ending: TurnEnding) -> None:
        self.closing = True
        self._writer.submit(Write(self, list(ending.events), ending, knew_failed=self.failure is not None))

    # -- told by the writer and the log, on the event loop -------------------------------------

    def committed(self, events: list[Event]) -> None:
        self.committed_id = events[-1].id
        self._listener.committed(events)

    def end_committed(self, row: ConversationRow) -> None:
        self.row = row
        self._outbox = None
        self._on_end(self)
        self._listener.end_committed(row)

    def end_failed(self, error: LogError) -> None:
        self._listener.end_failed(error)

    def append_failed(self, error: LogError) -> None:
        if self.failure is None:
            self.failure = error

    def lost(self, error: LogError) -> None:
        """Another instance closed the turn: nothing more of it can be recorded; it should stop."""
        self.append_failed(error)
        self.stop_asked()

    def stop_asked(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        self._listener.stop_requested()
