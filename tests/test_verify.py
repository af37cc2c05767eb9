"""Tamper evidence: the log's hash chain, written by the grouped writer, checked by `qbot verify`
(run as a real process), and an edit made behind qbot's back caught and named."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qbot.sqlitelog import writer as logwriter
from qbot.chain import GENESIS, event_hash
from qbot.logapi import LogError
from qbot.sqlitelog.log import SqliteLog
from qbot.sqlitelog.queue import Write
from qbot.events import Event
from qbot.migrate import apply_migrations, load_migrations
from qbot.verify import check
from tests.support import cannot_run_here
from tests.test_process import qbot_env, run_cli

NEW_CONVERSATION = "INSERT INTO conversations (id, state, created_at, updated_at) VALUES (?, 'new', 't', 't')"


def verify(data_dir: Path, *args: str):
    return run_cli("verify", "--data-dir", str(data_dir), *args, cwd=data_dir.parent, env=qbot_env())


def chain_of(path: Path, cid: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, turn_id, event, data, created_at, hash FROM events WHERE conversation_id = ? "
                            "ORDER BY id", (cid,)).fetchall()
    finally:
        conn.close()


def assert_chained(path: Path, cid: str, count: int) -> None:
    rows = chain_of(path, cid)
    assert [r[0] for r in rows] == list(range(1, count + 1))
    previous = GENESIS
    for event_id, turn_id, event, data, created_at, stored in rows:
        assert stored == event_hash(previous, cid, event_id, turn_id, event, data, created_at), (cid, event_id)
        previous = stored


def tamper(path: Path, *statements: str) -> None:
    """What an attacker with the file can do: drop the append-only triggers, then edit."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        for trigger in ("events_no_update", "events_no_delete", "events_hash_required"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for sql in statements:
            assert conn.execute(sql).rowcount >= 1, sql
    finally:
        conn.close()


# -- against a real server ------------------------------------------------------------------------

async def test_verify_holds_then_names_an_edited_event(start_qbot, data_dir):
    running = await start_qbot()
    for cid in ("alpha", "bravo", "charlie"):
        await running.api.flow(cid)
    result = verify(data_dir)  # while the server runs: read-only, beside its writer
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"verified 3 conversations, {events_in(data_dir)} events: every chain holds"

    tamper(data_dir / "qbot.db",
           "UPDATE events SET data = replace(data, '\"', '''') WHERE conversation_id = 'bravo' AND id = 5")
    result = verify(data_dir)
    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith("conversation 'bravo': event 5: hash mismatch: stored ")
    assert lines[-1].endswith(": 1 broken") and len(lines) == 2  # alpha and charlie still hold


def events_in(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / "qbot.db")
    try:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()


FORGED = hashlib.sha256(b"forged").hexdigest()
SWAP_HASH = ("UPDATE events SET hash = (SELECT hash FROM events WHERE conversation_id = 'target' AND id = {source}) "
             "WHERE conversation_id = 'target' AND id = {target}")


@pytest.mark.parametrize(("statements", "event_id", "problem"), [
    pytest.param(["DELETE FROM events WHERE conversation_id = 'target' AND id = 4"],
                 5, "gap in ids: expected 4, found 5", id="deleted-event"),
    pytest.param(["DELETE FROM events WHERE conversation_id = 'target' AND id = 1"],
                 2, "gap in ids: expected 1, found 2", id="deleted-first-event"),
    pytest.param([SWAP_HASH.format(source=4, target=3), SWAP_HASH.format(source=2, target=4)],
                 3, "hash mismatch", id="reordered-hashes"),
    pytest.param(["UPDATE events SET id = -id WHERE conversation_id = 'target' AND id IN (2, 3)",
                  "UPDATE events SET id = 3 WHERE conversation_id = 'target' AND id = -2",
                  "UPDATE events SET id = 2 WHERE conversation_id = 'target' AND id = -3"],
                 2, "hash mismatch", id="swapped-events"),
    pytest.param([f"UPDATE events SET hash = '{FORGED}' WHERE conversation_id = 'target' AND id = 6"],
                 6, f"hash mismatch: stored {FORGED[:16]}…", id="forged-hash"),
    pytest.param(["UPDATE events SET hash = NULL WHERE conversation_id = 'target' AND id = 2"],
                 2, "missing hash", id="hash-removed"),
    pytest.param([("UPDATE events SET created_at = '2020-01-01T00:00:00.000+00:00' "
                   "WHERE conversation_id = 'target' AND id = 7")],
                 7, "hash mismatch", id="edited-time"),
    pytest.param(["DELETE FROM events WHERE conversation_id = 'target' AND id > 10"],
                 11, "truncated: the turns record event", id="removed-last-events"),
])
async def test_verify_names_the_first_broken_link(qbot, data_dir, statements, event_id, problem):
    await qbot.api.flow("target")
    await qbot.api.flow("bystander")
    assert verify(data_dir).returncode == 0
    tamper(data_dir / "qbot.db", *statements)
    result = verify(data_dir)
    assert result.returncode == 1, result.stdout
    broken, summary = result.stdout.splitlines()
    assert broken.startswith(f"conversation 'target': event {event_id}: {problem}"), broken
    assert summary == f"verified 2 conversations, {events_in(data_dir)} events: 1 broken"


