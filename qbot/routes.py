"""HTTP views of the v1 contract (design.md §2)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from marshmallow import ValidationError

from qbot import __version__, logs
from qbot.appkeys import CONFIG, LOG, METRICS, REGISTRY, RUNNER, STEP_SCHEMA, STORE
from qbot.auth import examiner, visible_case
from qbot.domain_errors import ConversationBusy, ConversationNotFound, NoRunningTurn
from qbot.errors import ApiError, refuse
from qbot.events import dumps
from qbot.ids import SAFE_ID, SAFE_ID_RULE
from qbot.jsonbody import parse_object, read_body
from qbot.openapi import SPEC, openapi_json
from qbot.schemas import ListQuery, RenameSchema
from qbot.streams import EventStream, serve
from qbot.turns import Step

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
    return EventStream(ping_interval=config.server.ping_interval, send_timeout=config.turns.send_timeout,
                       metrics=request.app[METRICS], buffers=request.app[RUNNER].buffers)


async def _visible_conversation(request: web.Request, cid: str):
    conv = await request.app[RUNNER].rows.get(cid)
    if conv is None or conv.deleted or conv.owner != _owner(request):
        raise ConversationNotFound(cid)
    return conv


def _schema_error(exc: ValidationError, where: str) -> ApiError:
    fields = sorted(exc.messages) if isinstance(exc.messages, dict) else []
    return refuse("invalid_request", f"invalid {where}: fields {', '.join(map(str, fields))}", exc.messages)


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
    log = request.app[LOG]

    # A fetch-event-source retry: same step, with Last-Event-ID: resume it instead of a new turn.
    after = _last_event_id(request)
    if after is not None:
        resumed = await _resume_retry(request, cid, data, after)
        if resumed is not None:
            return resumed

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
        await serve(request, stream, log, cid, start.id - 1, turn, subscriber, first=start)
    finally:
        if not turn.ended.is_set() and request.app[CONFIG].turns.on_disconnect == "cancel" and not turn.subscribers:
            await runner.cancel(cid)
    return stream


async def _resume_retry(request: web.Request, cid: str, data: dict[str, Any], after: int) -> web.StreamResponse | None:
    log, runner = request.app[LOG], request.app[RUNNER]
    conv = await runner.rows.get(cid)
    if conv is None or conv.deleted or conv.owner != _owner(request):
        return None
    turns = await log.turns(cid)
    if not turns:
        return None
    last = turns[-1]
    if last.confirm_type != data["confirm_type"] or last.question != data["question"]:
        return None
    return await _follow(request, cid, max(after, last.first_event_id - 1))  # that turn's events only


async def _follow(request: web.Request, cid: str, after: int) -> web.StreamResponse:
    """Replay after `after`, then follow the running turn, if any, to its done."""
    runner = request.app[RUNNER]
    turn = runner.running.get(cid)
    subscriber = runner.subscribe(turn) if turn else None
    stream = _stream(request)
    await serve(request, stream, request.app[LOG], cid, after, turn, subscriber)
    return stream


async def get_events(request: web.Request) -> web.StreamResponse:
    cid = _conversation_id(request)
    await _visible_conversation(request, cid)
    return await _follow(request, cid, _last_event_id(request) or 0)


async def stop_turn(request: web.Request) -> web.Response:
    cid = _conversation_id(request)
    await _visible_conversation(request, cid)
    turn = await request.app[RUNNER].cancel(cid)
    if turn is None:
        raise NoRunningTurn(cid)
    # Usually cancelled; a turn that was already writing its ending keeps that ending.
    return web.json_response({"conversation_id": cid, "turn_id": turn.id, "state": turn.outcome}, dumps=dumps)


async def get_conversation(request: web.Request) -> web.Response:
    cid = _conversation_id(request)
    conv = await _visible_conversation(request, cid)
    runner = request.app[RUNNER]
    turns = await request.app[LOG].turns(cid)
    return web.json_response({
        "conversation_id": conv.id,
        "case_id": conv.case_id,
        "title": conv.title,
        "state": conv.state,
        "running": cid in runner.running,
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
    rows = await request.app[LOG].conversations(limit + 1, before, owner=_owner(request),
                                                case_id=_case_filter(request))
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


async def rename_conversation(request: web.Request) -> web.Response:
    """A new title. Allowed while a turn runs: a title changes nothing the turn reads."""
    cid = _conversation_id(request)
    body = parse_object(await read_body(request, request.app[CONFIG].server.body_timeout))
    try:
        title = RENAME_SCHEMA.load(body)["title"]
    except ValidationError as exc:
        raise _schema_error(exc, "request body") from None
    runner = request.app[RUNNER]
    async with runner.lock(cid):  # not while a delete, or a turn's start, is being written
        conv = await _visible_conversation(request, cid)
        await runner.rename(conv, title)
    return web.json_response({"conversation_id": cid, "title": title}, dumps=dumps)


async def delete_conversation(request: web.Request) -> web.Response:
    cid = _conversation_id(request)
    await _visible_conversation(request, cid)
    runner = request.app[RUNNER]
    async with runner.lock(cid):  # no turn may begin while the conversation is being deleted
        if cid in runner.running:
            raise ConversationBusy(f"conversation {cid} has a turn running; stop it first")
        await request.app[LOG].delete(cid)
        runner.rows.forget(cid)
    return web.json_response({"conversation_id": cid, "deleted": True}, dumps=dumps)


async def list_cases(request: web.Request) -> web.Response:
    auth, who = request.app[CONFIG].auth, _owner(request)
    cases = [c for c in await request.app[STORE].list_cases() if auth.may_see(who, c.id)]
    return web.json_response({"cases": [
        {"case_id": c.id, "name": c.name, "timezone": c.timezone} for c in cases]}, dumps=dumps)


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


async def metrics(request: web.Request) -> web.Response:
    await request.app[STORE].list_cases()  # the evidence counts as of now (at most a second old)
    body, content_type = request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


async def healthz(request: web.Request) -> web.Response:
    runner = request.app[RUNNER]
    return web.json_response({
        "status": "ok" if runner.accepting else "draining",
        "version": __version__,
        "running_turns": len(runner.running),
        "handlers": {ct: r.handler.name for ct, r in request.app[REGISTRY].items()},
    }, status=200 if runner.accepting else 503, dumps=dumps)
