"""`GET /metrics` counts what clients saw happen, and the log lines of a turn name it."""

from __future__ import annotations

import json
import sqlite3
import uuid

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.support import SEED_QUESTION, Api, install_echo_plugin
from tests.test_process import Server


async def scrape(api) -> dict[tuple[str, tuple], float]:
    async with api.session.get(f"{api.base}/metrics") as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain; version=")
        text = await resp.text()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


async def test_metrics_count_the_seed_flow_and_a_refusal(qbot, data_dir):
    before = await scrape(qbot.api)
    cid = uuid.uuid4().hex
    flow = await qbot.api.flow(cid)
    status, refusal, _ = await qbot.api.step(cid, 0, "开始任务")  # the flow is completed: no start now
    assert status == 409 and refusal["error"]["code"] == "invalid_state"
    after = await scrape(qbot.api)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("qbot_turns_total", handler="question", state="awaiting_start") == 1
    assert grew("qbot_turns_total", handler="start", state="awaiting_filter") == 1
    assert grew("qbot_turns_total", handler="filter", state="completed") == 1
    assert grew("qbot_turn_duration_seconds_count", handler="filter") == 1
    assert grew("qbot_refusals_total", code="invalid_state", status="409") == 1
    assert grew("qbot_events_sent_total") == sum(len(events) for events in flow)
    assert grew("qbot_log_commits_total") >= 3  # each turn's start is committed before its stream opens
    assert after[("qbot_running_turns", ())] == 0 and after[("qbot_open_streams", ())] == 0

    conn = sqlite3.connect(f"file:{data_dir / 'evidence.db'}?mode=ro", uri=True)
    try:
        calls = conn.execute("SELECT count(*) FROM calls").fetchone()[0]
    finally:
        conn.close()
    assert after[("qbot_evidence_records", (("kind", "calls"),))] == calls


async def test_json_log_lines_name_the_conversation_and_the_turn(tmp_path, data_dir):
    plugin = install_echo_plugin(tmp_path / "site")
    server = Server(data_dir, plugin)
    try:
        await server.ready()
        async with aiohttp.ClientSession() as session:
            status, events, _ = await Api(session, server.base).step("logged-failure", 7, "echo", {"fail": True})
        assert status == 200 and events[-1].data["state"] == "failed"
        turn_id = events[0].data["turn_id"]
    finally:
        server.kill(15)
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
    failure = next(line for line in lines if line["level"] == "ERROR" and "failed" in line["message"])
    assert failure["conversation_id"] == "logged-failure" and failure["turn_id"] == turn_id
    assert "echo was asked to fail" in failure["exception"] and failure["logger"] == "qbot.turns"
    assert SEED_QUESTION not in server.log.read_text()  # nothing of the evidence or the questions