async def test_chain_continues_across_a_restart(start_qbot, data_dir):
    first = await start_qbot()
    await first.api.flow("lasting")
    status, before, _ = await first.api.step("lasting", -1, "谁发的短信最多？")
    assert status == 200
    await first.server.close()  # the app's cleanup closes the log: no WAL left behind
    assert not (data_dir / "qbot.db-wal").exists()
    result = verify(data_dir, "--heads")  # read-only on a closed WAL database
    assert result.returncode == 0, result.stdout + result.stderr
    head_before = chain_of(data_dir / "qbot.db", "lasting")[-1][-1]
    assert f"head 'lasting' {head_before}" in result.stdout

    second = await start_qbot()  # a fresh writer: the head is read from the log
    status, after, _ = await second.api.step("lasting", -1, "谁发的短信最多？")
    assert status == 200 and after[0].id == before[-1].id + 1
    rows = chain_of(data_dir / "qbot.db", "lasting")
    assert_chained(data_dir / "qbot.db", "lasting", after[-1].id)
    assert rows[before[-1].id][-1] == event_hash(head_before, "lasting", *rows[before[-1].id][:5])
    assert verify(data_dir).returncode == 0


def test_verify_without_a_chained_log(tmp_path):
    missing = verify(tmp_path / "nothing")
    assert missing.returncode == 2 and "no conversation log at" in missing.stderr
    old = tmp_path / "old"
    old.mkdir()
    conn = sqlite3.connect(old / "qbot.db")
    conn.executescript(load_migrations("log")[0].sql + ";PRAGMA user_version = 1;")
    conn.close()
    result = verify(old)
    assert result.returncode == 2 and "before the event chain" in result.stderr


# -- the writer ------------------------------------------------------------------------------------

@pytest.fixture
async def log(tmp_path):
    opened = await SqliteLog.open(tmp_path / "qbot.db")
    yield opened
    await opened.close()


async def test_one_batch_chains_each_conversation(log, tmp_path, monkeypatch):
    await log.queue.write(Write(statements=[(NEW_CONVERSATION, (cid,)) for cid in "abc"]))
    await log.queue.write(Write("a", [Event(1, "start", '{"n":1}', "ta")]))  # `a` already has a head
    inserts = []
    commit = log.queue._writer.commit

    async def count(statements, events, created_at):
        inserts.append(len(events))
        return await commit(statements, events, created_at)

    monkeypatch.setattr(log.queue._writer, "commit", count)
    # Interleaved conversations, one queued out of id order, all in one batch.
    for cid, event_id in [("b", 1), ("a", 2), ("c", 2), ("b", 2), ("c", 1), ("a", 3), ("b", 3)]:
        log.queue.submit(Write(cid, [Event(event_id, "message", f'{{"delta":"{cid}{event_id}"}}', "t" + cid)]))
    await log.queue.flush()
    assert inserts == [7]  # the whole batch in one transaction
    for cid, count_ in (("a", 3), ("b", 3), ("c", 2)):
        assert_chained(tmp_path / "qbot.db", cid, count_)


async def test_chain_continues_when_the_writer_forgets_heads(tmp_path, monkeypatch):
    path = tmp_path / "qbot.db"
    monkeypatch.setattr(logwriter, "CHAIN_HEADS", 2)  # only two heads in memory: the rest are read back
    log = await SqliteLog.open(path)
    try:
        for round_ in (1, 2, 3):
            for cid in "abcd":
                await log.queue.write(Write(cid, [Event(round_, "message", "{}", "t")]))
        assert len(log.queue._writer.heads) == 2
    finally:
        await log.close()
    log = await SqliteLog.open(path)  # and a new writer knows none
    try:
        await log.queue.write(Write("a", [Event(4, "message", "{}", "t")]))
    finally:
        await log.close()
    for cid, count_ in (("a", 4), ("b", 3), ("c", 3), ("d", 3)):
        assert_chained(path, cid, count_)


