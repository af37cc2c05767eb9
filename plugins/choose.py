"""confirm_type 1: the examiner picks one reading of a question that had several (`clarify`).
The picked reading is planned like a question, and the task waits to start (开始任务)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates

from qbot.engine import Plan
from qbot.events import Emit
from qbot.handlers import STATE_AWAITING_CHOICE, STATE_AWAITING_START, TurnContext
from qbot_plugins.explain import plan_events


class ChoiceForm(Schema):
    class Meta:
        unknown = EXCLUDE

    choice = fields.Str(required=True, metadata={"description": "the `id` of one of the clarify event's choices"})

    @validates("choice")
    def _short(self, value: str, **_: object) -> None:
        if not 0 < len(value) <= 16:
            raise ValidationError("must be the id of one of the offered choices")


class ChooseHandler:
    confirm_type = 1
    name = "choose"
    form_schema = ChoiceForm
    allowed_states = frozenset({STATE_AWAITING_CHOICE})

    async def run(self, ctx: TurnContext) -> AsyncIterator[Emit]:
        asked = Plan.from_json(ctx.pending["plan"])
        offered = [c["id"] for c in asked.choices]
        package_nodes = ctx.package_nodes or ctx.pending.get("package_nodes", [])
        if ctx.form["choice"] not in offered:
            raise ValueError(f"choice {ctx.form['choice']!r} is not offered; choose one of {offered}")
        plan = await ctx.engine.choose(asked, ctx.form["choice"], ctx.case, package_nodes)
        for event in plan_events(plan):
            yield event
        ctx.set_state(STATE_AWAITING_START, {"question": plan.question, "plan": plan.to_json(),
                                             "package_nodes": package_nodes})


handler = ChooseHandler()
