"""Sending a conversation's events to one client over Server-Sent-Events: first what the log holds
after the client's last id, then the running turn live until its `done`."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterator, Sequence
from typing import Protocol

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp_sse import EventSourceResponse

from qbot.buffers import ClientBuffers, Subscriber
from qbot.events import Event
from qbot.heartbeat import Heartbeat, Place
from qbot.metrics import Metrics
from qbot.fanout import Fanout

# A stalled client holds at most about one page of the log in hand plus two writes in its
# socket's user-space buffer (the transport's high-water mark is lowered to one write).
REPLAY_PAGE = 64  # events read from the log at a time...
REPLAY_PAGE_BYTES = 32 * 1024  # ...as many of them as fit in this (at least one)
WRITE_CHUNK = 16 * 1024  # bytes per write
PING = b": ping\n\n"

logger = logging.getLogger(__name__)

# Connections whose socket has its TCP_USER_TIMEOUT set (see EventStream._set_tcp_user_timeout).
_TIMED_OUT_CONNECTIONS: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()


class EventSource(Protocol):
    async def events_after(self, conversation_id: str, after: int, limit: int, max_bytes: int) -> list[Event]:
        """A page of the logged events after `after` (qbot.logapi.ConversationLog.events_after)."""


class EventStream(EventSourceResponse):
    """The contract's headers, and a batch of events in as few writes as fit in WRITE_CHUNK
    bytes: a turn's events often arrive together, and one write per batch saves a system call per
    event. A write the socket cannot take waits for it to drain (backpressure), at most
    `send_timeout` seconds; meanwhile what the stream holds is counted in `buffers`.

    aiohttp-sse sends the headers and sets the socket's TCP_USER_TIMEOUT; here the headers go out
    with the first event instead of in a write of their own, the timeout is set once per
    connection, and the pings come from the server's one `heartbeat` (never between the pieces of
    a large frame) instead of a task of the stream's own."""

    _send_headers_immediately = False  # aiohttp: the headers go out with the first body write

    def __init__(self, *, heartbeat: Heartbeat, send_timeout: float, metrics: Metrics,
                 buffers: ClientBuffers) -> None:
        super().__init__(sep="\n", allow_all_methods=True, ping_interval=heartbeat.interval, send_timeout=send_timeout)
        self.headers["Content-Type"] = "text/event-stream; charset=utf-8"
        self.headers["Cache-Control"] = "no-store"
        self.metrics = metrics
        self.buffers = buffers
        self._write_timeout = send_timeout
        self._writer: AbstractStreamWriter | None = None
        self._transport_limits: tuple[int, int] | None = None
        self._heartbeat = heartbeat
        self._sending = False  # a send is under way: no ping between its pieces
        self._pinging: asyncio.Task[None] | None = None
        self._place: Place | None = None  # in the heartbeat's queue, from prepare until the stream stops
        self.last_sent = 0
        self.waited = False  # a write had to wait for the socket: the client read slowly

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        writer = await super().prepare(request)
        self._writer = writer
        transport = request.transport
        if transport is not None and self._transport_limits is None:
            self._transport_limits = transport.get_write_buffer_limits()[::-1]  # (high, low)
            transport.set_write_buffer_limits(high=WRITE_CHUNK)
        return writer

    def _set_tcp_user_timeout(self, request: web.BaseRequest) -> None:
        """aiohttp-sse sets the timeout for each stream and puts the old one back after it: three
        system calls a POST. Here it is set on a connection's first stream and left set (a peer
        that leaves data unacknowledged that long is gone, whatever it asked next)."""
        transport = request.transport
        if transport is None or transport in _TIMED_OUT_CONNECTIONS:
            return
        super()._set_tcp_user_timeout(request)
        self._saved_tcp_user_timeout = self._tcp_sock = None  # nothing to put back
        _TIMED_OUT_CONNECTIONS.add(transport)

    def flush_headers(self) -> None:
        """Send the headers now if no event has carried them yet (a follower with nothing to
        replay must still see its answer begin)."""
        send = getattr(self._payload_writer, "send_headers", None)
        if send is not None:
            send()

    async def _ping(self) -> None:
        """aiohttp-sse's heartbeat task: it hands the stream to the server's heartbeat and ends
        (`wait` and `stop_streaming` then find it done)."""
        self._place = self._heartbeat.join(self)

    def beat(self) -> None:
        """The heartbeat's call: ping, unless a send is under way (data is flowing, and a ping must
        not fall between the pieces of a frame) or the last ping is still waiting for the socket."""
        if not self._sending and self._pinging is None:
            self._pinging = asyncio.create_task(self._ping_once())

    async def _ping_once(self) -> None:
        try:
            async with asyncio.timeout(self._write_timeout):
                await self.write(PING)
        except TimeoutError:
            self.drop()
        except (ConnectionError, RuntimeError):  # RuntimeError: written after the end
            self._leave_heartbeat()
        finally:
            self._pinging = None

    def _leave_heartbeat(self) -> None:
        if self._place is not None:
            self._place.stream = self._place = None

    def stop_streaming(self) -> None:
        self._leave_heartbeat()
        if self._pinging is not None:
            self._pinging.cancel()
        super().stop_streaming()

    def restore_transport(self) -> None:
        """The connection may serve further requests: give it back its own buffer limits."""
        transport = self._req.transport if self._req is not None else None
        if transport is not None and self._transport_limits is not None and not transport.is_closing():
            transport.set_write_buffer_limits(*self._transport_limits)

    async def send_events(self, events: Sequence[Event], last: bool = False) -> None:
        """Send the events not sent yet; `last` ends the body with them (one write, not two)."""
        fresh = [e for e in events if e.id > self.last_sent]
        if not fresh:
            if last:
                await self._send(b"", True, 0)
            return
        left = sum(len(e.frame) for e in fresh)
        self._sending = True
        try:
            for piece, upto in _pieces(fresh):
                left -= len(piece)
                await self._send(piece, last and left == 0, left)
                if upto:
                    self.last_sent = fresh[upto - 1].id
        finally:
            self._sending = False
        self.metrics.events_sent += len(fresh)

    async def _send(self, data: bytes | memoryview, last: bool, left: int) -> None:
        send = self.write_eof if last else self.write
        transport = self._req.transport if self._req is not None else None
        if transport is None or transport.get_write_buffer_size() + len(data) < WRITE_CHUNK:
            await send(data)  # fails at once, or cannot fill the buffer: no wait, no timer
            return
        self.buffers.hold(self, transport.get_write_buffer_size() + len(data) + left)
        try:
            async with asyncio.timeout(self._write_timeout):
                await send(data)
                if transport.get_write_buffer_size() and self._writer is not None:
                    self.waited = True  # the kernel's buffer is full: the client reads slower than we write
                    await self._writer.drain()
        except TimeoutError:
            self.drop()
            raise ConnectionResetError("client stopped reading") from None
        finally:
            self.buffers.release(self)

    def drop(self) -> None:
        """Close a client that cannot keep up, without waiting to flush what it will not read;
        it can resume from the log with Last-Event-ID."""
        self.stop_streaming()
        if self._req is not None and self._req.transport is not None:
            self._req.transport.abort()


