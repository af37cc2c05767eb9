"""`qbot verify` on the PostgreSQL log: the same check as on SQLite (`qbot.verify.Checker`), in
one read-only REPEATABLE READ transaction, so the whole check sees one state of the log while
instances keep writing; it changes nothing."""

from __future__ import annotations

import sys
from typing import TextIO

import asyncpg

from qbot.pglog.connect import connect
from qbot.pglog.schema import MIGRATIONS
from qbot.verify import Checker, NotVerifiable, Report, print_report

PAGE = 5000

_TURN_LASTS = ("SELECT t.conversation_id, max(coalesce(t.last_event_id, t.first_event_id)),"
               " (SELECT max(id) FROM events e WHERE e.conversation_id = t.conversation_id)"
               " FROM turns t GROUP BY t.conversation_id ORDER BY t.conversation_id")


async def check(conn: asyncpg.Connection) -> Report:
    """Every conversation's chain, read in pages by the primary key; call inside a transaction."""
    try:
        version = await conn.fetchval("SELECT version FROM qbot_schema_version WHERE migration_set = $1",
                                      MIGRATIONS)
    except asyncpg.UndefinedTableError:
        version = None
    if not version:
        raise NotVerifiable("the database of log.url holds no qbot log (no qbot_schema_version); start qbot "
                            "on it once, or check log.url")
    checker = Checker()
    last: tuple[str, int] = ("", 0)
    while True:
        page = await conn.fetch("SELECT conversation_id, id, turn_id, event, data, created_at, hash FROM events "
                                "WHERE (conversation_id, id) > ($1, $2) ORDER BY conversation_id, id LIMIT $3",
                                last[0], last[1], PAGE)
        for row in page:
            checker.feed(*row)
        if len(page) < PAGE:
            break
        last = (page[-1][0], page[-1][1])
    return checker.finish([tuple(r) for r in await conn.fetch(_TURN_LASTS)])


async def verify(url: str, out: TextIO = sys.stdout, heads: bool = False) -> int:
    """Print one line per broken conversation and a summary; the exit status."""
    conn = await connect(url)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            report = await check(conn)
    finally:
        await conn.close()
    return print_report(report, out, heads)