async def test_a_failed_batch_leaves_the_chain_whole(log, tmp_path):
    for n in (1, 2, 3):
        log.queue.submit(Write("c", [Event(n, "message", "{}", "t")]))
    with pytest.raises(LogError, match="UNIQUE constraint failed"):
        await log.queue.write(Write("c", [Event(2, "message", '{"again":1}', "t")]))
    await log.queue.write(Write("c", [Event(4, "message", "{}", "t")]))
    assert_chained(tmp_path / "qbot.db", "c", 4)


# -- a log from before the chain -------------------------------------------------------------------

def test_upgrade_seals_the_events_of_an_older_log(tmp_path, monkeypatch):
    path = tmp_path / "qbot.db"
    from qbot import migrate

    every = load_migrations("log")
    monkeypatch.setattr(migrate, "load_migrations", lambda _set: every[:1])
    assert migrate.apply_migrations(path, "log") == 1
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO events VALUES (?, ?, 't', 'message', ?, '2024-01-01T00:00:00.000+00:00')",
                     [(cid, n, f'{{"n":{n}}}') for cid in ("x", "y") for n in (1, 2, 3)])
    conn.commit()
    conn.close()
    monkeypatch.undo()

    assert apply_migrations(path, "log") == len(every)
    for cid in ("x", "y"):
        assert_chained(path, cid, 3)
    conn = sqlite3.connect(path)
    try:
        assert check(conn).ok
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # sealed once, then fixed
            conn.execute("UPDATE events SET hash = ? WHERE conversation_id = 'x' AND id = 1", (FORGED,))
    finally:
        conn.close()


async def test_sealed_events_chain_on_into_new_ones(tmp_path, monkeypatch):
    path = tmp_path / "qbot.db"
    from qbot import migrate

    every = load_migrations("log")
    monkeypatch.setattr(migrate, "load_migrations", lambda _set: every[:1])
    migrate.apply_migrations(path, "log")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO events VALUES ('old', 1, 't', 'start', '{}', '2024-01-01T00:00:00.000+00:00')")
    conn.commit()
    conn.close()
    monkeypatch.undo()

    log = await SqliteLog.open(path)  # upgrades, sealing event 1
    try:
        await log.queue.write(Write("old", [Event(2, "message", "{}", "t")]))
    finally:
        await log.close()
    assert_chained(path, "old", 2)


def test_a_failing_python_step_leaves_the_log_unmigrated(tmp_path, monkeypatch):
    path = tmp_path / "qbot.db"
    from qbot import chain, migrate

    every = load_migrations("log")
    monkeypatch.setattr(migrate, "load_migrations", lambda _set: every[:1])
    migrate.apply_migrations(path, "log")
    monkeypatch.setattr(migrate, "load_migrations", lambda _set: every)

    def broken(conn):
        raise RuntimeError("seal failed")

    monkeypatch.setattr(chain, "seal_legacy_events", broken)
    with pytest.raises(migrate.MigrationError, match="0002_event_chain.sql failed: seal failed"):
        migrate.apply_migrations(path, "log")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "hash" not in [r[1] for r in conn.execute("PRAGMA table_info(events)")]
    finally:
        conn.close()


async def test_verify_reads_a_backup_on_a_read_only_file_system(start_qbot, data_dir, tmp_path):
    """A backup copy on a read-only mount (root ignores file modes, so a real read-only bind
    mount in a namespace of the test's own): SQLite cannot make the WAL index there."""
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True).returncode != 0:
        cannot_run_here("unshare --user --map-root-user --mount is not available or not permitted here")
    running = await start_qbot()
    await running.api.flow("alpha")
    backup = tmp_path / "backup"
    backup.mkdir()
    source = sqlite3.connect(data_dir / "qbot.db")
    target = sqlite3.connect(backup / "qbot.db")
    source.backup(target)  # the online backup operations.md describes
    source.close()
    target.execute("PRAGMA journal_mode=WAL")  # as the live log, so reading needs a WAL index
    target.close()
    script = (f'mount --bind "{backup}" "{backup}" && mount -o remount,ro,bind "{backup}" && '
              f'! touch "{backup}/probe" 2>/dev/null && exec "{sys.executable}" -m qbot verify --data-dir "{backup}"')
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                            capture_output=True, text=True, env=qbot_env(), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"verified 1 conversations, {events_in(data_dir)} events: every chain holds"
