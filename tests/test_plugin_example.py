"""The example third-party plugin of docs/plugins.md (examples/qbot-inventory-plugin), as a third
party ships it: built and pip-installed into a folder of its own (never into this environment),
found by `qbot plugins`, driven over HTTP through a real `qbot serve`, and its own tests pass."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from qbot.events import HANDLER_EVENTS
from qbot.handlers import Handler, TurnContext
from tests.support import SEED_QUESTION, Api
from tests.test_process import ROOT, Server, qbot_env, run_cli

EXAMPLE = ROOT / "examples" / "qbot-inventory-plugin"
DOC = ROOT / "docs" / "plugins.md"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip install --target`: a folder holding the package and its dist-info (entry points).
    Offline: no index, and the build backend of this environment (no build isolation). The
    source is copied first, so the build leaves nothing in the repository."""
    work = tmp_path_factory.mktemp("example")
    source = shutil.copytree(EXAMPLE, work / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    target = work / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--no-cache-dir",
         "--quiet", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (target / "qbot_inventory" / "handler.py").is_file()
    return target


def test_qbot_plugins_lists_it(installed, tmp_path):
    result = run_cli("plugins", cwd=tmp_path, env=qbot_env(installed))
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["8"] == ["8", "inventory", "inventory", "qbot-inventory", "0.1.0"]
    assert rows["-1"][1] == "question"  # beside the built-ins


async def test_driven_over_http_through_a_real_server(installed, data_dir):
    server = Server(data_dir, installed)
    try:
        await server.ready()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            api = Api(session, server.base)
            async with session.get(f"{server.base}/healthz") as resp:
                assert (await resp.json())["handlers"]["8"] == "inventory"
            async with session.get(f"{server.base}/openapi.json") as resp:  # its form is published
                form = (await resp.json())["components"]["schemas"]["Form_inventory"]
                assert form["properties"]["kind"]["enum"] == ["calls", "messages", "contacts", None]  # None: all

            status, events, _ = await api.step("inventory-1", 8, "案件里有哪些通话数据？", {"kind": "calls"})
            assert status == 200
            assert [e.event for e in events] == ["start", "status", "message", "status", "result", "done"]
            assert events[0].data["handler"] == "inventory"
            result = events[4].data
            # Against the server's own node list: the call nodes, their counts.
            _, tree = await api.get_json("/cases/default/nodes")
            calls = [n for n in tree["nodes"] if n["kind"] == "calls"]
            assert [r[0] for r in result["rows"]] == [n["path"] for n in calls]
            assert [r[3] for r in result["rows"]] == [n["records"] for n in calls]
            assert result["records"] == sum(n["records"] for n in calls) > 0
            assert events[-1].data["state"] == "completed"

            # Its form schema is enforced before any stream, naming the field and what is accepted.
            status, body, _ = await api.step("inventory-1", 8, "?", {"kind": "photos"})
            assert status == 400 and body["error"]["code"] == "invalid_request"
            assert body["error"]["details"] == {"kind": ["Must be one of: calls, messages, contacts."]}

            # A side question in the middle of a task leaves the task where it was.
            await api.step("inventory-2", -1, SEED_QUESTION)
            status, events, _ = await api.step("inventory-2", 8, "数据概览", {"app": "微信", "min_records": 1})
            assert {r[0].split("/")[1] for r in events[4].data["rows"]} == {"微信"}
            assert events[-1].data == {"turn_id": events[0].data["turn_id"], "state": "awaiting_start",
                                       "expect": [0, -1, 8]}
            status, events, _ = await api.step("inventory-2", 0, "开始任务")
            assert status == 200 and events[-1].data["state"] == "awaiting_filter"
    finally:
        assert server.kill(signal.SIGTERM) == 0


def test_its_own_tests_pass(installed, tmp_path):
    """The example's tests, the way its author runs them: pytest in its folder, the package installed."""
    work = shutil.copytree(EXAMPLE, tmp_path / "example", ignore=shutil.ignore_patterns("__pycache__"))
    env = qbot_env(installed)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b4 passed\b", done.stdout), done.stdout


def test_doc_covers_the_interface():
    """docs/plugins.md names every part of the handler interface, every event helper, and shows
    the example's entry point as it is."""
    text = DOC.read_text("utf-8")
    code = re.findall(r"`([^`\n]+)`", text)
    for name in [*Handler.__annotations__, "run", "set_state", "TurnContext", "qbot.plugins"]:
        assert any(re.search(rf"\b{re.escape(name)}\b", c) for c in code), name
    for event in HANDLER_EVENTS:
        assert any(c.startswith(f"{event}(") for c in code), event
    for field in TurnContext.__dataclass_fields__:
        assert field.startswith("next_") or any(field in c for c in code), field
    assert 'inventory = "qbot_inventory:handler"' in text
    assert 'inventory = "qbot_inventory:handler"' in (EXAMPLE / "pyproject.toml").read_text("utf-8")
    assert "docs/plugins.md" in (ROOT / "README.md").read_text("utf-8")
