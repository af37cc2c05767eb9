"""Numbered migrations: applied in order on a fresh database, a no-op on a migrated one."""

from __future__ import annotations

import sqlite3

import pytest

from qbot.migrate import MigrationError, apply_migrations, load_migrations


def schema_of(path) -> tuple[int, list[tuple[str, str]]]:
    conn = sqlite3.connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = conn.execute("SELECT type, name FROM sqlite_master ORDER BY type, name").fetchall()
    finally:
        conn.close()
    return version, objects


@pytest.mark.parametrize("migration_set", ["log"])  # the evidence set: tests/evidence/test_migrations.py
def test_fresh_then_migrated(tmp_path, migration_set):
    path = tmp_path / "db.sqlite"
    latest = len(load_migrations(migration_set))
    assert apply_migrations(path, migration_set) == latest
    version, objects = schema_of(path)
    assert version == latest and objects
    # Again on the migrated database: nothing changes.
    assert apply_migrations(path, migration_set) == latest
    assert schema_of(path) == (version, objects)


def test_log_schema_and_append_only_events(tmp_path):
    path = tmp_path / "qbot.db"
    apply_migrations(path, "log")
    conn = sqlite3.connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"conversations", "turns", "events"} <= tables
        with pytest.raises(sqlite3.IntegrityError, match="chain hash"):
            conn.execute("INSERT INTO events VALUES ('c', 1, 't', 'start', '{}', 'now', NULL)")
        conn.execute("INSERT INTO events VALUES ('c', 1, 't', 'start', '{}', 'now', 'h')")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE events SET data = '{\"x\": 1}'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE events SET hash = 'forged'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "qbot.db"
    apply_migrations(path, "log")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(MigrationError, match="newer than this qbot knows"):
        apply_migrations(path, "log")


def test_failed_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "qbot.db"
    apply_migrations(path, "log")
    before = schema_of(path)
    good = load_migrations("log")
    from qbot import migrate

    broken = migrate.Migration(len(good) + 1, f"{len(good) + 1:04d}_broken.sql",
                               "CREATE TABLE half_done (x); SELECT * FROM no_such_table;")
    monkeypatch.setattr(migrate, "load_migrations", lambda _set: [*good, broken])
    with pytest.raises(MigrationError, match="_broken.sql failed"):
        migrate.apply_migrations(path, "log")
    assert schema_of(path) == before  # no half_done table, version unchanged
