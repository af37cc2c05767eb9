"""A full disk under a real `qbot serve`: its data dir is a 1 MB tmpfs, mounted in a user and
mount namespace of the server's own (`unshare`), and a turn fills it with its own events. The
turn's stream still ends with an error and a done; the log keeps no half-written rows and its
chains verify; after a restart with room the conversation goes on where the log says it stopped."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sqlite3
import subprocess
import sys

import aiohttp

from qbot.evidence.importing import import_paths
from tests.support import Api, SseParser, cannot_run_here, install_echo_plugin, step_body
from tests.test_process import Server, free_port, qbot_env, run_cli

# Inside the namespace: mount the tmpfs, serve from it, and on SIGTERM stop the server and copy
# what it left out of the tmpfs (which goes away with the namespace).
SCRIPT = r'''
mount -t tmpfs -o size=1m qbot-full "$DATA" || exit 97
cp "$SEED/evidence.db" "$DATA/"
"$PYTHON" -m qbot serve --data-dir "$DATA" --port "$PORT" &
child=$!
trap 'kill -TERM $child' TERM
wait $child
wait $child
cp -a "$DATA/." "$OUT/"
'''


def namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True)
    return probe.returncode == 0


async def test_a_full_disk_ends_the_turn_and_loses_nothing_recorded(tmp_path):
    if not namespaces_work():
        cannot_run_here("unshare --user --map-root-user --mount is not available or not permitted here")
    plugin = install_echo_plugin(tmp_path / "site")
    (data := tmp_path / "tmpfs").mkdir()
    (out := tmp_path / "left").mkdir()
    (seed := tmp_path / "seed").mkdir()
    case = seed / "case.json"  # a case of one contact: the evidence store must fit too
    case.write_text(json.dumps({"format": "qbot-case", "version": 1, "nodes": [
        {"path": "基本信息/通讯录", "kind": "contacts", "records": [{"name": "甲", "number": "13900000001"}]}]}))
    assert import_paths(seed / "evidence.db", "tiny", [case], package="phone").ok
    port = free_port()
    env = {**qbot_env(plugin), "DATA": str(data), "OUT": str(out), "SEED": str(seed), "PORT": str(port),
           "PYTHON": sys.executable, "QBOT_DEMO": "false"}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", SCRIPT],
                            cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            api = Api(session, base)
            for _ in range(300):
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                try:
                    async with session.get(f"{base}/healthz") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            status, first, _ = await api.step("roomy", 7, "echo", {"count": 2, "size": 100})
            assert status == 200 and first[-1].data["state"] == "completed"

            # About 4 MB of messages, each committed on its own, into what is left of 1 MB.
            form = {"count": 200, "size": 20_000, "delay": 0.005}
            async with session.post(api.url("/chat/conversation/full"), json=step_body("full", 7, "echo", form)) as resp:
                assert resp.status == 200
                parser = SseParser()
                parser.feed(await resp.read())
            live = parser.events
            assert 3 < len(live) < 200  # some messages were recorded, then the disk was full
            error, done = live[-2:]
            assert error.event == "error" and error.data["code"] == "log_unavailable", error.data
            assert done.event == "done" and done.data["state"] == "failed"
            shown = [(e.id, e.event) for e in live if e.data.get("recorded", True)]
            assert [i for i, _ in shown] == list(range(1, len(shown) + 1))  # gapless

            # What the log holds is exactly what was shown with an id.
            async with session.get(api.url("/chat/conversation/full/events"), params={"last_event_id": "0"}) as resp:
                replay = SseParser()
                replay.feed(await resp.read())
            assert [(e.id, e.event) for e in replay.events] == shown
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, (tmp_path / "serve.log").read_text()
        log.close()

    # The log left on the full disk: whole, every chain intact.
    conn = sqlite3.connect(f"file:{out / 'qbot.db'}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = [row[0] for row in conn.execute("SELECT id FROM events WHERE conversation_id = 'full' ORDER BY id")]
    finally:
        conn.close()
    assert ids == [i for i, _ in shown]
    verified = run_cli("verify", "--data-dir", str(out), cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # With room again, the conversation goes on after its last recorded event.
    server = Server(out, plugin)
    try:
        await server.ready()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            api = Api(session, server.base)
            status, again, _ = await api.step("full", 7, "echo", {"count": 1})
            assert status == 200 and again[-1].data["state"] == "completed"
            status, events = await api.get_json("/chat/conversation/full")
            assert status == 200 and [t["state"] for t in events["turns"]] == ["failed", "completed"]
            async with session.get(api.url("/chat/conversation/full/events"), params={"last_event_id": "0"}) as resp:
                everything = SseParser()
                everything.feed(await resp.read())
            assert [e.id for e in everything.events] == list(range(1, len(everything.events) + 1))
    finally:
        server.kill(signal.SIGTERM)
