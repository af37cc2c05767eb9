"""The command line with the PostgreSQL log, as real processes: `qbot verify` on it (an edit made
behind qbot's back caught and named), an unreachable database at start-up, and `--workers`."""

from __future__ import annotations

import shutil
import signal

import asyncpg

from qbot.pglog.evidence import file_sha256
from qbot.pglog.log import PgLog
from tests.evidence.conftest import TESTDATA
from tests.pglog_support import Heard, ending, message, turn_start
from tests.test_process import Server, free_port, qbot_env, run_cli


def env_with(url: str) -> dict[str, str]:
    return {**qbot_env(), "QBOT_LOG_URL": url}


async def write_conversations(url: str, names: tuple[str, ...]) -> None:
    log = await PgLog.open(url)
    try:
        for cid in names:
            start = turn_start(cid)
            turn = await log.start_turn(start, Heard())
            for n in (2, 3, 4):
                turn.append(message(start.turn_id, n))
            turn.end(ending(start.turn_id, 4))
        await log._writer.flush()
    finally:
        await log.close()


async def tamper(url: str, *statements: str) -> None:
    """What someone with the database's owner role can do: switch the append-only trigger off."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("ALTER TABLE events DISABLE TRIGGER USER")
        for sql in statements:
            assert await conn.execute(sql) != "UPDATE 0", sql
    finally:
        await conn.close()


async def test_verify_holds_then_names_an_edited_and_a_truncated_conversation(pg_url, tmp_path):
    await write_conversations(pg_url, ("alpha", "bravo", "charlie"))
    result = run_cli("verify", cwd=tmp_path, env=env_with(pg_url))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "verified 3 conversations, 15 events: every chain holds"

    await tamper(pg_url, "UPDATE events SET data = '{\"delta\":\"edited\"}' WHERE conversation_id = 'bravo' AND id = 3",
                 "DELETE FROM events WHERE conversation_id = 'charlie' AND id > 3")
    result = run_cli("verify", "--heads", cwd=tmp_path, env=env_with(pg_url))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("conversation 'bravo': event 3: hash mismatch: stored ")
    assert lines[1] == "conversation 'charlie': event 4: truncated: the turns record event 5, the last event is 3"
    assert lines[2].startswith("head 'alpha' ") and len(lines) == 4  # alpha still holds
    assert lines[-1] == "verified 3 conversations, 13 events: 2 broken"


async def test_verify_of_a_database_without_a_log_says_so(pg_url, tmp_path):
    result = run_cli("verify", cwd=tmp_path, env=env_with(pg_url))
    assert result.returncode == 2
    assert "holds no qbot log" in result.stderr and "log.url" in result.stderr


def test_an_unreachable_database_at_start_up_is_one_line_and_exit_2(tmp_path):
    url = f"postgresql://qbot:s3cret@127.0.0.1:{free_port()}/qbot"
    for command in (["serve", "--data-dir", str(tmp_path / "data"), "--port", str(free_port())], ["verify"]):
        result = run_cli(*command, cwd=tmp_path, env=env_with(url))
        assert result.returncode == 2, result.stdout + result.stderr
        (line,) = result.stderr.splitlines()
        assert line.startswith("qbot: error: cannot use the PostgreSQL log at postgresql://qbot:***@127.0.0.1:"), line
        assert "start the database or correct log.url (QBOT_LOG_URL)" in line and "s3cret" not in line


def test_workers_with_the_sqlite_log_are_refused_saying_what_to_configure(tmp_path):
    result = run_cli("serve", "--data-dir", str(tmp_path / "data"), "--port", str(free_port()), "--workers", "2",
                     cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "qbot: error: --workers 2 needs the PostgreSQL log: the SQLite log (log.url empty) is one process's, and a "
        "second would number events twice; set log.url: postgresql://user@host:port/db (QBOT_LOG_URL), or serve "
        "with --workers 1")
    result = run_cli("serve", "--workers", "0", cwd=tmp_path)
    assert result.returncode == 2 and "--workers: '0' is not a number of workers; give an integer from 1 to 64" \
        in result.stderr


async def test_every_instance_serves_the_same_evidence_and_an_import_says_where_it_goes(
        pg_url, tmp_path, demo_evidence):
    config = tmp_path / "config.yaml"
    config.write_text(f"log:\n  url: {pg_url}\n")
    dirs = [tmp_path / "a", tmp_path / "b"]
    for folder in dirs:
        folder.mkdir()
        shutil.copy(demo_evidence, folder / "evidence.db")
    for folder in (dirs[0], dirs[0], dirs[1]):  # a twice: serving leaves its copy as it was
        server = Server(folder, None, "--config", str(config))
        try:
            await server.ready()
        finally:
            assert server.kill(signal.SIGTERM) == 0
    result = run_cli("import", "--config", str(config), "--data-dir", str(dirs[1]), "--case", "c1", "--package",
                     "p1", str(TESTDATA / "android" / "mmssms.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (f"{dirs[1] / 'evidence.db'} (sha256 {file_sha256(dirs[1] / 'evidence.db')}) is now the evidence store "
            "of the PostgreSQL log's instances: copy it to the data_dir of every instance") in result.stdout
    result = run_cli("serve", "--config", str(config), "--data-dir", str(dirs[0]), "--port", str(free_port()),
                     cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"qbot: error: {dirs[0] / 'evidence.db'} (sha256 ") and \
        "is not the evidence store the other instances of this log serve" in line and str(dirs[1]) in line
