"""HTTP views of the v1 contract (design.md §2)."""

from __future__ import annotations

import re

from aiohttp import web
from marshmallow import ValidationError

from qbot import __version__, logs
from qbot.apidoc import (
    CONVERSATION_ID,
    EVENT_ID_PATTERN,
    LAST_EVENT_ID_HEADER,
    json_answer,
    operation,
    refusals,
    sse_answer,
)
from qbot.appkeys import CONFIG, HEARTBEAT, METRICS, REGISTRY, RUNNER, STEP_SCHEMA, STORE
from qbot.auth import examiner, visible_case
from qbot.errors import ApiError, refuse
from qbot.events import dumps
from qbot.ids import SAFE_ID, SAFE_ID_PATTERN, SAFE_ID_RULE
from qbot.jsonbody import parse_object, read_body
from qbot.logapi import ConversationRow
from qbot.openapi import SPEC, openapi_json
from qbot.schemas import ListQuery, RenameSchema
from qbot.streams import EventStream, serve
from qbot.turn import Step

LAST_EVENT_ID = re.compile(r"[0-9]{1,18}")
CURSOR = re.compile(rf"[0-9T:.+-]{{10,40}}\|{SAFE_ID.pattern}")  # a page's `next`: updated_at|id
RENAME_SCHEMA = RenameSchema()
LIST_QUERY = ListQuery()


def setup_routes(app: web.Application, prefix: str) -> list[web.AbstractRoute]:
    conv = f"{prefix}/chat/conversation/{{conversation_id}}"
    app[SPEC] = {}  # built at the first GET /openapi.json, from the routes added here
    return [
        app.router.add_post(conv, post_step),
        app.router.add_get(f"{conv}/events", get_events),
        app.router.add_post(f"{conv}/stop", stop_turn),
        app.router.add_get(conv, get_conversation),
        app.router.add_delete(conv, delete_conversation),
        app.router.add_patch(conv, rename_conversation),
        app.router.add_get(f"{prefix}/chat/conversations", list_conversations),
        app.router.add_get(f"{prefix}/cases", list_cases),
        app.router.add_get(f"{prefix}/cases/{{case_id}}/nodes", list_nodes),
        app.router.add_get("/healthz", healthz),
        app.router.add_get("/metrics", metrics),
        app.router.add_get("/openapi.json", openapi_json),
    ]


def _conversation_id(request: web.Request) -> str:
    cid = request.match_info["conversation_id"]
    if not SAFE_ID.fullmatch(cid):
        raise refuse("invalid_conversation_id", f"conversation id {cid[:80]!r} is not {SAFE_ID_RULE}")
    logs.CONVERSATION_ID.set(cid)  # this request's log lines, and its turn's, name the conversation
    return cid


def _owner(request: web.Request) -> str:
    """The examiner asking (qbot.auth), who owns the conversations it creates; "" with auth off."""
    return examiner(request)


def _last_event_id(request: web.Request) -> int | None:
    raw = request.headers.get("Last-Event-ID", request.query.get("last_event_id"))
    if raw is None or raw == "":
        return None
    if not LAST_EVENT_ID.fullmatch(raw):
        raise refuse("invalid_last_event_id", f"Last-Event-ID {raw[:40]!r} is not a non-negative integer")
    return int(raw)


def _stream(request: web.Request) -> EventStream:
    config = request.app[CONFIG]
    return EventStream(heartbeat=request.app[HEARTBEAT], send_timeout=config.turns.send_timeout,
                       metrics=request.app[METRICS], buffers=request.app[RUNNER].buffers)


async def _visible_conversation(request: web.Request, cid: str) -> ConversationRow:
    return await request.app[RUNNER].visible(cid, _owner(request))


def _schema_error(exc: ValidationError, where: str) -> ApiError:
    fields = sorted(exc.messages) if isinstance(exc.messages, dict) else []
    return refuse("invalid_request", f"invalid {where}: fields {', '.join(map(str, fields))}", exc.messages)


