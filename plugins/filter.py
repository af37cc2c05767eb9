"""confirm_type 3 ("继续任务"): reads the examiner's (possibly edited) filter form, retrieves the
records it selects and streams the analysis with a cited `result`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from marshmallow import EXCLUDE, Schema, fields, validate

from qbot.engine import Plan
from qbot.events import Emit
from qbot.handlers import STATE_AWAITING_FILTER, STATE_COMPLETED, TurnContext
from qbot_plugins.explain import step_event


_TREE = re.compile(r"\s*\S")


class FilterForm(Schema):
    """The seed's form. Unknown keys are ignored, so a front end may send more."""

    class Meta:
        unknown = EXCLUDE

    def load(self, data, *, many=None, partial=None, unknown=None):
        # The usual form checked directly (marshmallow's field machinery costs a flow more);
        # anything else goes through marshmallow, which words the error.
        if many is None and partial is None and unknown is None and type(data) is dict:
            name = data.get("formName", "filter")
            tree = data.get("filter_tree")
            keyword = data.get("filter_keyword", "")
            prompt = data.get("analysis_prompt", "")
            if (type(name) is str and name == "filter" and type(tree) is str and _TREE.match(tree)
                    and type(keyword) is str and type(prompt) is str):
                return {"formName": name, "filter_tree": tree, "filter_keyword": keyword, "analysis_prompt": prompt}
        return super().load(data, many=many, partial=partial, unknown=unknown)

    formName = fields.Str(load_default="filter", validate=validate.Equal("filter"))  # noqa: N815 - the wire name
    filter_tree = fields.Str(required=True, validate=validate.Regexp(r"\s*\S", error="must name the data to read"))
    filter_keyword = fields.Str(load_default="")
    analysis_prompt = fields.Str(load_default="")


class FilterHandler:
    confirm_type = 3
    name = "filter"
    form_schema = FilterForm
    allowed_states = frozenset({STATE_AWAITING_FILTER})

    async def run(self, ctx: TurnContext) -> AsyncIterator[Emit]:
        plan = Plan.from_json(ctx.pending["plan"])
        package_nodes = ctx.package_nodes or ctx.pending.get("package_nodes", [])
        async for step in ctx.engine.analyse(plan, ctx.form, ctx.case, package_nodes, ctx.pending.get("form")):
            yield step_event(step)
        ctx.set_state(STATE_COMPLETED, {**ctx.pending, "form": ctx.form})


handler = FilterHandler()
