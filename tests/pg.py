"""A fresh PostgreSQL database for each test that asks for one, on the server of
QBOT_TEST_PG_URL (default: the machine's own, 127.0.0.1:5432, as `.ci/run` starts it), dropped
after the test. A machine without the server skips those tests, or fails them with
REQUIRE_ALL_TESTS=1."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from tests.support import cannot_run_here

ADMIN_URL = os.environ.get("QBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """The URL of an empty database of this test's own."""
    try:
        admin = await asyncpg.connect(ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        cannot_run_here(f"no PostgreSQL server at {ADMIN_URL} ({exc})")
    name = f"qbot_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')  # a name of ours: identifiers cannot be parameters
        yield database_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def open_pg_log(pg_url: str):
    """Open PostgreSQL logs on the test's database (several: instances sharing it); closed after."""
    from qbot.pglog.log import PgLog

    logs: list[PgLog] = []

    async def opener(lease_seconds: float = 15.0) -> PgLog:
        logs.append(await PgLog.open(pg_url, lease_seconds=lease_seconds))
        return logs[-1]

    yield opener
    for log in logs:
        await log.close()
