"""Rankings of counterparts: calls by count, by duration, at night, missed; messages per app; and
every channel merged per person."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qbot.engine.analyses import Answer, Context
from qbot.evidence.store import EvidenceRef

# record_groups columns
N, CALLS, MESSAGES, DURATION, INCOMING, OUTGOING, MISSED, REJECTED, NIGHT, FIRST, LAST = range(1, 12)
# Optional columns, added when the intent needs them or the analysis prompt names them.
OPTIONAL = [("calls", "通话次数", CALLS), ("messages", "消息数", MESSAGES), ("duration", "通话总时长(秒)", DURATION),
            ("direction", "呼入/收到", INCOMING), ("direction", "呼出/发送", OUTGOING), ("missed", "未接", MISSED),
            ("rejected", "拒接", REJECTED), ("night", "夜间(22-6点)", NIGHT)]


def _columns(first: str, core: set[str], measures: set[str]) -> tuple[list[str], list[int]]:
    names, picks = ["排名", "联系人", "号码", first], []
    for measure, title, index in OPTIONAL:
        if (measure in core or measure in measures) and title != first:
            names.append(title)
            picks.append(index)
    return names + ["首次", "最近"], picks


async def _rank(ctx: Context, *, condition: str = "", first: str, first_index: int = N, core: set[str], order: Any,
                merge: bool = False, counted: str, what: str) -> Answer:
    scope = replace(ctx.scope, condition=condition, persons_only=True)
    groups = [list(g) for g in await ctx.store.record_groups(scope, "counterpart")]
    total = sum(g[N] for g in groups)
    members: dict[Any, list[int]] = {}
    if merge:  # one row per person: sum the counterparts that carry the same name
        people: dict[str, list] = {}
        for g in groups:
            name = ctx.directory.person(g[0])
            members.setdefault(name, []).append(g[0])
            if name in people:
                row = people[name]
                for i in range(N, NIGHT + 1):
                    row[i] += g[i]
                row[FIRST], row[LAST] = min(row[FIRST], g[FIRST]), max(row[LAST], g[LAST])
            else:
                people[name] = [name, *g[1:]]
        groups = list(people.values())
    groups.sort(key=order)
    top = groups[: ctx.top_n]
    columns, picks = _columns(first, core, ctx.measures)
    keys = [cp for g in top for cp in (members[g[0]] if merge else [g[0]])]
    found = await ctx.store.record_refs(scope, "counterpart", keys)
    rows, refs, counts = [], [], []
    for rank, g in enumerate(top, start=1):
        cps = members[g[0]] if merge else [g[0]]
        name = g[0] if merge else ctx.directory.person(g[0])
        number = "、".join(dict.fromkeys(ctx.directory.number(cp) for cp in cps))
        rows.append([rank, name, number, g[first_index], *(g[i] for i in picks), ctx.local(g[FIRST]), ctx.local(g[LAST])])
        cited: list[EvidenceRef] = [ref for cp in cps for ref in found.get(cp, [])]
        refs.append(cited)
        counts.append(g[N])
    summary = ""
    if rows:
        summary = f"机主{what}的是{rows[0][1]}（{rows[0][2]}），{first} {rows[0][3]}"
        if "duration" in core and first != "通话总时长(秒)":
            summary += f"，通话总时长 {rows[0][columns.index('通话总时长(秒)')]} 秒"
    return Answer(summary, columns, rows, refs, total, counted, record_counts=counts)


def _by_count(g: list) -> tuple:
    return (-g[N], -g[DURATION], str(g[0]) if isinstance(g[0], str) else g[0])


async def call_duration(ctx: Context) -> Answer:
    answer = await _rank(ctx, first="通话总时长(秒)", first_index=DURATION, core={"calls"}, counted="通话记录（有号码）",
                         order=lambda g: (-g[DURATION], -g[N], g[0]), what="累计通话时间最长")
    if answer.rows:
        answer.summary = (f"机主累计通话时间最长的是{answer.rows[0][1]}（{answer.rows[0][2]}），"
                          f"共 {answer.rows[0][3]} 秒，{answer.rows[0][4]} 次通话")
    return answer


async def night_calls(ctx: Context) -> Answer:
    return await _rank(ctx, condition="night", first="夜间通话次数", core={"duration"}, order=_by_count,
                       counted="夜间（22:00–06:00）通话记录", what="夜间（22:00–06:00）通话最多")


async def missed_calls(ctx: Context) -> Answer:
    return await _rank(ctx, condition="missed", first="未接与拒接次数", core={"missed", "rejected"},
                       order=lambda g: (-g[N], -g[LAST], g[0]), counted="未接与拒接的通话记录",
                       what="未接或拒接来电最多")


async def message_frequency(ctx: Context) -> Answer:
    app = ctx.params.get("app") or "各应用"
    return await _rank(ctx, first="消息数", core={"direction"}, order=_by_count,
                       counted="消息（不含群聊）", what=f"在{app}中消息往来最多")


async def contact_frequency(ctx: Context) -> Answer:
    return await _rank(ctx, first="联系次数", core={"calls", "messages", "duration"}, order=_by_count, merge=True,
                       counted="通话与消息（不含群聊，同名联系人合并）", what="联系最频繁")


CALL_COLUMNS = ["排名", "联系人", "号码", "通话次数", "通话总时长(秒)", "呼入", "呼出", "未接", "首次通话", "最近通话"]


async def call_frequency(ctx: Context) -> Answer:
    """The seed's question. Uses the store's bucketed, cached call ranking (the fast path the
    benchmark measures); measures it does not carry (夜间, 拒接) come from one more query."""
    ids = [n.id for n in ctx.nodes]
    total, ranking = await ctx.store.call_ranking(ids, ctx.window.start, ctx.window.end, ctx.keyword,
                                                   limit=ctx.top_n)
    extra = [(m, title, index) for m, title, index in OPTIONAL if m in ctx.measures and m in ("night", "rejected")]
    more: dict[int, list] = {}
    if extra and ranking:
        scope = replace(ctx.scope, counterparts=tuple(r.counterpart_id for r in ranking))
        more = {g[0]: g for g in await ctx.store.record_groups(scope, "counterpart")}
    columns = CALL_COLUMNS[:8] + [title for _, title, _ in extra] + CALL_COLUMNS[8:]
    rows, refs = [], []
    for rank, r in enumerate(ranking, start=1):
        added = [more.get(r.counterpart_id, [0] * 12)[index] for _, _, index in extra]
        rows.append([rank, r.name or "未知联系人", r.number or "", r.calls, r.total_duration, r.incoming,
                     r.outgoing, r.missed, *added, ctx.local(r.first), ctx.local(r.last)])
        refs.append(list(r.evidence))
    summary = ""
    if ranking:
        top = ranking[0]
        summary = (f"机主与{top.name or '未知联系人'}（{top.number or '号码未知'}）通话最频繁，"
                   f"共 {top.calls} 次，累计 {top.total_duration} 秒")
    return Answer(summary, columns, rows, refs, total, "通话记录", record_counts=[r.calls for r in ranking])
