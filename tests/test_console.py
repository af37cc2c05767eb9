"""The web console (qbot/console) in a real headless Chromium, against a real qbot server on a
port: the seed's flow clicked through, the edited form's answer compared with what the API
answers for the same form, a reload in the middle of a turn, Stop, refusals, authentication, and
evidence text that carries HTML shown as text. Chromium is Debian's (/usr/bin/chromium), driven
by Playwright; without it these tests skip, unless REQUIRE_ALL_TESTS=1 (CI), where they fail."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from qbot.appkeys import METRICS
from qbot.auth import token_hash
from qbot.config import ConfigError, load_config
from qbot.app import create_app
from qbot.evidence.importing import import_paths
from tests.support import SEED_QUESTION, cannot_run_here, install_plugin, read_sse

try:
    from playwright.async_api import async_playwright, expect
except ImportError:  # the browser fixture says so: a skip, or a failure in CI
    async_playwright = expect = None

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium's own connections are refused on a closed
# network and slow every start; Playwright gives each launch a fresh profile directory.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 20_000
PHONE_ONLY = "为了分析机主的通讯行为，需要检索基本信息类别下电话应用的通话记录"


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        cannot_run_here(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if async_playwright is None:
        cannot_run_here("the playwright package is not installed (pip install -e '.[test]')")
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


class Page:
    """A console tab; records the page's uncaught errors and console errors (a CSP violation is
    one), which must stay empty."""

    def __init__(self, page: Any, base: str):
        self.page = page
        self.base = base
        self.problems: list[str] = []
        page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.set_default_timeout(WAIT_MS)

    def _console(self, message: Any) -> None:
        # A refused request (4xx) is logged by Chromium as a failed load; those are tested for.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(f"console: {message.text}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.page, name)

    async def shot(self, name: str) -> None:
        """A screenshot of the page as it is, to look at: with QBOT_CONSOLE_SHOTS=DIR, DIR/name.png."""
        folder = os.environ.get("QBOT_CONSOLE_SHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    async def open(self, ready: bool = True) -> None:
        await self.page.goto(self.base + "/")
        if ready:  # cases and conversations listed
            await self.page.wait_for_selector("body[data-ready=true]", state="attached")

    async def ask(self, question: str) -> None:
        await self.page.fill("#question", question)
        await self.page.click("#ask")

    async def last_turn_done(self, state: str = "completed") -> None:
        await expect(self.page.locator(".turn").last).to_have_attribute("data-state", state)

    async def open_filter_form(self) -> None:
        """Ask the seed's question, start the task, and wait for the proposed filter form."""
        await self.ask(SEED_QUESTION)
        await self.last_turn_done("awaiting_start")
        await self.page.click("#confirm")
        await expect(self.page.locator("#filter-form")).to_be_visible()


@pytest.fixture
async def open_page(browser: Any) -> AsyncIterator[Any]:
    pages: list[Page] = []

    async def open_page(base: str, ready: bool = True, **context_options: Any) -> Page:
        context = await browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)
        page = Page(await context.new_page(), base)
        pages.append(page)
        await page.open(ready)
        return page

    yield open_page
    for page in pages:
        assert page.problems == [], page.problems


# ---- what the API itself answers, to compare the page with ----

async def api_step(api: Any, cid: str, confirm_type: int, question: str, form: dict | None = None) -> list:
    status, events, _ = await api.step(cid, confirm_type, question, form)
    assert status == 200, events
    return events


async def api_result(api: Any, form_edit: dict) -> tuple[dict, dict]:
    """The seed's flow over the API with the proposed form edited by `form_edit`: (form, result)."""
    cid = str(uuid.uuid4())
    await api_step(api, cid, -1, SEED_QUESTION)
    proposed = next(e.data["form"] for e in await api_step(api, cid, 0, "开始任务") if e.event == "confirm")
    form = {**proposed, **form_edit}
    third = await api_step(api, cid, 3, "继续任务", form)
    return proposed, next(e.data for e in third if e.event == "result")


def cell_text(value: Any) -> str:
    return str(value)


# ---- a filter step that holds until the test lets it go, for a reload or a Stop mid-turn ----

