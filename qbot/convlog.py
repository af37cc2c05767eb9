"""The conversation log (SQLite in WAL mode): writes through qbot.logwriter's thread, reads
through aiosqlite.

All writes go through one writer task that commits in groups: events wait in a queue, the writer
inserts everything queued in one transaction (one call on its thread), and only then hands the events to
their callbacks, which send them to clients. So nothing a client saw can be missing from the log,
and the log keeps up with many streams (one commit per event would cap it at a few thousand
events a second). Reads use a second connection, which sees only committed rows.

Each event row carries a hash chained to the previous event of its conversation (qbot.chain);
the writer computes them at commit time, from the last hash of each conversation, which it keeps
in memory for recently written conversations."""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import orjson

from qbot.events import Event
from qbot.logwriter import BatchWriter
from qbot.migrate import apply_migrations

log = logging.getLogger(__name__)

MAX_BATCH = 512  # writes folded into one transaction
HIGH_WATER = 20_000  # queued events before producers are made to wait

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000",
           "PRAGMA foreign_keys=ON")


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Write:
    """One unit for the writer: statements run in order, then the events, in one transaction."""

    conversation_id: str = ""
    events: Sequence[Event] = ()
    statements: Sequence[tuple[str, tuple[Any, ...]]] = ()
    on_commit: Callable[[], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    # Asked just before writing: True drops the write (its turn already failed to log an event,
    # and later events must not be recorded after a gap).
    skip: Callable[[], bool] | None = None
    done: asyncio.Future[None] | None = field(default=None, repr=False)
    taken: bool = False  # the writer has taken it from the queue: it can no longer grow


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


# The events after an id whose data, summed in id order, starts below a number of bytes.
_EVENTS_WITHIN_BYTES = (
    "SELECT id, event, data, turn_id FROM ("
    " SELECT id, event, data, turn_id, SUM(length(CAST(data AS BLOB))) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING)"
    " - length(CAST(data AS BLOB)) AS before FROM events WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?)"
    " WHERE before < ?")


class LogError(Exception):
    """The log could not be written; the turn that needed it cannot go on."""


class LogInUse(Exception):
    """Another process serves from this log: two writers would number events twice and close
    each other's running turns as interrupted."""


def _lock(path: Path) -> int:
    """Hold `<log>.lock` for as long as this process serves from the log."""
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


def _committed(write: Write) -> None:
    if write.on_commit:
        try:
            write.on_commit()
        except Exception:  # noqa: BLE001 - a callback's bug must not stop the writer
            log.exception("callback after commit failed")
    if write.done and not write.done.done():
        write.done.set_result(None)


def _failed(write: Write, failure: LogError) -> None:
    if write.on_error:
        write.on_error(failure)
    if write.done and not write.done.done():
        write.done.set_exception(failure)


class ConversationLog:
    def __init__(self, writer: BatchWriter, reader: aiosqlite.Connection, lock: int) -> None:
        self._lock = lock
        self._writer = writer
        self._reader = reader
        self._queue: deque[Write] = deque()
        self._wakeup = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._queued_events = 0
        self._task: asyncio.Task[None] | None = None
        self.commits = 0  # transactions committed (for /metrics)

    @classmethod
    async def open(cls, path: Path) -> ConversationLog:
        lock = _lock(path)
        try:
            await asyncio.to_thread(apply_migrations, path, "log")
            writer = BatchWriter(path, PRAGMAS)
            await writer.open()
            try:
                reader = await aiosqlite.connect(path)
                for pragma in PRAGMAS:
                    await reader.execute_fetchall(pragma)
            except BaseException:
                await writer.close()
                raise
        except BaseException:
            os.close(lock)
            raise
        reader.row_factory = aiosqlite.Row
        log = cls(writer, reader, lock)
        log._task = asyncio.create_task(log._write_loop(), name="qbot-log-writer")
        return log

    async def close(self) -> None:
        """Write what is queued, then close both connections."""
        if self._task is not None:
            await self.flush()
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._writer.close()
        await self._reader.close()
        os.close(self._lock)  # and with it the lock

    # -- writing -----------------------------------------------------------------------------

    def submit(self, write: Write) -> None:
        """Queue a write; its callbacks run after the commit that holds it."""
        self._queue.append(write)
        self._wakeup.set()
        self._queued(len(write.events))

    def append(self, write: Write, event: Event) -> None:
        """Add an event to a queued write that the writer has not taken yet."""
        assert not write.taken, "the writer has taken this write"
        write.events.append(event)  # type: ignore[attr-defined]  # a list, for writes that grow
        self._queued(1)

    def _queued(self, count: int) -> None:
        self._queued_events += count
        if self._queued_events >= HIGH_WATER:
            self._room.clear()

    @property
    def backlog(self) -> int:
        """Events queued that the writer has not taken yet."""
        return self._queued_events

    async def room(self) -> None:
        """Wait while the writer is far behind, so producers cannot outrun the disk."""
        if not self._room.is_set():
            await self._room.wait()

    async def write(self, write: Write) -> None:
        """Queue a write and wait for its commit; raises LogError if it failed."""
        write.done = asyncio.get_running_loop().create_future()
        self.submit(write)
        await write.done

    async def flush(self) -> None:
        await self.write(Write())

    async def delete(self, conversation_id: str) -> None:
        """Hide a conversation; its events stay, as the audit trail of what was shown."""
        now = utcnow()
        await self.write(Write(statements=[(
            "UPDATE conversations SET deleted_at = ?, updated_at = ? WHERE id = ?", (now, now, conversation_id))]))

    async def rename(self, conversation_id: str, title: str) -> None:
        """A new title, committed before this returns. `updated_at` stays: a title is not activity,
        so the list's order (and a client's page cursor) does not move."""
        await self.write(Write(statements=[("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))]))

    async def _write_loop(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(MAX_BATCH, len(self._queue)))]
                for write in batch:
                    write.taken = True
                    self._queued_events -= len(write.events)
                if self._queued_events < HIGH_WATER // 2:
                    self._room.set()
                batch = [write for write in batch if not self._dropped(write)]
                try:
                    await self._commit(batch)
                except Exception:  # noqa: BLE001 - one bad write must not fail the others
                    for write in batch:
                        if not self._dropped(write):
                            await self._commit_alone(write)
                    continue
                for write in batch:
                    _committed(write)

    @staticmethod
    def _dropped(write: Write) -> bool:
        if write.skip is None or not write.skip():
            return False
        _failed(write, LogError("not written: an earlier write of its turn failed"))
        return True

    async def _commit_alone(self, write: Write) -> None:
        try:
            await self._commit([write])
        except Exception as exc:  # noqa: BLE001 - handed to the write's owner
            _failed(write, LogError(f"the conversation log could not be written: {exc}"))
        else:
            _committed(write)

    async def _commit(self, batch: list[Write]) -> None:
        statements = [statement for write in batch for statement in write.statements]
        events = [(write.conversation_id, e) for write in batch for e in write.events]
        await self._writer.commit(statements, events, utcnow())
        self.commits += 1

    # -- reading -----------------------------------------------------------------------------

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        # Execute and fetch in one step on the connection's thread. With separate execute and
        # fetch awaits, concurrent readers keep some statement open at all times, and SQLite
        # then keeps the connection on one old snapshot: it would miss newer commits.
        return list(await self._reader.execute_fetchall(sql, params))

    async def conversation(self, conversation_id: str) -> ConversationRow | None:
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

    async def running_turns(self) -> list[tuple[str, str]]:
        """(conversation_id, turn_id) of turns the log shows as still running."""
        sql = "SELECT conversation_id, id FROM turns WHERE state = 'running' ORDER BY started_at"
        return [(r[0], r[1]) for r in await self._read(sql)]
