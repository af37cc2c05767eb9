"""Contact lookup: who a number is, or a person's numbers and accounts, from the address books
and the identities the sources gave each counterpart."""

from __future__ import annotations

from qbot.engine.analyses import Answer, Context

COLUMNS = ["联系人", "号码或账号", "类型", "通讯录条目", "通讯录来源"]
LIMIT = 200


async def lookup(ctx: Context) -> Answer:
    name = ctx.params.get("person", "")
    paths = {n.id: n.path for n in ctx.nodes}
    directory = ctx.directory
    if name:
        members = directory.members(name)
    else:  # no one named: the address book itself
        members = [cp.id for cp in directory.by_id.values() if any(e.node_id in paths for e in cp.entries)][:LIMIT]
    rows, refs = [], []
    for cp_id in members:
        cp = directory.by_id[cp_id]
        entries = [e for e in cp.entries if e.node_id in paths]
        rows.append([cp.name, cp.shown_number, cp.kind, "、".join(e.name or "" for e in entries) or "（无）",
                     "、".join(dict.fromkeys(paths[e.node_id] for e in entries)) or "（仅见于往来记录）"])
        refs.append([e.ref for e in entries])
    entries_total = sum(len([e for e in directory.by_id[m].entries if e.node_id in paths]) for m in members)
    summary = ""
    if rows and name:
        summary = f"{name}的号码或账号：" + "、".join(r[1] for r in rows)
    elif rows:
        summary = f"通讯录中共有 {len(rows)} 位联系人"
    return Answer(summary, COLUMNS, rows, refs, entries_total, "通讯录条目", record_counts=None)