GATED_PLUGIN = '''
import asyncio
from contextlib import aclosing
from qbot_plugins.filter import handler as builtin

gate = asyncio.Event()  # set by the test; the module is imported afresh for each test


class Gated:
    """The built-in filter step, holding after its first message until `gate` is set."""
    confirm_type = 3
    name = "gated_filter"
    form_schema = builtin.form_schema
    allowed_states = builtin.allowed_states

    async def run(self, ctx):
        held = False
        async with aclosing(builtin.run(ctx)) as events:
            async for event in events:
                yield event
                if not held and event.event == "message":
                    held = True
                    await gate.wait()


handler = Gated()
'''


@pytest.fixture
def gated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Replaces the built-in filter (disabled by name) with the gated one; returns its module."""
    monkeypatch.delitem(sys.modules, "qbot_gated", raising=False)
    root = install_plugin(tmp_path / "gated-site", "qbot_gated", {"gated_filter": "qbot_gated:handler"},
                          {"qbot_gated": GATED_PLUGIN})
    monkeypatch.syspath_prepend(str(root))

    class Gate:
        @property
        def module(self) -> Any:
            return sys.modules["qbot_gated"]  # imported by the registry when the server starts

        def open(self) -> None:
            self.module.gate.set()

        def close(self) -> None:
            self.module.gate = __import__("asyncio").Event()

    return Gate()


# ---- the tests ----

async def test_static_files_headers_and_prefix(start_qbot) -> None:
    running = await start_qbot(server__prefix="/case-lab/api")
    session = running.api.session
    async with session.get(running.base + "/") as resp:
        assert resp.status == 200 and resp.content_type == "text/html"
        csp = resp.headers["Content-Security-Policy"]
        page = await resp.text()
        etag = resp.headers["ETag"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert "require-trusted-types-for 'script'" in csp
    assert '<meta name="qbot-prefix" content="/case-lab/api">' in page
    assert "<script>" not in page and "onclick" not in page  # no inline script for the CSP to allow
    async with session.get(running.base + "/", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
    for name, kind in (("app.js", "text/javascript"), ("markdown.js", "text/javascript"), ("style.css", "text/css")):
        async with session.get(f"{running.base}/console/{name}") as resp:
            assert resp.status == 200 and resp.content_type == kind
            assert resp.headers["Content-Security-Policy"] == csp
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
    for name in ("__init__.py", "..%2F__init__.py", "nope.js"):
        async with session.get(f"{running.base}/console/{name}") as resp:
            assert resp.status == 404 and (await resp.json())["error"]["code"] == "not_found"


def test_prefix_under_the_console_path_is_refused(data_dir: Path) -> None:
    config = load_config(env={}, overrides={"data_dir": str(data_dir), "server.prefix": "/console/api"})
    with pytest.raises(ConfigError, match="server.prefix"):
        create_app(config)


async def test_static_files_need_no_token(start_qbot) -> None:
    running = await start_qbot(auth__tokens=[{"examiner": "alice", "sha256": token_hash("alice-secret")}])
    session = running.api.session
    for path in ("/", "/console/app.js"):
        async with session.get(running.base + path) as resp:
            assert resp.status == 200
    async with session.get(running.api.url("/cases")) as resp:
        assert resp.status == 401


SSE_CHUNKS = ["id: 1\r", "\nevent: start\r\ndata: {\"a\":1}\r\n\r\n", ": ping\n\n", "data: line1\ndata:line2\n", "\n",
              "id: 7\revent: status\rdata:  two spaces\r\r", "id: 8\u0000bad\ndata: x\n\n", "retry: 3000\nevent: lone\n\n",
              "data\n\nid\ndata: cleared\n\n", "data: cut off by the end"]
SSE_EXPECTED = [
    {"type": "start", "data": "{\"a\":1}", "lastEventId": "1"},  # CR then LF split across chunks
    {"type": "message", "data": "line1\nline2", "lastEventId": "1"},  # multi-line data; the id carries on
    {"type": "status", "data": " two spaces", "lastEventId": "7"},  # CR alone ends lines; one space stripped
    {"type": "message", "data": "x", "lastEventId": "7"},  # an id with NUL is ignored
    {"type": "message", "data": "", "lastEventId": "7"},  # a field name alone: empty data
    {"type": "message", "data": "cleared", "lastEventId": ""},  # `id` alone resets it
]


async def test_sse_parser_follows_whatwg_rules(start_qbot, open_page) -> None:
    page = await open_page((await start_qbot()).base)
    got = await page.evaluate("""async (chunks) => {
        const { SseParser } = await import("/console/sse.js");
        const events = [], comments = [];
        const parser = new SseParser((e) => events.push(e), (c) => comments.push(c));
        for (const chunk of chunks) parser.feed(chunk);
        return { events, comments, retry: parser.retry };
    }""", SSE_CHUNKS)
    assert got == {"events": SSE_EXPECTED, "comments": ["ping"], "retry": 3000}


MARKDOWN = {
    "bold-and-line-break": ("**分析范围**：最近\n第二行", "<p><strong>分析范围</strong>：最近<br>第二行</p>"),
    "ordered-list": ("我将：\n\n1. 理解\n2. 检索", "<p>我将：</p><ol><li>理解</li><li>检索</li></ol>"),
    "nested-list": ("- a\n  - b\n- c", "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>"),
    "pipe-table": ("| 排名 | 号码 |\n|---|--:|\n| 1 | a\\|b |\n| **2** | c |",
                   '<div class="md-table"><table><thead><tr><th>排名</th><th class="align-right">号码</th></tr></thead>'
                   '<tbody><tr><td>1</td><td class="align-right">a|b</td></tr>'
                   '<tr><td><strong>2</strong></td><td class="align-right">c</td></tr></tbody></table></div>'),
    "heading-and-rule": ("## 相关数据源分析\n---", "<h4>相关数据源分析</h4><hr>"),
    "code": ("`x<y>` and\n```\n<b>x</b>\n```", "<p><code>x&lt;y&gt;</code> and</p><pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>"),
    "html-is-text": ('<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>',
                     '<p>&lt;img src=x onerror="window.__pwned=1"&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;</p>'),
    "no-links": ("[点我](javascript:window.__pwned=3) <https://example.org>",
                 "<p>[点我](javascript:window.__pwned=3) &lt;https://example.org&gt;</p>"),
    "underscores-are-not-emphasis": ("filter_tree 与 analysis_prompt", "<p>filter_tree 与 analysis_prompt</p>"),
    "unclosed-bold-while-streaming": ("**结论", "<p>**结论</p>"),
    "escapes-and-crlf": ("\\*不是强调\\*\r\n下一行", "<p>*不是强调*<br>下一行</p>"),
}


async def test_markdown_renderer(start_qbot, open_page) -> None:
    """Each case's exact HTML, in one page (a browser start per case would cost a second each)."""
    page = await open_page((await start_qbot()).base)
    got = await page.evaluate("""async (cases) => {
        const { renderMarkdown } = await import("/console/markdown.js");
        const out = {};
        for (const [name, source] of Object.entries(cases)) {
            const box = document.createElement("div");
            box.appendChild(renderMarkdown(source));
            out[name] = box.innerHTML;
        }
        return out;
    }""", {name: source for name, (source, _) in MARKDOWN.items()})
    assert got == {name: html for name, (_, html) in MARKDOWN.items()}
    assert await page.evaluate("window.__pwned") is None


