"""`qbot ask --citations`: the records behind each row of a result, read from
`GET …/citations` (docs/api.md, "Citations") page after page, one line a record: its time,
person and counterpart, what it was, and where it came from (file, sha256, table, row id)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from qbot.client.display import render_table, safe_cell
from qbot.client.errors import EXIT_UNREACHABLE, AskError, describe, refusal
from qbot.client.session import CONNECT_TIMEOUT, READ_TIMEOUT, Conversation
from qbot.contract import MAX_PAGE

SHORT_SHA = 12  # hex digits of a file's sha256 on a record's line; the full one is under 来源


def _record_cells(item: dict[str, Any]) -> list[Any]:
    """One record as a line of its row's table."""
    c, s = item.get("columns") or {}, item.get("source") or {}
    if item.get("table") == "calls":
        what = f"{c.get('direction', '')} {c.get('status', '')} {c.get('media', '')} {c.get('duration', '')} s"
    elif item.get("table") == "messages":
        what = f"{c.get('direction', '')} {c.get('body') or ''}"
    else:
        what = f"{c.get('name') or ''} {c.get('label') or ''}"
    return [item.get("time") or "", item.get("person") or "", item.get("counterpart") or "", " ".join(what.split()),
            s.get("file", ""), str(s.get("sha256", ""))[:SHORT_SHA], s.get("table", ""), s.get("rowid", "")]


def _render_row(row: int, page: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """A row's heading (its count, and whether all are listed) and its records' table."""
    label = "，".join(safe_cell(c) for c in (page.get("cells") or [])[:3])
    total = page.get("records")
    listed = "全部列出" if len(items) == total else f"列出前 {len(items)} 条"
    lines = ["", f"第 {row} 行（{label}）所依据的记录：共 {total} 条，{listed}"]
    if items:
        columns = [f"时间（{safe_cell(page.get('timezone', ''))}）", "联系人", "对方", "记录", "文件", "sha256", "表", "行号"]
        lines += render_table(columns, [_record_cells(i) for i in items])
    return "\n".join(lines) + "\n"


async def _row(http: aiohttp.ClientSession, url: str, event: int, row: int, per_row: int | None
               ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the row's first page, its records: all, or the first `per_row`), a page at a time."""
    pages: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None and (per_row is None or len(items) < per_row):
        limit = MAX_PAGE if per_row is None else min(MAX_PAGE, per_row - len(items))
        try:
            async with http.get(url, params={"event": event, "row": row, "offset": offset, "limit": limit}) as resp:
                if resp.status != 200:
                    raise await refusal(resp, url)
                pages.append(await resp.json())
            items += pages[-1]["items"]
            offset = pages[-1]["next_offset"]
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AskError(f"cannot read the citations: GET {url}: {describe(exc)}", EXIT_UNREACHABLE) from None
        except (ValueError, KeyError, TypeError):
            raise AskError(f"GET {url} did not answer a page of citations: is this a qbot server? (--server)",
                           EXIT_UNREACHABLE) from None
    return pages[0], items


async def _show(conv: Conversation, event: int, rows: int, per_row: int | None) -> None:
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT)
    async with aiohttp.ClientSession(headers=conv.headers, timeout=timeout) as http:
        for row in range(1, rows + 1):
            page, items = await _row(http, conv.url("/citations"), event, row, per_row)
            conv.display.block(_render_row(row, page, items))


def show_citations(conv: Conversation, event: int, rows: int, per_row: int | None) -> None:
    """Print the records behind rows 1 to `rows` of result event `event`: all of them (`per_row`
    None) or the first `per_row` of each; a refusal ends qbot ask (exit 5)."""
    asyncio.run(_show(conv, event, rows, per_row))
