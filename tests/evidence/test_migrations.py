"""The evidence migrations apply to a fresh database and are a no-op on a migrated one."""

from __future__ import annotations

from pathlib import Path

from qbot.migrate import apply_migrations, load_migrations

from .conftest import dump, query


def test_apply_fresh_then_again(tmp_path: Path) -> None:
    db = tmp_path / "evidence.db"
    version = apply_migrations(db, "evidence")
    assert version == len(load_migrations("evidence")) >= 1
    assert query(db, "PRAGMA user_version") == [(version,)]
    tables = {name for name, in query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"cases", "packages", "nodes", "counterparts", "calls", "call_buckets", "messages", "contacts",
            "source_files"} <= tables
    state = dump(db)
    assert apply_migrations(db, "evidence") == version
    assert dump(db) == state
