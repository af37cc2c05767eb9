"""Activity over a period (per day or per month) and by hour of day, in the case's time zone."""

from __future__ import annotations

from datetime import date, timedelta

from qbot.engine.analyses import Answer, Context

N, CALLS, MESSAGES, DURATION = 1, 2, 3, 4
EPOCH_DAY = date(1970, 1, 1)


async def by_hour(ctx: Context) -> Answer:
    groups = await ctx.store.record_groups(ctx.scope, "hour")
    ranked = sorted(groups, key=lambda g: (-g[N], g[0]))
    found = await ctx.store.record_refs(ctx.scope, "hour", [g[0] for g in ranked])
    rows = [[f"{g[0]:02d}:00-{g[0]:02d}:59", g[N], g[CALLS], g[MESSAGES], g[DURATION]] for g in ranked]
    summary = f"机主在 {rows[0][0]} 最活跃，共 {rows[0][1]} 条记录" if rows else ""
    return Answer(summary, ["时段", "记录数", "通话", "消息", "通话总时长(秒)"], rows,
                  [found.get(g[0], []) for g in ranked], sum(g[N] for g in groups), "通话与消息",
                  record_counts=[g[N] for g in ranked])


async def by_period(ctx: Context) -> Answer:
    groups = await ctx.store.record_groups(ctx.scope, "day")
    monthly = ctx.params.get("period") == "month"
    merged: dict[str, list] = {}
    days_of: dict[str, list[int]] = {}
    for g in groups:
        day = EPOCH_DAY + timedelta(days=g[0])
        label = f"{day:%Y-%m}" if monthly else f"{day:%Y-%m-%d}"
        days_of.setdefault(label, []).append(g[0])
        row = merged.setdefault(label, [label, 0, 0, 0, 0])
        for i in (N, CALLS, MESSAGES, DURATION):
            row[i] += g[i]
    ranked = sorted(merged.values(), key=lambda r: (-r[N], r[0]))[: max(ctx.top_n, 10)]
    found = await ctx.store.record_refs(ctx.scope, "day", [d for r in ranked for d in days_of[r[0]]], per=20)
    refs = [[ref for d in days_of[r[0]] for ref in found.get(d, [])][:20] for r in ranked]
    unit = "月" if monthly else "天"
    summary = f"记录最多的一{unit}是 {ranked[0][0]}，共 {ranked[0][1]} 条记录" if ranked else ""
    total = sum(g[N] for g in groups)
    notes = [f"共有 {len(merged)} {'个月' if monthly else '天'}有记录，合计 {total} 条。"] if merged else []
    return Answer(summary, ["月份" if monthly else "日期", "记录数", "通话", "消息", "通话总时长(秒)"],
                  [list(r) for r in ranked], refs, total, "通话与消息", notes=notes,
                  record_counts=[r[N] for r in ranked])
