"""Turns that run on another instance (the PostgreSQL log): followed here through a fan-out fed
from the log whenever its doorbell rings (qbot.pglog.follow), so the streams of this instance
follow them as they follow a turn of its own; and stopped through the turn's stop flag."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from qbot.buffers import ClientBuffers
from qbot.fanout import Fanout
from qbot.logapi import ConversationRow, SharedLog

log = logging.getLogger(__name__)


class RemoteTurns:
    def __init__(self, conversation_log: SharedLog, buffers: ClientBuffers, inbox_bytes: int) -> None:
        self._log = conversation_log
        self._buffers = buffers
        self._inbox_bytes = inbox_bytes
        self._following: dict[str, tuple[Fanout, asyncio.Task[None]]] = {}

    @staticmethod
    def supported(conversation_log: object) -> bool:
        return isinstance(conversation_log, SharedLog)

    def fanout(self, row: ConversationRow) -> Fanout:
        """The fan-out of the turn running elsewhere in `row`'s conversation, fed while it runs."""
        found = self._following.get(row.id)
        if found is not None and not found[0].ended.is_set():
            return found[0]
        fanout = Fanout(self._buffers, self._inbox_bytes, row.last_event_id)
        task = asyncio.create_task(self._feed(row.id, fanout), name=f"follow-{row.id}")
        self._following[row.id] = (fanout, task)
        return fanout

    async def _feed(self, conversation_id: str, fanout: Fanout) -> None:
        try:
            async for page in self._log.follow(conversation_id, fanout.committed_id):
                fanout.publish(page)
            fanout.end()
        except Exception as exc:  # noqa: BLE001 - the followers resume from the log with Last-Event-ID
            log.warning("following conversation %s from the log failed: %s", conversation_id, exc)
            fanout.end_unrecorded([])
        finally:
            if self._following.get(conversation_id, (None,))[0] is fanout:
                del self._following[conversation_id]

    async def stop(self, row: ConversationRow) -> tuple[str, str | None] | None:
        """Ask the owner to stop the conversation's turn and wait for its end: (turn id, how it
        ended), or None when none runs any more."""
        fanout = self.fanout(row)
        subscriber = fanout.subscribe()
        try:
            turn_id = await self._log.request_stop(row.id)
            if turn_id is None:
                return None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fanout.ended.wait(), self._log.lease_seconds * 3)
        finally:
            fanout.unsubscribe(subscriber)
        turns = await self._log.turns(row.id)
        outcome = next((t.state for t in turns if t.id == turn_id), None)
        return turn_id, outcome

    async def close(self) -> None:
        for _, task in list(self._following.values()):
            task.cancel()
        for _, task in list(self._following.values()):
            with contextlib.suppress(asyncio.CancelledError):
                await task
