"""The log's grouped writer: many writes share one transaction, and one bad write does not take
the others down with it."""

from __future__ import annotations

import sqlite3

import pytest

from qbot import backlog
from qbot.events import Event
from qbot.logapi import LogError
from qbot.sqlitelog.log import SqliteLog
from qbot.sqlitelog.queue import Write

NEW_CONVERSATION = ("INSERT INTO conversations (id, state, created_at, updated_at) VALUES (?, 'new', 't', 't')")
NEW_TURN = ("INSERT INTO turns (id, conversation_id, confirm_type, handler, question, request, state, "
            "first_event_id, started_at) VALUES (?, ?, -1, 'question', 'q', '{}', 'running', 1, 't')")


@pytest.fixture
async def log(tmp_path):
    opened = await SqliteLog.open(tmp_path / "qbot.db")
    yield opened
    await opened.close()


def rows(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def test_one_batch_keeps_parents_before_children(log, tmp_path, monkeypatch):
    await log.queue.write(Write(statements=[(NEW_CONVERSATION, ("old",))]))
    committed, retried = [], []
    commit_alone = log.queue._commit_alone

    async def record_retry(write):
        retried.append(write)
        await commit_alone(write)

    monkeypatch.setattr(log.queue, "_commit_alone", record_retry)  # the batch must not need a retry
    # Queued together, so they share a transaction: a turn of an existing conversation first,
    # then a new conversation with its turn. The new conversation's row must exist first.
    log.queue.submit(Write("old", [Event(1, "start", "{}", "t1")], [(NEW_TURN, ("t1", "old"))],
                     on_commit=lambda: committed.append("t1")))
    await log.queue.write(Write("new", [Event(1, "start", "{}", "t2")],
                          [(NEW_CONVERSATION, ("new",)), (NEW_TURN, ("t2", "new"))],
                          on_commit=lambda: committed.append("t2")))
    assert committed == ["t1", "t2"] and retried == []
    assert rows(tmp_path / "qbot.db", "SELECT id FROM turns ORDER BY id") == [("t1",), ("t2",)]


async def test_a_failing_write_fails_alone(log, tmp_path):
    await log.queue.write(Write(statements=[(NEW_CONVERSATION, ("c",))]))
    outcome = {}
    for n in (1, 2, 3):
        log.queue.submit(Write("c", [Event(n, "message", "{}", "t")], on_commit=lambda n=n: outcome.setdefault(n, "ok"),
                         on_error=lambda exc, n=n: outcome.setdefault(n, exc)))
    duplicate = Write("c", [Event(2, "message", "{}", "t")])  # id 2 again: the primary key refuses it
    with pytest.raises(LogError, match="UNIQUE constraint failed"):
        await log.queue.write(duplicate)
    assert outcome == {1: "ok", 2: "ok", 3: "ok"}
    assert rows(tmp_path / "qbot.db", "SELECT id FROM events ORDER BY id") == [(1,), (2,), (3,)]


async def test_producers_wait_while_the_writer_is_far_behind(log, tmp_path, monkeypatch):
    """A handler that yields faster than the disk takes is made to wait, however its events are
    grouped into writes: what is queued stays bounded."""
    monkeypatch.setattr(backlog, "HIGH_WATER", 100)
    await log.queue.write(Write(statements=[(NEW_CONVERSATION, ("fast",))]))
    writes: list[Write] = []
    most = 0
    for n in range(1, 1001):
        if not writes or writes[-1].taken:
            writes.append(Write("fast", [], []))
            log.queue.submit(writes[-1])
        log.queue.append(writes[-1], Event(n, "message", "{}", "t"))
        most = max(most, sum(len(w.events) for w in writes if not w.taken))
        await log.queue.room()
    await log.queue.flush()
    assert most <= 100 and log.queue.backlog == 0 and len(writes) >= 10
    assert rows(tmp_path / "qbot.db", "SELECT count(*), max(id) FROM events") == [(1000, 1000)]
