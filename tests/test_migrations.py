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


def test_events_move_to_a_rowid_table_unchanged_and_still_append_only(tmp_path, monkeypatch):
    """0003 rebuilds `events` as a rowid table: every row as it was (hashes included), the same
    key, and the triggers that keep it append-only and hashed."""
    from qbot import migrate

    path = tmp_path / "qbot.db"
    every = load_migrations("log")
    monkeypatch.setattr(migrate, "load_migrations", lambda _set: every[:2])
    assert apply_migrations(path, "log") == 2
    conn = sqlite3.connect(path, isolation_level=None)
    rows = [(cid, n, "t", "message", f'{{"n":{n}}}', "2026-01-01T00:00:00.000+00:00", f"h{cid}{n}")
            for cid in ("b", "a", "c") for n in (1, 2, 3)]
    conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    monkeypatch.undo()

    assert apply_migrations(path, "log") == 3
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert conn.execute("SELECT * FROM events ORDER BY conversation_id, id").fetchall() == sorted(rows)
        ddl = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone()[0]
        assert "WITHOUT ROWID" not in ddl.upper() and "PRIMARY KEY (conversation_id, id)" in ddl
        with pytest.raises(sqlite3.IntegrityError):  # the key holds: one event per id
            conn.execute("INSERT INTO events VALUES ('a', 1, 't', 'x', '{}', 't', 'h')")
        for statement in ("UPDATE events SET data = '{}' WHERE conversation_id = 'a' AND id = 1",
                          "DELETE FROM events WHERE conversation_id = 'a'",
                          "INSERT INTO events VALUES ('a', 4, 't', 'x', '{}', 't', NULL)"):
            with pytest.raises(sqlite3.IntegrityError if "NULL" in statement else sqlite3.DatabaseError):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 9
    finally:
        conn.close()
