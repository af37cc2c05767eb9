"""confirm_type 8 ("数据概览"): the case's data nodes with their record counts and time spans.

It may run in any state (allowed_states None), even as the first step of a new conversation, and
leaves a conversation's task where it was: after it, a conversation awaiting 开始任务 or the
filter form still awaits it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

from marshmallow import RAISE, Schema, fields, validate

from qbot.events import Emit, message, result, status
from qbot.handlers import STATE_COMPLETED, STATE_NEW, TurnContext

log = logging.getLogger(__name__)

KINDS = ("calls", "messages", "contacts")
COLUMNS = ["数据节点", "手机", "类型", "记录数", "最早记录", "最近记录"]


class InventoryForm(Schema):
    """`confirm_form_data` of a confirm_type 8 step. Every field is optional; `{}` lists all.
    An unknown key is refused (400 invalid_request, naming it) rather than silently ignored."""

    class Meta:
        unknown = RAISE

    kind = fields.Str(load_default=None, validate=validate.OneOf(KINDS))
    app = fields.Str(load_default="", validate=validate.Length(max=100))  # part of the app's name, e.g. 微信
    min_records = fields.Int(load_default=0, strict=True, validate=validate.Range(min=0))


class InventoryHandler:
    confirm_type = 8
    name = "inventory"
    form_schema = InventoryForm
    allowed_states = None  # any time; a new conversation too

    async def run(self, ctx: TurnContext) -> AsyncIterator[Emit]:
        case = ctx.case  # the step's case_id, or the conversation's, or the default case
        assert case is not None  # the runner always resolves one for an allowed_states-None handler
        form = ctx.form  # already loaded by InventoryForm: defaults filled in, types checked
        yield status("inventory", "读取案件的数据节点", 0.2)
        try:
            nodes = await ctx.store.nodes(case.id)
            chosen = [n for n in nodes
                      if (form["kind"] is None or n.kind == form["kind"])
                      and form["app"] in n.app
                      and n.count >= form["min_records"]]
            tz = ZoneInfo(case.timezone)
            rows = [[n.path, n.package_name, n.kind, n.count,
                     n.first.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if n.first else None,
                     n.last.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if n.last else None]
                    for n in chosen]
            total = sum(n.count for n in chosen)
            if chosen:
                summary = f"案件“{case.name}”中符合条件的数据节点 {len(chosen)} 个，共 {total} 条记录"
            else:
                summary = f"案件“{case.name}”中没有符合条件的数据节点（共 {len(nodes)} 个节点）"
            yield message(f"{summary}。\n\n")
            yield status("inventory", "完成", 1.0)
            # Evidence here is the node each row counts; analyses cite records instead.
            yield result(summary, COLUMNS, rows, [{"row": i + 1, "node_id": n.id} for i, n in enumerate(chosen)],
                         case_id=case.id, timezone=case.timezone, records=total)
        finally:
            # Runs when the turn ends, however: done, failed, or cancelled (POST …/stop, a
            # shutdown, a client gone with on_disconnect: cancel). Release what you hold here.
            log.debug("inventory turn %s of conversation %s ended", ctx.turn_id, ctx.conversation_id)
        # A side question: keep the task where it stands (its state and what it carries).
        if ctx.state == STATE_NEW:
            ctx.set_state(STATE_COMPLETED, {})
        else:
            ctx.set_state(ctx.state, ctx.pending)
