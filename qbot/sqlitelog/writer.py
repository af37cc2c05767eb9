"""The conversation log's writing connection, on a thread of its own.

A batch of writes (statements, then events chained to their conversations, then the commit) is
one call on that thread. aiosqlite would make each statement and the commit a round trip of their
own between the event loop and its thread, and under load those round trips cost the event loop
more than SQLite's work does; here a batch costs one."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from qbot.chain import GENESIS, event_hash
from qbot.events import Event

CHAIN_HEADS = 10_000  # conversations whose last event hash the writer keeps in memory

INSERT_EVENT = ("INSERT INTO events (conversation_id, id, turn_id, event, data, created_at, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)")

Statement = tuple[str, tuple[Any, ...]]


class BatchWriter:
    """One SQLite connection used only from one thread. `commit` runs a batch there and waits."""

    def __init__(self, path: Path, pragmas: Sequence[str]) -> None:
        self._path = path
        self._pragmas = pragmas
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qbot-log-writer")
        self._conn: sqlite3.Connection | None = None
        # conversation id -> hash of its last committed event, for the recently written ones;
        # touched only on the writer's thread
        self.heads: LRUCache[str, str] = LRUCache(CHAIN_HEADS)

    async def open(self) -> None:
        await self._call(self._connect)

    async def close(self) -> None:
        try:
            await self._call(self._disconnect)
        finally:
            self._thread.shutdown(wait=True)

    async def commit(self, statements: Sequence[Statement], events: Sequence[tuple[str, Event]],
                     created_at: str) -> None:
        """Run `statements` in order (each write's own, write after write), insert `events`
        (conversation id, event) chained to their conversations, and commit; on any failure roll
        back and raise."""
        await self._call(self._commit, statements, events, created_at)

    async def _call(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, function, *args)

    # -- on the writer's thread ----------------------------------------------------------------

    def _connect(self) -> None:
        self._conn = sqlite3.connect(self._path, isolation_level="DEFERRED")
        for pragma in self._pragmas:
            self._conn.execute(pragma).fetchall()

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _commit(self, statements: Sequence[Statement], events: Sequence[tuple[str, Event]], created_at: str) -> None:
        conn = self._conn
        assert conn is not None, "the log's writer is closed"
        heads: dict[str, str] = {}
        try:
            for sql, params in statements:
                conn.execute(sql, params)
            if events:
                rows = self._chain(conn, events, created_at, heads)
                conn.executemany(INSERT_EVENT, rows)
            conn.commit()
        except BaseException:
            try:
                conn.rollback()
            except sqlite3.Error:
                pass  # the connection is already in trouble; the first error is what is reported
            for cid in heads:  # unknown how far it got: read these heads again next time
                self.heads.pop(cid, None)
            raise
        self.heads.update(heads)

    def _chain(self, conn: sqlite3.Connection, events: Sequence[tuple[str, Event]], created_at: str,
               heads: dict[str, str]) -> list[tuple[Any, ...]]:
        """The rows to insert, each conversation's in id order and chained from its last hash;
        `heads` receives the new last hash of each conversation."""
        ordered = sorted(events, key=lambda item: (item[0], item[1].id))
        unknown = {cid for cid, _ in ordered if cid not in self.heads}
        if unknown:  # one query for all: each conversation's last event, by the primary key
            marks = ",".join("?" * len(unknown))
            found = conn.execute(
                "SELECT e.conversation_id, e.hash FROM events e JOIN (SELECT conversation_id, max(id) AS id "
                f"FROM events WHERE conversation_id IN ({marks}) GROUP BY conversation_id) last "
                "USING (conversation_id, id)", tuple(unknown)).fetchall()
            heads.update({cid: head or GENESIS for cid, head in found})
        rows = []
        for cid, e in ordered:
            previous = heads.get(cid) or self.heads.get(cid, GENESIS)
            heads[cid] = event_hash(previous, cid, e.id, e.turn_id, e.event, e.data, created_at)
            rows.append((cid, e.id, e.turn_id, e.event, e.data, created_at, heads[cid]))
        return rows
