"""Connecting to the PostgreSQL log: the pool, this process's instance id, and what to say when
the database cannot be reached."""

from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from qbot.pglog import LogUnreachable

# The database is away (down, restarting, unreachable), as opposed to refusing one statement.
UNAVAILABLE = (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
               asyncpg.exceptions.OperatorInterventionError)

POOL_SIZE = 8
COMMAND_TIMEOUT = 10.0  # seconds: a database that stops answering fails writes, it does not hang turns
CONNECT_TIMEOUT = 5.0


def instance_id() -> str:
    """Unique per process start: a restarted process never takes an old turn for its own."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def shown(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def unreachable(url: str, exc: BaseException) -> LogUnreachable:
    reason = str(exc).strip() or type(exc).__name__
    return LogUnreachable(f"cannot use the PostgreSQL log at {shown(url)} (log.url): {reason}; start the database "
                          "or correct log.url (QBOT_LOG_URL), or leave it empty for the SQLite log in data_dir")


async def _no_reset(_conn: asyncpg.Connection) -> None:
    """qbot's pooled connections set no session state, take no lock, LISTEN to nothing and keep no
    cursor open, so the pool's reset on release (a round trip each time) has nothing to undo."""


async def open_pool(url: str, size: int = POOL_SIZE) -> asyncpg.Pool:
    """A pool of connections; each statement is prepared once per connection (PgBouncer in
    transaction mode needs `max_prepared_statements` for that, from 1.21 on)."""
    try:
        return await asyncpg.create_pool(url, min_size=1, max_size=size, command_timeout=COMMAND_TIMEOUT,
                                         timeout=CONNECT_TIMEOUT, reset=_no_reset)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as exc:
        raise unreachable(url, exc) from None


async def connect(url: str) -> asyncpg.Connection:
    """One connection of its own (LISTEN, verify)."""
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT, command_timeout=COMMAND_TIMEOUT,
                                     statement_cache_size=0)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as exc:
        raise unreachable(url, exc) from None


async def probe(url: str) -> None:
    """Connect once and bring the schema up to date, before any worker starts: an unreachable
    database is then one line and exit 2, not a traceback per worker."""
    from qbot.pglog.schema import migrate

    conn = await connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
