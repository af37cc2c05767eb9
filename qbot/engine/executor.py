"""One executor for every query: the query's selection becomes statements over the evidence
store (`qbot.evidence.records`), and their rows become an `Answer`. People are the unit of
every ranking: the rows of one person's numbers, handles and accounts are summed, and the
answer shows which identifiers it merged."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from qbot.engine.answer import Answer, Basis, Scope, empty
from qbot.engine.query import WEEKDAY_NAMES, Query
from qbot.evidence.records import Group, Ref, Row

LISTED = 50  # records listed by a `list` query (all are counted)
LOOKUP_LIMIT = 200
EPOCH_DAY = date(1970, 1, 1)


async def execute(query: Query, scope: Scope, measures: frozenset[str] = frozenset()) -> Answer:
    """The answer of a query; `measures` are extra figures the analysis prompt asks for (night,
    rejected, shares), shown as columns of a ranking."""
    if query.measure == "lookup":
        return lookup(query, scope)
    if query.measure in ("first", "last", "list"):
        return await records(query, scope)
    if query.measure == "people" or query.group == "person":
        return await ranking(query, scope, measures)
    if query.group == "none":
        return await total(query, scope)
    return await groups(query, scope)


def _noun(query: Query) -> str:
    kinds = query.kinds
    return "通话" if kinds == ("calls",) else "消息" if kinds == ("messages",) else "通话与消息"


def _channel(scope: Scope, node_id: int) -> str:
    node = scope.node(node_id)
    if node is None:
        return str(node_id)
    return node.app if node.kind == "messages" and node.app == "短信" else f"{node.app}{'通话' if node.kind == 'calls' else '消息'}"


# -- totals ------------------------------------------------------------------------------------

async def total(query: Query, scope: Scope) -> Answer:
    """One figure (records or call seconds) for the whole selection, with a row per data node."""
    found = await scope.store.groups(scope.selection, "node")
    by_duration = query.measure in ("duration", "average")
    count, seconds = sum(g.records for g in found), sum(g.duration for g in found)
    value = seconds if by_duration else count
    if query.measure == "average":  # seconds per call, over every call selected
        value = round(seconds / count, 1) if count else 0
    calls = "calls" in query.kinds
    columns = ["数据", "记录数"] + (["通话总时长(秒)"] if calls else [])
    rows, refs, counts, basis = [], [], [], []
    cited = await scope.store.refs(scope.selection, "node", [g.key for g in found])
    for g in sorted(found, key=lambda g: -g.records):
        node = scope.node(g.key)
        rows.append([node.path if node else str(g.key), g.records] + ([g.duration] if calls else []))
        refs.append(cited.get(g.key, []))
        counts.append(g.records)
        basis.append(Basis(scope.selection, "node", (g.key,)))
    if len(rows) != 1:
        rows.append(["合计", count] + ([seconds] if calls else []))
        refs.append([r for rs in refs for r in rs][:20])
        counts.append(count)
        basis.append(Basis(scope.selection, "node", tuple(g.key for g in found)))
    noun = _noun(query)
    summary = (f"符合条件的通话平均每次 {value} 秒（{count} 次通话，累计 {seconds} 秒）" if query.measure == "average"
               else f"符合条件的通话累计 {seconds} 秒（{count} 次通话）" if by_duration else
               f"符合条件的{noun}共 {count} {'次' if noun == '通话' else '条'}")
    items = [{"key": row[0], "value": row[2] if by_duration else row[1]} for row in rows]
    return Answer("total", summary, columns, rows, refs, count, f"{noun}记录", value=value, items=items,
                  record_counts=counts, basis=basis)


# -- people ------------------------------------------------------------------------------------

def _merge_people(scope: Scope, found: list[Group]) -> dict[str, dict[str, Any]]:
    people: dict[str, dict[str, Any]] = {}
    for g in found:
        name = scope.people.person(g.key)
        p = people.setdefault(name, {"name": name, "cps": [], "nodes": {}, "records": 0, "calls": 0, "messages": 0,
                                     "duration": 0, "incoming": 0, "outgoing": 0, "missed": 0, "rejected": 0,
                                     "night": 0, "first": g.first, "last": g.last})
        if g.key not in p["cps"]:
            p["cps"].append(g.key)
        p["nodes"][g.node] = p["nodes"].get(g.node, 0) + g.records
        for k in ("records", "calls", "messages", "duration", "incoming", "outgoing", "missed", "rejected", "night"):
            p[k] += getattr(g, k)
        p["first"], p["last"] = min(p["first"], g.first), max(p["last"], g.last)
    return people


def _columns(query: Query, scope: Scope, nodes: list[int], measures: set[str]) -> list[tuple[str, Any]]:
    """(title, how to read it from a person) for the ranking's figure columns."""
    calls, messages = "calls" in query.kinds, "messages" in query.kinds
    noun = "通话次数" if not messages else "消息数" if not calls else "联系次数"
    first = ("通话总时长(秒)", "duration") if query.measure == "duration" else (noun, "records")
    cols: list[tuple[str, Any]] = [first]
    if calls and first[1] != "duration":
        cols.append(("通话总时长(秒)", "duration"))
    if query.measure == "duration":
        cols.append(("通话次数", "calls"))
    both = calls and messages
    cols += [("呼入/收到" if both else "呼入" if calls else "收到", "incoming"),
             ("呼出/发送" if both else "呼出" if calls else "发送", "outgoing")]
    if calls and (query.measure == "count" or "missed" in measures or query.statuses):
        cols.append(("未接", "missed"))
    if calls and ("rejected" in measures or query.statuses):
        cols.append(("拒接", "rejected"))
    if "night" in measures or query.hours:
        cols.append(("夜间(22-6点)", "night"))
    if "shares" in measures and calls:
        cols += [("未接占比", "missed_share"), ("夜间占比", "night_share")]
    if len(nodes) > 1:  # after the seed's columns: which channel each person's records came from
        cols += [(_channel(scope, n), ("node", n)) for n in nodes]
    return cols


