"""Faults inside a turn: a stop before the turn's task ever ran, and a log that refuses a write.
Every turn still ends once, in the log and on its streams, and ids never skip or repeat."""

from __future__ import annotations

import asyncio
import sqlite3

from qbot.appkeys import REGISTRY, RUNNER
from qbot.turn import Step
from tests.support import SseParser, read_sse, step_body


def fail_inserts(db, name: str, when: str) -> None:
    """Make the log refuse some event inserts, as a full or failing disk would."""
    conn = sqlite3.connect(db)
    try:
        conn.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON events WHEN {when} "
                     "BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
        conn.commit()
    finally:
        conn.close()


def heal(db, name: str) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(f"DROP TRIGGER {name}")
        conn.commit()
    finally:
        conn.close()


async def logged(qbot, cid: str) -> list:
    async with qbot.api.session.get(qbot.api.url(f"/chat/conversation/{cid}/events"),
                                    params={"last_event_id": "0"}) as resp:
        return (await read_sse(resp)).events


async def test_stop_before_the_turn_task_started(echo_plugin, start_qbot):
    qbot = await start_qbot()
    runner = qbot.app[RUNNER]
    step = Step(conversation_id="early-stop", registered=qbot.app[REGISTRY][7], question="echo", case_id="",
                package_nodes=[], form={"count": 3, "size": 3, "delay": 0.0, "fail": False}, request={})
    turn, _, _ = await runner.begin(step)
    turn.task.cancel()  # as a stop does, before the task's first step
    await asyncio.wait_for(turn.ended.wait(), 5)
    events = await logged(qbot, "early-stop")
    assert [e.event for e in events] == ["start", "done"] and events[-1].data["state"] == "cancelled"
    status, again, _ = await qbot.api.step("early-stop", 7, "echo", {"count": 1})
    assert status == 200 and again[0].id == 3 and again[-1].data["state"] == "completed"


async def test_a_refused_event_ends_the_turn_failed_without_gaps(echo_plugin, start_qbot):
    qbot = await start_qbot()
    fail_inserts(qbot.config.log_db, "refuse_third", "NEW.event = 'message' AND NEW.data LIKE '%\"2:%'")
    # A pause after each message, so each is committed (and shown) before the next is written.
    status, live, _ = await qbot.api.step("refused", 7, "echo", {"count": 5, "size": 3, "delay": 0.05})
    assert status == 200
    assert [e.event for e in live] == ["start", "message", "message", "error", "done"]
    assert [e.id for e in live] == [1, 2, 3, 4, 5]
    assert live[-2].data["code"] == "log_unavailable" and live[-1].data["state"] == "failed"
    assert [(e.id, e.event) for e in await logged(qbot, "refused")] == [(e.id, e.event) for e in live]


async def test_an_unrecordable_ending_is_sent_without_ids_and_closed_later(echo_plugin, start_qbot):
    qbot = await start_qbot()
    db = qbot.config.log_db
    fail_inserts(db, "refuse_done", "NEW.event = 'done'")
    async with qbot.api.session.post(qbot.api.url("/chat/conversation/no-done"),
                                     json=step_body("no-done", 7, "echo", {"count": 2, "size": 3})) as resp:
        raw = await resp.text()
    parser = SseParser()
    parser.feed(raw.encode())
    first = parser.events
    # The stream still ends with an error and a done, but marked unrecorded and without `id:`
    # lines: nothing a client saw with an id is missing from the log.
    assert [e.event for e in first] == ["start", "message", "message", "error", "done"]
    assert [e.data.get("recorded") for e in first[-2:]] == [False, False]
    assert first[-2].data["code"] == "log_unavailable" and first[-1].data["state"] == "failed"
    frames = [frame for frame in raw.split("\n\n") if frame.strip()]
    assert [frame.startswith("id: ") for frame in frames] == [True, True, True, False, False]
    assert "no-done" not in qbot.app[RUNNER].running
    heal(db, "refuse_done")

    status, second, _ = await qbot.api.step("no-done", 7, "echo", {"count": 1})
    assert status == 200 and second[0].id == first[2].id + 3  # the log closed the turn first
    events = await logged(qbot, "no-done")
    assert [e.event for e in events] == ["start", "message", "message", "error", "done",
                                         "start", "message", "done"]
    assert events[3].data["code"] == "turn_interrupted" and events[4].data["state"] == "failed"
    assert [e.id for e in events] == list(range(1, 9))


async def test_a_locked_log_is_waited_for(echo_plugin, start_qbot):
    """Another process holding the log's write lock (a backup, `qbot verify` on a busy disk):
    the writer waits (busy timeout) and the turn completes once the lock is released."""
    qbot = await start_qbot()
    conn = sqlite3.connect(qbot.config.log_db, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")  # the write lock
        step = asyncio.create_task(qbot.api.step("locked", 7, "echo", {"count": 3}))
        await asyncio.sleep(1.0)
        assert not step.done()  # its start cannot be recorded yet, so no stream has opened
        conn.execute("COMMIT")
    finally:
        conn.close()
    status, events, _ = await asyncio.wait_for(step, 10)
    assert status == 200 and events[-1].data["state"] == "completed"
    assert [e.id for e in events] == [1, 2, 3, 4, 5]


async def test_a_stop_while_the_ending_is_written_does_not_lose_it(echo_plugin, start_qbot):
    """The ending is being recorded (slowly: another process holds the log's write lock) when a
    stop arrives: the turn still ends once, as it was ending, and the stop waits for it."""
    qbot = await start_qbot()
    runner = qbot.app[RUNNER]
    step = asyncio.create_task(qbot.api.step("late-stop", 7, "echo", {"count": 2, "delay": 0.3}))
    while "late-stop" not in runner.running:
        await asyncio.sleep(0.01)
    turn = runner.running["late-stop"]
    conn = sqlite3.connect(qbot.config.log_db, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")  # the write lock, while the handler still sleeps
        while not turn.finishing:
            await asyncio.sleep(0.01)
        stop = asyncio.create_task(runner.cancel("late-stop"))
        await asyncio.sleep(0.3)
        assert not stop.done()  # it waits for the ending, which waits for the log
        conn.execute("COMMIT")
    finally:
        conn.close()
    await asyncio.wait_for(stop, 10)
    status, events, _ = await asyncio.wait_for(step, 10)
    assert events[-1].event == "done" and events[-1].data["state"] == "completed"
    assert [e.event for e in await logged(qbot, "late-stop")] == ["start", "message", "message", "done"]


async def test_a_stop_while_the_ending_is_retried_still_ends_the_turn(echo_plugin, start_qbot):
    """The log refuses the ending, and a stop arrives while the ending is being retried: the
    retries run their course and the turn ends (its streams get the unrecorded ending), so the
    stop returns instead of waiting forever."""
    qbot = await start_qbot()
    runner = qbot.app[RUNNER]
    fail_inserts(qbot.config.log_db, "refuse_done", "NEW.event = 'done'")
    step = asyncio.create_task(qbot.api.step("retried", 7, "echo", {"count": 1}))
    while "retried" not in runner.running or not runner.running["retried"].finishing:
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.1)  # inside the retries' pauses
    await asyncio.wait_for(runner.cancel("retried"), 10)
    status, events, _ = await asyncio.wait_for(step, 10)
    assert [(e.event, e.data.get("recorded")) for e in events] == [
        ("start", None), ("message", None), ("error", False), ("done", False)]
    assert "retried" not in runner.running
