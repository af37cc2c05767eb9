"""One conversation's life, run against a conversation log implementation directly (no HTTP, no
runner): each backend of qbot.logapi runs this same test through its entry in BACKENDS.

A backend entry opens the log over the same storage as often as asked (a reopen is what a new
process sees after the old one died) and checks the stored hash chains."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import orjson
import pytest

from qbot.events import Event, dumps
from qbot.logapi import ConversationLog, ConversationRow, Interrupted, LogError, TurnEnding, TurnStart
from qbot.pglog.log import PgLog
from qbot.pglog.verify import check as check_pg
from qbot.sqlitelog.log import SqliteLog
from qbot.verify import check, connect_read_only


@dataclass
class Backend:
    open: Callable[[], Awaitable[ConversationLog]]
    verify: Callable[[], Awaitable[tuple[int, list]]]  # events checked, broken conversations


def sqlite_backend(tmp_path: Path) -> Backend:
    path = tmp_path / "qbot.db"

    async def verify() -> tuple[int, list]:
        conn = connect_read_only(path)
        try:
            report = check(conn)
        finally:
            conn.close()
        return report.events, report.broken

    return Backend(lambda: SqliteLog.open(path), verify)


def postgresql_backend(url: str) -> Backend:
    """A fresh database of the test's own (tests/pg.py); each open is another instance's."""

    async def verify() -> tuple[int, list]:
        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                report = await check_pg(conn)
        finally:
            await conn.close()
        return report.events, report.broken

    return Backend(lambda: PgLog.open(url), verify)


BACKENDS = {"sqlite": lambda request, tmp_path: sqlite_backend(tmp_path),
            "postgresql": lambda request, tmp_path: postgresql_backend(request.getfixturevalue("pg_url"))}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path) -> Backend:
    return BACKENDS[request.param](request, tmp_path)


@dataclass
class Heard:
    """A TurnListener that writes down what it is told, in order."""

    events: list[int] = field(default_factory=list)
    end: ConversationRow | None = None
    failures: list[LogError] = field(default_factory=list)
    ended: asyncio.Event = field(default_factory=asyncio.Event)

    def committed(self, events: list[Event]) -> None:
        self.events += [e.id for e in events]

    def end_committed(self, row: ConversationRow) -> None:
        self.end = row
        self.ended.set()

    def end_failed(self, error: LogError) -> None:
        self.failures.append(error)
        self.ended.set()

    def stop_requested(self) -> None:
        raise AssertionError("no one asks this scenario's turns to stop")


def event(event_id: int, name: str, turn: str, **data) -> Event:
    return Event(event_id, name, dumps(data), turn)


def start_of(cid: str, turn_id: str, first_id: int, owner: str = "ana", case_id: str = "case-1",
             closes: Interrupted | None = None, confirm_type: int = -1) -> TurnStart:
    return TurnStart(conversation_id=cid, turn_id=turn_id, owner=owner, case_id=case_id, confirm_type=confirm_type,
                     handler="question", question="谁的电话最多", request_json='{"question":"谁的电话最多"}',
                     events=[event(first_id, "start", turn_id, turn_id=turn_id)], title="谁的电话最多", closes=closes)


def interrupted(turn_id: str, first_id: int) -> Interrupted:
    return Interrupted(turn_id, [event(first_id, "error", turn_id, code="turn_interrupted"),
                                 event(first_id + 1, "done", turn_id, state="failed")])


async def ids_in(log: ConversationLog, cid: str) -> list[int]:
    return [e.id for e in await log.events_after(cid, 0, 1000, 1 << 20)]


async def test_a_conversation_from_first_question_to_a_crash_and_on(backend: Backend) -> None:
    log = await backend.open()
    try:
        # A first turn: the conversation is created with it, and its start heard once committed.
        heard = Heard()
        turn = await log.start_turn(start_of("c1", "t1", 1), heard)
        assert heard.events == [1] and await ids_in(log, "c1") == [1]
        row = await log.conversation("c1")
        assert (row.owner, row.case_id, row.state, row.running_turn, row.last_event_id, row.title) == (
            "ana", "case-1", "new", "t1", 1, "谁的电话最多")
        assert not row.running_elsewhere

        # Its events are heard only once the log holds them, in order.
        for n in (2, 3, 4):
            turn.append(event(n, "message", "t1", delta=f"第{n}段"))
        await turn.room()
        turn.end(TurnEnding("awaiting_start", [event(5, "done", "t1", state="awaiting_start")],
                            state="awaiting_start", pending_json=dumps({"plan": "按联系人排名"})))
        await asyncio.wait_for(heard.ended.wait(), 10)
        assert heard.events == [1, 2, 3, 4, 5] and not heard.failures
        assert (heard.end.state, heard.end.running_turn, heard.end.last_event_id) == ("awaiting_start", None, 5)
        row = await log.conversation("c1")
        assert (row.state, row.last_outcome, row.pending, row.running_turn) == (
            "awaiting_start", "awaiting_start", {"plan": "按联系人排名"}, None)
        assert await ids_in(log, "c1") == [1, 2, 3, 4, 5]

        # A second turn goes on from the next id, and is left running: the process dies.
        second = Heard()
        turn = await log.start_turn(start_of("c1", "t2", 6, confirm_type=0), second)
        turn.append(event(7, "message", "t2", delta="开始"))
        await asyncio.sleep(0)
    finally:
        await log.close()

    log = await backend.open()  # what the next process finds
    try:
        assert await log.interrupted_turns() == [("c1", "t2")]
        row = await log.conversation("c1")
        assert row.running_turn == "t2" and row.last_event_id == 7 and not row.running_elsewhere
        await log.close_interrupted("c1", interrupted("t2", 8))
        assert await log.interrupted_turns() == []
        row = await log.conversation("c1")
        assert (row.state, row.last_outcome, row.running_turn, row.last_event_id) == ("awaiting_start", "failed",
                                                                                      None, 9)
        # The conversation goes on; a turn found running when the next one starts is closed by it.
        third = Heard()
        await log.start_turn(start_of("c1", "t3", 10, confirm_type=0), third)
    finally:
        await log.close()

    log = await backend.open()
    try:
        fourth = Heard()
        turn = await log.start_turn(start_of("c1", "t4", 13, confirm_type=0, closes=interrupted("t3", 11)), fourth)
        assert fourth.events == [13]  # the closing events are not the new turn's
        turn.end(TurnEnding("failed", [event(14, "error", "t4", code="handler_failed"),
                                       event(15, "done", "t4", state="failed")]))
        await asyncio.wait_for(fourth.ended.wait(), 10)
        row = await log.conversation("c1")
        assert (row.state, row.last_outcome, row.pending, row.last_event_id) == (
            "awaiting_start", "failed", {"plan": "按联系人排名"}, 15)  # a failed turn keeps what was carried
        assert await ids_in(log, "c1") == list(range(1, 16))
        turns = await log.turns("c1")
        assert [(t.id, t.state, t.first_event_id, t.last_event_id) for t in turns] == [
            ("t1", "awaiting_start", 1, 5), ("t2", "failed", 6, 9), ("t3", "failed", 10, 12),
            ("t4", "failed", 13, 15)]
        assert turns[0].request == {"question": "谁的电话最多"} and turns[1].confirm_type == 0

        # Reading: one event, the ids of one kind, pages that stop at a size.
        assert orjson.loads((await log.event("c1", 4)).data) == {"delta": "第4段"}
        assert await log.event("c1", 99) is None and await log.event("nope", 1) is None
        assert await log.event_ids("c1", "start") == [1, 6, 10, 13]
        assert await log.event_ids("c1", "start", limit=2) == [10, 13]
        page = await log.events_after("c1", 1, 100, 1)
        assert [e.id for e in page] == [2]  # always at least one event
        assert [e.id for e in await log.events_after("c1", 10, 2, 1 << 20)] == [11, 12]
    finally:
        await log.close()

    events, broken = await backend.verify()
    assert events == 15 and broken == []


async def test_listing_renaming_and_deleting(backend: Backend) -> None:
    log = await backend.open()
    try:
        for n, (cid, owner, case_id) in enumerate([("a", "ana", "k1"), ("b", "ana", "k2"), ("c", "bo", "k1"),
                                                   ("d", "ana", "k1")]):
            heard = Heard()
            turn = await log.start_turn(start_of(cid, f"t{n}", 1, owner=owner, case_id=case_id), heard)
            turn.end(TurnEnding("completed", [event(2, "done", f"t{n}", state="completed")], state="completed"))
            await asyncio.wait_for(heard.ended.wait(), 10)
            await asyncio.sleep(0.002)  # distinct updated_at
        mine = await log.conversations(10, owner="ana")
        assert [c.id for c in mine] == ["d", "b", "a"]  # newest first, only the owner's
        assert [c.id for c in await log.conversations(10, owner="ana", case_id="k1")] == ["d", "a"]
        first = await log.conversations(2, owner="ana")
        cursor = f"{first[-1].updated_at}|{first[-1].id}"
        assert [c.id for c in await log.conversations(2, cursor, owner="ana")] == ["a"]

        before = await log.conversation("a")
        await log.rename("a", "张三的通话")
        renamed = await log.conversation("a")
        assert renamed.title == "张三的通话" and renamed.updated_at == before.updated_at  # a title is no activity

        await log.delete("b")
        assert (await log.conversation("b")).deleted
        assert [c.id for c in await log.conversations(10, owner="ana")] == ["d", "a"]
        assert await ids_in(log, "b") == [1, 2]  # its events stay: the audit trail
        assert await log.conversation("zz") is None
    finally:
        await log.close()
    log = await backend.open()
    try:  # all of it was committed, not only kept in memory
        assert (await log.conversation("a")).title == "张三的通话" and (await log.conversation("b")).deleted
    finally:
        await log.close()


async def test_a_rename_during_a_turn_survives_its_ending(backend: Backend) -> None:
    log = await backend.open()
    try:
        heard = Heard()
        turn = await log.start_turn(start_of("r", "t1", 1), heard)
        await log.rename("r", "新标题")
        turn.end(TurnEnding("completed", [event(2, "done", "t1", state="completed")], state="completed"))
        await asyncio.wait_for(heard.ended.wait(), 10)
        assert heard.end.title == "新标题" and (await log.conversation("r")).title == "新标题"
    finally:
        await log.close()
