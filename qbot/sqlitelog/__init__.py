"""The conversation log on SQLite: qbot.sqlitelog.log.SqliteLog."""
