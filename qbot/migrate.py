"""Numbered SQL migrations: `migrations/<set>/NNNN_what.sql`, each applied in one transaction that
also bumps `PRAGMA user_version`, so a database is always at exactly one known version.

A migration that needs more than SQL names a Python step in a line `-- python: module:function`;
the function is called with the connection after the SQL, inside the same transaction."""

from __future__ import annotations

import importlib
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_PYTHON_STEP = re.compile(r"^--\s*python:\s*([\w.]+):(\w+)\s*$", re.MULTILINE)


class MigrationError(Exception):
    """The database cannot be brought to the schema this qbot expects."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def python_steps(self) -> list[Callable[[sqlite3.Connection], None]]:
        return [getattr(importlib.import_module(module), function)
                for module, function in _PYTHON_STEP.findall(self.sql)]


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
                steps = migration.python_steps()
                conn.executescript(f"BEGIN;\n{migration.sql}\n;")  # the transaction stays open
                for step in steps:
                    step(conn)
                conn.execute(f"PRAGMA user_version = {migration.version}")
                conn.execute("COMMIT")
            except Exception as exc:  # noqa: BLE001 - SQL or a Python step: the database stays as it was
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise MigrationError(f"{db_path}: migration {migration.name} failed: {exc}") from exc
        return max(current, len(migrations))
    finally:
        conn.close()
