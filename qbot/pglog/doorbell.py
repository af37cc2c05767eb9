"""The doorbell: how one instance tells the others that a conversation has new events (or a
stop is pending), so that a follower elsewhere reads `events after N` from the log. It carries
only the conversation id and its newest event id: the events themselves are read from the log,
so a lost ring delays a follower (who also looks again now and then) but loses nothing.

`PgDoorbell` is LISTEN/NOTIFY, rung after the commit in a short transaction of its own: a NOTIFY
inside the writing transaction would serialise every commit on the notification queue's lock.
Anything with `ring` and `listen` can replace it (Redis Streams, NATS)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

import asyncpg

from qbot.pglog.connect import connect

log = logging.getLogger(__name__)

CHANNEL = "qbot_log"
RECONNECT_PAUSE = 1.0  # seconds between tries to listen again after the connection was lost

Listener = Callable[[str, int], None]  # (conversation id, newest event id)


class Doorbell(Protocol):
    def ring(self, conversation_id: str, last_event_id: int) -> None:
        """Tell every instance (this one too); returns at once, the ring goes out soon after."""

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on each ring heard, on the event loop; returns what stops it."""

    async def close(self) -> None: ...


class PgDoorbell:
    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self._url = url
        self._pool = pool
        self._listeners: list[Listener] = []
        self._conn: asyncpg.Connection | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._reconnect: asyncio.Task[None] | None = None
        self._closed = False
        self.rung = 0  # rings asked for, for tests and metrics

    @classmethod
    async def open(cls, url: str, pool: asyncpg.Pool) -> PgDoorbell:
        bell = cls(url, pool)
        await bell._listen()
        return bell

    async def _listen(self) -> None:
        conn = await connect(self._url)
        await conn.add_listener(CHANNEL, self._heard)
        conn.add_termination_listener(self._lost)
        self._conn = conn

    def _lost(self, _conn: asyncpg.Connection) -> None:
        if not self._closed and self._reconnect is None:
            log.warning("the doorbell's LISTEN connection was lost; listening again")
            self._reconnect = asyncio.create_task(self._listen_again())

    async def _listen_again(self) -> None:
        while not self._closed:
            await asyncio.sleep(RECONNECT_PAUSE)
            try:
                await self._listen()
            except Exception as exc:  # noqa: BLE001 - the database may be away a while
                log.warning("the doorbell cannot listen yet: %s", exc)
                continue
            self._reconnect = None
            return

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        cid, _, last = payload.rpartition(" ")
        if not cid or not last.isdigit():
            return
        for listener in list(self._listeners):
            try:
                listener(cid, int(last))
            except Exception:  # one listener's bug must not deafen the others
                log.exception("a doorbell listener failed")

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def ring(self, conversation_id: str, last_event_id: int) -> None:
        self.rung += 1
        task = asyncio.create_task(self._notify(f"{conversation_id} {last_event_id}"))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _notify(self, payload: str) -> None:
        try:
            await self._pool.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
        except Exception as exc:  # noqa: BLE001 - a follower looks again soon: not worth failing a turn
            log.warning("could not ring the doorbell: %s", exc)

    async def close(self) -> None:
        self._closed = True
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._reconnect is not None:
            self._reconnect.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnect
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
