"""The conversation log the configuration asks for (qbot.logapi): SQLite in the data directory."""

from __future__ import annotations

from qbot.config import Config
from qbot.logapi import ConversationLog
from qbot.sqlitelog.log import SqliteLog


async def open_log(config: Config) -> ConversationLog:
    return await SqliteLog.open(config.log_db)