def _pieces(events: Sequence[Event]) -> Iterator[tuple[bytes | memoryview, int]]:
    """The events' frames in pieces of at most WRITE_CHUNK bytes (a large frame is split), each
    with the number of events it completes, counted from the first (0: it ends mid-frame)."""
    batch: list[bytes] = []
    size = 0
    for n, event in enumerate(events, 1):
        frame = event.frame
        if size + len(frame) > WRITE_CHUNK and batch:
            yield b"".join(batch), n - 1
            batch, size = [], 0
        if len(frame) > WRITE_CHUNK:
            view = memoryview(frame)
            for at in range(0, len(frame), WRITE_CHUNK):
                yield view[at:at + WRITE_CHUNK], n if at + WRITE_CHUNK >= len(frame) else 0
            continue
        batch.append(frame)
        size += len(frame)
    if batch:
        yield (batch[0] if len(batch) == 1 else b"".join(batch)), len(events)


async def serve(
    request: web.Request,
    stream: EventStream,
    source: EventSource,
    conversation_id: str,
    after: int,
    fanout: Fanout | None,
    subscriber: Subscriber | None,
    first: Event | None = None,
) -> None:
    """Replay the logged events after `after`, then follow the running turn's `fanout` (if any) until its done; a client
    that goes away ends it quietly. The subscriber is attached before the replay, so no event falls
    between the two; ids already sent are skipped. A new turn's own stream passes its `first`
    event instead: its subscriber was attached before the turn produced anything else, so there
    is nothing to replay."""
    stream.last_sent = after
    try:
        await stream.prepare(request)
        stream.metrics.open_streams += 1
        async with stream:  # stops the heartbeat task when the stream ends, and waits for it
            if first is not None:
                await stream.send_events([first])  # with the headers, in one write
            else:
                await _replay(stream, source, conversation_id)
                stream.flush_headers()
            if fanout is not None and subscriber is not None:
                await _follow(stream, fanout, subscriber)
    except ConnectionError as exc:
        # The client went away or was dropped: the stream is over. The error sits in a cycle (the
        # socket's drain future holds it, its traceback the frames awaiting that future, and they
        # the events in hand): cut it now rather than at the next full garbage collection.
        _forget_frames(exc)
    except Exception:
        # The stream has begun: a JSON refusal can no longer be sent. Cut it; the client
        # resumes with Last-Event-ID.
        logger.exception("stream of conversation %s failed", conversation_id)
        stream.drop()
    finally:
        if stream.prepared:
            stream.metrics.open_streams -= 1
            stream.restore_transport()
            if stream.waited:
                stream.buffers.slow_client_left()
        if fanout is not None and subscriber is not None:
            fanout.unsubscribe(subscriber)


def _forget_frames(exc: BaseException | None) -> None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc.__traceback__ = None
        exc = exc.__cause__ or exc.__context__


async def _replay(stream: EventStream, source: EventSource, conversation_id: str) -> None:
    while True:
        page = await source.events_after(conversation_id, stream.last_sent, REPLAY_PAGE, REPLAY_PAGE_BYTES)
        if not page:
            return
        await stream.send_events(page)


async def _follow(stream: EventStream, fanout: Fanout, subscriber: Subscriber) -> None:
    """Send the turn's events until its done. Ends early when the reader fell too far behind
    (it resumes from the log) or the turn ended without a recordable done."""
    while not (fanout.ended.is_set() and stream.last_sent >= fanout.committed_id):
        events = await subscriber.take()
        if not events:
            if subscriber.overflowed:
                stream.drop()
            return
        await stream.send_events(events, last=fanout.ended.is_set() and events[-1].id >= fanout.committed_id)
