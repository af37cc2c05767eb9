"""Two real `qbot serve` processes on one PostgreSQL log, over real HTTP: a turn started through
one is followed, resumed (Last-Event-ID) and stopped through the other, a second step through the
other is busy; kill -9 of the owner mid-turn, the other closes the turn once its lease lapses,
the conversation goes on, and every event a client saw is in the log. And `--workers 2`."""

from __future__ import annotations

import asyncio
import shutil
import socket
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.support import SseParser, install_echo_plugin, read_sse, step_body
from tests.test_process import Server

PREFIX = "/qbot/api/v1/generalsec-ai"
LEASE = 1.0
SLOW = {"count": 40, "size": 10, "delay": 0.1}  # the echo handler: 40 messages over 4 s


@pytest.fixture
def instances(tmp_path: Path, demo_evidence: Path, pg_url: str):
    """Start `qbot serve` processes on the test's database, each with its own data dir."""
    plugin = install_echo_plugin(tmp_path / "site")
    started: list[Server] = []

    def start(*args: str) -> Server:
        data_dir = tmp_path / f"data{len(started)}"
        data_dir.mkdir()
        shutil.copy(demo_evidence, data_dir / "evidence.db")
        config = tmp_path / f"config{len(started)}.yaml"
        config.write_text(f"log:\n  url: {pg_url}\n  lease_seconds: {LEASE}\nturns:\n  on_disconnect: continue\n")
        started.append(Server(data_dir, plugin, "--config", str(config), *args))
        return started[-1]

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.kill()


@pytest.fixture
async def session():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:
        yield s


def url(server: Server, path: str) -> str:
    return f"{server.base}{PREFIX}{path}"


async def open_step(session, server: Server, cid: str, form: dict, headers: dict | None = None):
    return await session.post(url(server, f"/chat/conversation/{cid}"), json=step_body(cid, 7, "echo", form),
                              headers={"Accept": "text/event-stream", **(headers or {})})


async def read_until(resp: aiohttp.ClientResponse, parser: SseParser, count: int) -> None:
    async for chunk in resp.content.iter_any():
        parser.feed(chunk)
        if len(parser.events) >= count:
            return


async def logged(pg_url: str, cid: str) -> list[tuple[int, str]]:
    conn = await asyncpg.connect(pg_url)
    try:
        return [tuple(r) for r in await conn.fetch("SELECT id, data FROM events WHERE conversation_id = $1 ORDER BY id",
                                                   cid)]
    finally:
        await conn.close()


async def test_a_turn_on_one_instance_is_followed_resumed_stopped_and_busy_through_the_other(
        instances, session, pg_url):
    a, b = instances(), instances()
    await asyncio.gather(a.ready(), b.ready())
    cid = "across-instances"
    owner_stream = await open_step(session, a, cid, SLOW)
    assert owner_stream.status == 200
    seen_on_a = SseParser()
    await read_until(owner_stream, seen_on_a, 3)

    # Follow through b: what the log holds, then live from the log as the doorbell rings.
    async with session.get(url(b, f"/chat/conversation/{cid}/events")) as follow:
        seen_on_b = SseParser()
        await read_until(follow, seen_on_b, 6)
        assert [e.id for e in seen_on_b.events] == list(range(1, 7))

        # A second step through b: the same 409 as on one instance.
        async with await open_step(session, b, cid, {"count": 1}) as busy:
            assert busy.status == 409 and (await busy.json())["error"]["code"] == "conversation_busy"

        # A retry with Last-Event-ID through b: that turn's events after the id, live.
        async with await open_step(session, b, cid, SLOW, {"Last-Event-ID": "4"}) as resumed:
            assert resumed.status == 200
            seen_resumed = SseParser()
            await read_until(resumed, seen_resumed, 2)
            assert [e.id for e in seen_resumed.events[:2]] == [5, 6]

            # Stop through b: the owner cancels, every stream ends with the same done.
            async with session.post(url(b, f"/chat/conversation/{cid}/stop")) as stop:
                assert stop.status == 200, await stop.text()
                assert (await stop.json())["state"] == "cancelled"
            rest = await read_sse(resumed)
        rest_b = await read_sse(follow)
    rest_a = await read_sse(owner_stream)
    a_events = seen_on_a.events + rest_a.events
    b_events = seen_on_b.events + rest_b.events
    assert a_events[-1].event == b_events[-1].event == rest.events[-1].event == "done"
    assert a_events[-1].data["state"] == "cancelled"
    assert [(e.id, e.event) for e in a_events] == [(e.id, e.event) for e in b_events]
    assert [e.id for e in a_events] == [i for i, _ in await logged(pg_url, cid)]
    # And the conversation goes on through b.
    async with await open_step(session, b, cid, {"count": 2}) as again:
        events = (await read_sse(again)).events
    assert events[0].id == a_events[-1].id + 1 and events[-1].data["state"] == "completed"


async def test_kill_9_of_the_owner_mid_turn_the_other_closes_it_and_the_conversation_goes_on(
        instances, session, pg_url):
    a, b = instances(), instances()
    await asyncio.gather(a.ready(), b.ready())
    cid = "failover"
    stream = await open_step(session, a, cid, SLOW)
    seen = SseParser()
    await read_until(stream, seen, 5)
    a.kill()
    stream.close()
    logged_ids = [i for i, _ in await logged(pg_url, cid)]
    assert all(e.id in logged_ids for e in seen.events)  # nothing a client saw is lost
    # Within a lease or two, b finds the turn's lease lapsed and closes it as interrupted.
    for _ in range(100):
        async with session.get(url(b, f"/chat/conversation/{cid}")) as resp:
            if (await resp.json())["turns"][-1]["state"] != "running":
                break
        await asyncio.sleep(0.1)
    events = [e for e in await logged(pg_url, cid)]
    assert '"turn_interrupted"' in events[-2][1] and '"failed"' in events[-1][1]
    async with await open_step(session, b, cid, {"count": 2}) as again:
        assert again.status == 200
        more = (await read_sse(again)).events
    assert more[0].id == events[-1][0] + 1 and more[-1].data["state"] == "completed"


async def test_workers_share_one_port_and_one_log(instances, session, pg_url):
    server = instances("--workers", "2")
    await server.ready()
    for n in range(16):
        connector = aiohttp.TCPConnector(force_close=True)  # a new connection each: the kernel spreads them
        async with aiohttp.ClientSession(connector=connector) as fresh, \
                await open_step(fresh, server, f"w{n}", {"count": 1}) as resp:
            assert (await read_sse(resp)).events[-1].data["state"] == "completed"
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SELECT count(DISTINCT instance_id) FROM turns") == 2
        # kill -9 of the supervisor: its workers end too, the port is free again.
        server.kill()
        for _ in range(100):
            if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()"):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the workers outlived their supervisor")
    finally:
        await conn.close()
    with socket.socket() as probe:  # refused while any worker still listens (closed ones' TIME_WAIT aside)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", server.port))
