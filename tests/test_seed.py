"""The three requests of the seed (shared/seed), verbatim, against a real server and the demo case."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import timedelta

import aiohttp

from tests.support import ORIGIN, PREFIX, SEED_QUESTION, read_sse

SEED_CID = "37d9437d-6de3-48d9-999f-b1f034ef5b45"
SEED_HEADERS = {
    "Accept": "text/event-stream",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8",
    "Content-Type": "application/json",
    "Origin": ORIGIN,
    "Referer": "http://localhost:9000/",
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Site": "same-site",
}
# Request A of the seed, byte for byte in content: the examiner's edited form.
SEED_FORM = {
    "formName": "filter",
    "filter_tree": "为了分析机主的通讯行为，需要检索基本信息类别下信息应用的通话记录",
    "filter_keyword": "",
    "analysis_prompt": "```\n作为通讯行为分析专家，请基于以下与问题相关的应用节点数据分析是否存在频繁通话行为。\n\n## 相关数据源分析\n**相关应用节点**：社交通讯/微信\n**相关数据类型特征**：微信通话记录、联系人信息\n\n## 分层识别标准（专注于相关节点）\n\n### 第一层：相关数据源特征识别\n- **微信数据特点**：包含通话时间、通话时长、联系人信息\n- **微信行为模式**：用户与特定联系人之间的频繁通话行为\n\n### 第二层：相关节点内容特征分析\n1. **通话频率**：分析用户与特定联系人之间的通话次数，判断是否频繁\n2. **通话时长**：分析用户与特定联系人之间的通话时长，判断是否异常\n3. **联系人信息**：分析用户与特定联系人之间的关系，判断是否频繁通话\n\n### 第三层：相关节点行为模式综合判断\n- **相关单节点分析**：基于微信通话记录和联系人信息，判断用户与特定联系人之间的通话频率\n- **相关跨节点关联**：无跨节点关联分析\n\n## 相关应用场景边界说明\n- **微信正面特征**：通话记录和联系人信息可以用于判断通话频率\n- **微信负面特征**：无法通过微信数据判断其他应用中的通话行为\n- **相关跨应用边界**：无跨应用边界分析\n\n## 质量验证要求\n确保分析结果与微信通话记录和联系人信息的数据结构和行为特征100%匹配，内容精简且针对性强。\n```",  # noqa: E501
}


async def seed_step(session: aiohttp.ClientSession, base: str, payload: dict):
    url = f"{base}{PREFIX}/chat/conversation/{payload['conversation_id']}"
    async with session.post(url, json=payload, headers=SEED_HEADERS) as resp:
        assert resp.status == 200, await resp.text()
        headers = resp.headers
        events = (await read_sse(resp)).events
    return headers, events


def phone_call_truth(evidence_db, days: int):
    """Ranking computed straight from the calls table, independently of the store's code."""
    conn = sqlite3.connect(evidence_db)
    try:
        node = conn.execute("SELECT id FROM nodes WHERE path = '基本信息/电话/通话记录'").fetchone()[0]
        newest = conn.execute("SELECT max(start) FROM calls WHERE node_id = ?", (node,)).fetchone()[0]
        low = newest + 1 - int(timedelta(days=days).total_seconds() * 1000)
        rows = conn.execute(
            "SELECT cp.number, count(*), sum(c.duration) FROM calls c JOIN counterparts cp ON cp.id = c.counterpart_id "
            "WHERE c.node_id = ? AND c.start >= ? AND c.start <= ? GROUP BY cp.id "
            "ORDER BY count(*) DESC, sum(c.duration) DESC, cp.id LIMIT 10", (node, low, newest)).fetchall()
        in_window = conn.execute("SELECT count(*) FROM calls WHERE node_id = ? AND start >= ? AND start <= ?",
                                 (node, low, newest)).fetchone()[0]
    finally:
        conn.close()
    return rows, in_window


