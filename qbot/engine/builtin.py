"""The offline engine: a question becomes a typed query (`parser`), one executor runs it as SQL
over the evidence store, and a templated narrative reports it. No model, no network.

The openai provider plugs in beside it: it may fill the query itself (checked like any reading)
and write the narrative, and reuses `run_analysis` so every figure still comes from the queries."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cachetools import LRUCache

from qbot.config import EngineConfig
from qbot.engine import executor, forms, parser, presets, render, scope, timeexpr
from qbot.engine.answer import Answer, Scope, empty
from qbot.engine.base import Plan
from qbot.engine.errors import EngineError
from qbot.engine.people import People
from qbot.engine.query import Query, describe
from qbot.engine.readings import CaseSources, Reading
from qbot.engine.steps import Finding, Progress, Step, Text
from qbot.events import dumps
from qbot.evidence.records import MAX_MS, MIN_MS, Selection
from qbot.evidence.store import Case, EvidenceStore, Node, to_ms

UNSUPPORTED = "unsupported"
SETTLED_BY_ANSWERS = ("sources", "direction", "topic")  # not "people": an answer names its person
# Readings of what is counted, each one figure: answered side by side, labelled, not asked about.
SIDE_BY_SIDE = ("sources", "direction")
FORM_FIELDS = ("filter_tree", "filter_keyword", "analysis_prompt")
CLARIFY = "clarify"
# Plans and answers depend only on their inputs and the evidence, which does not change while the
# store's version stays the same: the same question over the same scope is worked out once.
PLANS_KEPT = 1024
ANSWER_BYTES_KEPT = 32 * 2**20  # of answers, as JSON


class BuiltinEngine:
    def __init__(self, config: EngineConfig, store: EvidenceStore) -> None:
        self.config = config
        self.store = store
        self._people: dict[tuple[str, Any], People] = {}
        self._plans: LRUCache[tuple, Plan] = LRUCache(PLANS_KEPT)
        self._forms: LRUCache[tuple, dict[str, str]] = LRUCache(PLANS_KEPT)
        self._answers: LRUCache[tuple, list[Step]] = LRUCache(
            ANSWER_BYTES_KEPT, getsizeof=_bytes)

    # -- understanding -----------------------------------------------------------------------

    async def people(self, case: Case) -> People:
        """The case's people, kept while the store is unchanged (the catalog's data version)."""
        key = (case.id, await self._version(case))
        if key not in self._people:
            self._people = {key: People(await self.store.directory(case.id), case.region)}
        return self._people[key]

    async def _version(self, case: Case) -> Any:
        await self.store.nodes(case.id)  # checks the store's version (at most once a CATALOG_TTL)
        return self.store.data_version

    async def case_sources(self, case: Case, package_nodes: Sequence[Any]) -> CaseSources:
        nodes = scope.restrict(await self.store.nodes(case.id), package_nodes)
        return CaseSources(frozenset((n.kind, n.app) for n in nodes if n.count))

    async def read(self, question: str, case: Case, package_nodes: Sequence[Any], previous: tuple[str, ...] = ()
                   ) -> Reading:
        nodes = scope.restrict(await self.store.nodes(case.id), package_nodes)
        newest = max((n.last for n in nodes if n.last), default=None)
        return parser.read(question, await self.people(case), await self.case_sources(case, package_nodes),
                           self.config.recent_days, newest, ZoneInfo(case.timezone), previous)

    async def plan(self, question: str, case: Case, package_nodes: list[Any], previous: tuple[str, ...] = ()) -> Plan:
        key = (await self._version(case), case.id, question, dumps(package_nodes), previous)
        if (known := self._plans.get(key)) is None:
            reading = await self.read(question, case, package_nodes, previous)
            known = self._plans[key] = pointed(await self.plan_reading(question, reading, case, package_nodes),
                                               reading, previous)
        return Plan.from_json(known.to_json())  # a copy: callers may change theirs

    async def plan_reading(self, question: str, reading: Reading, case: Case, package_nodes: list[Any]) -> Plan:
        if reading.outcome == "decline":
            return Plan(question=question, intent=UNSUPPORTED, reason=reading.reason, unknown=reading.unknown,
                        params={"nearest": reading.nearest} if reading.nearest else {})
        if reading.outcome == "clarify" and reading.about in SETTLED_BY_ANSWERS:
            answers = [await self.answer_of(c.query, case, package_nodes) for c in reading.choices]
            if all(answer == answers[0] for answer in answers):
                # Every reading gives the same answer: nothing to ask. Say so in the plan.
                plan = await self.plan_query(question, reading.choices[0].query, case, package_nodes)
                plan.steps.insert(1, "说明：" + reading.reason + "按" + "、按".join(f"“{c.label}”" for c in reading.choices)
                                  + "计算，结果相同，因此不再询问。")
                return plan
        if reading.outcome == "clarify" and reading.about in SIDE_BY_SIDE and all(
                c.query.group == "none" and c.query.measure in ("count", "duration") for c in reading.choices):
            plan = await self.plan_query(question, reading.choices[0].query, case, package_nodes)
            plan.readings = [{"label": c.label, "question": c.question, "query": c.query.to_json()}
                             for c in reading.choices]
            plan.steps.insert(1, "说明：" + reading.reason + "各种理解的结果不同，都计算并列给出："
                              + "；".join(f"{i}. {c.label}" for i, c in enumerate(reading.choices, start=1)) + "。")
            return plan
        if reading.outcome == "clarify":
            choices = [{"id": str(i), "label": c.label, "question": c.question, "query": c.query.to_json()}
                       for i, c in enumerate(reading.choices, start=1)]
            return Plan(question=question, intent=CLARIFY, reason=reading.reason, choices=choices)
        assert reading.query is not None
        return await self.plan_query(question, reading.query, case, package_nodes)

    async def answer_of(self, query: Query, case: Case, package_nodes: list[Any]) -> tuple:
        """What a reading would answer, to compare readings: the machine answer and the records."""
        nodes = await self.nodes_for(query, case, package_nodes)
        if not nodes:
            return ()
        answer = await executor.execute(query, await self.scope(query, nodes, case))
        return answer.records, dumps(answer.machine(query.measure))

    async def choose(self, plan: Plan, choice: str, case: Case, package_nodes: list[Any]) -> Plan:
        """The plan of the reading the examiner picked from a clarification."""
        picked = next(c for c in plan.choices if c["id"] == choice)
        return await self.plan_query(picked["question"], Query.from_json(picked["query"]), case, package_nodes)

    async def plan_query(self, question: str, query: Query, case: Case, package_nodes: list[Any]) -> Plan:
        nodes = await self.nodes_for(query, case, package_nodes)
        window_text = timeexpr.describe(query.window)
        plan = Plan(question=question, intent=presets.name_of(query), kind=",".join(query.kinds),
                    node_paths=[n.path for n in nodes], window=dict(query.window), keyword=" ".join(query.keywords),
                    query=query.to_json())
        plan.steps = [
            f"理解问题：{describe(query, window_text)}。",
            "检索数据：" + ("、".join(plan.node_paths) if nodes else "本案（或所选范围）没有这类数据") + "。",
            "统计分析：按上面的条件查询记录，每个数字都来自查询，同一人的号码与账号合并计算。",
            "输出结果：给出结果表，并列出每一行所依据的记录来源（文件、表、行号）。",
        ]
        return plan

    async def propose_form(self, plan: Plan, case: Case, package_nodes: list[Any]) -> dict[str, Any]:
        # Remembered as plans are: the form depends only on the plan, the scope and the evidence.
        key = (case.id, await self._version(case), dumps(plan.query or {}), tuple(plan.node_paths),
               dumps(package_nodes))
        if (form := self._forms.get(key)) is None:
            query = Query.from_json(plan.query or {})
            nodes = [n for n in await self.nodes_for(query, case, package_nodes) if n.path in plan.node_paths]
            form = self._forms[key] = forms.propose(query, nodes, timeexpr.describe(query.window))
        return dict(form)  # the caller's to change (its values are strings)

    # -- analysing ---------------------------------------------------------------------------

    async def run_analysis(self, plan: Plan, form: dict[str, Any], case: Case, package_nodes: list[Any],
                           proposed: dict[str, Any] | None = None) -> tuple[Scope, Answer, Query, forms.Edits]:
        """The figures of a task: the query as the form edits it, over the nodes it selects."""
        query = Query.from_json(plan.query or {})
        candidates = await self.nodes_for(query, case, package_nodes, any_app=True)
        proposed_nodes = [n for n in candidates if n.path in plan.node_paths]
        edits = forms.read(query, form, proposed, candidates, proposed_nodes, await self._reader(case, package_nodes)) \
            if plan.node_paths else forms.Edits(query, [])
        query = edits.query
        the_scope = await self.scope(query, edits.nodes, case, edits.match)
        answer = await executor.execute(query, the_scope, edits.measures) if edits.nodes else \
            empty(_shape_of(query), "记录")
        if plan.readings:
            await self._side_by_side(plan, form, proposed, case, package_nodes, answer, edits)
        return the_scope, answer, query, edits

    async def _side_by_side(self, plan: Plan, form: dict[str, Any], proposed: dict[str, Any] | None, case: Case,
                            package_nodes: list[Any], answer: Answer, edits: forms.Edits) -> None:
        """The plan's other readings, each computed as it stands, beside the answer of its first; a
        form the examiner edited is one reading of its own, and the note says which."""
        labels = [r["label"] for r in plan.readings]
        if proposed is None or any((form.get(k) or "") != (proposed.get(k) or "") for k in FORM_FIELDS):
            edits.notes.append(f"这个问题有{len(labels)}种理解（" + "；".join(labels) + "）；表单已修改，"
                               f"只按修改后的条件计算了一种，即“{labels[0]}”。")
            return
        answer.readings = [{"label": labels[0], "value": answer.value, "records": answer.records,
                            "summary": answer.summary, "query": plan.query}]
        for reading in plan.readings[1:]:
            query = Query.from_json(reading["query"])
            nodes = await self.nodes_for(query, case, package_nodes)
            other = await executor.execute(query, await self.scope(query, nodes, case)) if nodes else \
                empty(_shape_of(query), "记录")
            answer.readings.append({"label": reading["label"], "value": other.value, "records": other.records,
                                    "summary": other.summary, "query": query.to_json()})
        answer.summary = f"按“{labels[0]}”：{answer.summary or '没有符合条件的记录'}"
        edits.notes.append("这个问题有不同的理解，结果不同，都已计算：" + "；".join(
            f"{i}. 按“{r['label']}”：{r['summary'] or '没有符合条件的记录'}" for i, r in enumerate(answer.readings, start=1))
            + "。上面的表按第 1 种列出。")

    async def _reader(self, case: Case, package_nodes: Sequence[Any]) -> Any:
        """Reads a line as the parser reads a question of this case (for the prompt's edits)."""
        people = await self.people(case)
        nodes = scope.restrict(await self.store.nodes(case.id), package_nodes)
        newest = max((n.last for n in nodes if n.last), default=None)
        return lambda line: parser.slots(line, people, self.config.recent_days, newest, ZoneInfo(case.timezone))

    async def scope(self, query: Query, nodes: list[Node], case: Case, match: str = "") -> Scope:
        tz = ZoneInfo(case.timezone)
        timed = [n for n in nodes if n.kind != "contacts"]
        newest = await self.store.newest_time([n.id for n in timed])
        try:
            window = timeexpr.resolve(query.window, newest, tz)
        except timeexpr.Unresolvable as exc:
            raise EngineError(f"the time “{exc.words}” has no definite dates in this case's data; "
                              "name the dates") from exc
        firsts = [n.first for n in timed if n.first] + ([window.start] if window.start else [])
        lasts = [n.last for n in timed if n.last] + ([window.end] if window.end else [])
        offsets = timeexpr.offsets(tz, min(firsts), max(lasts) + timedelta(days=1)) if firsts and lasts else [(0, 0)]
        offsets[0] = (MIN_MS, offsets[0][1])
        people = await self.people(case)
        members = tuple(cp for person in query.people for cp in people.members.get(person, []))
        selection = Selection(
            call_nodes=tuple(n.id for n in nodes if n.kind == "calls"),
            message_nodes=tuple(n.id for n in nodes if n.kind == "messages"),
            lo=to_ms(window.start) if window.start else MIN_MS, hi=to_ms(window.end) if window.end else MAX_MS,
            direction=query.direction, statuses=query.statuses, counterparts=members if query.people else None,
            except_counterparts=tuple(cp for person in query.except_people for cp in people.members.get(person, [])),
            body_keywords=query.keywords, match=match, hours=query.hours, weekdays=query.weekdays,
            seconds=query.seconds, media=query.media, offsets=tuple(offsets))
        return Scope(self.store, case, nodes, window, people, selection, query.limit)

    async def analyse(self, plan: Plan, form: dict[str, Any], case: Case, package_nodes: list[Any],
                      proposed: dict[str, Any] | None = None) -> AsyncIterator[Step]:
        yield Progress("retrieve", "按筛选条件检索并统计记录", 0.2)
        key = (await self._version(case), case.id, dumps(plan.to_json()), dumps(package_nodes), dumps(proposed),
               *(form.get(name) or "" for name in ("filter_tree", "filter_keyword", "analysis_prompt")))
        if (emits := self._answers.get(key)) is None:
            the_scope, answer, query, edits = await self.run_analysis(plan, form, case, package_nodes, proposed)
            emits = [Text(delta) for delta in render.narrative(the_scope, answer, query, edits.notes)]
            emits += [Progress("analyse", "完成", 1.0),
                      Finding(render.result_fields(the_scope, answer, query, plan, edits))]
            with contextlib.suppress(ValueError):  # one answer larger than the whole cache
                self._answers[key] = emits
        for emit in emits:
            yield emit

    # -- helpers -----------------------------------------------------------------------------

    async def nodes_for(self, query: Query, case: Case, package_nodes: Sequence[Any], any_app: bool = False
                        ) -> list[Node]:
        """The case's nodes a query reads (`any_app`: of its kinds in every app, for form edits)."""
        nodes = scope.restrict(await self.store.nodes(case.id), package_nodes)
        return [n for n in nodes if any(n.kind == s.kind and (any_app or not s.app or n.app == s.app)
                                        for s in query.sources)]


def pointed(plan: Plan, reading: Reading, previous: tuple[str, ...]) -> Plan:
    """The plan, saying which word it read as the previous question's person ("他" = 张伟)."""
    words = [w for w in reading.pointers if previous]
    if words and plan.steps:
        plan.steps.insert(1, "说明：问题中的" + "、".join(f"“{w}”" for w in words)
                          + f"按上一个问题理解为{previous[0]}；如果不是，请写出姓名或号码重新提问。")
    return plan


def _bytes(steps: list[Step]) -> int:
    """About what a remembered answer holds, for the cache's bound."""
    return sum(len(dumps(s.fields)) if isinstance(s, Finding) else len(s.delta) * 3 if isinstance(s, Text) else 64
               for s in steps)


def _shape_of(query: Query) -> str:
    if query.measure == "lookup":
        return "lookup"
    if query.measure in ("first", "last"):
        return "record"
    if query.measure in ("list", "people"):
        return "records" if query.measure == "list" else "people"
    return "ranking" if query.group == "person" else "total" if query.group == "none" else "groups"
