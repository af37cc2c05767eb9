"""Turns outlive their connections: concurrent streams, a stalled reader, resume by Last-Event-ID,
retried POSTs, stop, interrupt, heartbeats and failures, all over real HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from urllib.parse import quote

from qbot.appkeys import RUNNER
from tests.support import PREFIX, SEED_QUESTION, read_sse, step_body


async def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


async def logged_events(qbot, cid: str) -> list:
    async with qbot.api.session.get(qbot.api.url(f"/chat/conversation/{cid}/events"),
                                    params={"last_event_id": "0"}) as resp:
        assert resp.status == 200
        return (await read_sse(resp)).events


async def test_twenty_conversations_while_one_client_stops_reading(echo_plugin, start_qbot):
    qbot = await start_qbot(turns__subscriber_buffer_bytes=64 * 1024, turns__send_timeout=1.0)
    runner = qbot.app[RUNNER]

    # A client that sends its step and never reads: a tiny receive buffer, so the server's
    # writes back up at once. The turn writes ~16 MB of events.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (qbot.server.host, qbot.server.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    body = json.dumps(step_body("stalled", 7, "echo", {"count": 4000, "size": 4000})).encode()
    writer.write(f"POST {PREFIX}/chat/conversation/stalled HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    await writer.drain()
    await wait_until(lambda: "stalled" in runner.running)

    most_buffered, seen = 0, set()

    async def watch() -> None:
        nonlocal most_buffered
        while True:
            turn = runner.running.get("stalled")
            for subscriber in list(turn.fanout.subscribers) if turn else []:
                seen.add(subscriber)
                most_buffered = max(most_buffered, subscriber.size)
            await asyncio.sleep(0.001)

    watcher = asyncio.create_task(watch())
    try:
        flows = await asyncio.gather(*(qbot.api.flow(f"reader-{i}") for i in range(19)))
        await wait_until(lambda: "stalled" not in runner.running)
    finally:
        watcher.cancel()
    for first, second, third in flows:
        assert third[-1].data["state"] == "completed"
        assert any(e.event == "result" for e in third)
    # The stalled stream held at most its buffer, then was dropped.
    assert most_buffered <= 64 * 1024
    assert [s.overflowed for s in seen] == [True]
    assert runner.buffers.total == 0  # nothing is held for it any more

    # The turn went on without its reader, and its log is whole.
    events = await logged_events(qbot, "stalled")
    assert [e.event for e in events] == ["start"] + ["message"] * 4000 + ["done"]
    assert events[-1].data["state"] == "completed"
    # The server closed the stalled connection rather than buffering 16 MB for it.
    received = 0
    try:
        while chunk := await asyncio.wait_for(reader.read(1 << 16), 10):
            received += len(chunk)
    except ConnectionResetError:
        pass
    writer.close()
    assert received < 4000 * 4000


async def test_resume_by_last_event_id_gets_every_event_once(echo_plugin, start_qbot):
    qbot = await start_qbot()
    url = qbot.api.url("/chat/conversation/resume")
    resp = await qbot.api.session.post(url, json=step_body("resume", 7, "echo", {"count": 40, "delay": 0.02}))
    head = (await read_sse(resp, stop_after=5)).events[:5]
    resp.close()  # the network drops

    for how in ("header", "query"):
        kwargs = ({"headers": {"Last-Event-ID": str(head[-1].id)}} if how == "header"
                  else {"params": {"last_event_id": str(head[-1].id)}})
        async with qbot.api.session.get(f"{url}/events", **kwargs) as resumed:
            assert resumed.status == 200
            assert resumed.headers["Content-Type"] == "text/event-stream; charset=utf-8"
            tail = (await read_sse(resumed)).events
        events = head + tail
        assert [e.id for e in events] == list(range(1, 43))  # start, 40 messages, done: each once
        assert events[-1].event == "done" and events[-1].data["state"] == "completed"
        assert [e.data for e in events] == [e.data for e in await logged_events(qbot, "resume")]


async def test_retried_post_resumes_the_turn(echo_plugin, start_qbot):
    qbot = await start_qbot()
    body = step_body("retry", 7, "echo", {"count": 30, "delay": 0.02})
    url = qbot.api.url("/chat/conversation/retry")
    resp = await qbot.api.session.post(url, json=body)
    head = (await read_sse(resp, stop_after=3)).events[:3]
    resp.close()

    # fetch-event-source re-sends the same POST with the id it last saw.
    async with qbot.api.session.post(url, json=body, headers={"Last-Event-ID": str(head[-1].id)}) as again:
        assert again.status == 200
        tail = (await read_sse(again)).events
    assert [e.id for e in head + tail] == list(range(1, 33))
    status, conv = await qbot.api.get_json("/chat/conversation/retry")
    assert status == 200 and len(conv["turns"]) == 1  # no second turn was started

    # After the turn ended, the same retry replays its remaining events and starts nothing.
    async with qbot.api.session.post(url, json=body, headers={"Last-Event-ID": "30"}) as late:
        assert [e.id for e in (await read_sse(late)).events] == [31, 32]
    assert len((await qbot.api.get_json("/chat/conversation/retry"))[1]["turns"]) == 1


async def test_stop_cancels_the_running_turn(echo_plugin, start_qbot):
    qbot = await start_qbot()
    streaming = asyncio.create_task(qbot.api.step("stop-me", 7, "echo", {"count": 200, "delay": 0.02}))
    await wait_until(lambda: "stop-me" in qbot.app[RUNNER].running)
    await asyncio.sleep(0.1)
    async with qbot.api.session.post(qbot.api.url("/chat/conversation/stop-me/stop")) as resp:
        assert resp.status == 200 and (await resp.json())["state"] == "cancelled"
    status, events, _ = await streaming
    assert events[-1].event == "done" and events[-1].data["state"] == "cancelled"
    assert len([e for e in events if e.event == "message"]) < 200
    # The conversation accepts its next step.
    status, events, _ = await qbot.api.step("stop-me", -1, SEED_QUESTION)
    assert status == 200 and events[-1].data["state"] == "awaiting_start"


async def test_a_stop_sent_while_the_start_is_being_recorded_stops_the_turn(echo_plugin, start_qbot):
    """The examiner clicks stop right after asking: the turn's start is not yet in the log (here
    held back by another connection's write lock), and the conversation not even created."""
    qbot = await start_qbot()
    blocker = sqlite3.connect(qbot.config.log_db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        streaming = asyncio.create_task(qbot.api.step("stop-early", 7, "echo", {"count": 200, "delay": 0.02}))
        await wait_until(lambda: "stop-early" in qbot.app[RUNNER].running)
        stopping = asyncio.create_task(qbot.api.session.post(qbot.api.url("/chat/conversation/stop-early/stop")))
        await wait_until(lambda: qbot.app[RUNNER].running["stop-early"].stop_asked)
    finally:
        blocker.rollback()
        blocker.close()
    async with await stopping as resp:
        assert resp.status == 200 and (await resp.json())["state"] == "cancelled"
    status, events, _ = await streaming
    assert status == 200 and events[0].event == "start"
    assert events[-1].event == "done" and events[-1].data["state"] == "cancelled"
    assert not [e for e in events if e.event == "message"]  # the handler never ran


async def test_busy_policy_interrupt(echo_plugin, start_qbot):
    qbot = await start_qbot(turns__busy_policy="interrupt")
    first = asyncio.create_task(qbot.api.step("intr", 7, "echo", {"count": 200, "delay": 0.02}))
    await wait_until(lambda: "intr" in qbot.app[RUNNER].running)
    status, second, _ = await qbot.api.step("intr", -1, SEED_QUESTION)
    assert status == 200 and second[-1].data["state"] == "awaiting_start"
    _, interrupted, _ = await first
    assert interrupted[-1].data["state"] == "cancelled"
    assert interrupted[-1].id < second[0].id


async def test_on_disconnect_cancel(echo_plugin, start_qbot):
    qbot = await start_qbot(turns__on_disconnect="cancel")
    resp = await qbot.api.session.post(qbot.api.url("/chat/conversation/gone"),
                                       json=step_body("gone", 7, "echo", {"count": 500, "delay": 0.01}))
    await read_sse(resp, stop_after=2)
    resp.close()
    await wait_until(lambda: "gone" not in qbot.app[RUNNER].running, timeout=10)
    events = await logged_events(qbot, "gone")
    assert events[-1].data["state"] == "cancelled"


async def test_on_disconnect_continue_is_the_default(echo_plugin, start_qbot):
    qbot = await start_qbot()
    resp = await qbot.api.session.post(qbot.api.url("/chat/conversation/stay"),
                                       json=step_body("stay", 7, "echo", {"count": 50, "delay": 0.005}))
    await read_sse(resp, stop_after=2)
    resp.close()
    await wait_until(lambda: "stay" not in qbot.app[RUNNER].running, timeout=10)
    events = await logged_events(qbot, "stay")
    assert events[-1].data["state"] == "completed" and len(events) == 52


async def test_heartbeat_on_idle_stream(echo_plugin, start_qbot):
    qbot = await start_qbot(server__ping_interval=0.1)
    async with qbot.api.session.post(qbot.api.url("/chat/conversation/idle"),
                                     json=step_body("idle", 7, "echo", {"count": 3, "delay": 0.4})) as resp:
        parser = await read_sse(resp)
    assert parser.comments.count("ping") >= 3
    assert parser.events[-1].data["state"] == "completed"


async def test_handler_failure_ends_with_error_and_done(echo_plugin, start_qbot):
    qbot = await start_qbot()
    await qbot.api.flow("fails")  # completed
    status, events, _ = await qbot.api.step("fails", 7, "echo", {"count": 2, "fail": True})
    assert status == 200
    assert [e.event for e in events[-2:]] == ["error", "done"]
    # The examiner is told which handler failed and where the details are; the exception's own
    # text (paths, SQL, internals) stays in the server log.
    assert events[-2].data["code"] == "handler_failed"
    assert events[-2].data["message"].startswith("echo failed (RuntimeError)")
    assert events[0].data["turn_id"] in events[-2].data["message"]
    assert "asked to fail" not in events[-2].data["message"]
    assert events[-1].data["state"] == "failed" and events[-1].data["expect"] == [-1, 7]
    status, conv = await qbot.api.get_json("/chat/conversation/fails")
    assert conv["state"] == "completed" and conv["last_outcome"] == "failed"  # the state was left as it was


async def test_conversation_get_list_delete(qbot):
    await qbot.api.flow("listed-1")
    await qbot.api.step("listed-2", -1, SEED_QUESTION)
    status, conv = await qbot.api.get_json("/chat/conversation/listed-2")
    assert status == 200 and conv["state"] == "awaiting_start" and conv["expect"] == [0, -1]
    assert [t["handler"] for t in conv["turns"]] == ["question"]
    status, conv = await qbot.api.get_json("/chat/conversation/listed-1")
    assert [t["state"] for t in conv["turns"]] == ["awaiting_start", "awaiting_filter", "completed"]
    assert conv["pending_form"]["formName"] == "filter"

    status, page = await qbot.api.get_json("/chat/conversations?limit=1")
    assert [c["conversation_id"] for c in page["conversations"]] == ["listed-2"] and page["next"]
    status, page2 = await qbot.api.get_json(f"/chat/conversations?limit=1&before={quote(page['next'])}")
    assert [c["conversation_id"] for c in page2["conversations"]] == ["listed-1"]

    async with qbot.api.session.delete(qbot.api.url("/chat/conversation/listed-1")) as resp:
        assert resp.status == 200
    assert (await qbot.api.get_json("/chat/conversation/listed-1"))[0] == 404
    status, body, _ = await qbot.api.step("listed-1", -1, SEED_QUESTION)
    assert status == 409 and body["error"]["code"] == "conversation_deleted"


async def test_new_question_in_a_finished_conversation_continues_the_ids(qbot):
    turns = await qbot.api.flow("again")
    more = await qbot.api.flow("again")
    ids = [e.id for turn in turns + more for e in turn]
    assert ids == list(range(1, len(ids) + 1))
