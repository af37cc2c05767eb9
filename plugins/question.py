"""confirm_type -1: a new question. Understands it and streams the plan, then asks to start the
task; or asks back which reading was meant (`clarify`), or says why it cannot be answered
(`decline`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from qbot_plugins.explain import plan_events

from qbot.events import Emit
from qbot.handlers import (
    STATE_AWAITING_CHOICE,
    STATE_AWAITING_START,
    STATE_COMPLETED,
    TurnContext,
)


class QuestionHandler:
    confirm_type = -1
    name = "question"
    form_schema = None  # the seed sends {}
    allowed_states = None  # always: a new question starts a new task, in a new or existing conversation

    async def run(self, ctx: TurnContext) -> AsyncIterator[Emit]:
        plan = await ctx.engine.plan(ctx.question, ctx.case, ctx.package_nodes, previous_people(ctx.pending))
        for event in plan_events(plan):
            yield event
        if plan.intent == "unsupported":
            ctx.set_state(STATE_COMPLETED, {"question": ctx.question})
        elif plan.intent == "clarify":
            ctx.set_state(STATE_AWAITING_CHOICE, {"question": ctx.question, "plan": plan.to_json(),
                                                  "package_nodes": ctx.package_nodes})
        else:
            ctx.set_state(STATE_AWAITING_START, {"question": ctx.question, "plan": plan.to_json(),
                                                 "package_nodes": ctx.package_nodes})


def previous_people(pending: dict) -> tuple[str, ...]:
    """The people the conversation's previous question was about (the query it was read as), whom
    a follow-up's 他 / 这个人 may mean; () when it named none or was not read as a query."""
    query = (pending.get("plan") or {}).get("query") or {}
    people = query.get("people") if isinstance(query, dict) else None
    return tuple(str(p) for p in people) if isinstance(people, list) else ()


handler = QuestionHandler()
