"""The conversation log as the turn runner sees it: what happened, said as intents (a turn starts,
its events are appended, it ends), never as statements. SQLite (`qbot.sqlitelog`) is the first
implementation; every implementation keeps the same promises:

- an event is committed before any listener hears of it, so nothing a client saw is missing;
- a conversation's event ids run 1, 2, 3 … without a gap, across its turns;
- a turn is started only where no other turn of the conversation runs (the start claims it),
  and a turn left running by a process that died is closed as interrupted, never resumed;
- writes of many turns share commits (group commit); a failing one fails alone;
- each event is chained to the previous one of its conversation by a hash (`qbot.chain`).

Tests/test_log_scenario.py runs one conversation's life against an implementation directly; a
new backend runs the same test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import orjson

from qbot.events import Event


class LogError(Exception):
    """The log could not be written; the turn that needed it cannot go on."""


class LogInUse(Exception):
    """Another process serves from this log and the log cannot be shared (SQLite)."""


@dataclass(frozen=True)
class ConversationRow:
    id: str
    owner: str
    case_id: str
    state: str
    last_outcome: str | None
    pending_json: str  # JSON carried between turns: question, plan, proposed form
    title: str
    created_at: str
    updated_at: str
    deleted: bool
    last_event_id: int  # of the conversation's events, 0 before the first
    running_turn: str | None  # a turn the log shows running
    # The running turn is held by another live process (its lease has not lapsed): it is busy,
    # not interrupted. Always False where one process owns the log.
    running_elsewhere: bool = False

    @property
    def pending(self) -> dict[str, Any]:
        """A fresh copy of the carried state, the caller's to change."""
        return orjson.loads(self.pending_json)


@dataclass(frozen=True)
class TurnRow:
    id: str
    confirm_type: int
    handler: str
    question: str
    request: dict[str, Any]
    state: str
    first_event_id: int
    last_event_id: int | None
    started_at: str
    ended_at: str | None


@dataclass(frozen=True)
class Interrupted:
    """A turn the log shows running that no process runs any more, with the events that close it
    (an error and a done, numbered after the conversation's last event)."""

    turn_id: str
    events: Sequence[Event]


@dataclass(frozen=True)
class TurnStart:
    """A turn to record as running, with its first events (its `start`)."""

    conversation_id: str
    turn_id: str
    owner: str
    case_id: str
    confirm_type: int
    handler: str
    question: str
    request_json: str  # the POST body
    events: Sequence[Event]
    title: str = ""  # of a new conversation
    # A turn left running (ConversationRow.running_turn, not running_elsewhere), closed in the
    # same commit, before this one starts.
    closes: Interrupted | None = None


@dataclass(frozen=True)
class TurnEnding:
    """How a turn ended: its last events (error?, done) and the conversation's new state."""

    outcome: str  # done.state, and the turn row's state
    events: Sequence[Event]
    state: str | None = None  # the conversation's new state; None keeps it (a failed turn)
    pending_json: str | None = None  # the new carried state; None keeps it


class TurnListener(Protocol):
    """The running turn, told what the log committed. Called on the event loop, after the commit."""

    def committed(self, events: list[Event]) -> None:
        """Its events, in id order: start, appended, ending."""

    def end_committed(self, row: ConversationRow) -> None:
        """Its ending is committed; `row` is the conversation as of that commit."""

    def end_failed(self, error: LogError) -> None:
        """Its ending was not recorded (the caller may try again, with `TurnLog.end`)."""

    def stop_requested(self) -> None:
        """Another process asked the turn to stop (a shared log only)."""


class TurnLog(Protocol):
    """One running turn's writes. Returned by `ConversationLog.start_turn`."""

    row: ConversationRow  # the conversation as of the start's commit
    # Set once a write of the turn failed: later events are not recorded (there would be a gap).
    failure: LogError | None
    committed_id: int  # the turn's last event id the log holds

    def append(self, event: Event) -> None:
        """Queue an event; events queued together are committed, and heard of, together. Raises
        `failure` once one is set."""

    async def room(self) -> None:
        """Wait while the log is far behind, so producers cannot outrun the disk."""

    def end(self, ending: TurnEnding) -> None:
        """Queue the ending. `end_committed` or `end_failed` follows; an ending queued before an
        earlier append failed is dropped (`end_failed`), so the caller renumbers it after `committed_id`."""


class ConversationLog(Protocol):
    commits: int  # transactions committed, for /metrics

    @property
    def backlog(self) -> int:
        """Events queued that are not committed yet."""

    async def close(self) -> None:
        """Commit what is queued and close."""

    # -- turns ---------------------------------------------------------------------------------

    async def start_turn(self, start: TurnStart, listener: TurnListener) -> TurnLog:
        """Record the conversation (created if new; else its case and updated_at), the closing of
        `start.closes`, the turn as running and its events, in one commit; then `listener`
        hears of the events. Raises `ConversationBusy` if another process's turn holds the
        conversation or the log moved on since the row the caller read, `LogError` if it cannot
        be written."""

    async def interrupted_turns(self) -> list[tuple[str, str]]:
        """(conversation_id, turn_id) of running turns no live process holds: to close at start-up."""

    async def close_interrupted(self, conversation_id: str, closes: Interrupted) -> None:
        """Record `closes`' events and the turn as failed (conversation: last_outcome failed).
        Nothing happens for a turn already closed; `ConversationBusy` if its lease was renewed
        meanwhile (a shared log)."""

    # -- conversations -------------------------------------------------------------------------

    async def conversation(self, conversation_id: str) -> ConversationRow | None: ...

    async def conversations(self, limit: int, before: str | None = None, owner: str = "",
                            case_id: str | None = None) -> list[ConversationRow]:
        """The owner's conversations (not deleted), newest first, of one case if given; `before`
        is the `updated_at|id` cursor of the previous page's last row."""

    async def rename(self, conversation_id: str, title: str) -> None:
        """A new title, committed before this returns; `updated_at` stays."""

    async def delete(self, conversation_id: str) -> None:
        """Hide a conversation; its events stay, as the audit trail of what was shown."""

    # -- reading -------------------------------------------------------------------------------

    async def turns(self, conversation_id: str) -> list[TurnRow]: ...

    async def events_after(self, conversation_id: str, after: int, limit: int, max_bytes: int) -> list[Event]:
        """Up to `limit` events after id `after`, as many as fit in `max_bytes` bytes of data
        (always the first one)."""

    async def event(self, conversation_id: str, event_id: int) -> Event | None: ...

    async def event_ids(self, conversation_id: str, name: str, limit: int = 50) -> list[int]:
        """The ids of the conversation's newest `limit` events named `name`, in order."""


@runtime_checkable
class SharedLog(ConversationLog, Protocol):
    """A log that several processes serve from (PostgreSQL): a turn may run in another one, and
    is followed and stopped from here through the log."""

    async def request_stop(self, conversation_id: str) -> str | None:
        """Ask the process running the conversation's turn to stop it: the turn's id, or None
        when none runs."""

    def follow(self, conversation_id: str, after: int) -> AsyncIterator[list[Event]]:
        """Pages of the conversation's events after id `after`, as they are committed, ending
        with the running turn's `done` (at once when none runs and nothing is left)."""
