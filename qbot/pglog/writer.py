"""The PostgreSQL log's group commit: the events and endings that running turns queue are written
by one task, everything queued in one transaction, and only after its commit do the turns'
listeners hear of them (nothing a client saw is missing from the log).

Each transaction starts with the fence: the lease of every turn in it is renewed, on condition
that this instance still holds it. A turn whose lease lapsed and was closed by another instance
is refused there, and so is a write whose ids do not follow the conversation's last event: such
writes fail alone, inside a transaction that commits the others. A write that fails in the
database (the transaction rolls back) is tried again alone, so it too fails alone; when the
database itself is away, every write of the batch fails at once (each would wait its timeout)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import asyncpg

from qbot.backlog import Backlog
from qbot.clock import utcnow
from qbot.chain import GENESIS
from qbot.events import Event
from qbot.logapi import ConversationRow, LogError, TurnEnding
from qbot.pglog import chaining
from qbot.pglog.connect import UNAVAILABLE
from qbot.pglog.reads import conversation_row

if TYPE_CHECKING:
    from qbot.pglog.turnlog import PgTurnLog

log = logging.getLogger(__name__)

MAX_BATCH = 512  # writes folded into one transaction

# One round trip before the writes: renews the leases of the turns written, telling whether to ring
# (someone elsewhere follows) and whether a stop was asked for; rows of turns this instance no
# longer holds are not returned. With them, the last event of the conversations whose head the
# writer does not know. (Round trips, not SQL, are most of the log's CPU here.)
FENCE_AND_HEADS = (
    "WITH fence AS (UPDATE turns SET lease_until = now() + make_interval(secs => $3) "
    " WHERE id = ANY($1::text[]) AND instance_id = $2 AND state = 'running' "
    " RETURNING id, stop_requested, coalesce(watched_until > now(), false) AS watched) "
    "SELECT true AS fence, id, stop_requested, watched, NULL::bigint AS last, NULL::text AS hash FROM fence "
    "UNION ALL SELECT false, c.id, NULL, NULL, e.id, e.hash FROM unnest($4::text[]) AS c(id) CROSS JOIN LATERAL "
    " (SELECT id, hash FROM events WHERE conversation_id = c.id ORDER BY id DESC LIMIT 1) e")
# And one for the writes: the events, the ended turns, their conversations (returned).
WRITE = (
    "WITH inserted AS (INSERT INTO events (conversation_id, id, turn_id, event, data, created_at, hash)"
    " SELECT c, i, t, e, d, $6, h FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],"
    " $7::text[]) AS v(c, i, t, e, d, h)),"
    " ended AS (UPDATE turns t SET state = v.outcome, last_event_id = v.last, ended_at = $6, lease_until = NULL"
    " FROM unnest($8::text[], $9::text[], $10::bigint[]) AS v(id, outcome, last) WHERE t.id = v.id) "
    "UPDATE conversations c SET state = coalesce(v.state, c.state), last_outcome = v.outcome,"
    " pending = coalesce(v.pending, c.pending), updated_at = $6"
    " FROM unnest($11::text[], $12::text[], $13::text[], $14::text[]) AS v(id, outcome, state, pending)"
    " WHERE c.id = v.id RETURNING c.*")

LOST = ("not written: this instance no longer holds the turn (its lease lapsed and another instance "
        "closed it)")


@dataclass(eq=False)
class Write:
    """Events of one turn, in id order, and maybe its ending; `taken` once the writer holds it."""

    turn: PgTurnLog
    events: list[Event] = field(default_factory=list)
    ending: TurnEnding | None = None
    knew_failed: bool = False  # the ending was made after the turn's failure (renumbered)
    taken: bool = False
    done: asyncio.Future[None] | None = None  # a flush: nothing to write, only to wait for


@dataclass
class Outcome:
    """What one transaction did: the writes it committed, with their conversation rows (endings),
    those it refused, and the heads, rings and stops to act on after the commit."""

    written: list[tuple[Write, ConversationRow | None]] = field(default_factory=list)
    refused: list[tuple[Write, LogError]] = field(default_factory=list)
    heads: dict[str, chaining.Head] = field(default_factory=dict)
    rings: dict[str, int] = field(default_factory=dict)
    stops: set[str] = field(default_factory=set)


class Writer:
    def __init__(self, pool: asyncpg.Pool, instance: str, lease_seconds: float,
                 ring: Callable[[str, int], None]) -> None:
        self._pool = pool
        self._instance = instance
        self._lease = lease_seconds
        self._ring = ring
        self._queue: deque[Write] = deque()
        self._wakeup = asyncio.Event()
        self._backlog = Backlog()
        self.heads = chaining.Heads()
        self.commits = 0
        self._task = asyncio.create_task(self._loop(), name="qbot-pglog-writer")

    async def close(self) -> None:
        await self.flush()
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    def submit(self, write: Write) -> None:
        self._queue.append(write)
        self._wakeup.set()
        self.queued(len(write.events))

    def queued(self, count: int) -> None:
        self._backlog.queued(count)

    @property
    def backlog(self) -> int:
        return self._backlog.events

    async def room(self) -> None:
        await self._backlog.room()

    async def flush(self) -> None:
        """Wait until everything queued before now is committed (or failed)."""
        done = asyncio.get_running_loop().create_future()
        self._queue.append(Write(None, done=done))  # type: ignore[arg-type]
        self._wakeup.set()
        await done

    async def _loop(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                batch = self._backlog.take(self._queue, MAX_BATCH)
                writes = [w for w in batch if w.done is None]
                try:
                    await self._write(writes)
                except Exception as exc:  # a bug here must not stop every turn's writes
                    log.exception("the log's writer failed")
                    self._fail_all(writes, LogError(f"the conversation log's writer failed: {exc}"))
                for write in batch:
                    if write.done is not None and not write.done.done():
                        write.done.set_result(None)

    async def _write(self, batch: list[Write]) -> bool:
        """Commit the batch, or fail its writes; True when the database is away."""
        batch = [w for w in batch if not self._dropped(w)]
        if not batch:
            return False
        try:
            outcome = await self._commit(batch)
        except UNAVAILABLE as exc:  # every write would wait for the database in turn: fail them now
            self._fail_all(batch, LogError(f"the conversation log's database is unavailable: {exc}"))
            return True
        except Exception as exc:  # noqa: BLE001 - one bad write must not fail the others
            if len(batch) == 1:
                self._fail_all(batch, LogError(f"the conversation log could not be written: {exc}"))
                return False
            for n, write in enumerate(batch):
                if await self._write([write]):
                    self._fail_all(batch[n + 1:], LogError("the conversation log's database is unavailable"))
                    return True
            return False
        self._after(outcome)
        return False

    def _fail_all(self, writes: list[Write], error: LogError) -> None:
        self.heads.forget([w.turn.conversation_id for w in writes])
        for write in writes:
            self._failed(write, error)

    @staticmethod
    def _dropped(write: Write) -> bool:
        """Writes of a turn whose earlier write failed: its events (later ones would leave a gap),
        and an ending queued before the failure (the caller renumbers it)."""
        if write.turn.failure is None or write.knew_failed:
            return False
        if write.ending is None:
            return True
        write.turn.end_failed(LogError("not written: an earlier write of its turn failed"))
        return True

    def _failed(self, write: Write, error: LogError) -> None:
        if write.ending is not None:
            write.turn.end_failed(error)
        else:
            write.turn.append_failed(error)

    async def _commit(self, batch: list[Write]) -> Outcome:
        now = utcnow()
        out = Outcome()
        firsts: dict[str, int] = {}
        for w in batch:
            if w.events:
                firsts.setdefault(w.turn.conversation_id, w.events[0].id)
        heads, unknown = self.heads.known(firsts)
        async with self._pool.acquire() as conn, conn.transaction():
            fence, found = {}, {}
            for r in await conn.fetch(FENCE_AND_HEADS, list({w.turn.turn_id for w in batch}), self._instance,
                                      self._lease, unknown):
                if r["fence"]:
                    fence[r["id"]] = r
                else:
                    found[r["id"]] = (r["last"], r["hash"])
            heads.update({cid: found.get(cid, (0, GENESIS)) for cid in unknown})
            rows: list[chaining.Row] = []
            endings: list[Write] = []
            refused_turns: set[str] = set()
            for w in batch:
                cid, tid = w.turn.conversation_id, w.turn.turn_id
                error = None
                if tid in refused_turns and (w.ending is None or not w.knew_failed):
                    error = LogError("not written: an earlier write of its turn failed")
                elif tid not in fence:
                    error = LogError(LOST)
                elif w.events and not chaining.gapless(w.events, heads[cid][0]):
                    error = LogError(f"not written: event {w.events[0].id} does not follow the conversation's last "
                                     f"event, {heads[cid][0]}")
                if error is not None:
                    refused_turns.add(tid)
                    out.refused.append((w, error))
                    continue
                if w.events:
                    new, heads[cid] = chaining.chain(cid, w.events, heads[cid], now)
                    rows += new
                    out.heads[cid] = heads[cid]
                if w.ending is not None:
                    endings.append(w)
                if fence[tid]["watched"] and w.events:
                    out.rings[cid] = w.events[-1].id
                if fence[tid]["stop_requested"]:
                    out.stops.add(tid)
                out.written.append((w, None))
            ended = await self._write_rows(conn, rows, endings, now)
        out.written = [(w, ended.get(w.turn.turn_id) if w.ending is not None else None) for w, _ in out.written]
        self.commits += 1
        return out

    @staticmethod
    async def _write_rows(conn: asyncpg.Connection, rows: list[chaining.Row], endings: list[Write],
                          now: str) -> dict[str, ConversationRow]:
        """Insert the events and record the endings, in one statement; each ended turn's
        conversation row."""
        if not rows and not endings:
            return {}
        columns = list(zip(*rows)) if rows else [()] * 6
        last = {w.turn.turn_id: w.events[-1].id for w in endings}
        found = await conn.fetch(
            WRITE, columns[0], columns[1], columns[2], columns[3], columns[4], now, columns[5],
            list(last), [w.ending.outcome for w in endings], list(last.values()),
            [w.turn.conversation_id for w in endings], [w.ending.outcome for w in endings],
            [w.ending.state for w in endings], [w.ending.pending_json for w in endings])
        by_cid = {r["id"]: r for r in found}
        ended = {}
        for w in endings:
            r = dict(by_cid[w.turn.conversation_id])
            r.update(last_event_id=last[w.turn.turn_id], running_turn=None, running_elsewhere=False)
            ended[w.turn.turn_id] = conversation_row(r)
        return ended

    def _after(self, out: Outcome) -> None:
        """After the commit: heads kept, listeners told, doorbells rung, stops passed on."""
        self.heads.committed(out.heads)
        for write, row in out.written:
            if write.events:
                write.turn.committed(write.events)
            if row is not None:
                write.turn.end_committed(row)
        for write, error in out.refused:
            self._failed(write, error)
        for cid, last in out.rings.items():
            self._ring(cid, last)
        for write, _ in out.written:
            if write.turn.turn_id in out.stops:
                write.turn.stop_asked()

