"""The PostgreSQL log's reading queries. Every read is of committed rows, from any instance: no
row is kept in memory, since another instance may have changed it."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from qbot.events import Event
from qbot.logapi import ConversationRow, TurnRow

# The conversation with its last event id and its running turn; `running_elsewhere` when another
# instance holds that turn's lease and the lease has not lapsed.
CONVERSATION = (
    "SELECT c.*, coalesce((SELECT max(id) FROM events WHERE conversation_id = c.id), 0) AS last_event_id,"
    " t.id AS running_turn,"
    " coalesce(t.instance_id <> $2 AND t.lease_until > now(), false) AS running_elsewhere"
    " FROM conversations c LEFT JOIN turns t ON t.conversation_id = c.id AND t.state = 'running'"
    " WHERE c.id = ANY($1::text[])")

# The events after an id whose data, summed in id order, starts below a number of bytes.
_EVENTS_WITHIN_BYTES = (
    "SELECT id, event, data, turn_id FROM ("
    " SELECT id, event, data, turn_id, sum(octet_length(data)) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING)"
    " - octet_length(data) AS before FROM events WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT $3) e"
    " WHERE before < $4 ORDER BY id")


def conversation_row(r: asyncpg.Record) -> ConversationRow:
    return ConversationRow(
        id=r["id"], owner=r["owner"], case_id=r["case_id"], state=r["state"], last_outcome=r["last_outcome"],
        pending_json=r["pending"], title=r["title"], created_at=r["created_at"], updated_at=r["updated_at"],
        deleted=r["deleted_at"] is not None, last_event_id=r["last_event_id"], running_turn=r["running_turn"],
        running_elsewhere=r["running_elsewhere"])


class Reads:
    def __init__(self, pool: asyncpg.Pool, instance: str) -> None:
        self._pool = pool
        self._instance = instance

    async def conversation(self, conversation_id: str) -> ConversationRow | None:
        rows = await self._pool.fetch(CONVERSATION, [conversation_id], self._instance)
        return conversation_row(rows[0]) if rows else None

    async def conversations(self, limit: int, before: str | None = None, owner: str = "",
                            case_id: str | None = None) -> list[ConversationRow]:
        sql = "SELECT id, updated_at FROM conversations WHERE deleted_at IS NULL AND owner = $1"
        params: list[Any] = [owner]
        if case_id is not None:
            params.append(case_id)
            sql += f" AND case_id = ${len(params)}"
        if before:
            updated, _, cid = before.partition("|")
            params += [updated, cid]
            sql += f" AND (updated_at, id) < (${len(params) - 1}, ${len(params)})"
        params.append(limit)
        sql += f" ORDER BY updated_at DESC, id DESC LIMIT ${len(params)}"
        ids = [r["id"] for r in await self._pool.fetch(sql, *params)]
        found = {r["id"]: conversation_row(r) for r in await self._pool.fetch(CONVERSATION, ids, self._instance)}
        return [found[cid] for cid in ids if cid in found]

    async def turns(self, conversation_id: str) -> list[TurnRow]:
        rows = await self._pool.fetch("SELECT * FROM turns WHERE conversation_id = $1 ORDER BY first_event_id",
                                      conversation_id)
        return [TurnRow(id=r["id"], confirm_type=r["confirm_type"], handler=r["handler"], question=r["question"],
                        request=orjson.loads(r["request"]), state=r["state"], first_event_id=r["first_event_id"],
                        last_event_id=r["last_event_id"], started_at=r["started_at"], ended_at=r["ended_at"])
                for r in rows]

    async def events_after(self, conversation_id: str, after: int, limit: int, max_bytes: int) -> list[Event]:
        rows = await self._pool.fetch(_EVENTS_WITHIN_BYTES, conversation_id, after, limit, max_bytes)
        return [Event(r[0], r[1], r[2], r[3]) for r in rows]

    async def event(self, conversation_id: str, event_id: int) -> Event | None:
        r = await self._pool.fetchrow("SELECT id, event, data, turn_id FROM events WHERE conversation_id = $1 "
                                      "AND id = $2", conversation_id, event_id)
        return Event(r[0], r[1], r[2], r[3]) if r else None

    async def event_ids(self, conversation_id: str, name: str, limit: int = 50) -> list[int]:
        rows = await self._pool.fetch("SELECT id FROM (SELECT id FROM events WHERE conversation_id = $1 AND "
                                      "event = $2 ORDER BY id DESC LIMIT $3) e ORDER BY id",
                                      conversation_id, name, limit)
        return [r[0] for r in rows]