async def test_seed_flow_with_an_edited_form(start_qbot, open_page) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    await expect(page.locator("#case option")).to_have_text(["演示案件（demo）"])
    await page.ask(SEED_QUESTION)

    # the plan streams as Markdown: a numbered list; then 开始任务 is offered
    plan = page.locator(".turn").first
    await expect(plan.locator(".markdown ol li")).to_have_count(4)
    await page.last_turn_done("awaiting_start")
    await expect(page.locator("#confirm")).to_have_text("开始任务")
    await page.click("#confirm")

    # the proposed form, editable; the API proposes the same
    await expect(page.locator("#filter-form")).to_be_visible()
    await page.shot("filter-form-proposed")
    proposed, edited_result = await api_result(running.api, {"filter_tree": PHONE_ONLY})
    _, unedited_result = await api_result(running.api, {})
    await expect(page.locator("textarea[name=filter_tree]")).to_have_value(proposed["filter_tree"])
    await expect(page.locator("textarea[name=analysis_prompt]")).to_have_value(proposed["analysis_prompt"])
    await page.fill("textarea[name=filter_tree]", PHONE_ONLY)  # WeChat calls left out
    await page.click("#filter-submit")
    await page.last_turn_done("completed")

    # the answer reflects the edit: the phone's calls only, as the API answers for that form
    assert edited_result["scope"] == ["基本信息/电话/通话记录"] and edited_result["records"] != unedited_result["records"]
    result = page.locator(".result")
    await expect(result.locator(".meta")).to_contain_text(f"记录：{edited_result['records']} 条")
    await expect(result.locator(".meta")).not_to_contain_text("微信")
    await expect(result.locator(".summary")).to_have_text(edited_result["summary"])
    columns = await result.locator(".result-table thead th").all_inner_texts()
    assert columns == edited_result["columns"] + ["证据"]
    first = result.locator(".result-table tbody tr").first
    cells = await first.locator("td:not(.evidence-cell)").all_inner_texts()
    assert cells == [cell_text(v) for v in edited_result["rows"][0]]
    await expect(result.locator(".result-table tbody tr")).to_have_count(len(edited_result["rows"]))

    # the first row's evidence: its source file, table and row ids, and the file's sha256
    evidence = edited_result["evidence"][0]
    ref = evidence["refs"][0]
    source = edited_result["sources"][ref["source"]]
    await first.locator("details.evidence summary").click()
    cited = first.locator("details.evidence li").first
    await expect(cited).to_be_visible()
    await expect(cited.locator(".file")).to_have_text(source["file"])
    await expect(cited.locator(".rowids")).to_have_text(", ".join(map(str, ref["rowids"])))
    await expect(first.locator("details.evidence summary")).to_contain_text(f"{evidence['records']} 条记录")
    await expect(result.locator(".sources li").first).to_contain_text(source["sha256"])

    # the narrative: Markdown rendered (bold), not shown as raw syntax. It carries the result's
    # table too; that copy is dropped, so the turn shows one table (it used to show it twice).
    analysis = page.locator(".turn").nth(2).locator(".markdown")
    await expect(analysis.locator("strong", has_text="结论")).to_have_count(1)
    await expect(page.locator(".turn").nth(2).locator("table")).to_have_count(1)
    await expect(analysis.locator(".table-moved")).to_have_count(1)
    assert "**" not in await analysis.inner_text()

    # the form as submitted, edit and all, heads the analysis turn, live and after a reload
    await check_submitted_form(page, {"filter_tree": PHONE_ONLY, "filter_keyword": "（空）",
                                      "analysis_prompt": proposed["analysis_prompt"]})

    # the conversation is listed, and the page has seen every event of it
    cid = await page.evaluate("localStorage.getItem('qbot.console.open')")
    status, conv = await running.api.get_json(f"/chat/conversation/{cid}")
    assert status == 200 and conv["state"] == "completed"
    last = str(conv["turns"][-1]["last_event_id"])
    await expect(page.locator("#transcript")).to_have_attribute("data-last-event-id", last)
    assert await page.evaluate(f"localStorage.getItem('qbot.console.lastEventId.{cid}')") == last
    await expect(page.locator(f"#conversations button[data-cid='{cid}']")).to_contain_text(SEED_QUESTION)
    await page.reload()
    await page.last_turn_done("completed")
    await check_submitted_form(page, {"filter_tree": PHONE_ONLY, "filter_keyword": "（空）",
                                      "analysis_prompt": proposed["analysis_prompt"]})


