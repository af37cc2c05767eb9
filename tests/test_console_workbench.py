"""The console as an examiner's workbench, in Debian's Chromium against a real qbot server (the
browser and page fixtures of tests/test_console.py): rename and delete a conversation, both
surviving a reload; the list of the selected case, titled by question and date; a result table
copied as TSV; the keyboard; a clear message, the typed question kept, when the server is gone
or refuses the page's origin. With QBOT_CONSOLE_SHOTS=DIR each state is also saved as a picture."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from qbot.app import create_app
from qbot.config import load_config
from qbot.evidence.importing import import_paths
from qbot.server import runner_kwargs
from tests.conftest import QbotTestServer
from tests.support import SEED_QUESTION, Sse, read_sse
from tests.test_console import Page, browser, expect, open_page  # noqa: F401 - the fixtures
from tests.test_rename import one_contact_case

SECOND_QUESTION = "张伟的电话号码是多少？"


async def cid_of(page: Page) -> str:
    return await page.evaluate("localStorage.getItem('qbot.console.open')")


async def answered(page: Page, running: Any, headers: dict | None = None) -> tuple[str, Sse]:
    """The seed's flow clicked through; (the conversation id, its result event as the API replays it)."""
    await page.open_filter_form()
    await page.click("#filter-submit")
    await page.last_turn_done("completed")
    cid = await cid_of(page)
    async with running.api.session.get(running.api.url(f"/chat/conversation/{cid}/events"), headers=headers) as resp:
        return cid, next(e for e in (await read_sse(resp)).events if e.event == "result")


async def test_rename_and_delete_survive_a_reload(start_qbot, open_page) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    await page.ask(SECOND_QUESTION)
    await page.last_turn_done("awaiting_start")
    kept = await cid_of(page)
    await page.click("#new-conversation")
    await expect(page.locator("#conversation-tools")).to_be_hidden()  # nothing to rename yet
    await page.ask(SEED_QUESTION)
    await page.last_turn_done("awaiting_start")
    cid = await cid_of(page)
    await expect(page.locator("#conversation-title")).to_have_text(SEED_QUESTION)

    # rename: edited in place, Enter saves; a blank title is refused by the server, kept in the box
    await page.click("#rename")
    await expect(page.locator("#rename-input")).to_have_value(SEED_QUESTION)
    await page.fill("#rename-input", "   ")
    await page.press("#rename-input", "Enter")
    await expect(page.locator("#alert-text")).to_contain_text("400 invalid_request")
    await expect(page.locator("#alert-text")).to_contain_text("title：must be 1 to 200 characters")  # why, too
    await expect(page.locator("#rename-input")).to_have_value("   ")
    await page.shot("rename-refused")
    await page.fill("#rename-input", "张伟通话频率（复核）")
    await page.shot("rename-editing")
    await page.press("#rename-input", "Enter")
    await expect(page.locator("#conversation-title")).to_have_text("张伟通话频率（复核）")
    await expect(page.locator("#alert")).to_be_hidden()
    item = page.locator(f"#conversations button[data-cid='{cid}'] .conv-title")
    await expect(item).to_have_text("张伟通话频率（复核）")
    _, conv = await running.api.get_json(f"/chat/conversation/{cid}")
    assert conv["title"] == "张伟通话频率（复核）"
    await page.reload()
    await expect(page.locator("#conversation-title")).to_have_text("张伟通话频率（复核）")
    await expect(item).to_have_text("张伟通话频率（复核）")
    await expect(page.locator(".turn").first.locator(".question")).to_have_text(SEED_QUESTION)  # the question stays
    await page.shot("renamed-after-reload")

    # an edit left open belongs to its conversation: opening another one closes it
    await page.click("#rename")
    await page.click(f"#conversations button[data-cid='{kept}']")
    await expect(page.locator("#rename-form")).to_be_hidden()
    await expect(page.locator("#conversation-title")).to_have_text(SECOND_QUESTION)
    await page.click(f"#conversations button[data-cid='{cid}']")
    await page.last_turn_done("awaiting_start")

    # delete: asked first (cancel keeps it), then gone from the list and the server
    await page.click("#delete")
    await expect(page.locator("#delete-dialog")).to_be_visible()
    await expect(page.locator("#delete-what")).to_have_text("张伟通话频率（复核）")
    await page.shot("delete-asked")
    await page.click("#delete-cancel")
    await expect(page.locator("#delete-dialog")).to_be_hidden()
    assert (await running.api.get_json(f"/chat/conversation/{cid}"))[0] == 200
    await page.click("#delete")
    await page.click("#delete-ok")
    await expect(page.locator(f"#conversations button[data-cid='{cid}']")).to_have_count(0)
    await expect(page.locator("#conversation-title")).to_have_text("新对话")
    await expect(page.locator(".turn")).to_have_count(0)
    assert (await running.api.get_json(f"/chat/conversation/{cid}"))[0] == 404
    await page.reload()
    await expect(page.locator("#conversations button[data-cid]")).to_have_count(1)
    await expect(page.locator(f"#conversations button[data-cid='{kept}']")).to_be_visible()
    await expect(page.locator("#conversation-title")).to_have_text("新对话")
    await expect(page.locator("#alert")).to_be_hidden()  # the deleted one is not reopened
    assert await cid_of(page) is None
    await page.shot("deleted-after-reload")


