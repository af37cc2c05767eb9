"""The conversation log on SQLite (qbot.logapi.ConversationLog): one file in WAL mode, written by
one process (a lock file keeps a second one out), through one writer thread with group commit
(qbot.sqlitelog.queue), read through a second connection.

Each event row carries a hash chained to the previous event of its conversation (qbot.chain);
the writer computes them at commit time (qbot.sqlitelog.writer)."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

import aiosqlite

from qbot.clock import utcnow
from qbot.events import Event
from qbot.handlers import STATE_NEW
from qbot.logapi import ConversationRow, Interrupted, LogInUse, TurnListener, TurnRow, TurnStart
from qbot.migrate import apply_migrations
from qbot.sqlitelog import statements
from qbot.sqlitelog.queue import Write, WriteQueue
from qbot.sqlitelog.reads import LogReader
from qbot.sqlitelog.rows import RowCache
from qbot.sqlitelog.turnlog import SqliteTurnLog
from qbot.sqlitelog.writer import BatchWriter

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
           "PRAGMA foreign_keys=ON")


def _lock(path: Path) -> int:
    """Hold `<log>.lock` for as long as this process serves from the log: two writers would
    number events twice and close each other's running turns as interrupted."""
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
        os.close(fd)
        raise LogInUse(f"{path} is in use by qbot (pid {holder}); one server per data directory: stop it, "
                       "or give this one another --data-dir") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode())
    return fd


class SqliteLog:
    def __init__(self, writer: BatchWriter, reader: LogReader, lock: int) -> None:
        self._lock = lock
        self._writer = writer
        self._reader = reader
        self.queue = WriteQueue(writer)
        self._rows = RowCache(reader.conversation)

    @classmethod
    async def open(cls, path: Path) -> SqliteLog:
        lock = _lock(path)
        try:
            await asyncio.to_thread(apply_migrations, path, "log")
            writer = BatchWriter(path, PRAGMAS)
            await writer.open()
            probe = None
            try:
                probe = LogReader.open_probe(path)
                connection = await aiosqlite.connect(path)
                for pragma in PRAGMAS:
                    await connection.execute_fetchall(pragma)
            except BaseException:
                if probe is not None:
                    probe.close()
                await writer.close()
                raise
        except BaseException:
            os.close(lock)
            raise
        return cls(writer, LogReader(connection, probe), lock)

    async def close(self) -> None:
        await self.queue.close()
        await self._writer.close()
        await self._reader.close()
        os.close(self._lock)  # and with it the lock

    @property
    def commits(self) -> int:
        return self.queue.commits

    @property
    def backlog(self) -> int:
        return self.queue.backlog

    # -- turns ---------------------------------------------------------------------------------

    async def start_turn(self, start: TurnStart, listener: TurnListener) -> SqliteTurnLog:
        base = await self._rows.get(start.conversation_id)
        state = base.state if base is not None else STATE_NEW
        now = utcnow()
        row = self._rows.started(base, start, state, now)
        events = [*(start.closes.events if start.closes else ()), *start.events]
        turn_log = SqliteTurnLog(self.queue, self._rows, start.turn_id, row, listener)

        def committed() -> None:
            self._rows.committed(row)
            listener.committed(list(start.events))

        try:
            await self.queue.write(Write(start.conversation_id, events,
                                         statements.start_turn(start, base is None, state, now), on_commit=committed))
        except BaseException:
            self._rows.forget(start.conversation_id)
            raise
        return turn_log

    async def interrupted_turns(self) -> list[tuple[str, str]]:
        # This process holds the log's lock: every turn shown running was left by an earlier one.
        return await self._reader.interrupted_turns()

    async def close_interrupted(self, conversation_id: str, closes: Interrupted) -> None:
        self._rows.forget(conversation_id)
        await self.queue.write(Write(conversation_id, list(closes.events),
                                     statements.close_interrupted(conversation_id, closes, utcnow())))

    # -- conversations -------------------------------------------------------------------------

    async def conversation(self, conversation_id: str) -> ConversationRow | None:
        return await self._rows.get(conversation_id)

    async def conversations(self, limit: int, before: str | None = None, owner: str = "",
                            case_id: str | None = None) -> list[ConversationRow]:
        return await self._reader.conversations(limit, before, owner, case_id)

    async def rename(self, conversation_id: str, title: str) -> None:
        await self.queue.write(Write(statements=statements.rename(conversation_id, title),
                                     on_commit=lambda: self._rows.renamed(conversation_id, title)))

    async def delete(self, conversation_id: str) -> None:
        await self.queue.write(Write(statements=statements.delete(conversation_id, utcnow()),
                                     on_commit=lambda: self._rows.forget(conversation_id)))

    # -- reading -------------------------------------------------------------------------------

    async def turns(self, conversation_id: str) -> list[TurnRow]:
        return await self._reader.turns(conversation_id)

    async def events_after(self, conversation_id: str, after: int, limit: int, max_bytes: int) -> list[Event]:
        return await self._reader.events_after(conversation_id, after, limit, max_bytes)

    async def event(self, conversation_id: str, event_id: int) -> Event | None:
        return await self._reader.event(conversation_id, event_id)

    async def event_ids(self, conversation_id: str, name: str, limit: int = 50) -> list[int]:
        return await self._reader.event_ids(conversation_id, name, limit)
