"""Slow readers hold little and nothing for long: a replay reads the log page by page and waits for
the socket (backpressure), followers' inboxes are bounded in bytes, and all slow clients together
are bounded server-wide. Over real sockets that stop reading, against a real server."""

from __future__ import annotations

import asyncio
import gc
import socket
import weakref

from qbot.appkeys import METRICS, RUNNER
from qbot.streams import REPLAY_PAGE_BYTES, WRITE_CHUNK, EventStream
from tests.support import PREFIX, read_sse, step_body
from tests.test_turns import logged_events, wait_until


async def stalled_get(qbot, cid: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client that asks for a conversation's events, reads the answer's headers and then never
    reads again: the kernel's buffers fill, then the server's writes back up."""
    reader, writer = await asyncio.open_connection(qbot.server.host, qbot.server.port)
    writer.write(f"GET {PREFIX}/chat/conversation/{cid}/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Accept: text/event-stream\r\nLast-Event-ID: 0\r\n\r\n".encode())
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    writer.transport.pause_reading()
    return reader, writer


async def long_conversation(qbot, cid: str, count: int, size: int) -> None:
    async with qbot.api.session.post(qbot.api.url(f"/chat/conversation/{cid}"),
                                     json=step_body(cid, 7, "echo", {"count": count, "size": size})) as resp:
        assert resp.status == 200
        events = (await read_sse(resp)).events
    assert events[-1].data["state"] == "completed"


async def test_stalled_replays_hold_a_page_each_while_others_read_everything(echo_plugin, start_qbot):
    qbot = await start_qbot(turns__subscriber_buffer_bytes=64 * 1024 * 1024)  # the writing turn's own reader
    runner = qbot.app[RUNNER]
    await long_conversation(qbot, "long", 4000, 4000)  # ~16 MB of log: more than the kernel's buffers

    stalled = [await stalled_get(qbot, "long") for _ in range(10)]
    await wait_until(lambda: runner.buffers.clients == 10)
    held_most = 0
    for _ in range(20):  # they stay stalled, each holding about a page and a write or two
        held_most = max(held_most, runner.buffers.total)
        await asyncio.sleep(0.02)
    assert held_most <= 10 * (REPLAY_PAGE_BYTES + 3 * WRITE_CHUNK)

    # Meanwhile a reader that reads gets the whole log, each event once and in order.
    events = await logged_events(qbot, "long")
    assert [e.id for e in events] == list(range(1, 4003))
    assert [e.data["delta"] for e in events[1:-1]] == [f"{i}:" + "x" * 4000 for i in range(4000)]

    # They leave with unread data (a reset), and what they held is freed at once: not kept alive
    # by a reference cycle until the next full garbage collection (in a quiet server: for long).
    streams = [weakref.ref(s) for s in list(runner.buffers._held) if isinstance(s, EventStream)]
    assert len(streams) == 10 and qbot.app[METRICS].open_streams == 10  # all ten still stalled
    gc.collect()
    gc.disable()
    try:
        for _, writer in stalled:
            writer.close()
        await wait_until(lambda: runner.buffers.total == 0 and runner.buffers.clients == 0)
        await wait_until(lambda: all(ref() is None for ref in streams), timeout=5)
    finally:
        gc.enable()


async def test_an_event_larger_than_a_write_arrives_whole(echo_plugin, start_qbot):
    qbot = await start_qbot()
    await long_conversation(qbot, "big", 3, 5 * WRITE_CHUNK + 17)
    events = await logged_events(qbot, "big")
    assert [e.data["delta"] for e in events[1:-1]] == [f"{i}:" + "x" * (5 * WRITE_CHUNK + 17) for i in range(3)]
    assert events[-1].data["state"] == "completed"


async def test_slow_followers_together_are_bounded_and_the_one_holding_most_is_cut(echo_plugin, start_qbot):
    # Each follower could hold 4 MiB alone; all of them together may hold 1 MiB.
    qbot = await start_qbot(turns__subscriber_buffer_bytes=4 * 1024 * 1024, limits__slow_clients_bytes=1024 * 1024)
    runner = qbot.app[RUNNER]
    resp = await qbot.api.session.post(qbot.api.url("/chat/conversation/busy"), json=step_body(
        "busy", 7, "echo", {"count": 2000, "size": 4000, "delay": 0.001}))
    assert resp.status == 200
    await wait_until(lambda: "busy" in runner.running)
    reading = asyncio.create_task(read_sse(resp))
    stalled = [await stalled_get(qbot, "busy") for _ in range(4)]

    most = 0
    while "busy" in runner.running:
        most = max(most, runner.buffers.total)
        await asyncio.sleep(0.002)
    events = (await reading).events  # the POST's own stream was read: it got everything
    assert [e.id for e in events] == list(range(1, 2003))
    assert most <= 1024 * 1024
    assert runner.buffers.dropped >= 1
    async with qbot.api.session.get(qbot.api.base + "/metrics") as metrics:
        body = await metrics.text()
    dropped = next(line for line in body.splitlines() if line.startswith("qbot_slow_clients_dropped_total"))
    assert float(dropped.split()[1]) == runner.buffers.dropped

    # A cut follower resumes from the log and misses nothing.
    for _, writer in stalled:
        writer.close()
    assert [e.id for e in await logged_events(qbot, "busy")] == list(range(1, 2003))
    await wait_until(lambda: runner.buffers.total == 0)


async def test_a_stream_that_ends_gives_its_connection_back_for_the_next_request(echo_plugin, start_qbot):
    qbot = await start_qbot()
    await long_conversation(qbot, "again", 50, 1000)
    reader, writer = await asyncio.open_connection(qbot.server.host, qbot.server.port)
    request = (f"GET {PREFIX}/chat/conversation/again/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Last-Event-ID: 0\r\n\r\n").encode()
    try:
        for _ in range(2):  # two replays on one keep-alive connection
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200")
            body = b""
            while not body.endswith(b"0\r\n\r\n"):  # the chunked body's end
                body += await asyncio.wait_for(reader.read(1 << 16), 10)
            assert body.count(b"event: message") == 50 and b"event: done" in body
    finally:
        writer.close()


async def test_a_connection_keeps_its_tcp_user_timeout_from_its_first_stream_on(echo_plugin, start_qbot):
    """A peer that stops acknowledging is cut by the kernel after `turns.send_timeout`: set on
    the connection's first stream (aiohttp-sse's TCP_USER_TIMEOUT) and still set for the next."""
    qbot = await start_qbot(turns__send_timeout=7.5)
    await long_conversation(qbot, "timed", 3, 100)
    reader, writer = await asyncio.open_connection(qbot.server.host, qbot.server.port)
    request = (f"GET {PREFIX}/chat/conversation/timed/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Last-Event-ID: 0\r\n\r\n").encode()
    try:
        for _ in range(2):
            writer.write(request)
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
            body = b""
            while not body.endswith(b"0\r\n\r\n"):
                body += await asyncio.wait_for(reader.read(1 << 16), 10)
            (ours,) = [handler.transport for handler in qbot.server.runner.server.connections
                       if handler.transport.get_extra_info("peername") == writer.get_extra_info("sockname")]
            server_socket = ours.get_extra_info("socket")
            assert server_socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 7500
    finally:
        writer.close()
