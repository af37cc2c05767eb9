"""The offline engine: intent rules for Chinese questions, exact SQL analytics over the evidence
store, and a templated narrative. No model, no network."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from qbot.config import EngineConfig
from qbot.engine import prompts, scope
from qbot.engine.base import Plan
from qbot.events import Emit, message, result, status
from qbot.evidence.store import Case, EvidenceRef, EvidenceStore, Node

CALL_FREQUENCY = "call_frequency"
UNSUPPORTED = "unsupported"

_CALLS = re.compile(r"电话|通话|来电|呼叫|打给|致电")
_FREQUENT = re.compile(r"频繁|最多|经常|次数|多|谁|排名|排行")
_RECENT = re.compile(r"最近|近期|近来")

EXAMPLES = ("请问机主最近与谁打电话比较频繁？", "机主和谁通话次数最多？", "最近一个月机主经常给谁打电话？")
COLUMNS = ["排名", "联系人", "号码", "通话次数", "通话总时长(秒)", "呼入", "呼出", "未接", "首次通话", "最近通话"]


def format_duration(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes}分{secs}秒"
    return f"{minutes}分{secs}秒" if minutes else f"{secs}秒"


class BuiltinEngine:
    def __init__(self, config: EngineConfig, store: EvidenceStore) -> None:
        self.config = config
        self.store = store

    # -- understanding -----------------------------------------------------------------------

    async def plan(self, question: str, case: Case, package_nodes: list[Any]) -> Plan:
        if not (_CALLS.search(question) and _FREQUENT.search(question)):
            return Plan(question=question, intent=UNSUPPORTED)
        nodes = await self._nodes(case, package_nodes, "calls")
        window = {"kind": "recent", "days": self.config.recent_days} if _RECENT.search(question) else {"kind": "all"}
        plan = Plan(question=question, intent=CALL_FREQUENCY, kind="calls", node_paths=[n.path for n in nodes],
                    window=window)
        plan.steps = [
            f"理解问题：统计机主在{self._window_text(plan)}内与各联系人的通话次数，找出通话最频繁的联系人。",
            "检索数据：" + ("、".join(plan.node_paths) if nodes else "本案暂无通话类数据节点") + "。",
            "统计分析：按联系人（同一号码的不同写法视为同一人）汇总通话次数与总时长，按次数排序，次数相同按时长排序。",
            "输出结果：给出排名表，并列出每一行所依据的通话记录来源。",
        ]
        return plan

    async def explain(self, plan: Plan) -> AsyncIterator[Emit]:
        yield status("plan", "理解问题", 0.5)
        if plan.intent == UNSUPPORTED:
            yield message("抱歉，我暂时还不能回答这个问题。我目前可以分析通话记录中的联系频率，例如：\n\n")
            for example in EXAMPLES:
                yield message(f"- {example}\n")
            yield message("\n请换一种问法，或者直接提出上面这样的问题。")
            return
        steps = "".join(f"{number}. {step}\n" for number, step in enumerate(plan.steps, start=1))
        yield message(f"我将按以下步骤完成分析：\n\n{steps}")
        yield message("\n确认后点击“开始任务”，我会给出可编辑的数据筛选条件。")

    async def propose_form(self, plan: Plan, case: Case, package_nodes: list[Any]) -> dict[str, Any]:
        nodes = [n for n in await self._nodes(case, package_nodes, plan.kind) if n.path in plan.node_paths]
        return {
            "formName": "filter",
            "filter_tree": scope.filter_sentence("分析机主的通话频率", nodes),
            "filter_keyword": plan.keyword,
            "analysis_prompt": prompts.call_frequency_prompt(nodes, self._window_text(plan)),
        }

    # -- analysing ---------------------------------------------------------------------------

    async def analyse(self, plan: Plan, form: dict[str, Any], case: Case,
                      package_nodes: list[Any]) -> AsyncIterator[Emit]:
        yield status("retrieve", "按筛选条件选择数据节点", 0.1)
        candidates = await self._nodes(case, package_nodes, plan.kind or "calls")
        nodes = scope.choose(candidates, form.get("filter_tree", ""))
        keyword = (form.get("filter_keyword") or "").strip()
        if not nodes:
            yield message("本案没有可用的通话记录节点，无法统计通话频率。")
            yield result("本案没有通话记录", COLUMNS, [], [], scope=[])
            return
        node_ids = [n.id for n in nodes]
        start, end = await self._window(plan, node_ids)
        yield status("retrieve", "检索并统计通话记录", 0.3)
        total, ranking = await self.store.call_ranking(node_ids, start, end, keyword, limit=self.config.top_n)

        tz = ZoneInfo(case.timezone)
        window_text = self._window_text(plan)
        span = (f"{_local(start, tz):%Y-%m-%d %H:%M} 至 {_local(end - timedelta(milliseconds=1), tz):%Y-%m-%d %H:%M}"
                if start and end else "全部时间")
        scope_text = "、".join(f"{n.path}（{n.package_name}）" for n in nodes)
        keyword_text = f"**关键词**：{keyword}（只统计号码或联系人名称包含该词的记录）\n\n" if keyword else ""
        yield message(f"**分析范围**：{window_text}（{span}，{case.timezone}）\n\n**数据节点**：{scope_text}\n\n"
                      f"{keyword_text}**参与统计的通话记录**：{total} 条\n\n")

        rows, evidence, sources = [], [], {}
        for rank, row in enumerate(ranking, start=1):
            name = row.name or "未知联系人"
            rows.append([rank, name, row.number or "", row.calls, row.total_duration, row.incoming, row.outgoing,
                         row.missed, f"{_local(row.first, tz):%Y-%m-%d %H:%M:%S}",
                         f"{_local(row.last, tz):%Y-%m-%d %H:%M:%S}"])
            evidence.append({"row": rank, "counterpart_id": row.counterpart_id, "records": row.calls,
                             "refs": _cite(row.evidence, sources)})
        if not rows:
            summary = f"{window_text}内没有符合条件的通话记录"
            yield message(summary + "。")
        else:
            top = ranking[0]
            summary = (f"{window_text}内机主与{top.name or '未知联系人'}（{top.number or '号码未知'}）通话最频繁，"
                       f"共 {top.calls} 次，累计 {format_duration(top.total_duration)}")
            yield message(f"**结论**：{summary}。\n\n")
            table = "".join(
                f"| {rank} | {r.name or '未知联系人'} | {r.number or ''} | {r.calls} | "
                f"{format_duration(r.total_duration)} | {r.incoming}/{r.outgoing}/{r.missed} |\n"
                for rank, r in enumerate(ranking, start=1))
            yield message("| 排名 | 联系人 | 号码 | 次数 | 总时长 | 呼入/呼出/未接 |\n|---|---|---|---|---|---|\n" + table)
            yield message("\n每一行所依据的通话记录（文件、表、行号）见结果中的证据列表。")
        yield status("analyse", "完成", 1.0)
        yield result(summary, COLUMNS, rows, evidence,
                     sources=[{"file": file, "sha256": sha256} for file, sha256 in sources],
                     scope=[n.path for n in nodes], window={
            "start": start.isoformat() if start else None, "end": end.isoformat() if end else None,
            "timezone": case.timezone}, records=total, keyword=keyword)

    # -- helpers -----------------------------------------------------------------------------

    async def _nodes(self, case: Case, package_nodes: Sequence[Any], kind: str) -> list[Node]:
        nodes = scope.restrict(await self.store.nodes(case.id), package_nodes)
        return [n for n in nodes if n.kind == kind]

    def _window_text(self, plan: Plan) -> str:
        if plan.window.get("kind") == "recent":
            return f"最近{plan.window['days']}天"
        return "全部时间"

    async def _window(self, plan: Plan, node_ids: list[int]) -> tuple[datetime | None, datetime | None]:
        """"最近" ends at the newest record in scope: extractions are historical, the clock is not."""
        if plan.window.get("kind") != "recent":
            return None, None
        newest = await self.store.newest_time(node_ids)
        if newest is None:
            return None, None
        end = newest + timedelta(milliseconds=1)
        return end - timedelta(days=int(plan.window["days"])), end


def _cite(refs: Sequence[EvidenceRef], sources: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """Record references grouped by source file and table: `{"source": i, "table", "rowids"}`,
    where `i` is the file's position in the result's `sources` (each file listed once)."""
    cited: dict[tuple[int, str], list[int]] = {}
    for ref in refs:
        source = sources.setdefault((ref.file, ref.sha256), len(sources))
        cited.setdefault((source, ref.table), []).append(ref.rowid)
    return [{"source": source, "table": table, "rowids": rowids} for (source, table), rowids in cited.items()]


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)
