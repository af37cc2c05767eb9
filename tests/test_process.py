"""`qbot serve` as a real process: the demo case on a fresh data dir, restarts, kill -9, SIGTERM,
and the command line's exit codes and messages."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.support import SEED_QUESTION, Api, install_echo_plugin, read_sse, step_body

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def qbot_env(extra_path: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBOT_")}
    paths = [str(ROOT)] + ([str(extra_path)] if extra_path else [])
    env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")])
    return env


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60):
    return subprocess.run([sys.executable, "-m", "qbot", *args], cwd=cwd, env=env or qbot_env(),
                          capture_output=True, text=True, timeout=timeout)


class Server:
    """A `qbot serve` process on a free port."""

    def __init__(self, data_dir: Path, plugin_path: Path | None = None, *args: str):
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"serve-{self.port}.log"
        with self.log.open("w") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "qbot", "serve", "--data-dir", str(data_dir), "--port", str(self.port), *args],
                cwd=data_dir.parent, env=qbot_env(plugin_path), stdout=out, stderr=subprocess.STDOUT)

    async def ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, self.log.read_text()
                try:
                    async with session.get(f"{self.base}/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError(f"qbot did not start: {self.log.read_text()}")

    def kill(self, sig: int = signal.SIGKILL) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(30)


@pytest.fixture
async def session():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as s:
        yield s


async def test_fresh_data_dir_builds_the_demo_and_answers_the_seed(tmp_path, session):
    server = Server(tmp_path / "fresh")
    try:
        await server.ready()
        first, second, third = await Api(session, server.base).flow("fresh-seed")
        result = next(e for e in third if e.event == "result").data
        assert result["rows"] and result["records"] > 0
        assert "listening on http://127.0.0.1" in server.log.read_text()
        assert f"web console at http://127.0.0.1:{server.port}/" in server.log.read_text()
        async with session.get(f"{server.base}/qbot/api/v1/generalsec-ai/cases") as resp:
            assert [c["case_id"] for c in (await resp.json())["cases"]] == ["demo"]
    finally:
        assert server.kill(signal.SIGTERM) == 0


async def test_awaiting_states_survive_kill_9(tmp_path, data_dir, session):
    server = Server(data_dir)
    await server.ready()
    api = Api(session, server.base)
    await api.step("survivor", -1, SEED_QUESTION)
    _, second, _ = await api.step("survivor", 0, "开始任务")
    form = next(e.data["form"] for e in second if e.event == "confirm")
    await api.step("waiting-start", -1, SEED_QUESTION)
    server.kill()

    server = Server(data_dir)
    try:
        await server.ready()
        api = Api(session, server.base)
        status, conv = await api.get_json("/chat/conversation/waiting-start")
        assert conv["state"] == "awaiting_start"
        status, third, _ = await api.step("survivor", 3, "继续任务", form)
        assert status == 200 and third[-1].data["state"] == "completed"
        assert third[0].id == second[-1].id + 1  # ids go on across the restart
    finally:
        server.kill(signal.SIGTERM)


async def test_turn_running_at_kill_9_is_closed_at_next_start(tmp_path, data_dir, session):
    plugin = install_echo_plugin(tmp_path / "site")
    server = Server(data_dir, plugin)
    await server.ready()
    api = Api(session, server.base)
    resp = await session.post(api.url("/chat/conversation/cut"),
                              json=step_body("cut", 7, "echo", {"count": 1000, "delay": 0.05}))
    seen = (await read_sse(resp, stop_after=5)).events
    server.kill()
    resp.close()

    server = Server(data_dir, plugin)
    try:
        await server.ready()
        async with session.get(api.url("/chat/conversation/cut/events").replace(api.base, server.base),
                               headers={"Last-Event-ID": str(seen[-1].id)}) as resumed:
            tail = (await read_sse(resumed)).events
        assert [e.event for e in tail][-2:] == ["error", "done"]
        assert tail[-2].data["code"] == "turn_interrupted"
        assert tail[-1].data["state"] == "failed"
        ids = [e.id for e in seen + tail]
        assert ids == sorted(set(ids)) and ids[0] == 1
        api = Api(session, server.base)
        status, events, _ = await api.step("cut", -1, SEED_QUESTION)  # the conversation goes on
        assert status == 200 and events[0].id == tail[-1].id + 1
    finally:
        server.kill(signal.SIGTERM)


@pytest.mark.parametrize(("count", "timeout", "state"), [
    pytest.param(15, "10", "completed", id="finishes-within-timeout"),
    pytest.param(1000, "0.5", "cancelled", id="cancelled-after-timeout"),
])
async def test_sigterm_drains_open_streams(tmp_path, data_dir, session, count, timeout, state):
    plugin = install_echo_plugin(tmp_path / "site")
    env_config = tmp_path / "drain.yaml"
    env_config.write_text(f"server:\n  shutdown_timeout: {timeout}\n", "utf-8")
    server = Server(data_dir, plugin, "--config", str(env_config))
    await server.ready()
    api = Api(session, server.base)
    async with session.post(api.url("/chat/conversation/drain"),
                            json=step_body("drain", 7, "echo", {"count": count, "delay": 0.1})) as resp:
        parser = await read_sse(resp, stop_after=2)
        server.proc.send_signal(signal.SIGTERM)
        async for chunk in resp.content.iter_any():
            parser.feed(chunk)
    assert server.proc.wait(30) == 0
    assert parser.events[-1].event == "done" and parser.events[-1].data["state"] == state
    if state == "completed":
        assert len([e for e in parser.events if e.event == "message"]) == count


def test_plugins_command_lists_handlers(tmp_path):
    result = run_cli("plugins", cwd=tmp_path, env=qbot_env(install_echo_plugin(tmp_path / "site")))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["confirm_type", "name", "entry", "point", "distribution"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["-1"][1:3] == ["question", "question"] and rows["-1"][3] == "qbot"
    assert rows["7"][1:4] == ["echo", "echo", "qbot_echo"]


def test_config_error_exit_code_and_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("server:\n  port: eighty\n", "utf-8")
    result = run_cli("serve", "--config", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert "server.port: Not a valid integer." in result.stderr


def test_plugin_error_exit_code(tmp_path):
    from tests.support import install_plugin

    root = install_plugin(tmp_path / "site", "qbot_bad", {"bad": "qbot_bad_mod:handler"},
                          {"qbot_bad_mod": "raise ImportError('boom')\n"})
    result = run_cli("serve", "--data-dir", str(tmp_path / "d"), cwd=tmp_path, env=qbot_env(root))
    assert result.returncode == 3
    assert "plugin 'bad'" in result.stderr and "qbot_bad 1.0" in result.stderr and "boom" in result.stderr


async def test_port_in_use_exit_code(tmp_path, data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = await asyncio.to_thread(run_cli, "serve", "--data-dir", str(data_dir), "--port", str(port),
                                         cwd=tmp_path)
    assert result.returncode == 4
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


async def test_one_server_per_data_dir(tmp_path, data_dir):
    """A second server on the same log would number events twice and close the first one's
    running turns as interrupted: it is refused, naming the first one's pid."""
    first = Server(data_dir)
    try:
        await first.ready()
        second = await asyncio.to_thread(run_cli, "serve", "--data-dir", str(data_dir), "--port", str(free_port()),
                                         cwd=tmp_path)
        assert second.returncode == 2
        assert f"is in use by qbot (pid {first.proc.pid})" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.kill(signal.SIGTERM)
    again = Server(data_dir)  # the lock goes with the process
    try:
        await again.ready()
    finally:
        again.kill(signal.SIGTERM)