async def check_submitted_form(page: Page, fields: dict[str, str]) -> None:
    """Only the filter step shows a submitted form, each field under its name, as sent."""
    await expect(page.locator(".turn .submitted-form")).to_have_count(1)
    shown = page.locator(".turn").nth(2).locator(".submitted-form")
    await expect(shown.locator("summary")).to_have_text("提交的筛选条件")
    await expect(shown.locator("dt")).to_have_text(["检索的数据节点 filter_tree", "关键词 filter_keyword",
                                                    "分析要求 analysis_prompt"])
    await expect(shown.locator("dd")).to_have_text(list(fields.values()))


async def test_package_nodes_restrict_the_task(start_qbot, open_page) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    wechat = page.locator("#nodes label", has_text="社交通讯/微信/音视频通话").locator("input")
    await page.click("#nodes-box summary")
    await wechat.check()
    await expect(page.locator("#nodes-count")).to_have_text("1 个")
    await page.open_filter_form()
    tree = await page.locator("textarea[name=filter_tree]").input_value()
    assert "微信" in tree and "电话" not in tree  # the task reads only the node picked


async def test_a_cut_stream_is_resumed_from_the_last_event(start_qbot, open_page) -> None:
    """The filter step's stream ends mid-turn, half an event at its end (the browser's network
    layer cuts the real answer): the page resumes with Last-Event-ID and shows every event once."""
    running = await start_qbot()
    page = await open_page(running.base)
    cut_at: list[int] = []

    async def cut(route: Any) -> None:
        if route.request.method != "POST" or route.request.post_data_json["confirm_type"] != 3:
            await route.continue_()
            return
        response = await route.fetch()
        events = (await response.text()).split("\n\n")
        kept = events[:4]
        cut_at.append(int(kept[-1].split("\n")[0].removeprefix("id: ")))
        await route.fulfill(response=response, body="\n\n".join(kept) + "\n\n" + events[4][:30])

    resumed: list[str | None] = []
    page.on("request", lambda r: resumed.append(r.headers.get("last-event-id")) if r.url.endswith("/events") else None)
    await page.route("**/chat/conversation/*", cut)
    await page.open_filter_form()
    await page.click("#filter-submit")
    await page.last_turn_done("completed")
    assert resumed == [str(cut_at[0])]
    await expect(page.locator("#alert")).to_be_hidden()  # the half event was dropped, not shown as broken

    cid = await page.evaluate("localStorage.getItem('qbot.console.open')")
    other = await open_page(running.base)
    await other.click(f"#conversations button[data-cid='{cid}']")
    await other.last_turn_done("completed")
    await expect(other.locator(".result")).to_have_count(1)
    assert await other.locator("#transcript").inner_html() == await page.locator("#transcript").inner_html()