@operation({
    "summary": "One step of a conversation (confirm_type -1 question, 0 start, 3 filter, or a plugin's)",
    "description": "Answers an event stream that ends with `done`. With `Last-Event-ID`, a POST that repeats "
                   "the `confirm_type` and `question` of the conversation's running or last turn is a retry: "
                   "it resumes that turn's events after the id instead of starting a new turn.",
    "parameters": [CONVERSATION_ID, LAST_EVENT_ID_HEADER],
    "requestBody": {"required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Step"}}}},
    "responses": {"200": sse_answer("the turn's events, from `start` to `done`"),
                  **refusals(400, 404, 408, 409, 413, 415, 429, 503)},
})
async def post_step(request: web.Request) -> web.StreamResponse:
    cid = _conversation_id(request)
    body = parse_object(await read_body(request, request.app[CONFIG].server.body_timeout))
    try:
        data = request.app[STEP_SCHEMA].load(body)
    except ValidationError as exc:
        raise _schema_error(exc, "request body") from None
    if data["conversation_id"] not in (None, "", cid):
        raise refuse("conversation_id_mismatch",
                     f"the body's conversation_id {data['conversation_id'][:80]!r} differs from the path's {cid!r}")
    registry = request.app[REGISTRY]
    registered = registry.get(data["confirm_type"])
    if registered is None:
        known = {ct: r.handler.name for ct, r in registry.items()}
        raise refuse("unknown_confirm_type",
                     f"confirm_type {str(data['confirm_type'])[:20]} is not registered; registered: {known}",
                     {"registered": sorted(known)})
    runner = request.app[RUNNER]

    # A fetch-event-source retry: same step, with Last-Event-ID: resume it instead of a new turn.
    after = _last_event_id(request)
    if after is not None:
        resume_from = await runner.resume_point(cid, _owner(request), data["confirm_type"], data["question"], after)
        if resume_from is not None:
            return await _follow(request, cid, resume_from)

    schema = registered.schema
    form = data["confirm_form_data"] or {}
    if schema is not None:
        try:
            form = schema.load(form)
        except ValidationError as exc:
            raise _schema_error(exc, f"confirm_form_data for confirm_type {data['confirm_type']}") from None

    turn, subscriber, start = await runner.begin(Step(
        conversation_id=cid, registered=registered, question=data["question"], case_id=data["case_id"],
        package_nodes=data["package_nodes"], form=form, request=body, owner=_owner(request)))
    stream = _stream(request)
    try:
        await serve(request, stream, runner, cid, start.id - 1, turn.fanout, subscriber, first=start)
    finally:
        if (not turn.ended.is_set() and request.app[CONFIG].turns.on_disconnect == "cancel"
                and not turn.fanout.subscribers):
            await runner.cancel(cid)
    return stream


async def _follow(request: web.Request, cid: str, after: int) -> web.StreamResponse:
    """Replay after `after`, then follow the running turn, if any, to its done."""
    runner = request.app[RUNNER]
    fanout, subscriber = await runner.follow(cid)
    stream = _stream(request)
    await serve(request, stream, runner, cid, after, fanout, subscriber)
    return stream


@operation({
    "summary": "Resume: the events after Last-Event-ID, then the running turn live until its done",
    "parameters": [CONVERSATION_ID, LAST_EVENT_ID_HEADER, {
        "name": "last_event_id", "in": "query", "required": False,
        "description": "as the `Last-Event-ID` header, which wins when both are given",
        "schema": {"type": "string", "pattern": EVENT_ID_PATTERN}}],
    "responses": {"200": sse_answer("the logged events after the given id, then the running turn's"),
                  **refusals(400, 404)},
})
async def get_events(request: web.Request) -> web.StreamResponse:
    cid = _conversation_id(request)
    await _visible_conversation(request, cid)
    return await _follow(request, cid, _last_event_id(request) or 0)


