"""The PostgreSQL log's numbered migrations (`migrations/pglog/NNNN_what.sql`), applied in one
transaction that records the version in `qbot_schema_version`. Several processes starting at
once (`qbot serve --workers N`) take turns on a table lock, held to the end of the transaction."""

from __future__ import annotations

import asyncpg

from qbot.migrate import MigrationError, load_migrations

MIGRATIONS = "pglog"

_VERSION_TABLE = ("CREATE TABLE IF NOT EXISTS qbot_schema_version "
                  "(migration_set TEXT PRIMARY KEY, version INTEGER NOT NULL)")


async def migrate(conn: asyncpg.Connection) -> int:
    """Bring the database up to date; its version afterwards."""
    migrations = load_migrations(MIGRATIONS)
    for attempt in (1, 2):
        try:
            # Two first starts at once may both try to create the table; one of them then fails.
            await conn.execute(_VERSION_TABLE)
            break
        except (asyncpg.UniqueViolationError, asyncpg.DuplicateTableError):
            if attempt == 2:
                raise
    async with conn.transaction():
        await conn.execute("LOCK TABLE qbot_schema_version IN SHARE ROW EXCLUSIVE MODE")
        current = await conn.fetchval("SELECT version FROM qbot_schema_version WHERE migration_set = $1",
                                      MIGRATIONS) or 0
        if current > len(migrations):
            raise MigrationError(f"the PostgreSQL log is at schema version {current}, newer than this qbot knows "
                                 f"({len(migrations)}); upgrade qbot or give it another database (log.url)")
        for migration in migrations[current:]:
            try:
                await conn.execute(migration.sql)
            except asyncpg.PostgresError as exc:
                raise MigrationError(f"PostgreSQL log: migration {migration.name} failed: {exc}") from exc
        if current < len(migrations):
            await conn.execute("INSERT INTO qbot_schema_version VALUES ($1, $2) ON CONFLICT (migration_set) "
                               "DO UPDATE SET version = EXCLUDED.version", MIGRATIONS, len(migrations))
    return max(current, len(migrations))