async def test_reload_mid_turn_shows_the_whole_conversation_once(start_qbot, gated, open_page) -> None:
    running = await start_qbot(plugins__disabled=["filter"])
    page = await open_page(running.base)
    await page.open_filter_form()
    await page.fill("textarea[name=filter_tree]", PHONE_ONLY)
    await page.click("#filter-submit")

    # the filter turn has streamed its first message and is held: reload now
    analysis = page.locator(".turn").nth(2)
    await expect(analysis.locator(".markdown")).to_contain_text("分析范围")
    await expect(page.locator("#stop")).to_be_visible()
    await page.reload()

    # after the reload: the whole conversation from the log, the held turn still followed live
    await expect(page.locator(".turn")).to_have_count(3)
    await expect(analysis.locator(".markdown")).to_contain_text("分析范围")
    await expect(analysis).to_have_attribute("data-state", "running")
    await expect(page.locator("#stop")).to_be_visible()
    await expect(page.locator(".result")).to_have_count(0)
    gated.open()
    await page.last_turn_done("completed")

    # each event shown once: the counts of the API's own replay
    cid = await page.evaluate("localStorage.getItem('qbot.console.open')")
    async with running.api.session.get(running.api.url(f"/chat/conversation/{cid}/events"),
                                       headers={"Last-Event-ID": "0"}) as resp:
        replay = (await read_sse(resp)).events
    assert [e.event for e in replay].count("start") == 3
    await expect(page.locator(".turn")).to_have_count(3)
    await expect(page.locator(".result")).to_have_count(1)
    await expect(page.locator(".event-error")).to_have_count(0)
    await expect(page.locator(".confirm-note")).to_have_text(["等待确认：开始任务", "等待确认：继续任务"])
    text = await page.locator("#transcript").inner_text()
    assert text.count("分析范围") == 1 and text.count("参与统计的通话记录") == 1
    result = next(e.data for e in replay if e.event == "result")
    await expect(page.locator(".result .meta")).to_contain_text(f"记录：{result['records']} 条")
    await expect(analysis.locator("table tbody tr")).to_have_count(len(result["rows"]))  # the result's table, once
    await expect(page.locator(".turn").nth(0).locator(".question")).to_have_text(SEED_QUESTION)
    await expect(page.locator("#transcript")).to_have_attribute("data-last-event-id", str(replay[-1].id))

    # and it reads exactly as the finished conversation opened afresh in another browser
    other = await open_page(running.base)
    await other.click(f"#conversations button[data-cid='{cid}']")
    await other.last_turn_done("completed")
    await expect(other.locator(".turn")).to_have_count(3)
    assert await other.locator("#transcript").inner_html() == await page.locator("#transcript").inner_html()