@operation({
    "summary": "Cancel the running turn (its stream ends with done, state cancelled)",
    "parameters": [CONVERSATION_ID],
    "responses": {"200": json_answer("the stopped turn", "Stopped"), **refusals(400, 404, 409, 415)},
})
async def stop_turn(request: web.Request) -> web.Response:
    cid = _conversation_id(request)
    turn_id, outcome = await request.app[RUNNER].stop(cid, _owner(request))
    # Usually cancelled; a turn that was already writing its ending keeps that ending.
    return web.json_response({"conversation_id": cid, "turn_id": turn_id, "state": outcome}, dumps=dumps)


@operation({
    "summary": "The conversation: state, expected confirm_types, pending form, turns",
    "parameters": [CONVERSATION_ID],
    "responses": {"200": json_answer("the conversation", "Conversation"), **refusals(400, 404)},
})
async def get_conversation(request: web.Request) -> web.Response:
    cid = _conversation_id(request)
    runner = request.app[RUNNER]
    conv = await _visible_conversation(request, cid)
    turns = await runner.turns(cid)
    return web.json_response({
        "conversation_id": conv.id,
        "case_id": conv.case_id,
        "title": conv.title,
        "state": conv.state,
        "running": runner.is_running(cid) or conv.running_elsewhere,
        "last_outcome": conv.last_outcome,
        "expect": runner.expect(conv.state),
        "pending_form": conv.pending.get("form"),
        "created_at": conv.created_at,
        "updated_at": conv.updated_at,
        "turns": [{
            "turn_id": t.id, "confirm_type": t.confirm_type, "handler": t.handler, "question": t.question,
            "state": t.state, "first_event_id": t.first_event_id, "last_event_id": t.last_event_id,
            "started_at": t.started_at, "ended_at": t.ended_at,
            "form": t.request.get("confirm_form_data") or None,  # as the examiner submitted it
        } for t in turns],
    }, dumps=dumps)


@operation({
    "summary": "Conversations, newest first, paginated; of one case with `case_id`",
    "parameters": [
        {"name": "case_id", "in": "query", "required": False,
         "description": "only this case's conversations", "schema": {"type": "string", "pattern": SAFE_ID_PATTERN}},
        {"name": "limit", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
        {"name": "before", "in": "query", "required": False,
         "description": "the `next` cursor of the previous page", "schema": {"type": "string"}},
    ],
    "responses": {"200": json_answer("one page", "ConversationList"), **refusals(400)},
})
async def list_conversations(request: web.Request) -> web.Response:
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        limit = -1
    if not 1 <= limit <= 500:
        raise refuse("invalid_limit", "limit must be an integer from 1 to 500")
    before = request.query.get("before")
    if before and not CURSOR.fullmatch(before):
        raise refuse("invalid_cursor", f"before {before[:80]!r} is not the `next` of a previous page "
                                       "(updated_at|conversation_id), URL-encoded; leave it out for the first page")
    rows = await request.app[RUNNER].conversations(limit + 1, before, _owner(request), _case_filter(request))
    page, more = rows[:limit], len(rows) > limit
    return web.json_response({
        "conversations": [{
            "conversation_id": c.id, "case_id": c.case_id, "title": c.title, "state": c.state,
            "last_outcome": c.last_outcome, "created_at": c.created_at, "updated_at": c.updated_at,
        } for c in page],
        "next": f"{page[-1].updated_at}|{page[-1].id}" if more else None,
    }, dumps=dumps)


def _case_filter(request: web.Request) -> str | None:
    """`?case_id=`: only that case's conversations (the default case by its own id, as listed)."""
    try:
        return LIST_QUERY.load(dict(request.query)).get("case_id")
    except ValidationError as exc:
        raise refuse("invalid_case_id", f"case_id {request.query['case_id'][:80]!r} is not {SAFE_ID_RULE}",
                     exc.messages) from None


@operation({
    "summary": "Give the conversation a new title (also while a turn runs)",
    "parameters": [CONVERSATION_ID],
    "requestBody": {"required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rename"}}}},
    "responses": {"200": json_answer("renamed", "Renamed"), **refusals(400, 404, 408, 413, 415, 503)},
})
async def rename_conversation(request: web.Request) -> web.Response:
    """A new title. Allowed while a turn runs: a title changes nothing the turn reads."""
    cid = _conversation_id(request)
    body = parse_object(await read_body(request, request.app[CONFIG].server.body_timeout))
    try:
        title = RENAME_SCHEMA.load(body)["title"]
    except ValidationError as exc:
        raise _schema_error(exc, "request body") from None
    await request.app[RUNNER].rename(cid, _owner(request), title)
    return web.json_response({"conversation_id": cid, "title": title}, dumps=dumps)


