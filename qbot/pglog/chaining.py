"""Event rows as the PostgreSQL log stores them: chained by `qbot.chain.event_hash` exactly as in
SQLite, inserted in one statement (arrays unnested: one round trip for a whole batch)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg
from cachetools import LRUCache

from qbot.chain import event_hash
from qbot.events import Event

CHAIN_HEADS = 10_000  # conversations whose last (id, hash) the writer keeps in memory

INSERT_EVENTS = (
    "INSERT INTO events (conversation_id, id, turn_id, event, data, created_at, hash) "
    "SELECT c, i, t, e, d, $6, h FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],"
    " $7::text[]) AS v(c, i, t, e, d, h)")

Head = tuple[int, str]  # a conversation's last event id and hash
Row = tuple[str, int, str, str, str, str]  # conversation, id, turn, event, data, hash


class Heads:
    """The last (id, hash) of recently written conversations. Another instance may have written
    since (a turn closed after its lease lapsed), so a head is used only when the next event's id
    follows it: had anyone else written, that id would be taken and the insert would fail."""

    def __init__(self) -> None:
        self._known: LRUCache[str, Head] = LRUCache(CHAIN_HEADS)

    def known(self, firsts: dict[str, int]) -> tuple[dict[str, Head], list[str]]:
        """Of the conversations whose next event ids are `firsts`: the heads known, and the
        conversations whose head must be read."""
        heads = {cid: self._known[cid] for cid, first in firsts.items()
                 if cid in self._known and self._known[cid][0] == first - 1}
        return heads, [cid for cid in firsts if cid not in heads]

    def committed(self, heads: dict[str, Head]) -> None:
        self._known.update(heads)

    def forget(self, conversation_ids: Iterable[str]) -> None:
        for cid in conversation_ids:
            self._known.pop(cid, None)


def chain(cid: str, events: Sequence[Event], head: Head, created_at: str) -> tuple[list[Row], Head]:
    """The rows of `events` (in id order, the first following `head`) and the new head."""
    last, previous = head
    rows = []
    for e in events:
        previous = event_hash(previous, cid, e.id, e.turn_id, e.event, e.data, created_at)
        rows.append((cid, e.id, e.turn_id, e.event, e.data, previous))
        last = e.id
    return rows, (last, previous)


def gapless(events: Sequence[Event], after: int) -> bool:
    """The ids run on from `after` without a gap."""
    return all(e.id == after + n for n, e in enumerate(events, start=1))


async def insert(conn: asyncpg.Connection, rows: Sequence[Row], created_at: str) -> None:
    if rows:
        columns = list(zip(*rows))
        await conn.execute(INSERT_EVENTS, columns[0], columns[1], columns[2], columns[3], columns[4],
                           created_at, columns[5])
