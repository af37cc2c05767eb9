"""The handler as qbot runs it: found through its entry point, driven over HTTP by a real qbot
app on the demo case. Run with the package installed (`pip install -e '.[test]'`)."""

from __future__ import annotations

import json

import pytest

from qbot import registry
from qbot.app import create_app
from qbot.config import load_config

API = "/qbot/api/v1/generalsec-ai"


def events_of(text: str) -> list[tuple[str, dict]]:
    """(event, data) of each event of a text/event-stream body."""
    out = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":"))
        if "data" in fields:
            out.append((fields.get("event", "message"), json.loads(fields["data"])))
    return out


def step(confirm_type: int, question: str, form: dict | None = None) -> dict:
    return {"question": question, "confirm_type": confirm_type, "confirm_form_data": form or {}}


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    # A fresh data folder: qbot builds its demo case there on start-up (about a second).
    config = load_config(env={}, overrides={"data_dir": str(tmp_path)})
    return await aiohttp_client(create_app(config))


def test_registered_through_its_entry_point():
    registered = registry.load()[8]
    assert registered.handler.name == "inventory"
    assert registered.distribution == "qbot-inventory 0.1.0"


async def test_lists_the_call_nodes(client):
    resp = await client.post(f"{API}/chat/conversation/inv-calls", json=step(8, "有哪些通话数据？", {"kind": "calls"}))
    assert resp.status == 200
    events = events_of(await resp.text())
    assert [name for name, _ in events] == ["start", "status", "message", "status", "result", "done"]
    result = dict(events)["result"]
    nodes = (await (await client.get(f"{API}/cases/default/nodes")).json())["nodes"]
    calls = [n for n in nodes if n["kind"] == "calls"]
    assert [row[0] for row in result["rows"]] == [n["path"] for n in calls]
    assert [row[3] for row in result["rows"]] == [n["records"] for n in calls]
    assert result["records"] == sum(n["records"] for n in calls)
    assert dict(events)["done"]["state"] == "completed"


async def test_a_bad_form_is_refused_before_the_stream(client):
    resp = await client.post(f"{API}/chat/conversation/inv-bad", json=step(8, "?", {"kind": "photos", "colour": 1}))
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_request" and set(error["details"]) == {"kind", "colour"}


async def test_leaves_the_task_where_it_was(client):
    resp = await client.post(f"{API}/chat/conversation/inv-task", json=step(-1, "请问机主最近与谁打电话比较频繁？"))
    assert events_of(await resp.text())[-1][1]["state"] == "awaiting_start"
    resp = await client.post(f"{API}/chat/conversation/inv-task", json=step(8, "数据概览"))
    done = events_of(await resp.text())[-1][1]
    assert done["state"] == "awaiting_start" and done["expect"][0] == 0
    resp = await client.post(f"{API}/chat/conversation/inv-task", json=step(0, "开始任务"))
    assert events_of(await resp.text())[-1][1]["state"] == "awaiting_filter"