@operation({
    "summary": "Hide the conversation; its events stay in the log as the audit trail",
    "parameters": [CONVERSATION_ID],
    "responses": {"200": json_answer("deleted", "Deleted"), **refusals(400, 404, 409, 415)},
})
async def delete_conversation(request: web.Request) -> web.Response:
    cid = _conversation_id(request)
    await request.app[RUNNER].delete(cid, _owner(request))
    return web.json_response({"conversation_id": cid, "deleted": True}, dumps=dumps)


@operation({
    "summary": "The cases of the evidence store, the default one first",
    "responses": {"200": json_answer("the cases", "CaseList")},
})
async def list_cases(request: web.Request) -> web.Response:
    auth, who = request.app[CONFIG].auth, _owner(request)
    cases = [c for c in await request.app[STORE].list_cases() if auth.may_see(who, c.id)]
    return web.json_response({"cases": [
        {"case_id": c.id, "name": c.name, "timezone": c.timezone} for c in cases]}, dumps=dumps)


@operation({
    "summary": "The case's node tree, for `package_nodes` (`default` names the default case)",
    "parameters": [{"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}],
    "responses": {"200": json_answer("the node tree", "NodeTree"), **refusals(404)},
})
async def list_nodes(request: web.Request) -> web.Response:
    """The case's node tree, for `package_nodes`: each node with its record count and time span."""
    store = request.app[STORE]
    case_id = request.match_info["case_id"]
    case = await visible_case(store, request.app[CONFIG].auth, _owner(request),
                              "" if case_id == "default" else case_id)
    nodes = await store.nodes(case.id)
    return web.json_response({"case_id": case.id, "name": case.name, "timezone": case.timezone, "nodes": [{
        "id": n.id, "package": n.package_name, "path": n.path, "category": n.category, "app": n.app,
        "data_type": n.data_type, "kind": n.kind, "records": n.count,
        "first": n.first.isoformat() if n.first else None, "last": n.last.isoformat() if n.last else None,
    } for n in nodes]}, dumps=dumps)


@operation({
    "summary": "Counters and gauges in the Prometheus text format: turns, refusals, streams, events, log, evidence",
    "responses": {"200": {"description": "the Prometheus text exposition format",
                          "content": {"text/plain": {"schema": {"type": "string"}}}}},
})
async def metrics(request: web.Request) -> web.Response:
    await request.app[STORE].list_cases()  # the evidence counts as of now (at most a second old)
    body, content_type = request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


@operation({
    "summary": "Liveness: status, version, running turns, registered handlers",
    "responses": {"200": json_answer("serving", "Health"), "503": json_answer("draining (SIGTERM)", "Health")},
})
async def healthz(request: web.Request) -> web.Response:
    runner = request.app[RUNNER]
    return web.json_response({
        "status": "ok" if runner.accepting else "draining",
        "version": __version__,
        "running_turns": runner.running_count,
        "handlers": {ct: r.handler.name for ct, r in request.app[REGISTRY].items()},
    }, status=200 if runner.accepting else 503, dumps=dumps)