async def test_stop_a_running_turn_then_try_again(start_qbot, gated, open_page) -> None:
    running = await start_qbot(plugins__disabled=["filter"])
    page = await open_page(running.base)
    await page.open_filter_form()
    await page.fill("input[name=filter_keyword]", "")
    await page.fill("textarea[name=filter_tree]", PHONE_ONLY)
    await page.click("#filter-submit")
    await expect(page.locator(".turn").nth(2).locator(".markdown")).to_contain_text("分析范围")
    await page.shot("turn-running-stop-offered")
    await page.click("#stop")
    await page.last_turn_done("cancelled")
    await expect(page.locator(".turn").last.locator(".state")).to_have_text("已停止")

    # the conversation still awaits the filter: the form is back, with the examiner's edit
    await expect(page.locator("#filter-form")).to_be_visible()
    await expect(page.locator("textarea[name=filter_tree]")).to_have_value(PHONE_ONLY)
    await expect(page.locator("#stop")).to_be_hidden()
    gated.open()
    await page.click("#filter-submit")
    await page.last_turn_done("completed")
    await expect(page.locator(".result .meta")).not_to_contain_text("微信")


async def test_refusals_and_error_events_are_shown(start_qbot, echo_plugin, open_page) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    await page.ask(SEED_QUESTION)
    await page.last_turn_done("awaiting_start")

    # a step the conversation no longer awaits (another tab moved it on): 409 invalid_state
    cid = await page.evaluate("localStorage.getItem('qbot.console.open')")
    await api_step(running.api, cid, 0, "开始任务")
    await page.click("#confirm")
    await expect(page.locator("#alert")).to_be_visible()
    await expect(page.locator("#alert-text")).to_contain_text("409 invalid_state")

    # a form the server refuses: 400 invalid_request, naming the field
    await page.click(f"#conversations button[data-cid='{cid}']")
    await expect(page.locator("#filter-form")).to_be_visible()
    await expect(page.locator("#alert")).to_be_hidden()
    await page.fill("textarea[name=filter_tree]", " ")
    await page.click("#filter-submit")
    await expect(page.locator("#alert-text")).to_contain_text("400 invalid_request")
    await expect(page.locator("#alert-text")).to_contain_text("filter_tree")
    await page.shot("form-refused")
    await expect(page.locator(".turn")).to_have_count(2)  # no turn was started

    # a turn that fails inside: its error event, and done failed, in the reopened conversation
    failed = str(uuid.uuid4())
    status, events, _ = await running.api.step(failed, 7, "echo", {"count": 1, "fail": True})
    assert status == 200 and [e.event for e in events][-2:] == ["error", "done"]
    await page.reload()
    await page.click(f"#conversations button[data-cid='{failed}']")
    await expect(page.locator(".event-error")).to_contain_text("handler_failed")
    await page.last_turn_done("failed")
    await page.shot("turn-failed-error-event")

    # a conversation that is gone: 404, and the page forgets it
    await page.evaluate(f"localStorage.setItem('qbot.console.open', '{uuid.uuid4()}')")
    await page.reload()
    await expect(page.locator("#alert-text")).to_contain_text("404 conversation_not_found")
    assert await page.evaluate("localStorage.getItem('qbot.console.open')") is None