def _figure(person: dict[str, Any], how: Any) -> Any:
    if isinstance(how, tuple):
        return person["nodes"].get(how[1], 0)
    if how == "missed_share":
        return f"{person['missed'] / person['calls']:.0%}" if person["calls"] else "-"
    if how == "night_share":
        return f"{person['night'] / person['records']:.0%}" if person["records"] else "-"
    return person[how]


async def ranking(query: Query, scope: Scope, measures: set[str] = frozenset()) -> Answer:
    """People ordered by records or call seconds; `measure: people` counts them instead."""
    selection = replace(scope.selection, persons_only=True)
    found = await scope.store.groups(selection, "counterpart_node")
    people = _merge_people(scope, found)
    records_in = sum(p["records"] for p in people.values())
    if query.at_least:  # "至少打过5次电话的人": each person's records, merged across identifiers
        people = {name: p for name, p in people.items() if p["records"] >= query.at_least}
    key = "duration" if query.measure == "duration" else "records"
    other = "records" if key == "duration" else "duration"
    sign = -1 if query.order == "desc" else 1
    ordered = sorted(people.values(), key=lambda p: (sign * p[key], sign * p[other], p["name"]))
    shown = ordered[:100] if query.measure == "people" else ordered[: query.limit]
    nodes = sorted({g.node for g in found})
    cols = _columns(query, scope, nodes, measures)
    calls_only = query.kinds == ("calls",)
    columns = ["排名", "联系人", "号码或账号", *(t for t, _ in cols),
               "首次通话" if calls_only else "首次联系", "最近通话" if calls_only else "最近联系"]
    cited = await scope.store.refs(selection, "counterpart", [cp for p in shown for cp in p["cps"]])
    rows, refs, items = [], [], []
    for rank, p in enumerate(shown, start=1):
        merged = list(dict.fromkeys(scope.people.counterparts[cp].identifier for cp in p["cps"]
                                    if cp in scope.people.counterparts))
        ids = "、".join(merged)
        rows.append([rank, p["name"], ids, *(_figure(p, how) for _, how in cols),
                     scope.local(p["first"]), scope.local(p["last"])])
        refs.append([r for cp in p["cps"] for r in cited.get(cp, [])][:20])
        items.append({"person": p["name"], "identifiers": merged, "value": p[key]})
    basis = [Basis(selection, "counterpart", tuple(p["cps"])) for p in shown]
    everything = sum(g.records for g in await scope.store.groups(scope.selection, "none"))
    counted = f"{_noun(query)}记录"
    notes = [f"其中 {everything - records_in} 条是群聊或没有号码的记录，不参与按联系人的统计。"] \
        if everything > records_in else []
    if query.measure == "people":
        summary = f"共涉及 {len(people)} 位联系人" if people else ""
        return Answer("people", summary, columns, rows, refs, everything, counted, value=len(people),
                      items=items, record_counts=[p["records"] for p in shown], notes=notes, basis=basis)
    summary = ""
    if rows:
        top = rows[0]
        what = "累计通话时间最长" if key == "duration" else f"{_noun(query)}最{'多' if sign < 0 else '少'}"
        summary = f"{what}的是{top[1]}（{top[2]}），{columns[3]} {top[3]}"
        if key == "records" and "calls" in query.kinds:
            summary += f"，累计通话 {people[top[1]]['duration']} 秒"
    return Answer("ranking", summary, columns, rows, refs, everything, counted, items=items,
                  record_counts=[p["records"] for p in shown], notes=notes, basis=basis)


