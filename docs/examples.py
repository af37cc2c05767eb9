"""The examples of docs/api.md, from a real run: `python docs/examples.py > /tmp/examples.txt`.

Starts qbot in this process (qbot.app.create_app on aiohttp's web.AppRunner, a free port of
127.0.0.1, a fresh temporary data dir, so the demo case is built first), speaks to it with
aiohttp's client and prints each raw answer: status line, headers, body (SSE text or JSON).
Nothing is shortened here; docs/api.md shortens long values and says where.

Two servers run, one after the other:

A. the defaults (`config.yaml`'s values, no authentication): the seed's three requests, the
   other routes, refusals, CORS, the console, and a turn whose ending the log cannot record
   (a trigger makes the log refuse the `done` of one conversation, as a full disk would);
B. bearer authentication on (one examiner, alice), `server.ping_interval` 0.5 s,
   `limits.max_running_turns` 1, and one handler added by this script only (`wait`, confirm_type
   99: a message, then it waits until stopped), so that a turn is still running when it is
   stopped, refused as busy, or counted against the limit."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qbot import registry as plugin_registry  # noqa: E402
from qbot.app import create_app  # noqa: E402
from qbot.auth import token_hash  # noqa: E402
from qbot.config import load_config  # noqa: E402
from qbot.events import message  # noqa: E402
from qbot.handlers import STATE_COMPLETED  # noqa: E402
from qbot.registry import Registered  # noqa: E402

P = "/qbot/api/v1/generalsec-ai"
ORIGIN = "http://localhost:9000"
CID = "37d9437d-6de3-48d9-999f-b1f034ef5b45"  # the seed's
SEED_QUESTION = "请问机主最近与谁打电话比较频繁？"
SEED_FORM = {  # request A of the seed, as the seed's front end sent it
    "formName": "filter",
    "filter_tree": "为了分析机主的通讯行为，需要检索基本信息类别下信息应用的通话记录",
    "filter_keyword": "",
    "analysis_prompt": (
        "```\n"
        "作为通讯行为分析专家，请基于以下与问题相关的应用节点数据分析是否存在频繁通话行为。\n"
        "\n"
        "## 相关数据源分析\n"
        "**相关应用节点**：社交通讯/微信\n"
        "**相关数据类型特征**：微信通话记录、联系人信息\n"
        "\n"
        "## 分层识别标准（专注于相关节点）\n"
        "\n"
        "### 第一层：相关数据源特征识别\n"
        "- **微信数据特点**：包含通话时间、通话时长、联系人信息\n"
        "- **微信行为模式**：用户与特定联系人之间的频繁通话行为\n"
        "\n"
        "### 第二层：相关节点内容特征分析\n"
        "1. **通话频率**：分析用户与特定联系人之间的通话次数，判断是否频繁\n"
        "2. **通话时长**：分析用户与特定联系人之间的通话时长，判断是否异常\n"
        "3. **联系人信息**：分析用户与特定联系人之间的关系，判断是否频繁通话\n"
        "\n"
        "### 第三层：相关节点行为模式综合判断\n"
        "- **相关单节点分析**：基于微信通话记录和联系人信息，判断用户与特定联系人之间的通话频率\n"
        "- **相关跨节点关联**：无跨节点关联分析\n"
        "\n"
        "## 相关应用场景边界说明\n"
        "- **微信正面特征**：通话记录和联系人信息可以用于判断通话频率\n"
        "- **微信负面特征**：无法通过微信数据判断其他应用中的通话行为\n"
        "- **相关跨应用边界**：无跨应用边界分析\n"
        "\n"
        "## 质量验证要求\n"
        "确保分析结果与微信通话记录和联系人信息的数据结构和行为特征100%匹配，内容精简且针对性强。\n"
        "```"
    ),
}
TOKEN = "example-token-alice"  # server B's only token (its sha256 is configured)
SHOWN_REQUEST_HEADERS = ("Origin", "Last-Event-ID", "Authorization", "Access-Control-Request-Method",
                         "Access-Control-Request-Headers", "Content-Type")


def body(cid: str, confirm_type: int, question: str, form: dict | None = None, **extra) -> dict:
    return {"question": question, "conversation_id": cid, "case_id": "", "confirm_type": confirm_type,
            "package_nodes": [], "confirm_form_data": form or {}, **extra}


class Wait:
    """Server B only: a message, then waits (up to 30 s) until the turn is stopped."""

    confirm_type = 99
    name = "wait"
    form_schema = None
    allowed_states = None

    async def run(self, ctx):
        yield message("waiting until stopped")
        await asyncio.sleep(30)
        ctx.set_state(STATE_COMPLETED)


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def show(title: str, method: str, path: str, headers: dict, sent: object, resp: aiohttp.ClientResponse,
         text: str) -> None:
    print(f"\n======== {title}")
    print(f"> {method} {path}")
    for name in SHOWN_REQUEST_HEADERS:
        if name in headers:
            print(f"> {name}: {headers[name]}")
    if sent is not None:
        print(f"> {sent if isinstance(sent, str) else json.dumps(sent, ensure_ascii=False)}")
    print(f"HTTP/{resp.version.major}.{resp.version.minor} {resp.status} {resp.reason}")
    for name, value in resp.raw_headers:
        if name.decode().lower() not in ("date", "server"):
            print(f"{name.decode()}: {value.decode()}")
    print()
    print(text, end="" if text.endswith("\n") else "\n")


async def call(session: aiohttp.ClientSession, base: str, title: str, method: str, path: str,
               json_body: object = None, data: str | bytes | None = None, headers: dict | None = None) -> str:
    headers = {"Origin": ORIGIN, **(headers or {})}
    if json_body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(json_body, ensure_ascii=False)
    async with session.request(method, base + path, data=data, headers=headers) as resp:
        text = await resp.text()
        shown = data if data is None or len(data) < 2000 else f"({len(data)} bytes)"
        show(title, method, path, headers, shown, resp, text)
        return text


def last_id(sse_text: str) -> int:
    return max(int(line[4:]) for line in sse_text.splitlines() if line.startswith("id: "))


def log_trigger(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


async def server_a(session: aiohttp.ClientSession, data_dir: Path) -> None:
    config = load_config(env={}, overrides={"data_dir": str(data_dir)})
    async with serving(create_app(config)) as base:
        conv = f"{P}/chat/conversation/{CID}"
        await call(session, base, "healthz", "GET", "/healthz")
        await call(session, base, "cases", "GET", f"{P}/cases")
        await call(session, base, "nodes", "GET", f"{P}/cases/default/nodes")

        await call(session, base, "seed 1: question (-1)", "POST", conv, body(CID, -1, SEED_QUESTION))
        await call(session, base, "seed 2: start (0)", "POST", conv, body(CID, 0, "开始任务"))
        third = await call(session, base, "seed 3: filter (3), the seed's own form", "POST", conv,
                           body(CID, 3, "继续任务", SEED_FORM))
        end = last_id(third)
        await call(session, base, "resume: GET events with Last-Event-ID", "GET", f"{conv}/events",
                   headers={"Last-Event-ID": str(end - 3)})
        await call(session, base, "resume: GET events with ?last_event_id=", "GET",
                   f"{conv}/events?last_event_id={end - 1}")
        await call(session, base, "retry: the same POST again with Last-Event-ID", "POST", conv,
                   body(CID, 3, "继续任务", SEED_FORM), headers={"Last-Event-ID": str(end - 2)})
        await call(session, base, "get", "GET", conv)

        other = "6f1c2a3b-0d4e-4f5a-9b8c-7d6e5f4a3b2c"
        await call(session, base, "a second conversation", "POST", f"{P}/chat/conversation/{other}",
                   body(other, -1, "张伟的电话号码是多少？"))
        page = json.loads(await call(session, base, "list, page 1", "GET", f"{P}/chat/conversations?limit=1"))
        await call(session, base, "list, page 2", "GET", f"{P}/chat/conversations?limit=1&before={page['next']}")
        await call(session, base, "rename", "PATCH", f"{P}/chat/conversation/{other}", {"title": "张伟的号码"})
        await call(session, base, "list, one case", "GET", f"{P}/chat/conversations?case_id=demo&limit=1")
        await call(session, base, "stop with no running turn", "POST", f"{conv}/stop")
        await call(session, base, "delete", "DELETE", f"{P}/chat/conversation/{other}")
        await call(session, base, "get a deleted conversation", "GET", f"{P}/chat/conversation/{other}")
        await call(session, base, "a step in a deleted conversation", "POST", f"{P}/chat/conversation/{other}",
                   body(other, -1, SEED_QUESTION))

        # Refusals.
        await call(session, base, "invalid_json", "POST", conv, data="{not json")
        await call(session, base, "invalid_request", "POST", conv, {"confirm_type": "-1"})
        await call(session, base, "unknown_confirm_type", "POST", conv, body(CID, 5, "?"))
        await call(session, base, "conversation_id_mismatch", "POST", conv, body("another-id", -1, "?"))
        await call(session, base, "invalid_conversation_id", "GET", f"{P}/chat/conversation/-bad-")
        await call(session, base, "unknown_package_nodes", "POST", conv,
                   {**body(CID, -1, SEED_QUESTION), "package_nodes": ["社交通讯/QQ/聊天记录"]})
        await call(session, base, "invalid_last_event_id", "GET", f"{conv}/events", headers={"Last-Event-ID": "x"})
        await call(session, base, "invalid_limit", "GET", f"{P}/chat/conversations?limit=0")
        await call(session, base, "invalid_request (a title of two lines)", "PATCH", conv, {"title": "两\n行"})
        await call(session, base, "conversation_not_found (0 on an unknown conversation)", "POST",
                   f"{P}/chat/conversation/never-asked", body("never-asked", 0, "开始任务"))
        await call(session, base, "case_not_found", "GET", f"{P}/cases/nope/nodes")
        await call(session, base, "invalid_state", "POST", conv, body(CID, 0, "开始任务"))
        await call(session, base, "invalid_request (the filter form)", "POST", conv,
                   body(CID, 3, "继续任务", {"formName": "filter", "filter_tree": " "}))
        await call(session, base, "body_too_large", "POST", conv, data="x" * (config.limits.max_body_bytes + 1),
                   headers={"Content-Type": "application/json"})
        await call(session, base, "method_not_allowed", "PUT", conv, data="{}")
        await call(session, base, "not_found", "GET", f"{P}/nothing-here")

        # CORS, the console, the OpenAPI document.
        await call(session, base, "CORS preflight", "OPTIONS", conv,
                   headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
        await call(session, base, "CORS preflight from another origin", "OPTIONS", conv,
                   headers={"Origin": "http://elsewhere:9000", "Access-Control-Request-Method": "POST"})
        async with session.get(base + "/") as resp:
            show("console", "GET", "/", {}, None, resp, (await resp.text())[:300] + "…(cut by the script)\n")
        async with session.get(base + "/openapi.json") as resp:
            doc = await resp.json()
            digest = {"openapi": doc["openapi"], "info": {"title": doc["info"]["title"]},
                      "paths": {path: sorted(ops) for path, ops in doc["paths"].items()}}
            show("openapi (a digest made by the script)", "GET", "/openapi.json", {}, None, resp,
                 json.dumps(digest, ensure_ascii=False, indent=1))

        # The log refuses the `done` of one conversation: the turn ends unrecorded; the next step closes it.
        log_trigger(config.log_db, "CREATE TRIGGER refuse_done BEFORE INSERT ON events WHEN NEW.event = 'done' "
                                   "AND NEW.conversation_id = 'unrecorded' BEGIN SELECT RAISE(ABORT, 'full'); END")
        await call(session, base, "an ending the log cannot record", "POST", f"{P}/chat/conversation/unrecorded",
                   body("unrecorded", -1, SEED_QUESTION))
        log_trigger(config.log_db, "DROP TRIGGER refuse_done")
        await call(session, base, "the next step", "POST", f"{P}/chat/conversation/unrecorded",
                   body("unrecorded", -1, "张伟的电话号码是多少？"))
        await call(session, base, "the log afterwards", "GET", f"{P}/chat/conversation/unrecorded/events",
                   headers={"Last-Event-ID": "0"})

        # The log refuses the start of a turn: 503 before any stream.
        log_trigger(config.log_db, "CREATE TRIGGER refuse_start BEFORE INSERT ON events WHEN NEW.event = 'start' "
                                   "BEGIN SELECT RAISE(ABORT, 'full'); END")
        await call(session, base, "log_unavailable", "POST", f"{P}/chat/conversation/no-room",
                   body("no-room", -1, SEED_QUESTION))
        log_trigger(config.log_db, "DROP TRIGGER refuse_start")


async def server_b(session: aiohttp.ClientSession, data_dir: Path) -> None:
    config = load_config(env={}, overrides={
        "data_dir": str(data_dir), "server.ping_interval": 0.5, "limits.max_running_turns": 1,
        "auth.tokens": [{"examiner": "alice", "sha256": token_hash(TOKEN)}]})
    registry = plugin_registry.load()
    registry[Wait.confirm_type] = Registered(Wait(), "wait", "docs/examples.py")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with serving(create_app(config, registry)) as base:
        await call(session, base, "unauthorized", "GET", f"{P}/cases")
        await call(session, base, "unauthorized (a wrong token)", "GET", f"{P}/cases",
                   headers={"Authorization": "Bearer not-a-token"})
        await call(session, base, "healthz needs no token", "GET", "/healthz")

        path = f"{P}/chat/conversation/wait-1"
        headers = {"Origin": ORIGIN, "Content-Type": "application/json", **auth}
        sent = json.dumps(body("wait-1", 99, "wait"))
        async with session.post(base + path, data=sent, headers=headers) as resp:
            raw = ""
            while ": ping" not in raw:  # the turn waits: the stream idles, and pings
                raw += (await resp.content.readany()).decode()
            await call(session, base, "conversation_busy", "POST", path, body("wait-1", -1, SEED_QUESTION),
                       headers=auth)
            await call(session, base, "too_many_turns", "POST", f"{P}/chat/conversation/wait-2",
                       body("wait-2", -1, SEED_QUESTION), headers=auth)
            await call(session, base, "stop", "POST", f"{path}/stop", headers=auth)
            raw += await resp.text()
            show("the stopped turn's stream", "POST", path, headers, sent, resp, raw)


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="qbot-examples-") as tmp:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            await server_a(session, Path(tmp) / "a")
            await server_b(session, Path(tmp) / "a")  # the same data dir: the demo case is built once


if __name__ == "__main__":
    asyncio.run(main())
