"""confirm_type 0 ("开始任务"): proposes the filter form for the planned task."""

from __future__ import annotations

from collections.abc import AsyncIterator

from qbot.engine import Plan
from qbot.events import Emit, confirm, message, status
from qbot.handlers import STATE_AWAITING_FILTER, STATE_AWAITING_START, TurnContext


class StartHandler:
    confirm_type = 0
    name = "start"
    form_schema = None  # the seed sends {}
    allowed_states = frozenset({STATE_AWAITING_START})

    async def run(self, ctx: TurnContext) -> AsyncIterator[Emit]:
        plan = Plan.from_json(ctx.pending["plan"])
        package_nodes = ctx.package_nodes or ctx.pending.get("package_nodes", [])
        yield status("filter", "生成数据筛选条件", 0.5)
        form = await ctx.engine.propose_form(plan, ctx.case, package_nodes)
        yield message("已根据问题生成数据筛选条件。可以修改检索的数据节点（filter_tree）、关键词（filter_keyword）"
                      "和分析要求（analysis_prompt），确认后点击“继续任务”。")
        yield confirm(3, "继续任务", form)
        ctx.set_state(STATE_AWAITING_FILTER, {**ctx.pending, "package_nodes": package_nodes, "form": form})


handler = StartHandler()