async def test_the_list_holds_the_selected_cases_titled_with_their_date(start_qbot, open_page, data_dir: Path,
                                                                        tmp_path: Path) -> None:
    assert import_paths(data_dir / "evidence.db", "other", [one_contact_case(tmp_path)], package="手机二",
                        case_name="第二案").ok
    running = await start_qbot()
    demo = [str(uuid.uuid4()), str(uuid.uuid4())]
    for cid in demo:  # the same question twice: told apart by when it was asked
        assert (await running.api.step(cid, -1, SEED_QUESTION))[0] == 200
    other = str(uuid.uuid4())
    assert (await running.api.step(other, -1, "李四的电话号码是多少？", case_id="other"))[0] == 200
    page = await open_page(running.base, timezone_id="Asia/Shanghai")

    async def listed() -> list[str]:
        return await page.locator("#conversations button[data-cid]").evaluate_all("bs => bs.map(b => b.dataset.cid)")

    await expect(page.locator("#case")).to_have_value("demo")
    await expect(page.locator("#conversations button[data-cid]")).to_have_count(2)
    assert await listed() == demo[::-1]  # newest first
    for cid in demo:
        _, conv = await running.api.get_json(f"/chat/conversation/{cid}")
        asked = datetime.fromisoformat(conv["created_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
        button = page.locator(f"#conversations button[data-cid='{cid}']")
        await expect(button.locator(".conv-title")).to_have_text(SEED_QUESTION)
        await expect(button.locator(".conv-meta")).to_have_text(f"{asked:%Y-%m-%d %H:%M} · 待开始任务")
    await page.shot("list-demo-case")

    await page.select_option("#case", "other")
    await expect(page.locator("#conversations button[data-cid]")).to_have_count(1)
    assert await listed() == [other]
    await expect(page.locator("#nodes label")).to_have_count(1)
    await page.click(f"#conversations button[data-cid='{other}']")
    await page.last_turn_done("awaiting_start")
    await page.shot("list-other-case")

    # opening a conversation of the other case from a reload brings its case and list with it
    await page.evaluate(f"localStorage.setItem('qbot.console.open', '{demo[0]}')")
    await page.reload()
    await expect(page.locator("#case")).to_have_value("demo")
    await page.last_turn_done("awaiting_start")
    await expect(page.locator("#conversations button[data-cid]")).to_have_count(2)


def tsv(columns: list[str], rows: list[list[Any]]) -> str:
    cell = lambda v: re.sub(r"[\t\r\n]+", " ", "" if v is None else str(v))  # noqa: E731
    return "".join("\t".join(map(cell, row)) + "\n" for row in [columns, *rows])


async def test_a_result_table_is_copied_as_tsv(start_qbot, open_page) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=running.base)
    result = (await answered(page, running))[1].data
    await page.click(".result .copy-tsv")
    await expect(page.locator(".result .copy-status")).to_have_text(f"已复制 {len(result['rows'])} 行")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied == tsv(result["columns"], result["rows"])
    assert copied.splitlines()[1].split("\t")[1] == str(result["rows"][0][1])  # 张伟, a cell of its own
    await page.shot("result-one-table-copied")

    # a cell holding a tab or a line break stays one cell
    got = await page.evaluate("""async () => {
        const { toTsv } = await import("/console/result.js");
        return toTsv(["a", "b"], [["x\\ty", "1\\r\\n2"], [null, 3]]);
    }""")
    assert got == "a\tb\nx y\t1 2\n\t3\n"


async def test_enter_sends_and_shift_enter_breaks_the_line(start_qbot, open_page) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    await page.click("#question")
    await page.keyboard.type("第一行")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("第二行")
    await expect(page.locator("#question")).to_have_value("第一行\n第二行")
    await page.shot("question-two-lines")
    # an input method's Enter (picking a word) does not send either
    await page.evaluate("""document.getElementById("question").dispatchEvent(
        new KeyboardEvent("keydown", { key: "Enter", isComposing: true, bubbles: true, cancelable: true }))""")
    await expect(page.locator(".turn")).to_have_count(0)
    await page.fill("#question", SEED_QUESTION)
    await page.press("#question", "Enter")
    await page.last_turn_done("awaiting_start")
    await expect(page.locator(".turn").first.locator(".question")).to_have_text(SEED_QUESTION)
    await expect(page.locator("#question")).to_have_value("")  # taken by the server: cleared
    _, listed = await running.api.get_json("/chat/conversations")
    assert [c["title"] for c in listed["conversations"]] == [SEED_QUESTION]


async def test_a_stopped_server_is_said_plainly_and_the_question_kept(start_qbot, open_page, data_dir: Path) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    port = running.server.port
    await running.server.close()
    await page.fill("#question", SEED_QUESTION)
    await page.press("#question", "Enter")
    alert = page.locator("#alert-text")
    await expect(alert).to_contain_text("无法连接到 qbot 服务器")
    await expect(alert).to_contain_text("问题仍在输入框中")
    await expect(alert).not_to_contain_text("被拒绝")
    await expect(page.locator("#alert")).to_have_attribute("data-kind", "offline")
    await expect(page.locator("#question")).to_have_value(SEED_QUESTION)
    await expect(page.locator(".turn")).to_have_count(0)
    await expect(page.locator("#conversation-title")).to_have_text("新对话")
    assert await cid_of(page) is None  # nothing to reopen after a reload
    await page.shot("offline")

    # the server is back on its port: the kept question is sent with one Enter
    config = load_config(env={}, overrides={"data_dir": str(data_dir)})
    again = QbotTestServer(create_app(config), port=port)
    await again.start_server(**runner_kwargs(config))
    try:
        await page.press("#question", "Enter")
        await page.last_turn_done("awaiting_start")
        await expect(page.locator("#alert")).to_be_hidden()
        await expect(page.locator("#question")).to_have_value("")
    finally:
        await again.close()


async def test_a_refused_origin_is_said_plainly_and_the_question_kept(start_qbot, open_page) -> None:
    """A front proxy that rewrites Host to qbot's own but passes the browser's Origin on with
    requests that carry a body (a common mistake; it drops the Origin Chromium sends with module
    scripts, or the page could not even start): the page loads, its GETs work, and its POSTs
    are refused by the real server as another origin's."""
    running = await start_qbot()
    session = running.api.session
    passed = ("content-type", "content-security-policy", "etag", "cache-control")

    async def forward(request: web.Request) -> web.Response:
        dropped = ("host", "content-length") if request.method == "POST" else ("host", "content-length", "origin")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in dropped}
        async with session.request(request.method, running.base + request.path_qs, headers=headers,
                                   data=await request.read()) as resp:
            return web.Response(status=resp.status, body=await resp.read(),
                                headers={k: v for k, v in resp.headers.items() if k.lower() in passed})

    proxy = web.Application()
    proxy.router.add_route("*", "/{tail:.*}", forward)
    proxy_runner = web.AppRunner(proxy)
    await proxy_runner.setup()
    site = web.TCPSite(proxy_runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]
        page = await open_page(f"http://127.0.0.1:{port}")
        await expect(page.locator("#case option")).to_have_count(1)  # GETs pass
        await page.ask(SEED_QUESTION)
        alert = page.locator("#alert-text")
        await expect(alert).to_contain_text("拒绝了本页面的来源（origin_not_allowed）")
        await expect(alert).to_contain_text("server.cors_origins")
        await expect(page.locator("#alert")).to_have_attribute("data-kind", "origin")
        await expect(page.locator("#question")).to_have_value(SEED_QUESTION)
        await expect(page.locator(".turn")).to_have_count(0)
        await page.shot("origin-refused")
    finally:
        await proxy_runner.cleanup()
    _, listed = await running.api.get_json("/chat/conversations")
    assert listed["conversations"] == []
