"""The PostgreSQL log going away mid-turn, over real HTTP: the turn's stream still ends with an
`error` and a `done` (the ones the log cannot take are marked `recorded: false` and carry no id),
nothing with an id is missing from the log, and once the database is back the conversation goes
on. The database is reached through a relay the test cuts (tests/tcpcut.py), so the server that
the other tests use keeps running."""

from __future__ import annotations

import asyncio
import shutil

from tests.support import SseParser, install_echo_plugin, read_sse
from tests.tcpcut import Cuttable
from tests.test_pg_instances import LEASE, logged, open_step, read_until, session  # noqa: F401, F811 - a fixture
from tests.test_process import Server


async def test_the_database_going_away_mid_turn_ends_the_stream_and_qbot_recovers(
        session, pg_url, tmp_path, demo_evidence):  # noqa: F811 - the fixture
    relay = Cuttable(pg_url)
    await relay.start()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(demo_evidence, data_dir / "evidence.db")
    config = tmp_path / "config.yaml"  # the log through the relay
    config.write_text(f"log:\n  url: {relay.url}\n  lease_seconds: {LEASE}\n")
    server = Server(data_dir, install_echo_plugin(tmp_path / "site"), "--config", str(config))
    try:
        await server.ready()
        await outage_and_back(session, server, relay, pg_url)
    finally:
        if server.proc.poll() is None:
            server.kill()
        await relay.cut()  # and with it the relay's own socket


async def outage_and_back(client, server: Server, relay: Cuttable, pg_url: str) -> None:

    resp = await open_step(client, server, "outage", {"count": 40, "size": 10, "delay": 0.1})
    assert resp.status == 200
    parser = SseParser()
    await read_until(resp, parser, 3)  # start and two messages: committed, then sent
    await relay.cut()
    async for chunk in resp.content.iter_any():  # the rest of the stream, to its end
        parser.feed(chunk)
    events = parser.events
    assert [e.event for e in events[-2:]] == ["error", "done"], [e.event for e in events]
    assert events[-1].data["state"] == "failed"
    # An ending the log would not take comes without an id line (the reader keeps the last id).
    unrecorded = [e for e in events if isinstance(e.data, dict) and e.data.get("recorded") is False]
    assert [e.event for e in unrecorded] in ([], ["error", "done"])
    seen = [e.id for e in events if e not in unrecorded]
    assert seen == list(range(1, len(seen) + 1))  # gapless, from the start

    await relay.restore()
    logged_ids = [event_id for event_id, _ in await logged(pg_url, "outage")]
    assert set(seen) <= set(logged_ids)  # every event the client saw with an id is in the log

    # The conversation goes on: the next step closes the turn left running, and completes.
    for _ in range(100):
        again = await open_step(client, server, "outage", {"count": 2, "size": 3, "delay": 0.0})
        if again.status == 200:
            break
        assert again.status in (409, 503), await again.text()  # its lease still counted, or the pool reconnecting
        await again.release()
        await asyncio.sleep(LEASE / 4)
    assert again.status == 200
    after = (await read_sse(again)).events
    assert after[-1].event == "done" and after[-1].data["state"] == "completed"
    assert after[0].id > max(logged_ids)
    final = [event_id for event_id, _ in await logged(pg_url, "outage")]
    assert final == list(range(1, len(final) + 1))
