"""Helpers for the PostgreSQL log's tests: a listener that records what it hears, and turns'
starts and endings as the runner makes them."""

from __future__ import annotations

import asyncio
import uuid

from qbot.events import Event, dumps
from qbot.logapi import ConversationRow, Interrupted, LogError, TurnEnding, TurnStart


class Heard:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.rows: list[ConversationRow] = []
        self.failures: list[LogError] = []
        self.stops = asyncio.Event()

    def committed(self, events: list[Event]) -> None:
        self.events += events

    def end_committed(self, row: ConversationRow) -> None:
        self.rows.append(row)

    def end_failed(self, error: LogError) -> None:
        self.failures.append(error)

    def stop_requested(self) -> None:
        self.stops.set()


def turn_start(cid: str, after: int = 0, owner: str = "", closes: Interrupted | None = None) -> TurnStart:
    """The start of a turn whose first event follows id `after` (and `closes`' events)."""
    turn_id = str(uuid.uuid4())
    first = after + 1 + (len(closes.events) if closes else 0)
    start = Event(first, "start", dumps({"conversation_id": cid, "turn_id": turn_id, "confirm_type": -1,
                                         "handler": "question"}), turn_id)
    return TurnStart(conversation_id=cid, turn_id=turn_id, owner=owner, case_id="demo", confirm_type=-1,
                     handler="question", question="请问机主最近与谁打电话比较频繁？", request_json='{"confirm_type": -1}',
                     events=[start], title="a title", closes=closes)


def message(turn_id: str, event_id: int, text: str = "hello") -> Event:
    return Event(event_id, "message", dumps({"delta": text}), turn_id)


def ending(turn_id: str, after: int, outcome: str = "awaiting_start") -> TurnEnding:
    done = Event(after + 1, "done", dumps({"turn_id": turn_id, "state": outcome, "expect": [0]}), turn_id)
    return TurnEnding(outcome=outcome, events=[done], state=outcome, pending_json='{"plan": 1}')


def interrupted(turn_id: str, after: int) -> Interrupted:
    error = Event(after + 1, "error", dumps({"code": "turn_interrupted", "message": "stopped"}), turn_id)
    done = Event(after + 2, "done", dumps({"turn_id": turn_id, "state": "failed", "expect": [-1]}), turn_id)
    return Interrupted(turn_id, [error, done])