# -- records one by one --------------------------------------------------------------------------

def _describe_row(scope: Scope, row: Row) -> list[Any]:
    who = scope.people.person(row.counterpart) if row.counterpart else (row.address or "未知")
    known = scope.people.counterparts.get(row.counterpart)
    ids = known.identifier if known else (row.address or "")
    way = {"in": "呼入" if row.table == "calls" else "收到", "out": "呼出" if row.table == "calls" else "发送"}
    node = scope.node(row.node)
    return [scope.local(row.ms), who, ids, node.path if node else "", way.get(row.direction or "", ""),
            row.status or "", row.duration if row.table == "calls" else "", (row.body or "").replace("\n", " ")]


async def records(query: Query, scope: Scope) -> Answer:
    """The first or last record, or a listing of the newest ones (every one counted)."""
    newest_first = query.measure != "first"
    listed = await scope.store.rows(scope.selection, 1 if query.measure != "list" else LISTED, newest_first)
    columns = ["时间", "联系人", "号码或账号", "数据", "方向", "状态", "时长(秒)", "内容"]
    total_found = listed[0].total if listed else 0
    rows = [_describe_row(scope, r) for r in listed]
    refs = [[Ref(r.file, r.sha256, r.source_table, r.source_rowid)] for r in listed]
    basis = [Basis(scope.selection, "record", (f"{r.table}:{r.rid}",)) for r in listed]
    items = [{"time": row[0], "person": row[1], "identifiers": row[2].split("、") if row[2] else [],
              "data": row[3], "direction": r.direction, "status": r.status, "duration": r.duration,
              "body": r.body} for row, r in zip(rows, listed)]
    noun = _noun(query)
    if query.measure == "list":
        notes = [f"共 {total_found} 条，列出最近的 {LISTED} 条。"] if total_found > LISTED else []
        summary = f"共找到 {total_found} 条符合条件的{noun}记录" if rows else ""
        return Answer("records", summary, columns, rows, refs, total_found, f"{noun}记录", value=total_found,
                      items=items, record_counts=[1] * len(rows), notes=notes, basis=basis)
    which = "最近一次" if newest_first else "最早一次"
    summary = f"{which}是 {rows[0][0]}，{rows[0][3]}，{rows[0][1]}（{rows[0][2]}）" if rows else ""
    return Answer("record", summary, columns, rows, refs, total_found, f"{noun}记录",
                  value=rows[0][0] if rows else None, items=items, record_counts=[1] * len(rows), basis=basis)


# -- per period, hour, weekday or app -----------------------------------------------------------------

def _label(by: str, key: Any, scope: Scope) -> str:
    if by == "hour":
        return f"{key:02d}:00-{key:02d}:59"
    if by == "weekday":
        return WEEKDAY_NAMES[key]
    if by in ("day", "month"):
        return f"{EPOCH_DAY + timedelta(days=key):%Y-%m-%d}"
    return key


def _item_key(by: str, key: Any) -> str:
    return f"{key:02d}" if by == "hour" else str(key)


