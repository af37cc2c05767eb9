"""`GET P/chat/conversation/{id}/citations`: every record behind one row of a logged `result`,
a page at a time, worked out again from the query the result records (qbot.engine.recompute).
`record_json` is one record as the route gives it; the report shows the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from aiohttp import web
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from qbot.apidoc import CONVERSATION_ID, json_answer, operation, refusals
from qbot.appkeys import CONFIG, ENGINE, RUNNER, STORE
from qbot.auth import visible_case
from qbot.contract import DEFAULT_PAGE, MAX_EVENT_ID, MAX_OFFSET, MAX_PAGE
from qbot.domain_errors import ResultNotFound
from qbot.engine.answer import Basis, Scope
from qbot.engine.recompute import recompute
from qbot.errors import refuse
from qbot.events import Event, dumps
from qbot.evidence.cited import Cited
from qbot.routes import _conversation_id, _visible_conversation


class CitationQuery(Schema):
    """The query string. Unknown parameters are ignored, as elsewhere."""

    class Meta:
        unknown = EXCLUDE

    event = fields.Int(required=True, validate=validate.Range(1, MAX_EVENT_ID))  # a result event's id
    row = fields.Int(required=True, validate=validate.Range(min=1))  # from 1, as the result's evidence[].row
    offset = fields.Int(load_default=0, validate=validate.Range(0, MAX_OFFSET))
    limit = fields.Int(load_default=DEFAULT_PAGE, validate=validate.Range(1, MAX_PAGE))


class LogReads(Protocol):
    async def event(self, conversation_id: str, event_id: int) -> Event | None: ...
    async def event_ids(self, conversation_id: str, name: str, limit: int = 50) -> list[int]: ...


async def logged_result(log: LogReads, cid: str, event_id: int) -> tuple[dict[str, Any], str]:
    """(the data of result event `event_id`, its turn id); ResultNotFound names the result events."""
    event = await log.event(cid, event_id)
    if event is None or event.event != "result":
        raise ResultNotFound(cid, event_id, await log.event_ids(cid, "result"))
    return orjson.loads(event.data), event.turn_id


async def records_of(scope: Scope, basis: Basis, offset: int, limit: int) -> tuple[int, list[Cited]]:
    """(how many records a row rests on, one page of them)."""
    if basis.selection is None:
        return await scope.store.cited_contacts(scope.case.id, basis.contacts, offset, limit)
    return await scope.store.cited(basis.selection, basis.by, basis.keys, offset, limit)


def record_json(scope: Scope, record: Cited) -> dict[str, Any]:
    when = None if record.ms is None else datetime.fromtimestamp(record.ms / 1000, UTC)
    return {
        "table": record.table, "id": record.id, "node": record.node, "package": record.package,
        "time": scope.local(when) if when else None,
        "utc": when.isoformat(timespec="milliseconds") if when else None,
        "person": scope.people.person(record.counterpart) if record.counterpart else None,
        "counterpart": record.counterpart_key,
        "source": {"file": record.file, "sha256": record.sha256, "path": record.path, "format": record.format,
                   "table": record.source_table, "rowid": record.source_rowid},
        "columns": record.columns,
    }


async def citation_page(app: Any, conv: Any, event_id: int, row: int, offset: int, limit: int) -> dict[str, Any]:
    """The answer of the route, for a conversation the caller may see."""
    log, store = app[RUNNER], app[STORE]  # the runner answers for the log
    result, turn_id = await logged_result(log, conv.id, event_id)
    rows = result.get("rows") or []
    if row > len(rows):
        raise refuse("invalid_request", f"invalid query: fields row (result {event_id} has "
                     f"{len(rows)} rows: give 1 to {len(rows)})", {"row": [f"must be from 1 to {len(rows)}"]})
    case = await visible_case(store, app[CONFIG].auth, conv.owner, conv.case_id)
    package_nodes: list[Any] = []
    if "node_ids" not in result:  # logged before results named their nodes: the turn's package_nodes say
        turn = next((t for t in await log.turns(conv.id) if t.id == turn_id), None)
        package_nodes = (turn.request.get("package_nodes") if turn else None) or []
    # ResultChanged when the evidence no longer gives the logged figures
    scope, answer = await recompute(app[ENGINE], case, result, package_nodes)
    total, page = await records_of(scope, answer.basis[row - 1], offset, limit)
    return {
        "conversation_id": conv.id, "event": event_id, "row": row, "columns": result.get("columns", []),
        "cells": rows[row - 1], "records": total, "timezone": case.timezone, "offset": offset, "limit": limit,
        "next_offset": offset + limit if offset + limit < total else None,
        "items": [record_json(scope, r) for r in page],
    }


@operation({
    "summary": "Every record behind one row of a result, a page at a time, newest first",
    "description": "The records are worked out again from the query the `result` event records; `records` "
                   "equals the row's `evidence[].records`. A page beyond the end is empty. When the evidence "
                   "no longer gives the result's figures the answer is `409 result_changed`.",
    "parameters": [CONVERSATION_ID, *(
        {"name": name, "in": "query", "required": required, "description": description, "schema": schema}
        for name, required, description, schema in (
            ("event", True, "the id of a `result` event of this conversation",
             {"type": "integer", "minimum": 1, "maximum": MAX_EVENT_ID}),
            ("row", True, "the row, from 1 (as `evidence[].row`)", {"type": "integer", "minimum": 1}),
            ("offset", False, "records to skip", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
            ("limit", False, "records in the page",
             {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE})))],
    "responses": {"200": json_answer("one page of the row's records", "Citations"), **refusals(400, 404, 409)},
})
async def get_citations(request: web.Request) -> web.Response:
    cid = _conversation_id(request)
    try:
        asked = CitationQuery().load(dict(request.query))
    except ValidationError as exc:
        names = ", ".join(sorted(map(str, exc.messages))) if isinstance(exc.messages, dict) else ""
        raise refuse("invalid_request", f"invalid query: fields {names}; accepted: event (a result "
                     f"event id), row (from 1), offset (from 0), limit (1 to {MAX_PAGE})", exc.messages) from None
    conv = await _visible_conversation(request, cid)
    return web.json_response(await citation_page(request.app, conv, asked["event"], asked["row"],
                                                 asked["offset"], asked["limit"]), dumps=dumps)


def setup_citations(app: web.Application, prefix: str) -> list[web.AbstractRoute]:
    return [app.router.add_get(f"{prefix}/chat/conversation/{{conversation_id}}/citations", get_citations)]
