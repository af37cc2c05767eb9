"""The console's citations panel, in Debian's Chromium against a real qbot server (the browser
and page fixtures of tests/test_console.py): a row's citation lists every record behind it,
paged as the route pages; a server gone, evidence changed since the result and a conversation
deleted meanwhile are each said plainly. With QBOT_CONSOLE_SHOTS=DIR each state is also saved
as a picture."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from qbot.app import create_app
from qbot.config import load_config
from qbot.server import runner_kwargs
from tests.conftest import QbotTestServer
from tests.support import read_sse
from tests.test_citations import cite_all
from tests.test_console import Page, browser, expect, open_page  # noqa: F401 - the fixtures
from tests.test_console_workbench import cid_of

CALLS = 3  # the seed's ranking: the 通话次数 column, each row's figure


async def answered(page: Page, running: Any) -> tuple[str, Any]:
    """The seed's flow clicked through; (the conversation id, its result event as the API replays it)."""
    await page.open_filter_form()
    await page.click("#filter-submit")
    await page.last_turn_done("completed")
    cid = await cid_of(page)
    async with running.api.session.get(running.api.url(f"/chat/conversation/{cid}/events")) as resp:
        return cid, next(e for e in (await read_sse(resp)).events if e.event == "result")


async def test_a_citation_opens_and_shows_all_the_rows_behind_it(start_qbot, open_page) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    cid, result = await answered(page, running)
    asked: list[dict[str, str]] = []
    page.on("request", lambda r: "/citations?" in r.url and asked.append(dict(parse_qsl(urlsplit(r.url).query))))

    row = 1
    figure = result.data["rows"][row - 1][CALLS]
    listed_figure, items = await cite_all(running, cid, result.id, row)
    assert figure == listed_figure == len(items) > 200  # three pages of 100
    tr = page.locator(".result-table tbody tr").nth(row - 1)
    await expect(tr.locator("td").nth(CALLS)).to_have_text(str(figure))
    await tr.locator(".open-citations").click()

    panel = page.locator("#citations")
    await expect(panel).to_be_visible()
    await expect(panel).to_have_attribute("data-shown", "100")
    await expect(page.locator("#citations-count")).to_have_text(
        f"共 {figure} 条记录，已显示 100 条（时间为案件时区 Asia/Shanghai）")
    await expect(page.locator("#citations-row")).to_contain_text(f"第 {row} 行：1 · 张伟")
    await page.shot("citations-first-page")
    more = page.locator("#citations-more")
    while await more.is_visible():
        shown = int(await panel.get_attribute("data-shown"))
        await more.click()
        await expect(panel).not_to_have_attribute("data-shown", str(shown))
    await page.locator("#citations-list").evaluate("list => list.lastElementChild.scrollIntoView()")
    await page.shot("citations-all-shown")

    records = page.locator("#citations-list > li.record")
    await expect(records).to_have_count(figure)
    await expect(panel).to_have_attribute("data-records", str(figure))
    await expect(page.locator("#citations-count")).to_contain_text(f"共 {figure} 条记录，已显示 {figure} 条")
    assert [(q["event"], q["row"], q["offset"], q["limit"]) for q in asked] == [
        (str(result.id), str(row), str(offset), "100") for offset in (0, 100, 200)]  # one request a page
    # the panel lists exactly the route's records, in its order: source row and full sha256
    shown = await records.evaluate_all("""lis => lis.map(li => [
        li.querySelector(".sha256").title, Number(li.querySelector(".rowid").textContent)])""")
    assert shown == [[i["source"]["sha256"], i["source"]["rowid"]] for i in items]

    # one record as the examiner reads it: time, person, counterpart, source and original columns
    first, item = records.first, items[0]
    await expect(first.locator(".time")).to_have_text(item["time"])
    await expect(first.locator(".person")).to_have_text(item["person"])
    await expect(first.locator(".counterpart")).to_have_text(item["counterpart"])
    await expect(first.locator(".file")).to_have_text(item["source"]["file"])
    await expect(first.locator(".sha256")).to_have_text(f"sha256 {item['source']['sha256'][:12]}…")
    await expect(first.locator(".record-source")).to_contain_text(f"表 {item['source']['table']} · 行号 ")
    await expect(first.locator(".record-columns dt")).to_have_text(list(item["columns"]))
    await expect(first.locator(".record-columns dd")).to_have_text([str(v) for v in item["columns"].values()])

    # another row replaces it; closing hides it and gives the answer its width back
    await page.locator(".result-table tbody tr").nth(1).locator(".open-citations").click()
    second = result.data["evidence"][1]["records"]
    await expect(page.locator("#citations-count")).to_contain_text(f"共 {second} 条记录，已显示 {min(100, second)} 条")
    await page.click("#citations-close")
    await expect(panel).to_be_hidden()
    assert await page.evaluate("document.body.classList.contains('citing')") is False


async def test_a_lost_server_or_changed_evidence_is_said_plainly(start_qbot, open_page, data_dir: Path) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    cid, result = await answered(page, running)
    rows = page.locator(".result-table tbody tr")
    panel, error, more = page.locator("#citations"), page.locator("#citations-error"), page.locator("#citations-more")

    # the server stops while the panel is open: the next page is said to be unreachable, the
    # records shown stay, and the same button reads on once the server is back
    await rows.first.locator(".open-citations").click()
    await expect(panel).to_have_attribute("data-shown", "100")
    port = running.server.port
    await running.server.close()
    await more.click()
    await expect(error).to_be_visible()
    await expect(error).to_contain_text("无法连接到 qbot 服务器")
    await expect(error).to_contain_text("已显示的 100 条仍在下方")
    await expect(error).not_to_contain_text("被拒绝")
    await expect(page.locator("#citations-list > li")).to_have_count(100)
    await expect(more).to_be_enabled()
    await page.shot("citations-offline")
    config = load_config(env={}, overrides={"data_dir": str(data_dir)})
    again = QbotTestServer(create_app(config), port=port)
    await again.start_server(**runner_kwargs(config))
    try:
        await more.click()
        await expect(panel).to_have_attribute("data-shown", "200")
        await expect(error).to_be_hidden()

        # the evidence changed behind the result: its records are refused, never misreported
        with sqlite3.connect(data_dir / "evidence.db") as conn:
            cited = result.data["evidence"][1]["refs"][0]["rowids"][0]
            conn.execute("DELETE FROM calls WHERE source_rowid = ?", [cited])
        await rows.nth(1).locator(".open-citations").click()
        await expect(error).to_have_text("读取引用的记录被拒绝（409 result_changed）：证据库在这个结果生成之后有了变化"
                                         "（记录被导入或删除），已无法列出与结果一致的记录；请重新提问得到新的结果")
        await expect(page.locator("#citations-list > li")).to_have_count(0)
        await expect(more).to_be_hidden()  # asking again would be refused again
        await page.shot("citations-result-changed")

        # deleted in another tab meanwhile: the common 404, in words
        async with running.api.session.delete(running.api.url(f"/chat/conversation/{cid}")) as resp:  # same port
            assert resp.status == 200, await resp.text()
        await rows.first.locator(".open-citations").click()
        await expect(error).to_have_text("读取引用的记录被拒绝（404 conversation_not_found）：没有这个对话："
                                         "它可能已被删除，或属于另一位检验员")
    finally:
        await again.close()
