"""The PostgreSQL log against a real server, a fresh database per test: a turn's life, group
commit, a failing write failing alone, gapless chained ids, the claim and its lease between two
instances (two logs on one database), the doorbell and a stop across them."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys

import asyncpg
import pytest

from qbot.domain_errors import ConversationBusy
from qbot.events import Event
from qbot.logapi import LogError
from qbot.migrate import MigrationError, load_migrations
from qbot.pglog.follow import follow
from qbot.pglog.log import PgLog
from qbot.pglog.schema import migrate
from qbot.pglog.verify import check
from tests.pglog_support import Heard, ending, interrupted, message, turn_start
from tests.tcpcut import Cuttable
from tests.test_process import ROOT, qbot_env
from tests.test_turns import wait_until


@pytest.fixture
def open_log(open_pg_log):
    return open_pg_log


async def verified(url: str):
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            return await check(conn)
    finally:
        await conn.close()


async def test_a_turn_is_recorded_heard_after_its_commit_and_read_back(open_log, pg_url):
    log = await open_log()
    heard = Heard()
    start = turn_start("c1")
    turn = await log.start_turn(start, heard)
    assert [e.id for e in heard.events] == [1]
    assert turn.row.running_turn == start.turn_id and turn.row.last_event_id == 1 and turn.row.title == "a title"
    row = await log.conversation("c1")
    assert row.running_turn == start.turn_id and not row.running_elsewhere and row.state == "new"
    for n in (2, 3, 4):
        turn.append(message(start.turn_id, n, f"part {n}"))
    turn.end(ending(start.turn_id, 4))
    await log._writer.flush()
    assert [e.id for e in heard.events] == [1, 2, 3, 4, 5]
    assert turn.committed_id == 5 and heard.failures == []
    (ended,) = heard.rows
    assert (ended.state, ended.last_outcome, ended.pending_json, ended.running_turn, ended.last_event_id) == \
        ("awaiting_start", "awaiting_start", '{"plan": 1}', None, 5)
    assert ended == await log.conversation("c1")
    page = await log.events_after("c1", 1, limit=10, max_bytes=10_000)
    assert [(e.id, e.event) for e in page] == [(2, "message"), (3, "message"), (4, "message"), (5, "done")]
    assert [e.id for e in await log.events_after("c1", 0, limit=10, max_bytes=1)] == [1]  # always the first
    assert (await log.event("c1", 3)).data == '{"delta":"part 3"}'
    assert await log.event_ids("c1", "message", limit=2) == [3, 4]
    (t,) = await log.turns("c1")
    assert (t.state, t.first_event_id, t.last_event_id, t.request) == ("awaiting_start", 1, 5, {"confirm_type": -1})
    report = await verified(pg_url)
    assert report.ok and (report.conversations, report.events) == (1, 5)


async def test_many_turns_share_one_commit(open_log):
    log = await open_log()
    turns = [(s, await log.start_turn(s, Heard())) for s in (turn_start(f"g{n}") for n in range(20))]
    commits = log.commits
    for start, turn in turns:  # queued without yielding to the writer: one batch
        for n in (2, 3, 4):
            turn.append(message(start.turn_id, n))
        turn.end(ending(start.turn_id, 4))
    await log._writer.flush()
    assert log.commits == commits + 1
    assert all(turn.committed_id == 5 for _, turn in turns)


async def test_a_failing_write_fails_alone_and_its_turn_ends_after_its_last_recorded_event(open_log, pg_url):
    log = await open_log()
    starts = [turn_start(cid) for cid in ("ok1", "bad", "ok2")]
    heard = {s.conversation_id: Heard() for s in starts}
    turns = {s.conversation_id: await log.start_turn(s, heard[s.conversation_id]) for s in starts}
    for s in starts:
        turn = turns[s.conversation_id]
        # PostgreSQL text cannot hold NUL: that insert, and only it, is refused by the database.
        data = '{"delta":"\x00"}' if s.conversation_id == "bad" else '{"delta":"fine"}'
        turn.append(Event(2, "message", data, s.turn_id))
        turn.end(ending(s.turn_id, 2))
    await log._writer.flush()
    for cid in ("ok1", "ok2"):
        assert [e.id for e in heard[cid].events] == [1, 2, 3] and len(heard[cid].rows) == 1
    bad = turns["bad"]
    assert isinstance(bad.failure, LogError) and bad.committed_id == 1
    assert [e.id for e in heard["bad"].events] == [1]
    assert "earlier write of its turn failed" in str(heard["bad"].failures[0])  # the ending queued before: dropped
    with pytest.raises(LogError):
        bad.append(message(starts[1].turn_id, 3))
    bad.end(ending(starts[1].turn_id, bad.committed_id, outcome="failed"))  # renumbered after the last recorded
    await log._writer.flush()
    assert [e.id for e in heard["bad"].events] == [1, 2] and heard["bad"].rows[0].last_outcome == "failed"
    assert (await verified(pg_url)).ok


async def test_ids_that_do_not_follow_the_last_event_are_refused(open_log):
    log = await open_log()
    start = turn_start("gap")
    turn = await log.start_turn(start, heard := Heard())
    turn.append(message(start.turn_id, 3))  # 2 skipped
    await log._writer.flush()
    assert "does not follow the conversation's last event, 1" in str(turn.failure)
    assert [e.id for e in heard.events] == [1] and await log.events_after("gap", 1, 10, 10_000) == []


async def test_a_conversation_running_on_another_instance_is_busy_there(open_log):
    a, b = await open_log(), await open_log()
    start = turn_start("shared")
    turn = await a.start_turn(start, Heard())
    assert (await b.conversation("shared")).running_elsewhere
    assert not (await a.conversation("shared")).running_elsewhere
    with pytest.raises(ConversationBusy, match="conversation shared has a turn running on another instance"):
        await b.start_turn(turn_start("shared", after=1), Heard())
    # Nor can b close it as interrupted while its lease is live.
    assert await b.interrupted_turns() == []
    with pytest.raises(ConversationBusy):
        await b.close_interrupted("shared", interrupted(start.turn_id, 1))
    turn.end(ending(start.turn_id, 1))
    await a._writer.flush()
    nxt = turn_start("shared", after=2)
    await b.start_turn(nxt, Heard())  # ended: b claims it
    assert (await a.conversation("shared")).running_elsewhere


async def test_two_instances_starting_at_once_one_claims_the_other_is_busy(open_log):
    a, b = await open_log(), await open_log()
    results = await asyncio.gather(a.start_turn(turn_start("race"), Heard()),
                                   b.start_turn(turn_start("race"), Heard()), return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["ConversationBusy", "PgTurnLog"]
    assert len(await a.turns("race")) == 1


class Holder:
    """Another instance in a process of its own, holding a turn (tests/pglog_holder.py)."""

    def __init__(self, url: str, cid: str, lease: float) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.pglog_holder", url, cid, str(lease)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                     env=qbot_env())
        self.turn_id = self.read().removeprefix("started ")

    def read(self) -> str:
        line = self.proc.stdout.readline()
        assert line, f"the holder exited: {self.proc.wait(10)}"
        return line.strip()

    async def send(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return await asyncio.to_thread(self.read)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        self.proc.stdin.close()
        self.proc.stdout.close()


@pytest.fixture
def holders():
    started: list[Holder] = []

    def start(url: str, cid: str, lease: float) -> Holder:
        started.append(Holder(url, cid, lease))
        return started[-1]

    yield start
    for holder in started:
        if not holder.proc.stdout.closed:
            holder.proc.send_signal(signal.SIGCONT)
            holder.kill()


async def test_a_killed_instance_s_turn_is_interrupted_once_its_lease_lapses(open_log, holders, pg_url):
    holder = holders(pg_url, "lapse", 1.0)
    b = await open_log(lease_seconds=1.0)
    assert await holder.send("append") == "appended 2"
    await asyncio.sleep(2.2)  # two leases: renewed while it lives
    assert await b.interrupted_turns() == [] and (await b.conversation("lapse")).running_elsewhere
    with pytest.raises(ConversationBusy):
        await b.start_turn(turn_start("lapse", after=2), Heard())
    holder.kill()
    await asyncio.sleep(1.4)
    assert await b.interrupted_turns() == [("lapse", holder.turn_id)]
    row = await b.conversation("lapse")
    assert row.running_turn == holder.turn_id and not row.running_elsewhere
    nxt = turn_start("lapse", after=2, closes=interrupted(holder.turn_id, 2))
    await b.start_turn(nxt, Heard())  # closes it in the same commit
    assert [(t.id, t.state) for t in await b.turns("lapse")] == [(holder.turn_id, "failed"), (nxt.turn_id, "running")]
    assert [e.event for e in await b.events_after("lapse", 0, 10, 10_000)] == \
        ["start", "message", "error", "done", "start"]
    assert (await verified(pg_url)).ok


async def test_an_instance_that_lost_its_lease_cannot_write_after_the_one_that_closed_its_turn(
        open_log, holders, pg_url):
    holder = holders(pg_url, "fence", 1.0)
    b = await open_log(lease_seconds=1.0)
    holder.proc.send_signal(signal.SIGSTOP)  # hangs: no renewal
    await asyncio.sleep(1.5)
    nxt = turn_start("fence", after=1, closes=interrupted(holder.turn_id, 1))
    await b.start_turn(nxt, Heard())
    holder.proc.send_signal(signal.SIGCONT)
    reply = await holder.send("append")
    assert reply.startswith("failed") and "no longer holds the turn" in reply, reply
    assert [e.id for e in await b.events_after("fence", 0, 10, 10_000)] == [1, 2, 3, 4]
    assert (await verified(pg_url)).ok


async def test_close_interrupted_closes_once_whoever_tries(open_log, holders, pg_url):
    holder = holders(pg_url, "sweep", 0.3)
    holder.kill()
    a, b = await open_log(lease_seconds=0.3), await open_log(lease_seconds=0.3)
    await asyncio.sleep(0.5)
    closes = interrupted(holder.turn_id, 1)
    await asyncio.gather(a.close_interrupted("sweep", closes), b.close_interrupted("sweep", closes))
    assert [e.event for e in await b.events_after("sweep", 0, 10, 10_000)] == ["start", "error", "done"]
    row = await b.conversation("sweep")
    assert row.running_turn is None and row.last_outcome == "failed"


async def test_the_doorbell_rings_elsewhere_only_while_someone_there_follows(open_log):
    a, b = await open_log(), await open_log()
    rings: list[tuple[str, int]] = []
    b.doorbell.listen(lambda cid, last: rings.append((cid, last)))
    start = turn_start("bell")
    turn = await a.start_turn(start, Heard())
    turn.append(message(start.turn_id, 2))
    await a._writer.flush()
    await asyncio.sleep(0.2)
    assert rings == [] and a.doorbell.rung == 0  # nobody follows: no NOTIFY at all
    async with b.watching("bell"):
        turn.append(message(start.turn_id, 3))
        await a._writer.flush()
        await wait_until(lambda: rings, timeout=1.0)
        assert rings == [("bell", 3)]
        assert [e.id for e in await b.events_after("bell", 2, 10, 10_000)] == [3]  # committed before the ring


async def test_a_stop_asked_on_another_instance_reaches_the_owner(open_log):
    a, b = await open_log(), await open_log()
    start = turn_start("stop")
    heard = Heard()
    turn = await a.start_turn(start, heard)
    assert await b.request_stop("stop") == start.turn_id
    await asyncio.wait_for(heard.stops.wait(), 5)  # by the ring, long before the next renewal
    assert turn.stopping
    assert await b.request_stop("nothing-runs") is None


async def test_migrations_run_once_when_instances_start_together_and_a_newer_schema_is_refused(pg_url):
    conns = [await asyncpg.connect(pg_url) for _ in range(3)]
    try:
        latest = len(load_migrations("pglog"))
        assert await asyncio.gather(*(migrate(c) for c in conns)) == [latest] * 3
        await conns[0].execute("UPDATE qbot_schema_version SET version = 99")
        with pytest.raises(MigrationError, match="schema version 99, newer than this qbot knows"):
            await migrate(conns[1])
    finally:
        for c in conns:
            await c.close()


async def test_events_cannot_be_changed_or_removed(open_log, pg_url):
    log = await open_log()
    await log.start_turn(turn_start("ro"), Heard())
    conn = await asyncpg.connect(pg_url)
    try:
        for sql in ("UPDATE events SET data = '{}'", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(asyncpg.RaiseError, match="events are append-only"):
                await conn.execute(sql)
    finally:
        await conn.close()


async def test_a_follower_on_another_instance_reads_each_commit_when_the_doorbell_rings(open_log):
    a, b = await open_log(), await open_log()
    start = turn_start("followed")
    turn = await a.start_turn(start, Heard())
    pages: list[tuple[list[int], float]] = []
    loop = asyncio.get_running_loop()

    async def follower() -> None:
        # A poll longer than the test: only the doorbell can wake it in time.
        async for page in follow(b, "followed", after=0, poll=60):
            pages.append(([e.id for e in page], loop.time()))

    task = asyncio.create_task(follower())
    await wait_until(lambda: pages, timeout=1.0)
    assert pages[0][0] == [1]
    committed_at = []
    for n in (2, 3):
        turn.append(message(start.turn_id, n))
        await a._writer.flush()
        committed_at.append(loop.time())
        await asyncio.sleep(0.3)
    turn.end(ending(start.turn_id, 3))
    await a._writer.flush()
    await asyncio.wait_for(task, 5)
    assert [ids for ids, _ in pages] == [[1], [2], [3], [4]]
    assert all(at - committed < 1.0 for (_, at), committed in zip(pages[1:], committed_at, strict=False))
    assert a.doorbell.rung == 3  # one ring per commit while b followed, none before


async def test_the_database_going_away_fails_the_turn_s_writes_and_the_log_recovers_when_it_is_back(pg_url):
    relay = Cuttable(pg_url)
    await relay.start()
    log = await PgLog.open(relay.url)
    try:
        start = turn_start("outage")
        turn = await log.start_turn(start, heard := Heard())
        await relay.cut()
        turn.append(message(start.turn_id, 2))
        turn.end(ending(start.turn_id, 2))
        await asyncio.wait_for(log._writer.flush(), 30)
        assert "unavailable" in str(turn.failure) or "could not be written" in str(turn.failure)
        assert heard.failures and [e.id for e in heard.events] == [1]  # nothing unrecorded was heard
        with pytest.raises(LogError):
            await log.start_turn(turn_start("elsewhere"), Heard())
        await relay.restore()
        # The next step closes the turn it left running and goes on.
        nxt = turn_start("outage", after=1, closes=interrupted(start.turn_id, 1))
        await log.start_turn(nxt, Heard())
        assert [e.event for e in await log.events_after("outage", 0, 10, 10_000)] == ["start", "error", "done", "start"]
        assert start.turn_id not in log._running
    finally:
        await log.close()
        await relay.cut()


async def test_an_instance_closing_with_a_turn_left_running_lets_another_close_it_at_once(pg_url, open_log):
    a = await PgLog.open(pg_url)
    start = turn_start("left")
    await a.start_turn(start, Heard())
    b = await open_log()
    assert await b.interrupted_turns() == []  # live: its lease runs 15 s
    await a.close()
    assert await b.interrupted_turns() == [("left", start.turn_id)]


async def test_the_doorbell_listens_again_after_its_connection_was_lost(pg_url, open_log):
    relay = Cuttable(pg_url)
    await relay.start()
    listener = await PgLog.open(relay.url)
    try:
        rings: list[tuple[str, int]] = []
        listener.doorbell.listen(lambda cid, last: rings.append((cid, last)))
        await relay.cut()
        await relay.restore()
        owner = await open_log()
        start = turn_start("deaf")
        turn = await owner.start_turn(start, Heard())
        await asyncio.sleep(1.5)  # the doorbell's pause before it listens again
        async with listener.watching("deaf"):
            turn.append(message(start.turn_id, 2))
            await owner._writer.flush()
            await wait_until(lambda: rings, timeout=2.0)
        assert rings == [("deaf", 2)]
    finally:
        await listener.close()
        await relay.cut()
