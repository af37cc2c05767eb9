"""The conversation log on PostgreSQL (`qbot.logapi.ConversationLog`) for several instances.

A turn's start claims its conversation in the transaction that records it: the conversation row
is locked by its upsert, so two instances starting at once take turns; the second finds the
first's turn running with a live lease (another instance's: ConversationBusy) or the log moved
on since the row it was given (also busy). Its lease is renewed with every write of the turn
and, while the turn writes nothing, every third of `lease_seconds`; a turn whose lease lapsed is
interrupted, closed by whichever instance finds it first. A stop asked on another instance sets
the turn's flag and rings; the owner hears it from the ring, its next write or its next renewal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg

from qbot.chain import GENESIS
from qbot.clock import utcnow
from qbot.domain_errors import ConversationBusy, ConversationNotFound
from qbot.events import FAILED, Event
from qbot.logapi import Interrupted, LogError, TurnListener, TurnStart
from qbot.pglog import chaining
from qbot.pglog.connect import instance_id, open_pool, unreachable
from qbot.pglog.doorbell import Doorbell, PgDoorbell
from qbot.pglog.follow import follow
from qbot.pglog.reads import Reads, conversation_row
from qbot.pglog.schema import migrate
from qbot.pglog.turnlog import PgTurnLog
from qbot.pglog.writer import Writer

log = logging.getLogger(__name__)

LEASE_SECONDS = 15.0

_UPSERT = ("INSERT INTO conversations (id, owner, case_id, state, title, created_at, updated_at) "
           "VALUES ($1, $2, $3, 'new', $4, $5, $5) ON CONFLICT (id) DO UPDATE SET case_id = EXCLUDED.case_id, "
           "updated_at = EXCLUDED.updated_at RETURNING *")
_RUNNING = ("SELECT id, instance_id, coalesce(lease_until > now(), false) AS live FROM turns "
            "WHERE conversation_id = $1 AND state = 'running' FOR UPDATE")
_HEAD = "SELECT id, hash FROM events WHERE conversation_id = $1 ORDER BY id DESC LIMIT 1"
# Read after the conversation's row is locked (a statement of its own: a snapshot taken after the
# lock sees what the previous holder committed). Round trips are most of a start's CPU here.
_RUNNING_AND_HEAD = (
    "SELECT t.id, t.instance_id, coalesce(t.lease_until > now(), false) AS live, h.id AS head_id, h.hash "
    "FROM (SELECT 1) one LEFT JOIN (SELECT * FROM turns WHERE conversation_id = $1 AND state = 'running') t ON true "
    "LEFT JOIN (SELECT id, hash FROM events WHERE conversation_id = $1 ORDER BY id DESC LIMIT 1) h ON true")
_CLOSE_TURN = "UPDATE turns SET state = $2, last_event_id = $3, ended_at = $4, lease_until = NULL WHERE id = $1"
_INSERT_TURN = (
    "WITH turn AS (INSERT INTO turns (id, conversation_id, confirm_type, handler, question, request, state, "
    "first_event_id, started_at, instance_id, lease_until) VALUES ($1, $2, $3, $4, $5, $6, 'running', "
    "$7, $8, $9, now() + make_interval(secs => $10))) "
    "INSERT INTO events (conversation_id, id, turn_id, event, data, created_at, hash) "
    "SELECT $2, i, t, e, d, $8, h FROM unnest($11::bigint[], $12::text[], $13::text[], $14::text[], $15::text[]) "
    "AS v(i, t, e, d, h)")
_RENEW = ("UPDATE turns SET lease_until = now() + make_interval(secs => $3) WHERE id = ANY($1::text[]) "
          "AND instance_id = $2 AND state = 'running' RETURNING id, stop_requested")
_WATCH = ("UPDATE turns SET watched_until = now() + make_interval(secs => $2) "
          "WHERE conversation_id = ANY($1::text[]) AND state = 'running'")


def busy(conversation_id: str, why: str = "has a turn running on another instance") -> ConversationBusy:
    return ConversationBusy(f"conversation {conversation_id} {why}; wait for its done event, stop it "
                            "(POST …/stop) or resume it (GET …/events)")


class PgLog(Reads):
    def __init__(self, pool: asyncpg.Pool, doorbell: Doorbell, instance: str, lease_seconds: float) -> None:
        super().__init__(pool, instance)
        self._pool = pool
        self.doorbell = doorbell
        self.instance = instance
        self.lease_seconds = lease_seconds
        self._writer = Writer(pool, instance, lease_seconds, doorbell.ring)
        self._running: dict[str, PgTurnLog] = {}  # turn id -> its log, while it runs here
        self._watching: dict[str, int] = {}  # conversation id -> followers here of a turn elsewhere
        self._unlisten = doorbell.listen(self._rung)
        self._renewer = asyncio.create_task(self._renew_loop(), name="qbot-pglog-leases")

    @classmethod
    async def open(cls, url: str, lease_seconds: float = LEASE_SECONDS) -> PgLog:
        pool = await open_pool(url)
        try:
            async with pool.acquire() as conn:
                await migrate(conn)
            doorbell = await PgDoorbell.open(url, pool)
        except (OSError, asyncpg.PostgresConnectionError) as exc:
            await pool.close()
            raise unreachable(url, exc) from None
        except BaseException:
            await pool.close()
            raise
        return cls(pool, doorbell, instance_id(), lease_seconds)

    @property
    def commits(self) -> int:
        return self._writer.commits

    @property
    def backlog(self) -> int:
        return self._writer.backlog

    async def close(self) -> None:
        await self._writer.close()
        self._renewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._renewer
        if self._running:  # turns left running here: another instance may close them at once
            with contextlib.suppress(Exception):
                await self._pool.execute("UPDATE turns SET lease_until = now() WHERE id = ANY($1::text[]) "
                                         "AND instance_id = $2 AND state = 'running'", list(self._running),
                                         self.instance)
        self._unlisten()
        await self.doorbell.close()
        await self._pool.close()

    # -- turns ---------------------------------------------------------------------------------

    async def start_turn(self, start: TurnStart, listener: TurnListener) -> PgTurnLog:
        cid = start.conversation_id
        closing = list(start.closes.events) if start.closes else []
        events = closing + list(start.events)
        now = utcnow()
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                row = await conn.fetchrow(_UPSERT, cid, start.owner, start.case_id, start.title, now)
                if row["owner"] != start.owner:
                    raise ConversationNotFound(cid)  # created meanwhile by another examiner
                found = await conn.fetchrow(_RUNNING_AND_HEAD, cid)
                if found["id"] is not None:
                    if found["live"] and found["instance_id"] != self.instance:
                        raise busy(cid)
                    if start.closes is None or start.closes.turn_id != found["id"]:
                        raise busy(cid, "has a turn running that this step did not expect")
                elif start.closes is not None:
                    raise busy(cid, "changed while this step began (another instance closed its turn)")
                head = (found["head_id"], found["hash"]) if found["head_id"] is not None else (0, GENESIS)
                if not chaining.gapless(events, head[0]):
                    raise busy(cid, "changed while this step began (another instance wrote to it)")
                rows, head = chaining.chain(cid, events, head, now)
                if start.closes is not None:
                    await chaining.insert(conn, rows[:len(closing)], now)
                    await conn.execute(_CLOSE_TURN, start.closes.turn_id, FAILED, closing[-1].id, now)
                    await conn.execute("UPDATE conversations SET last_outcome = $2 WHERE id = $1", cid, FAILED)
                columns = list(zip(*rows[len(closing):]))
                await conn.execute(_INSERT_TURN, start.turn_id, cid, start.confirm_type, start.handler,
                                   start.question, start.request_json, start.events[0].id, now, self.instance,
                                   self.lease_seconds, columns[1], columns[2], columns[3], columns[4], columns[5])
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "turns_one_running":  # a start that slipped past the lock
                raise busy(cid) from None
            raise LogError(f"the conversation log could not record the turn: {exc}") from exc
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise LogError(f"the conversation log could not record the turn: {exc}") from exc
        self._writer.heads.committed({cid: head})
        if start.closes is not None:  # a turn of ours whose ending could not be recorded: given up
            self._running.pop(start.closes.turn_id, None)
        record = dict(row)
        record.update(last_event_id=head[0], running_turn=start.turn_id, running_elsewhere=False)
        if start.closes is not None:
            record["last_outcome"] = FAILED
        turn = PgTurnLog(self._writer, cid, start.turn_id, listener, conversation_row(record), self._ended)
        self._running[start.turn_id] = turn
        listener.committed(list(start.events))
        return turn

    def _ended(self, turn: PgTurnLog) -> None:
        self._running.pop(turn.turn_id, None)

    async def interrupted_turns(self) -> list[tuple[str, str]]:
        rows = await self._pool.fetch("SELECT conversation_id, id FROM turns WHERE state = 'running' AND "
                                      "(lease_until IS NULL OR lease_until < now()) ORDER BY started_at")
        return [(r[0], r[1]) for r in rows if r[1] not in self._running]

    async def close_interrupted(self, conversation_id: str, closes: Interrupted) -> None:
        """Nothing is written if the turn is no longer running (another instance closed it
        first); ConversationBusy if its instance renewed its lease meanwhile."""
        events = list(closes.events)
        now = utcnow()
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.fetchrow("SELECT id FROM conversations WHERE id = $1 FOR UPDATE", conversation_id)
                running = await conn.fetchrow(_RUNNING, conversation_id)
                if running is None or running["id"] != closes.turn_id:
                    return
                if running["live"] and running["instance_id"] != self.instance:
                    raise busy(conversation_id)
                head = await conn.fetchrow(_HEAD, conversation_id)
                head = (head["id"], head["hash"]) if head else (0, GENESIS)
                if not chaining.gapless(events, head[0]):
                    raise busy(conversation_id, "changed while its interrupted turn was being closed")
                await conn.execute(_CLOSE_TURN, closes.turn_id, FAILED, events[-1].id, now)
                await conn.execute("UPDATE conversations SET last_outcome = $2, updated_at = $3 WHERE id = $1",
                                   conversation_id, FAILED, now)
                rows, head = chaining.chain(conversation_id, events, head, now)
                await chaining.insert(conn, rows, now)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise LogError(f"the conversation log could not close turn {closes.turn_id}: {exc}") from exc
        self._writer.heads.committed({conversation_id: head})
        self._running.pop(closes.turn_id, None)

    # -- stops and followers elsewhere -----------------------------------------------------------

    def follow(self, conversation_id: str, after: int) -> AsyncIterator[list[Event]]:
        return follow(self, conversation_id, after)

    async def request_stop(self, conversation_id: str) -> str | None:
        """Set the stop flag of the conversation's running turn and ring its owner; the turn's
        id, or None when none runs."""
        row = await self._pool.fetchrow(
            "UPDATE turns SET stop_requested = true WHERE conversation_id = $1 AND state = 'running' RETURNING id, "
            "(SELECT coalesce(max(id), 0) FROM events WHERE conversation_id = $1) AS last", conversation_id)
        if row is None:
            return None
        turn = self._running.get(row["id"])
        if turn is not None:
            turn.stop_asked()
        else:
            self.doorbell.ring(conversation_id, row["last"])
        return row["id"]

    @contextlib.asynccontextmanager
    async def watching(self, conversation_id: str) -> AsyncIterator[None]:
        """While inside, the conversation's owner rings after each commit: someone here follows."""
        self._watching[conversation_id] = self._watching.get(conversation_id, 0) + 1
        try:
            await self._pool.execute(_WATCH, [conversation_id], self.lease_seconds)
            yield
        finally:
            self._watching[conversation_id] -= 1
            if not self._watching[conversation_id]:
                del self._watching[conversation_id]

    def _rung(self, conversation_id: str, _last: int) -> None:
        """A ring for a turn running here is a stop asked elsewhere: read its flag."""
        if any(t.conversation_id == conversation_id and not t.stopping for t in self._running.values()):
            asyncio.create_task(self._check_stops())

    async def _check_stops(self) -> None:
        with contextlib.suppress(Exception):  # the next renewal reads the flags again
            await self._renew()

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                await self._renew()
                if self._watching:
                    await self._pool.execute(_WATCH, list(self._watching), self.lease_seconds)
            except Exception as exc:  # noqa: BLE001 - the database may be away; leases lapse then
                log.warning("could not renew the leases of running turns: %s", exc)

    async def _renew(self) -> None:
        turns = dict(self._running)
        if not turns:
            return
        held = {r["id"]: r["stop_requested"] for r in await self._pool.fetch(
            _RENEW, list(turns), self.instance, self.lease_seconds)}
        for turn_id, turn in turns.items():
            if turn_id not in held and not turn.closing and self._running.get(turn_id) is turn:
                turn.lost(LogError("this instance no longer holds the turn: its lease lapsed and another "
                                   "instance closed it"))
            elif held.get(turn_id):
                turn.stop_asked()

    # -- conversations -------------------------------------------------------------------------

    async def rename(self, conversation_id: str, title: str) -> None:
        await self._execute("UPDATE conversations SET title = $2 WHERE id = $1", conversation_id, title)

    async def delete(self, conversation_id: str) -> None:
        now = utcnow()
        await self._execute("UPDATE conversations SET deleted_at = $2, updated_at = $2 WHERE id = $1",
                            conversation_id, now)

    async def _execute(self, sql: str, *params: object) -> None:
        try:
            await self._pool.execute(sql, *params)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise LogError(f"the conversation log could not be written: {exc}") from exc
