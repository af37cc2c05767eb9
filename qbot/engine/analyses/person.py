"""Everything between the owner and one person: counts per channel, first and last contact, and
a timeline."""

from __future__ import annotations

from dataclasses import replace

from qbot.engine.analyses import Answer, Context
from qbot.evidence.store import EvidenceRef

N, CALLS, MESSAGES, DURATION, FIRST, LAST = 1, 2, 3, 4, 10, 11
TIMELINE = 20
COLUMNS = ["渠道", "记录数", "通话次数", "消息数", "通话总时长(秒)", "首次联系", "最近联系"]


async def person(ctx: Context) -> Answer:
    name = ctx.params.get("person", "")
    members = ctx.directory.members(name)
    scope = replace(ctx.scope, counterparts=tuple(members))
    groups = sorted(await ctx.store.record_groups(scope, "node"), key=lambda g: (-g[N], g[0]))
    paths = {n.id: n.path for n in ctx.nodes}
    found = await ctx.store.record_refs(scope, "node", [g[0] for g in groups])
    timeline = await ctx.store.record_rows(scope, TIMELINE)
    total = sum(g[N] for g in groups)
    rows, refs = [], []
    if groups:
        rows.append(["合计", total, sum(g[CALLS] for g in groups), sum(g[MESSAGES] for g in groups),
                     sum(g[DURATION] for g in groups), ctx.local(min(g[FIRST] for g in groups)),
                     ctx.local(max(g[LAST] for g in groups))])
        refs.append([EvidenceRef(*t[9:13]) for t in timeline])
    for g in groups:
        rows.append([paths.get(g[0], str(g[0])), g[N], g[CALLS], g[MESSAGES], g[DURATION], ctx.local(g[FIRST]),
                     ctx.local(g[LAST])])
        refs.append(found.get(g[0], []))
    numbers = "、".join(dict.fromkeys(ctx.directory.number(cp) for cp in members))
    summary = ""
    if rows:
        summary = (f"机主与{name}（{numbers}）共有 {total} 条往来记录：通话 {rows[0][2]} 次、消息 {rows[0][3]} 条，"
                   f"首次联系 {rows[0][5]}，最近联系 {rows[0][6]}")
    lines = []
    for tbl, node_id, _cp, ms, dur, direction, status, body, *_ in timeline:
        way = {"in": "←", "out": "→"}.get(direction or "", "·")
        what = f"通话 {dur} 秒（{status}）" if tbl == "calls" else (body or "").replace("\n", " ")[:40]
        lines.append(f"- {ctx.local(ms)} {way} {paths.get(node_id, '')}：{what}")
    notes = [f"**最近 {len(lines)} 条往来**（→ 机主发出，← 对方发来）：\n\n" + "\n".join(lines)] if lines else []
    return Answer(summary, COLUMNS, rows, refs, total, f"与{name}的通话和消息", notes=notes,
                  extra={"person": name, "counterparts": members,
                         "timeline": [[ctx.local(t[3]), paths.get(t[1], ""), t[0], t[5], t[4], t[7]] for t in timeline]},
                  record_counts=[r[1] for r in rows])