async def test_seed_flow_verbatim(qbot, data_dir, demo_evidence):
    session, base = qbot.api.session, qbot.base

    # Request C: a new question on a new conversation.
    headers, first = await seed_step(session, base, {
        "question": SEED_QUESTION, "conversation_id": SEED_CID, "case_id": "", "confirm_type": -1,
        "package_nodes": [], "confirm_form_data": {}})
    assert headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Accel-Buffering"] == "no"
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in headers.getall("Vary")  # the answer depends on the Origin: caches must know
    assert [e.event for e in first][0] == "start" and first[-1].event == "done"
    assert first[0].data == {"conversation_id": SEED_CID, "turn_id": first[-1].data["turn_id"],
                             "confirm_type": -1, "handler": "question"}
    assert any(e.event == "message" and e.data["delta"] for e in first)
    confirm = next(e for e in first if e.event == "confirm")
    assert confirm.data["confirm_type"] == 0 and confirm.data["question"] == "开始任务"
    assert first[-1].data["state"] == "awaiting_start" and first[-1].data["expect"] == [0, -1]

    # Request B: 开始任务, a new connection with the same id.
    _, second = await seed_step(session, base, {
        "question": "开始任务", "conversation_id": SEED_CID, "case_id": "", "confirm_type": 0,
        "package_nodes": [], "confirm_form_data": {}})
    proposal = next(e for e in second if e.event == "confirm")
    form = proposal.data["form"]
    assert proposal.data["confirm_type"] == 3 and proposal.data["question"] == "继续任务"
    assert form["formName"] == "filter"
    assert "基本信息类别下电话应用的通话记录" in form["filter_tree"]
    assert "社交通讯类别下微信应用的音视频通话" in form["filter_tree"]  # the demo case has WeChat calls
    for section in ("相关数据源分析", "分层识别标准", "应用场景边界说明", "质量验证要求"):
        assert section in form["analysis_prompt"]
    assert second[-1].data["state"] == "awaiting_filter" and second[-1].data["expect"] == [3, -1]

    # Request A: 继续任务 with the seed's own (edited) form: it names only 基本信息 … 通话记录.
    _, third = await seed_step(session, base, {
        "question": "继续任务", "conversation_id": SEED_CID, "case_id": "", "confirm_type": 3,
        "package_nodes": [], "confirm_form_data": SEED_FORM})
    assert third[-1].event == "done" and third[-1].data["state"] == "completed"
    assert third[-1].data["expect"] == [-1]
    result = next(e for e in third if e.event == "result").data
    assert result["scope"] == ["基本信息/电话/通话记录"]  # the edit took effect: WeChat is not read

    truth, in_window = phone_call_truth(data_dir / "evidence.db", qbot.config.engine.recent_days)
    assert result["records"] == in_window
    assert [(r[2], r[3], r[4]) for r in result["rows"]] == truth
    assert result["rows"][0][3] > result["rows"][1][3], "the demo case has one clearly most frequent contact"
    assert result["rows"][0][1] in result["summary"]
    for row, cited in zip(result["rows"], result["evidence"], strict=True):
        assert cited["row"] == row[0] and cited["records"] == row[3]
        assert cited["refs"] and all(ref["table"] == "calls" and ref["rowids"] for ref in cited["refs"])
    assert [s["file"] for s in result["sources"]] == ["calllog.db"] and len(result["sources"][0]["sha256"]) == 64
    assert_refs_match_source(demo_evidence.parent / "sources", result)
    text = "".join(e.data["delta"] for e in third if e.event == "message")
    assert f"{in_window} 条" in text and result["rows"][0][1] in text

    # Ids are strictly increasing across the three turns, with no gaps.
    ids = [e.id for e in first + second + third]
    assert ids == list(range(1, len(ids) + 1))


def assert_refs_match_source(sources_dir, result):
    """Each cited row exists in the evidence file the demo wrote (same sha256), and its number is
    the number of the row it supports."""
    for cited, row in zip(result["evidence"], result["rows"], strict=True):
        for ref in cited["refs"]:
            source = result["sources"][ref["source"]]
            path = next(sources_dir.rglob(source["file"]))
            assert hashlib.sha256(path.read_bytes()).hexdigest() == source["sha256"]
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                sql = f"SELECT number FROM {ref['table']} WHERE rowid = ?"  # table names come from our store
                numbers = [conn.execute(sql, (rowid,)).fetchone()[0] for rowid in ref["rowids"]]
            finally:
                conn.close()
            assert {re.sub(r"\D", "", number)[-8:] for number in numbers} == {row[2][-8:]}


async def test_seed_form_unchanged_reads_wechat_too(qbot):
    """The proposed form, sent back as is, reads both call nodes it names."""
    _, _, third = await qbot.api.flow("both-nodes")
    result = next(e for e in third if e.event == "result").data
    assert sorted(result["scope"]) == ["基本信息/电话/通话记录", "社交通讯/微信/音视频通话"]


async def test_cors_other_origin_and_preflight(qbot):
    url = qbot.api.url(f"/chat/conversation/{SEED_CID}")
    async with qbot.api.session.options(url, headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,last-event-id"}) as resp:
        assert resp.status == 200
        assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert resp.headers["Access-Control-Allow-Credentials"] == "true"
        assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    async with qbot.api.session.get(f"{qbot.base}/healthz") as resp:
        assert resp.status == 200
    async with qbot.api.session.post(url, json={"question": "x", "confirm_type": 0},
                                     headers={"Origin": "http://evil.example"}) as resp:
        assert "Access-Control-Allow-Origin" not in resp.headers
        assert "Access-Control-Allow-Credentials" not in resp.headers


async def test_cases_and_node_tree(qbot):
    status, body = await qbot.api.get_json("/cases")
    assert status == 200 and [c["case_id"] for c in body["cases"]] == ["demo"]
    for case_id in ("demo", "default"):
        status, tree = await qbot.api.get_json(f"/cases/{case_id}/nodes")
        assert status == 200 and tree["case_id"] == "demo" and tree["timezone"] == "Asia/Shanghai"
    paths = {n["path"]: n for n in tree["nodes"]}
    assert {"基本信息/电话/通话记录", "基本信息/短信", "社交通讯/微信/聊天记录", "社交通讯/微信/音视频通话"} <= set(paths)
    calls = paths["基本信息/电话/通话记录"]
    assert calls["kind"] == "calls" and calls["records"] > 0 and calls["first"] < calls["last"]
    status, body = await qbot.api.get_json("/cases/nope/nodes")
    assert status == 404 and body["error"]["code"] == "case_not_found"

    # package_nodes restricts the task to the nodes named, by id or by path.
    wechat = paths["社交通讯/微信/音视频通话"]
    for n, entry in enumerate((wechat["id"], wechat["path"])):
        first, second, third = await qbot.api.flow(f"only-wechat-{n}", package_nodes=[entry])
        form = next(e.data["form"] for e in second if e.event == "confirm")
        assert "微信" in form["filter_tree"] and "电话" not in form["filter_tree"]
        assert next(e for e in third if e.event == "result").data["scope"] == ["社交通讯/微信/音视频通话"]
