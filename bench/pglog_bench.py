"""The PostgreSQL log alone, without HTTP: T turns at once, each writing E events as a handler
does (append, wait for room), then its ending; prints events/s, transactions, events per
transaction and this process's CPU per event. Also the cost of ringing the doorbell inside the
writing transaction versus after it, which is why qbot rings after the commit.

    python bench/pglog_bench.py [--url postgresql://postgres@127.0.0.1:5432/postgres] [--turns 50] [--events 40]

It makes a database of its own on that server and drops it afterwards."""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qbot.pglog.log import PgLog
from tests.pglog_support import Heard, ending, message, turn_start


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def one_turn(log: PgLog, cid: str, events: int) -> None:
    start = turn_start(cid)
    turn = await log.start_turn(start, Heard())
    for n in range(2, events + 2):
        turn.append(message(start.turn_id, n, "x" * 80))
        await turn.room()
        await asyncio.sleep(0)  # a handler yields between events
    turn.end(ending(start.turn_id, events + 1))


async def turns(url: str, count: int, events: int) -> None:
    log = await PgLog.open(url)
    try:
        began, began_cpu, commits = time.perf_counter(), cpu(), log.commits
        await asyncio.gather(*(one_turn(log, f"bench-{uuid.uuid4().hex[:8]}", events) for _ in range(count)))
        await log._writer.flush()
        wall, used = time.perf_counter() - began, cpu() - began_cpu
        total = count * (events + 2)
        transactions = log.commits - commits + count  # the writer's, and one per start
        print(f"{count} turns x {events + 2} events: {total / wall:,.0f} events/s, {transactions} transactions "
              f"({total / transactions:.1f} events each), {used / total * 1e6:.1f} us CPU per event here")
    finally:
        await log.close()


async def notify_cost(url: str, rounds: int = 300, writers: int = 8) -> None:
    """Small transactions from `writers` connections at once, with a NOTIFY inside each or after."""
    conns = [await asyncpg.connect(url) for _ in range(writers)]
    try:
        await conns[0].execute("CREATE TABLE IF NOT EXISTS bench_notify (id bigint, data text)")
        for inside in (False, True):
            async def write(conn: asyncpg.Connection, base: int, inside: bool = inside) -> None:
                for n in range(rounds):
                    async with conn.transaction():
                        await conn.execute("INSERT INTO bench_notify VALUES ($1, $2)", base + n, "x" * 100)
                        if inside:
                            await conn.execute("SELECT pg_notify('bench', $1)", str(n))
                    if not inside:
                        await conn.execute("SELECT pg_notify('bench', $1)", str(n))

            began = time.perf_counter()
            await asyncio.gather(*(write(c, i * rounds) for i, c in enumerate(conns)))
            rate = writers * rounds / (time.perf_counter() - began)
            print(f"NOTIFY {'inside the transaction' if inside else 'after the commit'}: {rate:,.0f} commits/s "
                  f"from {writers} connections")
    finally:
        for c in conns:
            await c.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--events", type=int, default=40)
    args = parser.parse_args()
    admin = await asyncpg.connect(args.url)
    name = f"qbot_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = urlunsplit(urlsplit(args.url)._replace(path=f"/{name}"))
        await turns(url, args.turns, args.events)
        await notify_cost(url)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
