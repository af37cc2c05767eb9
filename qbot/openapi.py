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
from qbot.apidoc import EVENT_ID_PATTERN, json_answer, operation, operation_of
from qbot.appkeys import CONFIG, REGISTRY, STEP_SCHEMA
from qbot.auth import AUTHENTICATOR
from qbot.ids import SAFE_ID_PATTERN
from qbot.schemas import RenameSchema

OPENAPI_VERSION = "3.1.0"

# The cached document, per app (the registry and the config make it; both are fixed at start).
SPEC = web.AppKey("openapi_spec", dict)

_UNAUTHORIZED = ("`unauthorized`: no examiner that the authenticator (`auth.method`: {method}) accepts{how}; "
                 "with `WWW-Authenticate: {challenge}`. Documented only when authentication is on")
_HOW = {"bearer": " (no `Authorization: Bearer <token>`, or a token of no configured examiner)",
        "proxy_header": " (a request not from the trusted front proxy, or without one valid examiner's name "
                        "in its header)"}

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
        declared = operation_of(route.handler)
        if declared is None:
            raise LookupError(f"route {route.method} {route.resource.canonical} ({name}) is not documented: "
                              "declare its operation with qbot.apidoc.operation")
        operation = {"operationId": name, **declared}
        if auth is not None and route.resource.canonical.startswith(config.server.prefix + "/"):
            operation["security"] = [{auth.name: []}]
            unauthorized = _UNAUTHORIZED.format(method=auth.name, challenge=auth.authenticator.challenge,
                                                how=_HOW.get(auth.name, ""))
            operation["responses"] = {**operation["responses"], "401": json_answer(unauthorized, "ErrorEnvelope")}
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


@operation({
    "summary": "This document",
    "responses": {"200": {"description": "OpenAPI 3.1",
                          "content": {"application/json": {"schema": {"type": "object"}}}}},
})
async def openapi_json(request: web.Request) -> web.Response:
    app = request.app
    cache = app[SPEC]
    if not cache:
        cache.update(build_spec(app))
    return web.json_response(cache)
