"""The builtin narrative and the `result` fields: window, scope and record counts first, then the
answer and its table. A few paragraph-sized deltas, not one per line: every event is logged."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

from qbot.engine.analyses import Answer, Context
from qbot.engine.base import Plan
from qbot.evidence.store import EvidenceRef

TABLE_ROWS = 10


def _span(ctx: Context) -> str:
    w = ctx.window
    if not (w.start and w.end):
        return "全部时间"
    last = w.end - timedelta(milliseconds=1)
    return f"{ctx.local(w.start)[:16]} 至 {ctx.local(last)[:16]}"


def narrative(ctx: Context, answer: Answer, plan: Plan) -> Iterator[str]:
    if not ctx.nodes:
        yield "本案（或所选范围）中没有与该问题相关的数据节点，无法分析。可在筛选条件中写明要检索的应用与数据类型。"
        return
    scope_text = "、".join(f"{n.path}（{n.package_name}）" for n in ctx.nodes)
    keyword = f"**关键词**：{ctx.keyword}\n\n" if ctx.keyword else ""
    window = "" if plan.intent == "contact_lookup" else f"**分析范围**：{ctx.window.text}（{_span(ctx)}，{ctx.case.timezone}）\n\n"
    yield (f"{window}**数据节点**：{scope_text}\n\n{keyword}"
           f"**参与统计的{answer.counted}**：{answer.records} 条\n\n")
    if not answer.rows:
        yield f"{ctx.window.text}内没有符合条件的记录。"
        return
    table = "| " + " | ".join(answer.columns) + " |\n|" + "---|" * len(answer.columns) + "\n"
    table += "".join("| " + " | ".join(_cell(v) for v in row) + " |\n" for row in answer.rows[:TABLE_ROWS])
    more = f"\n（共 {len(answer.rows)} 行，表中列出前 {TABLE_ROWS} 行，全部见结果。）\n" if len(answer.rows) > TABLE_ROWS else ""
    yield f"**结论**：{answer.summary}。\n\n{table}{more}"
    for note in answer.notes:
        yield "\n" + note + "\n"
    yield "\n每一行所依据的记录（文件、表、行号）见结果中的证据列表。"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def result_fields(ctx: Context, answer: Answer, plan: Plan) -> dict[str, Any]:
    sources: dict[tuple[str, str], int] = {}
    evidence = []
    for number, refs in enumerate(answer.refs, start=1):
        counts = answer.record_counts
        evidence.append({"row": number, "records": counts[number - 1] if counts else len(refs),
                         "refs": cite(refs, sources)})
    w = ctx.window
    summary = answer.summary or (f"{w.text}内没有符合条件的记录" if ctx.nodes else "没有相关数据节点")
    return {"summary": summary, "columns": answer.columns, "rows": answer.rows, "evidence": evidence,
            "sources": [{"file": file, "sha256": sha256} for file, sha256 in sources],
            "scope": [n.path for n in ctx.nodes], "intent": plan.intent,
            "window": {"start": w.start.isoformat() if w.start else None, "end": w.end.isoformat() if w.end else None,
                       "timezone": ctx.case.timezone, "text": w.text},
            "records": answer.records, "keyword": ctx.keyword, "measures": sorted(ctx.measures), **answer.extra}


def cite(refs: Sequence[EvidenceRef], sources: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """Record references grouped by source file and table: `{"source": i, "table", "rowids"}`,
    where `i` is the file's position in the result's `sources` (each file listed once)."""
    cited: dict[tuple[int, str], list[int]] = {}
    for ref in refs:
        source = sources.setdefault((ref.file, ref.sha256), len(sources))
        cited.setdefault((source, ref.table), []).append(ref.rowid)
    return [{"source": source, "table": table, "rowids": rowids} for (source, table), rowids in cited.items()]
