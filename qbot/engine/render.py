"""The builtin narrative and the `result` fields: what was read first (window, nodes, filters,
record count), then the answer and its table. A few paragraph-sized deltas, not one per line:
every event is logged."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

from qbot.engine.answer import Answer, Scope
from qbot.engine.base import Plan
from qbot.engine.forms import Edits
from qbot.engine.query import Query, describe
from qbot.evidence.records import Ref

TABLE_ROWS = 10
# `result.narrative`: who wrote the text and which of its claims the answer does not support. The
# builtin text is built from the answer, so it has none; the openai provider replaces it.
BUILTIN_NARRATIVE = {"author": "builtin", "checked": True, "unmatched": []}


def span(scope: Scope) -> str:
    w = scope.window
    if not (w.start and w.end):
        return "全部时间"
    return f"{scope.local(w.start)[:16]} 至 {scope.local(w.end - timedelta(milliseconds=1))[:16]}"


def header(scope: Scope, answer: Answer, query: Query) -> str:
    nodes = "、".join(f"{n.path}（{n.package_name}）" for n in scope.nodes)
    window = "" if query.measure == "lookup" else f"**分析范围**：{scope.window.text}（{span(scope)}，{scope.case.timezone}）\n\n"
    keyword = f"**关键词**：{scope.selection.match}\n\n" if scope.selection.match else ""
    return (f"{window}**数据节点**：{nodes}\n\n**查询条件**：{describe(query, scope.window.text)}\n\n{keyword}"
            f"**参与统计的{answer.counted}**：{answer.records} 条\n\n")


def table(answer: Answer) -> str:
    text = "| " + " | ".join(answer.columns) + " |\n|" + "---|" * len(answer.columns) + "\n"
    text += "".join("| " + " | ".join(_cell(v) for v in row) + " |\n" for row in answer.rows[:TABLE_ROWS])
    if len(answer.rows) > TABLE_ROWS:
        text += f"\n（共 {len(answer.rows)} 行，表中列出前 {TABLE_ROWS} 行，全部见结果。）\n"
    return text


def narrative(scope: Scope, answer: Answer, query: Query, notes: Sequence[str] = ()) -> Iterator[str]:
    if not scope.nodes:
        yield "本案（或所选范围）中没有与该问题相关的数据节点，无法分析。可在筛选条件中写明要检索的应用与数据类型。"
        return
    yield header(scope, answer, query)
    if not answer.rows:
        yield f"{scope.window.text}内没有符合条件的记录。"
    else:
        yield f"**结论**：{answer.summary}。\n\n{table(answer)}"
    for note in [*answer.notes, *notes]:
        yield "\n" + note + "\n"
    if answer.rows:
        yield "\n每一行所依据的记录（文件、表、行号）见结果中的证据列表。"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def result_fields(scope: Scope, answer: Answer, query: Query, plan: Plan, edits: Edits) -> dict[str, Any]:
    sources: dict[tuple[str, str], int] = {}
    evidence = []
    for number, refs in enumerate(answer.refs, start=1):
        counts = answer.record_counts
        evidence.append({"row": number, "records": counts[number - 1] if counts else len(refs),
                         "refs": cite(refs, sources)})
    w = scope.window
    summary = answer.summary or (f"{w.text}内没有符合条件的记录" if scope.nodes else "没有相关数据节点")
    return {"summary": summary, "columns": answer.columns, "rows": answer.rows, "evidence": evidence,
            "sources": [{"file": file, "sha256": sha256} for file, sha256 in sources],
            "scope": [n.path for n in scope.nodes], "node_ids": [n.id for n in scope.nodes], "intent": plan.intent,
            "window": {"start": w.start.isoformat() if w.start else None, "end": w.end.isoformat() if w.end else None,
                       "timezone": scope.case.timezone, "text": w.text},
            "records": answer.records, "keyword": scope.selection.match, "measures": sorted(edits.measures),
            "query": query.to_json(), "answer": answer.machine(query.measure), "notes": list(edits.notes),
            "narrative": dict(BUILTIN_NARRATIVE, unmatched=[]), **answer.extra}


def cite(refs: Sequence[Ref], sources: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """Record references grouped by source file and table: `{"source": i, "table", "rowids"}`,
    where `i` is the file's position in the result's `sources` (each file listed once)."""
    cited: dict[tuple[int, str], list[int]] = {}
    for ref in refs:
        source = sources.setdefault((ref.file, ref.sha256), len(sources))
        cited.setdefault((source, ref.table), []).append(ref.rowid)
    return [{"source": source, "table": table, "rowids": rowids} for (source, table), rowids in cited.items()]
