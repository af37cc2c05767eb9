"""Conversation rows kept in memory. This server is the log's only writer, so when it commits a
change to a conversation it knows the new row without reading it back: a step of a conversation
it has seen lately costs no read of the log."""

from __future__ import annotations

from cachetools import LRUCache

from qbot.convlog import ConversationLog, ConversationRow

ROWS_KEPT = 2_000  # conversations (each with its pending plan and form, a few KB)


class ConversationRows:
    """The row of each recently used conversation, as of its last committed change. While a turn
    runs, `last_event_id` is the turn's `start`: the turn's own events are not counted until
    its ending is committed."""

    def __init__(self, log: ConversationLog) -> None:
        self._log = log
        self._rows: LRUCache[str, ConversationRow] = LRUCache(ROWS_KEPT)

    async def get(self, conversation_id: str) -> ConversationRow | None:
        row = self._rows.get(conversation_id)
        if row is not None:
            return row
        row = await self._log.conversation(conversation_id)
        if row is None:
            return None
        # A change committed while the read was on its way is newer than what the read found.
        return self._rows.setdefault(conversation_id, row)

    def committed(self, row: ConversationRow) -> None:
        """The log has committed `row`; call from the commit's callback."""
        self._rows[row.id] = row

    def peek(self, conversation_id: str) -> ConversationRow | None:
        """The row kept in memory, if any, without reading the log."""
        return self._rows.get(conversation_id)

    def forget(self, conversation_id: str) -> None:
        """The log's row is unknown (a write failed, or it changed by another path)."""
        self._rows.pop(conversation_id, None)
