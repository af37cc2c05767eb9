"""The offline engine: intent rules for Chinese questions, exact SQL analytics over the evidence
store, and a templated narrative. No model, no network.

The openai provider plugs in beside it: it may replace `plan` (validated against the node tree)
and the narrative, and reuses `run_analysis` so every figure still comes from the queries."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cachetools import LRUCache

from qbot.config import EngineConfig
from qbot.engine import intents, measures, prompts, render, scope, timeexpr
from qbot.engine.analyses import Answer, Context
from qbot.engine.base import Plan
from qbot.engine.catalog import SPECS
from qbot.engine.people import Directory
from qbot.events import Emit, dumps, message, result, status
from qbot.evidence.store import Case, EvidenceStore, Node, RecordScope, to_ms

UNSUPPORTED = intents.UNSUPPORTED
EXAMPLES = ("请问机主最近与谁打电话比较频繁？", "机主和谁累计通话时间最长？", "机主夜间和谁通话最多？",
            "最近一周有哪些未接来电？", "机主微信上和谁聊天最多？", "机主和张伟之间有哪些往来？",
            "有哪些消息提到“转账”？", "机主一天中几点最活跃？", "13800138000 是谁？")
# Plans and answers depend only on their inputs and the evidence, which does not change while the
# store's version stays the same: the same question over the same scope is worked out once.
PLANS_KEPT = 1024
ANSWER_BYTES_KEPT = 32 * 2**20  # of encoded answer events


class BuiltinEngine:
    def __init__(self, config: EngineConfig, store: EvidenceStore) -> None:
        self.config = config
        self.store = store
        self._directories: dict[tuple[str, Any], Directory] = {}
        self._plans: LRUCache[tuple, Plan] = LRUCache(PLANS_KEPT)
        self._answers: LRUCache[tuple, list[Emit]] = LRUCache(
            ANSWER_BYTES_KEPT, getsizeof=lambda emits: sum(len(e.json()) for e in emits))

    # -- understanding -----------------------------------------------------------------------

    async def directory(self, case: Case) -> Directory:
        """The case's people, kept while the store is unchanged (the catalog's data version)."""
        key = (case.id, await self._version(case))
        if key not in self._directories:
            self._directories = {key: Directory(await self.store.directory(case.id))}
        return self._directories[key]

    async def _version(self, case: Case) -> Any:
        """The store's version, checked now (at most once a CATALOG_TTL)."""
        await self.store.nodes(case.id)
        return self.store.data_version

    async def plan(self, question: str, case: Case, package_nodes: list[Any]) -> Plan:
        key = (await self._version(case), case.id, question, dumps(package_nodes))
        if (known := self._plans.get(key)) is None:
            known = self._plans[key] = await self._plan(question, case, package_nodes)
        return Plan.from_json(known.to_json())  # a copy: callers may change theirs

    async def _plan(self, question: str, case: Case, package_nodes: list[Any]) -> Plan:
        directory = await self.directory(case)
        found = directory.find(question, case.region)
        understood = intents.understand(question, found)
        if understood.intent == UNSUPPORTED:
            return Plan(question=question, intent=UNSUPPORTED)
        spec = SPECS[understood.intent]
        nodes = await self.candidates(case, package_nodes, spec.kinds, understood.app)
        window = timeexpr.parse(question, self.config.recent_days) if spec.uses_window else {"kind": "all"}
        period = "month" if ("月" in question and "天" not in question and window["kind"] in ("all", "dates")) else "day"
        plan = Plan(question=question, intent=understood.intent, kind=",".join(spec.kinds),
                    node_paths=[n.path for n in nodes], window=window, keyword=understood.keyword,
                    params={"app": understood.app, "person": understood.person,
                            "person_text": understood.person_text, "period": period})
        window_text = timeexpr.describe(window) if window["kind"] != "dates" else "问题所指的时间"
        who = f"机主与{understood.person}" if understood.person else "机主"
        keyword = f"，关键词“{understood.keyword}”" if understood.keyword else ""
        plan.steps = [
            f"理解问题：{who}在{window_text}内{spec.goal}{keyword}。",
            "检索数据：" + ("、".join(plan.node_paths) if nodes else "本案暂无相关数据节点") + "。",
            "统计分析：" + "；".join(f"{name}——{how}" for name, how in spec.measures) + "。",
            "输出结果：给出结果表，并列出每一行所依据的记录来源（文件、表、行号）。",
        ]
        return plan

    async def explain(self, plan: Plan) -> AsyncIterator[Emit]:
        yield status("plan", "理解问题", 0.5)
        if plan.intent == UNSUPPORTED:
            examples = "".join(f"- {example}\n" for example in EXAMPLES)
            yield message("抱歉，我暂时还不能回答这个问题。我可以分析通话、短信、微信聊天与通讯录，例如：\n\n"
                          f"{examples}\n请换一种问法，或者直接提出上面这样的问题。")
            return
        steps = "".join(f"{number}. {step}\n" for number, step in enumerate(plan.steps, start=1))
        yield message(f"我将按以下步骤完成分析：\n\n{steps}\n确认后点击“开始任务”，我会给出可编辑的数据筛选条件。")

    async def propose_form(self, plan: Plan, case: Case, package_nodes: list[Any]) -> dict[str, Any]:
        spec = SPECS[plan.intent]
        nodes = [n for n in await self.candidates(case, package_nodes, spec.kinds) if n.path in plan.node_paths]
        window_text = timeexpr.describe(plan.window) if plan.window.get("kind") != "dates" else "问题所指的时间"
        return {
            "formName": "filter",
            "filter_tree": scope.filter_sentence(spec.purpose, nodes),
            "filter_keyword": plan.keyword,
            "analysis_prompt": prompts.layered_prompt(spec.goal, spec.measures, nodes, window_text, plan.keyword,
                                                      plan.params.get("person", "")),
        }

    # -- analysing ---------------------------------------------------------------------------

    async def run_analysis(self, plan: Plan, form: dict[str, Any], case: Case, package_nodes: list[Any]
                           ) -> tuple[Context, Answer]:
        """The figures of a task: the nodes the form selects, the window, and the analysis."""
        spec = SPECS[plan.intent]
        # No node proposed (the question names an app the case lacks): read nothing rather than all.
        nodes = scope.choose(await self.candidates(case, package_nodes, spec.kinds),
                             form.get("filter_tree", "")) if plan.node_paths else []
        tz = ZoneInfo(case.timezone)
        timed = [n for n in nodes if n.kind != "contacts"]
        newest = await self.store.newest_time([n.id for n in timed])
        window = timeexpr.resolve(plan.window, newest, tz)
        firsts = [n.first for n in timed if n.first] + ([window.start] if window.start else [])
        lasts = [n.last for n in timed if n.last] + ([window.end] if window.end else [])
        offsets = timeexpr.offsets(tz, min(firsts), max(lasts) + timedelta(days=1)) if firsts and lasts else [(0, 0)]
        offsets[0] = (-(2**62), offsets[0][1])
        keyword = (form.get("filter_keyword") or "").strip()
        record_scope = RecordScope(
            call_nodes=tuple(n.id for n in nodes if n.kind == "calls"),
            message_nodes=tuple(n.id for n in nodes if n.kind == "messages"),
            lo=to_ms(window.start) if window.start else -(2**62), hi=to_ms(window.end) if window.end else 2**62,
            keyword="" if plan.intent == intents.KEYWORD else keyword, offsets=tuple(offsets))
        ctx = Context(self.store, case, nodes, window, keyword, measures.named(form.get("analysis_prompt", "")),
                      plan.params, await self.directory(case), record_scope, self.config.top_n)
        if not nodes:
            return ctx, Answer("", [], [], [], 0, "记录")
        return ctx, await spec.analysis(ctx)

    async def analyse(self, plan: Plan, form: dict[str, Any], case: Case,
                      package_nodes: list[Any]) -> AsyncIterator[Emit]:
        yield status("retrieve", "按筛选条件检索并统计记录", 0.2)
        key = (await self._version(case), case.id, dumps(plan.to_json()), dumps(package_nodes),
               *(form.get(name) or "" for name in ("filter_tree", "filter_keyword", "analysis_prompt")))
        if (emits := self._answers.get(key)) is None:
            ctx, answer = await self.run_analysis(plan, form, case, package_nodes)
            emits = [message(delta) for delta in render.narrative(ctx, answer, plan)]
            emits += [status("analyse", "完成", 1.0), result(**render.result_fields(ctx, answer, plan))]
            with contextlib.suppress(ValueError):  # one answer larger than the whole cache
                self._answers[key] = emits
        for emit in emits:
            yield emit

    # -- helpers -----------------------------------------------------------------------------

    async def candidates(self, case: Case, package_nodes: Sequence[Any], kinds: Sequence[str], app: str = ""
                         ) -> list[Node]:
        nodes = scope.restrict(await self.store.nodes(case.id), package_nodes)
        chosen = [n for n in nodes if n.kind in kinds]
        if app:  # the question names an app: propose its nodes (when the case has them)
            chosen = [n for n in chosen if n.app == app]
        return chosen
