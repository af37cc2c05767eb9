"""Sending a conversation's events to one client over Server-Sent-Events (aiohttp-sse): first what
the log holds after the client's last id, then the running turn live until its `done`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiohttp import web
from aiohttp_sse import EventSourceResponse

from qbot.convlog import ConversationLog
from qbot.events import Event
from qbot.metrics import Metrics
from qbot.turns import Subscriber, Turn

REPLAY_PAGE = 500

logger = logging.getLogger(__name__)


class EventStream(EventSourceResponse):
    """The contract's headers, and whole batches of events in one write: a turn's events often
    arrive together, and one write per batch saves a system call per event."""

    def __init__(self, *, ping_interval: float, send_timeout: float, metrics: Metrics) -> None:
        super().__init__(sep="\n", allow_all_methods=True, ping_interval=ping_interval, send_timeout=send_timeout)
        self.metrics = metrics
        self.headers["Content-Type"] = "text/event-stream; charset=utf-8"
        self.headers["Cache-Control"] = "no-store"
        self._write_timeout = send_timeout
        self.last_sent = 0

    async def send_events(self, events: Sequence[Event], last: bool = False) -> None:
        """Send the events not sent yet; `last` ends the body with them (one write, not two)."""
        fresh = [e for e in events if e.id > self.last_sent]
        if not fresh and not last:
            return
        data = b"".join(e.frame for e in fresh)
        send = self.write_eof if last else self.write
        if self._cannot_wait(len(data)):
            await send(data)
        else:
            try:
                async with asyncio.timeout(self._write_timeout):
                    await send(data)
            except TimeoutError:
                self.drop()
                raise ConnectionResetError("client stopped reading") from None
        if fresh:
            self.last_sent = fresh[-1].id
            self.metrics.events_sent += len(fresh)

    def _cannot_wait(self, size: int) -> bool:
        """A write waits only when it takes the transport past its high-water mark; below it the
        send timeout (a timer per write) is not needed."""
        transport = self._req.transport if self._req is not None else None
        if transport is None:
            return True  # the write fails at once
        return transport.get_write_buffer_size() + size < transport.get_write_buffer_limits()[1]

    def drop(self) -> None:
        """Close a client that cannot keep up, without waiting to flush what it will not read;
        it can resume from the log with Last-Event-ID."""
        self.stop_streaming()
        if self._req is not None and self._req.transport is not None:
            self._req.transport.abort()


async def serve(
    request: web.Request,
    stream: EventStream,
    log: ConversationLog,
    conversation_id: str,
    after: int,
    turn: Turn | None,
    subscriber: Subscriber | None,
    first: Event | None = None,
) -> None:
    """Replay the logged events after `after`, then follow `turn` (if any) until its done. The
    subscriber is attached before the replay, so no event falls between the two; ids already
    sent are skipped. A new turn's own stream passes its `first` event instead: its subscriber
    was attached before the turn produced anything else, so there is nothing to replay."""
    stream.last_sent = after
    try:
        await stream.prepare(request)
        stream.metrics.open_streams += 1
        async with stream:  # stops the heartbeat task when the stream ends
            if first is not None:
                await stream.send_events([first])
            else:
                await _replay(stream, log, conversation_id)
            if turn is not None and subscriber is not None:
                await _follow(stream, turn, subscriber)
    except (ConnectionError, asyncio.CancelledError):
        raise
    except Exception:
        # The stream has begun: a JSON refusal can no longer be sent. Cut it; the client
        # resumes with Last-Event-ID.
        logger.exception("stream of conversation %s failed", conversation_id)
        stream.drop()
    finally:
        if stream.prepared:
            stream.metrics.open_streams -= 1
        if turn is not None and subscriber is not None:
            turn.unsubscribe(subscriber)


async def _replay(stream: EventStream, log: ConversationLog, conversation_id: str) -> None:
    while True:
        page = await log.events_after(conversation_id, stream.last_sent, REPLAY_PAGE)
        await stream.send_events(page)
        if len(page) < REPLAY_PAGE:
            return


async def _follow(stream: EventStream, turn: Turn, subscriber: Subscriber) -> None:
    """Send the turn's events until its done. Ends early when the reader fell too far behind
    (it resumes from the log) or the turn ended without a recordable done."""
    while not (turn.ended.is_set() and stream.last_sent >= turn.committed_id):
        events = await subscriber.take()
        if not events:
            if subscriber.overflowed:
                stream.drop()
            return
        await stream.send_events(events, last=turn.ended.is_set() and events[-1].id >= turn.committed_id)
