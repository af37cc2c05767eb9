"""`GET /openapi.json`: the v1 contract (design.md §2) as OpenAPI 3.1, generated with apispec from
the marshmallow schemas: the step body (qbot.schemas), the registered handlers' forms, and the
answers (qbot.contract). Every route of the app is documented, or building the document fails.

Event streams follow the OpenAPI 3.1 reading of `text/event-stream` that schemathesis applies: the
media type's `schema` describes one event (`id`, `event`, `data`), `data` being JSON
(`contentMediaType`) whose `contentSchema` is the event's payload."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from qbot import __version__, contract
from qbot.appkeys import CONFIG, REGISTRY, STEP_SCHEMA
from qbot.auth import AUTHENTICATOR
from qbot.contract import DEFAULT_PAGE, MAX_EVENT_ID, MAX_OFFSET, MAX_PAGE
from qbot.ids import SAFE_ID_PATTERN
from qbot.schemas import RenameSchema

OPENAPI_VERSION = "3.1.0"
EVENT_ID_PATTERN = "^[0-9]{1,18}$"

# The cached document, per app (the registry and the config make it; both are fixed at start).
SPEC = web.AppKey("openapi_spec", dict)

_ERRORS = {
    400: "Refused: malformed JSON (`invalid_json`), schema errors with the field names "
         "(`invalid_request`), `unknown_confirm_type` (naming the registered ones), "
         "`conversation_id_mismatch`, `invalid_conversation_id`, `unknown_package_nodes`, "
         "`invalid_last_event_id`, `invalid_limit`, `invalid_case_id`, `invalid_body`, `bad_request`",
    403: "`origin_not_allowed` (an Origin neither the server's own nor in `server.cors_origins`) or "
         "`host_not_allowed` (a Host not of this server: DNS rebinding); refused before any work",
    404: "`conversation_not_found` (also another examiner's, the same answer), `case_not_found`, "
         "`result_not_found` (an event that is not a result of the conversation)",
    408: "`body_timeout`: the body did not arrive within `server.body_timeout` seconds",
    415: "`unsupported_media_type`: a body that is not `application/json`",
    409: "`conversation_busy`, `invalid_state` (with the expected confirm_types), "
         "`conversation_deleted`, `no_running_turn`, `result_changed` (the evidence no longer gives a result's "
         "figures)",
    413: "`body_too_large`: the body is over `limits.max_body_bytes`",
    429: "`too_many_turns`: `limits.max_running_turns` turns already run in the server, or "
         "`limits.max_turns_per_examiner` of the examiner's; retry after `Retry-After` seconds",
    503: "`shutting_down` (the server drains) or `log_unavailable` (the log cannot be written now); "
         "`pdf_unavailable` (a PDF report, and Chromium cannot print it here)",
}

_UNAUTHORIZED = ("`unauthorized`: no examiner that the authenticator (`auth.method`: {method}) accepts{how}; "
                 "with `WWW-Authenticate: {challenge}`. Documented only when authentication is on")
_HOW = {"bearer": " (no `Authorization: Bearer <token>`, or a token of no configured examiner)",
        "proxy_header": " (a request not from the trusted front proxy, or without one valid examiner's name "
                        "in its header)"}

_CONVERSATION_ID = {
    "name": "conversation_id", "in": "path", "required": True,
    "description": "a UUID or a token of letters, digits, `_` and `-` (at most 64, starting with a letter or digit)",
    "schema": {"type": "string", "pattern": SAFE_ID_PATTERN},
}
_LAST_EVENT_ID_HEADER = {
    "name": "Last-Event-ID", "in": "header", "required": False,
    "description": "the id of the last event the client received; the stream resumes after it",
    "schema": {"type": "string", "pattern": EVENT_ID_PATTERN},
}


def _sse(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "Cache-Control": {"schema": {"type": "string", "const": "no-store"}},
        },
        "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/ServerSentEvent"}}},
    }


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _refusals(*statuses: int) -> dict[str, Any]:
    """The route's own refusals, and the guard's 403 that every route may give."""
    return {str(s): _json(_ERRORS[s], "ErrorEnvelope") for s in sorted({403, *statuses})}


# handler name in qbot.routes → method, summary, parameters, request body, responses
_OPERATIONS: dict[str, dict[str, Any]] = {
    "post_step": {
        "summary": "One step of a conversation (confirm_type -1 question, 0 start, 3 filter, or a plugin's)",
        "description": "Answers an event stream that ends with `done`. With `Last-Event-ID`, a POST that repeats "
                       "the `confirm_type` and `question` of the conversation's running or last turn is a retry: "
                       "it resumes that turn's events after the id instead of starting a new turn.",
        "parameters": [_CONVERSATION_ID, _LAST_EVENT_ID_HEADER],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Step"}}}},
        "responses": {"200": _sse("the turn's events, from `start` to `done`"),
                      **_refusals(400, 404, 408, 409, 413, 415, 429, 503)},
    },
    "get_events": {
        "summary": "Resume: the events after Last-Event-ID, then the running turn live until its done",
        "parameters": [_CONVERSATION_ID, _LAST_EVENT_ID_HEADER, {
            "name": "last_event_id", "in": "query", "required": False,
            "description": "as the `Last-Event-ID` header, which wins when both are given",
            "schema": {"type": "string", "pattern": EVENT_ID_PATTERN}}],
        "responses": {"200": _sse("the logged events after the given id, then the running turn's"),
                      **_refusals(400, 404)},
    },
    "stop_turn": {
        "summary": "Cancel the running turn (its stream ends with done, state cancelled)",
        "parameters": [_CONVERSATION_ID],
        "responses": {"200": _json("the stopped turn", "Stopped"), **_refusals(400, 404, 409, 415)},
    },
    "get_conversation": {
        "summary": "The conversation: state, expected confirm_types, pending form, turns",
        "parameters": [_CONVERSATION_ID],
        "responses": {"200": _json("the conversation", "Conversation"), **_refusals(400, 404)},
    },
    "delete_conversation": {
        "summary": "Hide the conversation; its events stay in the log as the audit trail",
        "parameters": [_CONVERSATION_ID],
        "responses": {"200": _json("deleted", "Deleted"), **_refusals(400, 404, 409, 415)},
    },
    "rename_conversation": {
        "summary": "Give the conversation a new title (also while a turn runs)",
        "parameters": [_CONVERSATION_ID],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rename"}}}},
        "responses": {"200": _json("renamed", "Renamed"), **_refusals(400, 404, 408, 413, 415, 503)},
    },
    "get_citations": {
        "summary": "Every record behind one row of a result, a page at a time, newest first",
        "description": "The records are worked out again from the query the `result` event records; `records` "
                       "equals the row's `evidence[].records`. A page beyond the end is empty. When the evidence "
                       "no longer gives the result's figures the answer is `409 result_changed`.",
        "parameters": [_CONVERSATION_ID, *(
            {"name": name, "in": "query", "required": required, "description": description, "schema": schema}
            for name, required, description, schema in (
                ("event", True, "the id of a `result` event of this conversation",
                 {"type": "integer", "minimum": 1, "maximum": MAX_EVENT_ID}),
                ("row", True, "the row, from 1 (as `evidence[].row`)", {"type": "integer", "minimum": 1}),
                ("offset", False, "records to skip", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
                ("limit", False, "records in the page",
                 {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE})))],
        "responses": {"200": _json("one page of the row's records", "Citations"), **_refusals(400, 404, 409)},
    },
    "get_report": {
        "summary": "The conversation's report (as `qbot report`), as a download: HTML or PDF",
        "description": "One self-contained file: case, evidence files and sha256, every step, plan, submitted "
                       "form, result, the records behind each row (the first `records`, or `all`), pictures, and "
                       "the chain head with the command that verifies it.",
        "parameters": [_CONVERSATION_ID,
                       {"name": "format", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["html", "pdf"], "default": "html"}},
                       {"name": "records", "in": "query", "required": False,
                        "description": "records listed under each result row: `all` or a count",
                        "schema": {"type": "string", "pattern": "^(all|[0-9]{1,7})$", "default": "50"}}],
        "responses": {"200": {"description": "the report, `Content-Disposition: attachment`", "content": {
                          "text/html": {"schema": {"type": "string"}},
                          "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                      **_refusals(400, 404, 503)},
    },
    "list_conversations": {
        "summary": "Conversations, newest first, paginated; of one case with `case_id`",
        "parameters": [
            {"name": "case_id", "in": "query", "required": False,
             "description": "only this case's conversations", "schema": {"type": "string", "pattern": SAFE_ID_PATTERN}},
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
            {"name": "before", "in": "query", "required": False,
             "description": "the `next` cursor of the previous page", "schema": {"type": "string"}},
        ],
        "responses": {"200": _json("one page", "ConversationList"), **_refusals(400)},
    },
    "list_cases": {
        "summary": "The cases of the evidence store, the default one first",
        "responses": {"200": _json("the cases", "CaseList")},
    },
    "list_nodes": {
        "summary": "The case's node tree, for `package_nodes` (`default` names the default case)",
        "parameters": [{"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("the node tree", "NodeTree"), **_refusals(404)},
    },
    "healthz": {
        "summary": "Liveness: status, version, running turns, registered handlers",
        "responses": {"200": _json("serving", "Health"), "503": _json("draining (SIGTERM)", "Health")},
    },
    "metrics": {
        "summary": "Counters and gauges in the Prometheus text format: turns, refusals, streams, events, log, evidence",
        "responses": {"200": {"description": "the Prometheus text exposition format",
                              "content": {"text/plain": {"schema": {"type": "string"}}}}},
    },
    "console_index": {
        "summary": "The web console's page (the console speaks only the routes above)",
        "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}},
                      "304": {"description": "not modified (If-None-Match)"}},
    },
    "console_file": {
        "summary": "One of the web console's scripts or style sheets, by name",
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "the file", "content": {
                          "text/javascript": {"schema": {"type": "string"}}, "text/css": {"schema": {"type": "string"}},
                          "image/svg+xml": {"schema": {"type": "string"}}}},
                      "304": {"description": "not modified (If-None-Match)"},
                      "404": _json("`not_found`: no such console file", "ErrorEnvelope")},
    },
    "openapi_json": {
        "summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    },
}

FILTER_FORM_EXAMPLE = {
    "formName": "filter",
    "filter_tree": "为了分析机主的通讯行为，需要检索基本信息类别下电话应用的通话记录",
    "filter_keyword": "",
    "analysis_prompt": "作为通讯行为分析专家，…",
}


def _schema_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def build_spec(app: web.Application) -> dict[str, Any]:
    """The OpenAPI document of this app: its routes, its registered handlers and its limits."""
    config = app[CONFIG]
    registry = app[REGISTRY]
    auth = app.get(AUTHENTICATOR)  # None: authentication is off
    spec = APISpec(
        title="qbot", version=__version__, openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={"description": "Back end of a forensic analysis assistant: each step is a POST answered with "
                             "Server-Sent Events (design.md §2). Refusals come before any stream, as JSON "
                             "`{\"error\": {\"code\", \"message\", \"details\"}}`."},
    )

    # Answers, events, refusals.
    for name in ("ErrorEnvelope", "Conversation", "ConversationList", "Stopped", "Deleted", "Renamed", "CaseList",
                 "NodeTree", "Health", "Citations"):
        spec.components.schema(name, schema=getattr(contract, name))
    spec.components.schema("Rename", schema=RenameSchema)
    event_refs = {}
    for event, schema in contract.EVENTS.items():
        spec.components.schema(schema.__name__, schema=schema)
        event_refs[event] = f"#/components/schemas/{schema.__name__}"

    # The handlers' forms, and the step body.
    forms = {}
    for confirm_type, registered in sorted(registry.items()):
        form_schema = registered.handler.form_schema
        if form_schema is not None:
            name = _schema_name(f"Form_{registered.handler.name}")
            spec.components.schema(name, schema=form_schema)
            forms[confirm_type] = name
    spec.components.schema("Step", schema=app[STEP_SCHEMA])

    # Operations, from the app's own router: a route without documentation fails here.
    for route in app.router.routes():
        if route.method in ("HEAD", "OPTIONS"):
            continue  # HEAD mirrors GET; OPTIONS is the CORS preflight
        name = getattr(route.handler, "__name__", repr(route.handler))
        if name not in _OPERATIONS:
            raise LookupError(f"route {route.method} {route.resource.canonical} ({name}) is not documented")
        operation = {"operationId": name, **_OPERATIONS[name]}
        if auth is not None and route.resource.canonical.startswith(config.server.prefix + "/"):
            operation["security"] = [{auth.name: []}]
            unauthorized = _UNAUTHORIZED.format(method=auth.name, challenge=auth.authenticator.challenge,
                                                how=_HOW.get(auth.name, ""))
            operation["responses"] = {**operation["responses"], "401": _json(unauthorized, "ErrorEnvelope")}
        spec.path(path=route.resource.canonical, operations={route.method.lower(): operation})
    if auth is not None:
        spec.components.security_scheme(auth.name, dict(auth.authenticator.security_scheme))

    doc = spec.to_dict()
    schemas = doc["components"]["schemas"]

    # What marshmallow validators say in Python terms, said in JSON Schema's.
    step = schemas["Step"]["properties"]
    step["case_id"]["pattern"] = f"^(?:{SAFE_ID_PATTERN[1:-1]})?$"
    step["case_id"]["description"] = "`\"\"` is the default case"
    step["conversation_id"]["description"] = "equal to the path's when given"
    step["confirm_type"]["enum"] = sorted(registry)
    step["confirm_type"]["description"] = "the handler: " + ", ".join(
        f"{ct} {r.handler.name}" for ct, r in sorted(registry.items()))
    step["package_nodes"]["description"] = ("node ids, node paths or package names (GET …/cases/{case_id}/nodes); "
                                            "`[]` = all of the case")
    step["question"]["description"] = "the examiner's question, or the button text of a confirm step"
    schemas["Rename"]["properties"]["title"].update({
        "description": "one line: no control characters, line breaks or lone surrogates; blanks around it dropped",
        "pattern": r"\S"})
    form_notes = "; ".join(f"confirm_type {ct}: `{name}`" for ct, name in forms.items())
    step["confirm_form_data"].update({
        "description": "the form of the step's confirm_type, as the `confirm` event proposed it (possibly "
                       f"edited); `{{}}` for a step without a form. Forms: {form_notes or 'none'}. "
                       f"String values are limited to {config.limits.max_form_field_chars} characters.",
        "examples": [FILTER_FORM_EXAMPLE],
    })

    # One event of a stream: its id, its name, and its JSON data by name.
    schemas["ServerSentEvent"] = {
        "description": "One event (`id:`, `event:`, one `data:` line of JSON). Ids increase strictly across "
                       "all turns of a conversation. While idle, the stream sends `: ping` comments.",
        "oneOf": [{
            "type": "object",
            "required": ["id", "event", "data"],
            "properties": {
                "id": {"type": "string", "pattern": EVENT_ID_PATTERN},
                "event": {"const": event},
                "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": {"$ref": ref}},
            },
        } for event, ref in event_refs.items()],
    }
    return doc


async def openapi_json(request: web.Request) -> web.Response:
    app = request.app
    cache = app[SPEC]
    if not cache:
        cache.update(build_spec(app))
    return web.json_response(cache)
