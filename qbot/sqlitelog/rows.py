"""Conversation rows kept in memory. This process is the SQLite log's only writer, so when it
commits a change to a conversation it knows the new row without reading it back: a step of a
conversation it has seen lately costs no read of the log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from cachetools import LRUCache

from qbot.events import FAILED
from qbot.logapi import ConversationRow, TurnEnding, TurnStart

ROWS_KEPT = 2_000  # conversations (each with its pending plan and form, a few KB)


class RowCache:
    """The row of each recently used conversation, as of its last committed change. While a turn
    runs, `last_event_id` is the turn's `start`: the turn's own events are counted once its
    ending is committed."""

    def __init__(self, read: Callable[[str], Awaitable[ConversationRow | None]]) -> None:
        self._read = read
        self._rows: LRUCache[str, ConversationRow] = LRUCache(ROWS_KEPT)
        # Ids read and found absent: a first question's step asks twice (the runner, then the
        # start), and nothing but this process can create them meanwhile.
        self._absent: LRUCache[str, bool] = LRUCache(ROWS_KEPT)
        self._changes = 0  # committed changes so far: a read that overlapped one is not kept

    async def get(self, conversation_id: str) -> ConversationRow | None:
        row = self._rows.get(conversation_id)
        if row is not None or conversation_id in self._absent:
            return row
        changes = self._changes
        row = await self._read(conversation_id)
        if changes != self._changes:  # a change committed meanwhile: newer than what the read found
            return self._rows.get(conversation_id) or row
        if row is None:
            self._absent[conversation_id] = True
        else:
            self._rows[conversation_id] = row
        return row

    def started(self, base: ConversationRow | None, start: TurnStart, state: str, now: str) -> ConversationRow:
        """The row once `start` is committed, from the row before it (None: a new conversation)."""
        if base is None:
            return ConversationRow(
                id=start.conversation_id, owner=start.owner, case_id=start.case_id, state=state, last_outcome=None,
                pending_json="{}", title=start.title, created_at=now, updated_at=now, deleted=False,
                last_event_id=start.events[-1].id, running_turn=start.turn_id)
        return replace(base, case_id=start.case_id, updated_at=now, last_event_id=start.events[-1].id,
                       running_turn=start.turn_id,
                       last_outcome=FAILED if start.closes is not None else base.last_outcome)

    def committed(self, row: ConversationRow) -> None:
        """The log has committed `row`; call from the commit's callback."""
        self._changes += 1
        self._absent.pop(row.id, None)
        self._rows[row.id] = row

    def ended(self, fallback: ConversationRow, ending: TurnEnding, now: str) -> ConversationRow:
        """The row once `ending` is committed: applied to the kept row, or else to `fallback`
        (the row as the turn began; not kept, since a change since then is unknown)."""
        kept = self._rows.get(fallback.id)
        before = kept or fallback
        row = replace(before, state=ending.state or before.state,
                      pending_json=ending.pending_json or before.pending_json,
                      last_outcome=ending.outcome, updated_at=now, last_event_id=ending.events[-1].id,
                      running_turn=None)
        if kept is None:
            self._changes += 1
        else:
            self.committed(row)
        return row

    def renamed(self, conversation_id: str, title: str) -> None:
        row = self._rows.get(conversation_id)
        if row is None:
            self._changes += 1
        else:
            self.committed(replace(row, title=title))

    def forget(self, conversation_id: str) -> None:
        """The log's row is unknown (a write failed, or it changed by another path)."""
        self._changes += 1
        self._absent.pop(conversation_id, None)
        self._rows.pop(conversation_id, None)
