"""What the examiner sees: the engine returns a `Plan` and analysis steps (domain values); the
built-in handlers turn them into events here, with every text and button of the turns."""

from __future__ import annotations

import contextlib

from cachetools import LRUCache

from qbot.engine import Plan
from qbot.engine.steps import Finding, Problem, Progress, Step, Text
from qbot.engine.openai import MODEL_UNAVAILABLE
from qbot.engine.presets import EXAMPLES
from qbot.events import Emit, clarify, confirm, decline, error, message, result, status

START_BUTTON = "开始任务"


def model_notes(plan: Plan) -> list[Emit]:
    """What the model did with the question (`provider: openai`), said before the plan."""
    params = plan.params
    if note := params.get("model_error"):
        return [error(MODEL_UNAVAILABLE, note + "以下按内置规则理解问题。")]
    if why := params.get("model_refused"):
        return [status("plan", f"模型给出的计划不可用（{why}），以下按内置规则理解问题", 0.3)]
    if params.get("model_agrees"):
        return [status("plan", f"模型 {params.get('model', '')} 同样认为这个问题需要先确认理解，以下按内置规则列出", 0.3)]
    if params.get("planner") == "model":
        return [status("plan", f"模型 {params.get('model', '')} 已理解问题，计划已与问题逐项核对", 0.3)]
    return []


def plan_events(plan: Plan) -> list[Emit]:
    """The events of a planned question: a decline, a clarification, or the plan and its
    "开始任务" confirm."""
    events = [*model_notes(plan), status("plan", "理解问题", 0.5)]
    if plan.intent == "unsupported":
        nearest = plan.params.get("nearest", "")
        near = f"\n\n去掉不理解的部分，最接近的可以回答的问题是：“{nearest}”（请确认它仍是您要问的）。" if nearest else ""
        examples = "".join(f"- {example}\n" for example in EXAMPLES)
        events.append(message(f"{plan.reason}{near}\n\n我可以精确统计通话、短信、微信与 iMessage 记录和通讯录，例如：\n\n{examples}"))
        events.append(decline(plan.reason, unknown=plan.unknown, suggestions=[*([nearest] if nearest else []), *EXAMPLES]))
    elif plan.intent == "clarify":
        listed = "".join(f"{c['id']}. {c['label']}（可直接问：{c['question']}）\n" for c in plan.choices)
        events.append(message(f"{plan.reason}\n\n{listed}\n请选择一种理解，或换一种问法。"))
        events.append(clarify(plan.reason, [{k: c[k] for k in ("id", "label", "question")} for c in plan.choices]))
    else:
        steps = "".join(f"{number}. {step}\n" for number, step in enumerate(plan.steps, start=1))
        events.append(message(f"我将按以下步骤完成分析：\n\n{steps}\n确认后点击“{START_BUTTON}”，我会给出可编辑的数据筛选条件。"))
        events.append(confirm(0, START_BUTTON, None, plan={"intent": plan.intent, "steps": plan.steps,
                                                            "nodes": plan.node_paths, "query": plan.query}))
    return events


# The engine hands out the very same Finding for an answer it remembers; its `result` event (JSON
# of several KB) is kept by the finding's identity (the finding held too, so its id cannot be
# reused meanwhile) and encoded once instead of on every turn. Only findings: the other steps are
# small, and a model's are new on every turn. Bounded by the JSON it holds, plus what each entry
# costs besides.
_RESULTS: LRUCache[int, tuple[Finding, Emit]] = LRUCache(16 * 2**20, getsizeof=lambda kept: len(kept[1].json()) + 1024)


def step_event(step: Step) -> Emit:
    """An analysis step as the event the examiner sees."""
    if not isinstance(step, Finding):
        return _event_of(step)
    kept = _RESULTS.get(id(step))
    if kept is not None and kept[0] is step:
        return kept[1]
    event = _event_of(step)
    with contextlib.suppress(ValueError):  # one result larger than the whole bound
        _RESULTS[id(step)] = (step, event)
    return event


def _event_of(step: Step) -> Emit:
    if isinstance(step, Text):
        return message(step.delta)
    if isinstance(step, Progress):
        return status(step.stage, step.message, step.value)
    if isinstance(step, Finding):
        return result(**step.fields)
    if isinstance(step, Problem):
        return error(step.code, step.message)
    raise TypeError(f"an engine yielded {type(step).__name__}; analyse yields qbot.engine.steps values")
