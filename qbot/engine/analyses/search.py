"""Keyword search in message text."""

from __future__ import annotations

from dataclasses import replace

from qbot.engine.analyses import Answer, Context
from qbot.evidence.store import EvidenceRef

LIMIT = 50


async def keyword_search(ctx: Context) -> Answer:
    scope = replace(ctx.scope, keyword="", body_keyword=ctx.keyword)
    found = await ctx.store.record_rows(scope, LIMIT)
    apps = {n.id: n.app for n in ctx.nodes}
    rows, refs = [], []
    for tbl, node_id, cp, ms, _dur, direction, _st, body, address, file, sha, stbl, srow, _total in found:
        who = ctx.directory.person(cp) if cp else (address or "未知")
        rows.append([ctx.local(ms), apps.get(node_id, ""), who, ctx.directory.number(cp) if cp else (address or ""),
                     {"in": "收到", "out": "发出"}.get(direction or "", ""), body or ""])
        refs.append([EvidenceRef(file, sha, stbl, srow)])
    total = found[0][-1] if found else 0
    what = f"包含“{ctx.keyword}”的消息" if ctx.keyword else "消息"
    summary = f"共找到 {total} 条{what}，最近一条是 {rows[0][0]} 与{rows[0][2]}的消息" if rows else ""
    notes = [f"只列出最近的 {LIMIT} 条。"] if total > LIMIT else []
    return Answer(summary, ["时间", "应用", "联系人", "号码", "方向", "内容"], rows, refs, total, what,
                  notes=notes, record_counts=[1] * len(rows))