async def test_bearer_token_is_asked_for_and_kept(start_qbot, open_page) -> None:
    running = await start_qbot(auth__tokens=[{"examiner": "alice", "sha256": token_hash("alice-secret")}],
                               server__prefix="/lab/v2")
    page = await open_page(running.base, ready=False)  # the token dialog comes first
    dialog = page.locator("#token-dialog")
    await expect(dialog).to_be_visible()
    await expect(page.locator("#token-reason")).to_contain_text("unauthorized")
    await page.shot("token-asked")
    await page.fill("#token-input", "wrong-token")
    await page.click("#token-ok")
    await expect(page.locator("#token-reason")).to_contain_text("not one of the configured examiners")
    await page.fill("#token-input", "alice-secret")
    await page.click("#token-ok")
    await expect(dialog).to_be_hidden()
    await expect(page.locator("#case option")).to_have_count(1)
    assert await page.evaluate("sessionStorage.getItem('qbot.console.token')") == "alice-secret"

    # the API under the configured prefix, with the token: a step runs and is alice's
    await page.ask(SEED_QUESTION)
    await page.last_turn_done("awaiting_start")
    cid = await page.evaluate("localStorage.getItem('qbot.console.open')")
    async with running.api.session.get(f"{running.base}/lab/v2/chat/conversation/{cid}",
                                       headers={"Authorization": "Bearer alice-secret"}) as resp:
        assert resp.status == 200 and (await resp.json())["state"] == "awaiting_start"

    # a reload in the same tab keeps the token: no dialog, the conversation comes back
    await page.reload()
    await expect(page.locator(".turn")).to_have_count(1)
    await expect(dialog).to_be_hidden()


def hostile_case(folder: Path) -> Path:
    """A phone whose messages and contact name carry HTML and script, as seized data can."""
    number = "13900000009"
    document = {"format": "qbot-case", "version": 1, "nodes": [
        {"path": "基本信息/通讯录", "kind": "contacts", "records": [
            {"name": "<b onmouseover=\"window.__pwned='name'\">老K</b>", "number": number}]},
        {"path": "基本信息/短信", "kind": "messages", "records": [
            {"number": number, "time": "2024-05-21T09:00:00+08:00", "direction": "in",
             "body": "暗号 <img src=x onerror=\"window.__pwned='img'\">"},
            {"number": number, "time": "2024-05-21T09:05:00+08:00", "direction": "in",
             "body": "暗号 <script>window.__pwned='script'</script> **粗** | 竖线"},
        ]},
    ]}
    path = folder / "hostile.json"
    path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    return path


async def test_html_in_evidence_is_shown_as_text(start_qbot, data_dir: Path, tmp_path: Path, open_page) -> None:
    summary = import_paths(data_dir / "evidence.db", "hostile", [hostile_case(tmp_path)], package="嫌疑人手机",
                           case_name="恶意样本")
    assert summary.ok, str(summary)
    running = await start_qbot()
    page = await open_page(running.base)
    await page.select_option("#case", "hostile")
    await expect(page.locator("#nodes label")).to_have_count(2)
    await page.ask("有哪些短信提到“暗号”？")
    await page.last_turn_done("awaiting_start")
    await page.click("#confirm")
    await expect(page.locator("#filter-form")).to_be_visible()
    await page.click("#filter-submit")
    await page.last_turn_done("completed")

    transcript = page.locator("#transcript")
    await expect(page.locator(".result-table tbody tr")).to_have_count(2)
    text = await transcript.inner_text()
    for literal in ("<img src=x onerror=\"window.__pwned='img'\">", "<script>window.__pwned='script'</script>",
                    "<b onmouseover=\"window.__pwned='name'\">老K</b>"):
        assert literal in text  # shown, as text
    # the narrative's table held them too, rendered as text while it streamed, then dropped for
    # the result's; window.__pwned below says no handler ever ran
    await expect(page.locator(".turn").last.locator(".table-moved")).to_have_count(1)
    await expect(transcript.locator("img, script, b, [onerror], [onmouseover]")).to_have_count(0)
    # the citations panel lists each row's message, as text too
    panel, bodies = page.locator("#citations"), []
    for n in range(2):
        await page.locator(".result-table tbody tr").nth(n).locator(".open-citations").click()
        await expect(panel.locator("li.record")).to_have_count(1)
        bodies.append(await panel.locator("li.record .record-columns").inner_text())
        await expect(panel.locator("img, script, b, [onerror], [onmouseover]")).to_have_count(0)
    assert all(any(literal in body for body in bodies) for literal in (
        "<img src=x onerror=\"window.__pwned='img'\">", "<script>window.__pwned='script'</script>"))
    await page.hover(".result-table tbody tr td:nth-child(3)")
    assert await page.evaluate("window.__pwned") is None