def test_a_log_newer_than_this_qbot_is_refused_in_one_line(tmp_path, data_dir):
    conn = sqlite3.connect(data_dir / "qbot.db")
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = run_cli("serve", "--data-dir", str(data_dir), "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "schema version 999" in result.stderr and "upgrade qbot" in result.stderr


def test_no_authentication_means_loopback_only(tmp_path, data_dir):
    result = run_cli("serve", "--data-dir", str(data_dir), "--host", "0.0.0.0", "--port", str(free_port()),
                     cwd=tmp_path)
    assert result.returncode == 2
    assert "0.0.0.0 is reachable from other machines" in result.stderr and "--allow-unauthenticated" in result.stderr


async def test_loopback_start_says_there_is_no_authentication(tmp_path, data_dir):
    server = Server(data_dir)
    try:
        await server.ready()
        assert "no authentication: only programs on this machine can connect" in server.log.read_text()
    finally:
        server.kill(signal.SIGTERM)


def test_start_up_problems_are_one_line_and_an_exit_code(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    result = run_cli("serve", "--data-dir", str(a_file / "data"), "--port", str(free_port()), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "the data directory" in result.stderr and "--data-dir" in result.stderr

    result = run_cli("serve", "--data-dir", str(tmp_path / "d1"), "--port", "99999", cwd=tmp_path)
    assert result.returncode == 2
    assert "argument --port" in result.stderr and "0 to 65535" in result.stderr and "config.yaml" not in result.stderr

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--data-dir", str(tmp_path / "fresh"), "--port", str(port), cwd=tmp_path)
    assert result.returncode == 4
    assert result.stderr.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert not (tmp_path / "fresh").exists()  # found before the demo case was built