async def groups(query: Query, scope: Scope) -> Answer:
    """Records (or call seconds) per day, month, local hour, weekday or app, the largest first."""
    by = query.group
    grouping = {"month": "day", "app": "node"}.get(by, by)
    found = await scope.store.groups(scope.selection, grouping)
    merged: dict[Any, dict[str, Any]] = {}
    for g in found:
        if by == "month":
            key = f"{EPOCH_DAY + timedelta(days=g.key):%Y-%m}"
        elif by == "app":
            node = scope.node(g.key)
            key = node.app if node else str(g.key)
        elif by == "day":
            key = f"{EPOCH_DAY + timedelta(days=g.key):%Y-%m-%d}"
        else:
            key = g.key
        m = merged.setdefault(key, {"key": key, "raw": [], "records": 0, "calls": 0, "messages": 0, "duration": 0})
        m["raw"].append(g.key)
        for k in ("records", "calls", "messages", "duration"):
            m[k] += getattr(g, k)
    value = "duration" if query.measure == "duration" else "records"
    sign = -1 if query.order == "desc" else 1
    ordered = sorted(merged.values(), key=lambda m: (sign * m[value], str(m["key"])))
    title = {"hour": "时段", "day": "日期", "month": "月份", "weekday": "星期", "app": "应用"}[by]
    columns = [title, "记录数", "通话", "消息", "通话总时长(秒)"]
    cited = await scope.store.refs(scope.selection, grouping, [k for m in ordered[:31] for k in m["raw"]])
    rows, refs, items = [], [], []
    for m in ordered:
        label = _label(by, m["key"], scope) if by in ("hour", "weekday") else m["key"]
        rows.append([label, m["records"], m["calls"], m["messages"], m["duration"]])
        refs.append([r for k in m["raw"] for r in cited.get(k, [])][:20])
        items.append({"key": _item_key(by, m["key"]), "label": label, "value": m[value]})
    basis = [Basis(scope.selection, grouping, tuple(m["raw"])) for m in ordered]
    total_records = sum(m["records"] for m in merged.values())
    summary = ""
    if rows:
        figure = f"累计通话 {ordered[0]['duration']} 秒" if value == "duration" else f"{ordered[0]['records']} 条记录"
        summary = f"{'最多' if sign < 0 else '最少'}的{title}是 {rows[0][0]}，{figure}"
    notes = [f"共有 {len(rows)} 个{title}有记录，合计 {total_records} 条。"] if rows else []
    return Answer("groups", summary, columns, rows, refs, total_records, f"{_noun(query)}记录", items=items,
                  record_counts=[m["records"] for m in ordered], notes=notes, basis=basis)


# -- the address book ----------------------------------------------------------------------------

def lookup(query: Query, scope: Scope) -> Answer:
    """A person's numbers and accounts, with the address-book entries naming them."""
    paths = {n.id: n.path for n in scope.nodes}
    directory = scope.people
    names = list(query.people) or [p for p, cps in directory.members.items()
                                   if any(e.node in paths for cp in cps for e in directory.counterparts[cp].entries)]
    rows, refs, items = [], [], []
    for name in names[:LOOKUP_LIMIT]:
        cps = [directory.counterparts[cp] for cp in directory.members.get(name, [])]
        entries = [e for cp in cps for e in cp.entries if e.node in paths]
        ids = directory.identifiers(name)
        rows.append([name, "、".join(ids), "、".join(dict.fromkeys(cp.kind for cp in cps)),
                     "、".join(dict.fromkeys(e.name or "" for e in entries)) or "（无）",
                     "、".join(dict.fromkeys(paths[e.node] for e in entries)) or "（仅见于往来记录）"])
        refs.append([e.ref for e in entries])
        items.append({"person": name, "identifiers": ids})
    summary = ""
    if rows and query.people:
        summary = "；".join(f"{row[0]}的号码或账号：{row[1]}" for row in rows)
    elif rows:
        summary = f"通讯录中共有 {len(rows)} 位联系人"
    return Answer("lookup", summary, ["联系人", "号码或账号", "类型", "通讯录条目", "通讯录来源"], rows, refs,
                  sum(len(r) for r in refs), "通讯录条目", items=items,
                  basis=[Basis(None, "contacts", contacts=tuple(r)) for r in refs])


__all__ = ["execute", "empty"]