async def test_a_question_with_two_readings_is_asked_back(start_qbot, open_page) -> None:
    """"老王" fits two people of the demo (王磊, 王凯): the console shows one button per reading,
    and the picked one is planned and can be started."""
    running = await start_qbot()
    page = await open_page(running.base)
    await page.ask("老王最近一个月给机主打了几次电话？")
    await page.last_turn_done("awaiting_choice")
    buttons = page.locator("#choices button")
    await expect(buttons).to_have_count(2)
    await page.shot("readings-asked-back")
    labels = await buttons.all_inner_texts()
    assert sorted(label.split("（")[0] for label in labels) == ["王凯", "王磊"], labels
    await expect(page.locator("#confirm-panel")).to_be_hidden()
    await buttons.filter(has_text="王磊").click()
    await page.last_turn_done("awaiting_start")
    await expect(page.locator(".turn").last).to_contain_text("王磊")
    await expect(page.locator("#choices")).to_be_hidden()
    await expect(page.locator("#confirm")).to_have_text("开始任务")


ATTACKER_PAGE = """<!doctype html><title>elsewhere</title><script>
window.attempts = (async (url, body) => {
  const tried = [];
  for (const init of [
      {mode: "no-cors", method: "POST", headers: {"Content-Type": "text/plain"}, body},
      {mode: "no-cors", method: "POST", body: new Blob([body])},
      {mode: "cors", method: "POST", headers: {"Content-Type": "application/json"}, body}]) {
    try { const r = await fetch(url, init); tried.push(r.type + ":" + r.status); }
    catch (e) { tried.push("refused:" + e.name); }
  }
  return tried;
})(%s, %s);
</script>"""


async def test_a_page_of_another_origin_cannot_drive_the_server(start_qbot, browser, aiohttp_server) -> None:
    """A real page on another origin sends what browsers allow any site to send; none of it
    creates a conversation (the browser only hides answers; qbot must refuse the requests)."""
    running = await start_qbot()
    cid = "drive-by"
    target = running.api.url(f"/chat/conversation/{cid}")
    body = json.dumps({"question": SEED_QUESTION, "confirm_type": -1, "conversation_id": cid,
                       "case_id": "", "package_nodes": [], "confirm_form_data": {}}, ensure_ascii=False)
    page_html = ATTACKER_PAGE % (json.dumps(target), json.dumps(body))

    async def attacker(request):
        return web.Response(text=page_html, content_type="text/html")

    other = web.Application()
    other.router.add_get("/", attacker)
    elsewhere = await aiohttp_server(other)
    page = await browser.new_page()
    try:
        await page.goto(str(elsewhere.make_url("/")).replace("127.0.0.1", "localhost"))
        tried = await page.evaluate("window.attempts")
    finally:
        await page.close()
    # Opaque answers (the browser hides them) and a preflight refused: the server said no to all.
    assert tried[:2] == ["opaque:0", "opaque:0"] and tried[2].startswith("refused:"), tried
    status, listed = await running.api.get_json("/chat/conversations")
    assert listed["conversations"] == [], listed
    status, body = await running.api.get_json(f"/chat/conversation/{cid}")
    assert status == 404
    refused = [line for line in running.app[METRICS].exposition()[0].decode().splitlines()
               if line.startswith("qbot_refusals_total") and 'code="origin_not_allowed"' in line]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in refused) >= 3  # both POSTs and the preflight
