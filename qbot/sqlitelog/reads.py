"""Reading the SQLite log on a connection of its own (aiosqlite), which sees only committed rows,
and whether a conversation exists on a second one that never waits (see LogReader.absent)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from qbot.events import Event
from qbot.logapi import ConversationRow, TurnRow

# The events after an id whose data, summed in id order, starts below a number of bytes.
_EVENTS_WITHIN_BYTES = (
    "SELECT id, event, data, turn_id FROM ("
    " SELECT id, event, data, turn_id, SUM(length(CAST(data AS BLOB))) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING)"
    " - length(CAST(data AS BLOB)) AS before FROM events WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?)"
    " WHERE before < ?")


class LogReader:
    def __init__(self, reader: aiosqlite.Connection, probe: sqlite3.Connection) -> None:
        self._reader = reader
        self._probe = probe
        reader.row_factory = aiosqlite.Row

    @staticmethod
    def open_probe(path: Path) -> sqlite3.Connection:
        """A read-only connection that never waits for a lock (timeout 0; in WAL mode a reader
        needs none but in rare cases, such as another connection recovering the WAL)."""
        probe = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        probe.execute("PRAGMA query_only=ON")
        return probe

    async def close(self) -> None:
        try:
            await self._reader.close()
        finally:
            self._probe.close()

    def absent(self, conversation_id: str) -> bool:
        """True if the log surely has no such conversation. Asked on the event loop's thread:
        every new conversation's first step asks, and a primary-key lookup costs less than the
        hop to aiosqlite's thread and back. False when unsure (the database busy): ask `conversation`."""
        try:
            # fetchall: the statement runs to its end, so no read transaction is left open
            return not self._probe.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchall()
        except sqlite3.OperationalError:
            return False

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        # Execute and fetch in one step on the connection's thread. With separate execute and
        # fetch awaits, concurrent readers keep some statement open at all times, and SQLite
        # then keeps the connection on one old snapshot: it would miss newer commits.
        return list(await self._reader.execute_fetchall(sql, params))

    async def conversation(self, conversation_id: str) -> ConversationRow | None:
        if self.absent(conversation_id):
            return None
        rows = await self._read(
            "SELECT *, (SELECT max(id) FROM events WHERE conversation_id = c.id) AS last_event_id,"
            " (SELECT id FROM turns WHERE conversation_id = c.id AND state = 'running') AS running_turn"
            " FROM conversations c WHERE id = ?", (conversation_id,))
        if not rows:
            return None
        row = rows[0]
        return ConversationRow(
            id=row["id"], owner=row["owner"], case_id=row["case_id"], state=row["state"],
            last_outcome=row["last_outcome"], pending_json=row["pending"], title=row["title"],
            created_at=row["created_at"], updated_at=row["updated_at"], deleted=row["deleted_at"] is not None,
            last_event_id=row["last_event_id"] or 0, running_turn=row["running_turn"],
        )

    async def conversations(self, limit: int, before: str | None = None, owner: str = "",
                            case_id: str | None = None) -> list[ConversationRow]:
        """The owner's conversations, newest first, of one case if given; `before` is the
        `updated_at|id` cursor of the previous page's last row."""
        sql = "SELECT id FROM conversations WHERE deleted_at IS NULL AND owner = ?"
        params: list[Any] = [owner]
        if case_id is not None:
            sql += " AND case_id = ?"
            params.append(case_id)
        if before:
            updated, _, cid = before.partition("|")
            sql += " AND (updated_at < ? OR (updated_at = ? AND id < ?))"
            params += [updated, updated, cid]
        sql += " ORDER BY updated_at DESC, id DESC LIMIT ?"
        params.append(limit)
        ids = [r["id"] for r in await self._read(sql, params)]
        found = [await self.conversation(cid) for cid in ids]
        return [c for c in found if c is not None]

    async def turns(self, conversation_id: str) -> list[TurnRow]:
        sql = "SELECT * FROM turns WHERE conversation_id = ? ORDER BY first_event_id"
        rows = await self._read(sql, (conversation_id,))
        return [
            TurnRow(id=r["id"], confirm_type=r["confirm_type"], handler=r["handler"], question=r["question"],
                    request=json.loads(r["request"]), state=r["state"], first_event_id=r["first_event_id"],
                    last_event_id=r["last_event_id"], started_at=r["started_at"], ended_at=r["ended_at"])
            for r in rows
        ]

    async def events_after(self, conversation_id: str, after: int, limit: int, max_bytes: int) -> list[Event]:
        """Up to `limit` events after id `after`, as many as fit in `max_bytes` bytes of data
        (always the first one), so a page of large events stays small."""
        rows = await self._read(_EVENTS_WITHIN_BYTES, (conversation_id, after, limit, max_bytes))
        return [Event(r[0], r[1], r[2], r[3]) for r in rows]

    async def event(self, conversation_id: str, event_id: int) -> Event | None:
        rows = await self._read("SELECT id, event, data, turn_id FROM events WHERE conversation_id = ? AND id = ?",
                                (conversation_id, event_id))
        return Event(*rows[0]) if rows else None

    async def event_ids(self, conversation_id: str, name: str, limit: int = 50) -> list[int]:
        """The ids of the conversation's newest `limit` events named `name`, in order."""
        rows = await self._read("SELECT id FROM (SELECT id FROM events WHERE conversation_id = ? AND event = ?"
                                " ORDER BY id DESC LIMIT ?) ORDER BY id", (conversation_id, name, limit))
        return [r[0] for r in rows]

    async def interrupted_turns(self) -> list[tuple[str, str]]:
        """(conversation_id, turn_id) of turns the log shows as still running."""
        sql = "SELECT conversation_id, id FROM turns WHERE state = 'running' ORDER BY started_at"
        return [(r[0], r[1]) for r in await self._read(sql)]
