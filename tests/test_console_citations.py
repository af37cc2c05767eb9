"""The console's citations panel and report button, in Debian's Chromium against a real qbot
server (the browser and page fixtures of tests/test_console.py): a row's citation lists every
record behind it, paged as the route pages; the report is downloaded with the examiner's token
and holds the result's figures and hashes; a server gone, evidence changed since the result, a
conversation deleted meanwhile and a server with no Chromium to print a PDF are each said plainly.
With QBOT_CONSOLE_SHOTS=DIR each state is also saved as a picture."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from qbot.app import create_app
from qbot.auth import token_hash
from qbot.config import load_config
from qbot.server import runner_kwargs
from tests.conftest import QbotTestServer
from tests.test_citations import cite_all
from tests.test_console import browser, expect, open_page  # noqa: F401 - the fixtures
from tests.test_console_workbench import answered
from tests.test_report import case_hashes, flat

TOKEN = "alice-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CALLS = 3  # the seed's ranking: the 通话次数 column, each row's figure


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
    await expect(tr).to_have_class("cited")  # the row the panel is about
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

    # another row replaces it; closing (×, or Escape) hides it, gives the answer its width back
    # and the keyboard focus back to the row's button
    other = page.locator(".result-table tbody tr").nth(1)
    await other.locator(".open-citations").click()
    second = result.data["evidence"][1]["records"]
    await expect(page.locator("#citations-count")).to_contain_text(f"共 {second} 条记录，已显示 {min(100, second)} 条")
    await expect(tr).not_to_have_class("cited")
    await expect(other).to_have_class("cited")
    await page.click("#citations-close")
    await expect(panel).to_be_hidden()
    await expect(other).not_to_have_class("cited")
    await expect(other.locator(".open-citations")).to_be_focused()
    assert await page.evaluate("document.body.classList.contains('citing')") is False
    await page.keyboard.press("Enter")  # the focused button opens it again
    await expect(panel).to_be_visible()
    await expect(page.locator("#citations-close")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()
    await expect(other.locator(".open-citations")).to_be_focused()


async def test_a_report_is_exported_from_the_console_with_the_right_figures(start_qbot, open_page,
                                                                            data_dir: Path, tmp_path: Path) -> None:
    """With authentication on: the report (and a citation) is fetched with the examiner's token
    and saved as a file; the HTML opened in the browser and the PDF read back hold the figures and
    the hashes."""
    running = await start_qbot(auth__tokens=[{"examiner": "alice", "sha256": token_hash(TOKEN)}])
    page = await open_page(running.base, ready=False)
    await page.fill("#token-input", TOKEN)
    await page.click("#token-ok")
    cid, result = await answered(page, running, AUTH)
    data = result.data

    # a citation is read with the token too
    async with page.expect_request(lambda r: "/citations?" in r.url) as asked:
        await page.locator(".result-table tbody tr").first.locator(".open-citations").click()
    assert (await (await asked.value).all_headers())["authorization"] == f"Bearer {TOKEN}"
    await expect(page.locator("#citations")).to_have_attribute("data-shown", "100")

    async with page.expect_download() as downloading, page.expect_request(lambda r: "/report?" in r.url) as asked:
        await page.click("#report-html")
    request, download = await asked.value, await downloading.value
    assert dict(parse_qsl(urlsplit(request.url).query)) == {"format": "html", "records": "50"}
    assert (await request.all_headers())["authorization"] == f"Bearer {TOKEN}"
    assert download.suggested_filename == f"qbot-report-{cid}.html"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    await expect(page.locator("#report-status")).to_contain_text(f"已导出 qbot-report-{cid}.html（")
    await page.shot("report-exported")

    report = await page.context.new_page()
    await report.goto(saved.as_uri())  # the file as the examiner opens it
    text = flat(await report.locator("body").inner_text())
    await report.close()
    assert flat(data["summary"]) in text
    for n, row in enumerate(data["rows"], 1):
        assert flat("".join(map(str, row))) in text  # the result table's row, cell by cell
        figure = data["evidence"][n - 1]["records"]
        listed = "全部列出" if figure <= 50 else "列出前50条"
        assert f"第{n}行（{row[0]}，{row[1]}，{row[2]}）所依据的记录：共{figure}条，{listed}" in text
    for source in data["sources"]:
        assert source["sha256"] in text
    assert all(h in text for h in case_hashes(data_dir))

    # every record under each row, as the examiner may want for the case file
    await page.select_option("#report-records", "all")
    async with page.expect_download(timeout=120_000) as downloading, \
            page.expect_request(lambda r: "/report?" in r.url) as asked:
        await page.click("#report-pdf")
    assert dict(parse_qsl(urlsplit((await asked.value).url).query)) == {"format": "pdf", "records": "all"}
    download = await downloading.value
    assert download.suggested_filename == f"qbot-report-{cid}.pdf"
    pdf = tmp_path / download.suggested_filename
    await download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    read = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert all(s["sha256"] in flat(read.stdout) for s in data["sources"])
    assert f"共{data['evidence'][0]['records']}条，全部列出" in flat(read.stdout)


async def test_a_lost_server_changed_evidence_or_no_chromium_are_said_plainly(
        start_qbot, open_page, data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    running = await start_qbot()
    page = await open_page(running.base)
    cid, result = await answered(page, running)
    rows = page.locator(".result-table tbody tr")
    panel, error, more = page.locator("#citations"), page.locator("#citations-error"), page.locator("#citations-more")

    # no Chromium on the server to print a PDF: the report button says so, and what to do instead
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("qbot.report.pdf.DEFAULT_CHROMIUM", str(tmp_path / "chromium"))
    await page.click("#report-pdf")
    status = page.locator("#report-status")
    await expect(status).to_have_text("导出 PDF 报告被拒绝（503 pdf_unavailable）：服务器上没有能打印 PDF 的 "
                                      "Chromium；HTML 报告不需要它，请改为导出 HTML")
    await expect(status).to_have_attribute("data-kind", "refused")
    await page.shot("report-pdf-unavailable")

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
