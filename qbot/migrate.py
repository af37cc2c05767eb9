"""Numbered SQL migrations: `migrations/<set>/NNNN_what.sql`, each applied in one transaction that
also bumps `PRAGMA user_version`, so a database is always at exactly one known version."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """The database cannot be brought to the schema this qbot expects."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(migration_set: str) -> list[Migration]:
    """The migrations of one set ("log" or "evidence"), in order, numbered 1..N without gaps."""
    folder = resources.files("qbot_migrations").joinpath(migration_set)
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"migrations/{migration_set}: expected version {expected:04d}, found {migration.name}"
            )
    return found


def apply_migrations(db_path: Path | str, migration_set: str) -> int:
    """Bring the database at `db_path` up to date; returns its schema version afterwards."""
    migrations = load_migrations(migration_set)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current > len(migrations):
            raise MigrationError(
                f"{db_path} is at schema version {current} of '{migration_set}', newer than this "
                f"qbot knows ({len(migrations)}); upgrade qbot or use another data directory"
            )
        for migration in migrations[current:]:
            try:
                conn.executescript(
                    f"BEGIN;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
                )
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise MigrationError(f"{db_path}: migration {migration.name} failed: {exc}") from exc
        return max(current, len(migrations))
    finally:
        conn.close()
