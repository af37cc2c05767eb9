"""A turn as the runner holds it while it runs, and the step that asks for one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from qbot.events import Event, dumps
from qbot.fanout import Fanout
from qbot.logapi import ConversationRow, LogError, TurnLog
from qbot.registry import Registered
from qbot.turn_ending import TurnEnd


@dataclass(frozen=True)
class Step:
    """A validated POST: which handler, with what."""

    conversation_id: str
    registered: Registered
    question: str
    case_id: str
    package_nodes: list[Any]
    form: dict[str, Any]
    request: dict[str, Any]
    owner: str = ""


class Turn:
    """A running turn: its ids, its task, its followers, its ending. The log tells it what was
    committed (qbot.logapi.TurnListener)."""

    def __init__(self, turn_id: str, conversation_id: str, handler_name: str, owner: str, next_id: int,
                 fanout: Fanout) -> None:
        self.id = turn_id
        self.conversation_id = conversation_id
        self.handler_name = handler_name
        self.owner = owner  # the examiner whose step started it
        self.next_id = next_id
        self.fanout = fanout
        self.task: asyncio.Task[None] | None = None
        self.log: TurnLog | None = None
        self.end: TurnEnd | None = None
        self.outcome: str | None = None
        self.stop_asked = False  # by another instance, maybe before the task was launched
        self.started = asyncio.get_running_loop().time()

    @property
    def ended(self) -> asyncio.Event:
        return self.fanout.ended

    @property
    def finishing(self) -> bool:
        return self.end is not None and self.end.finishing

    def event(self, name: str, data: dict[str, Any] | str) -> Event:
        """The turn's next event (data as a dict, or already encoded): ids run on across the
        turns of a conversation."""
        event = Event(self.next_id, name, data if isinstance(data, str) else dumps(data), self.id)
        self.next_id += 1
        return event

    # -- qbot.logapi.TurnListener ----------------------------------------------------------------

    def committed(self, events: list[Event]) -> None:
        self.fanout.publish(events)

    def end_committed(self, row: ConversationRow) -> None:
        assert self.end is not None
        self.end.ended()

    def end_failed(self, error: LogError) -> None:
        assert self.end is not None
        self.end.ending_failed(error)

    def stop_requested(self) -> None:
        """Another instance asked to stop this turn (its stop flag in the PostgreSQL log)."""
        self.stop_asked = True
        if self.task is not None:
            self.task.cancel()
