"""The conversation log the configuration asks for (qbot.logapi): SQLite in the data directory, or
PostgreSQL when `log.url` names a database (several instances on one log)."""

from __future__ import annotations

from qbot.config import Config
from qbot.logapi import ConversationLog
from qbot.sqlitelog.log import SqliteLog


async def open_log(config: Config) -> ConversationLog:
    if config.log.url:
        from qbot.pglog.log import PgLog

        return await PgLog.open(config.log.url, config.log.lease_seconds)
    return await SqliteLog.open(config.log_db)
