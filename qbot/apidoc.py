"""The words each view's OpenAPI operation is declared in, beside the view (`@operation`):
qbot.openapi gathers them from the app's router into the document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from qbot.ids import SAFE_ID_PATTERN

EVENT_ID_PATTERN = "^[0-9]{1,18}$"

View = TypeVar("View", bound=Callable[..., Any])

ERRORS = {
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

CONVERSATION_ID = {
    "name": "conversation_id", "in": "path", "required": True,
    "description": "a UUID or a token of letters, digits, `_` and `-` (at most 64, starting with a letter or digit)",
    "schema": {"type": "string", "pattern": SAFE_ID_PATTERN},
}
LAST_EVENT_ID_HEADER = {
    "name": "Last-Event-ID", "in": "header", "required": False,
    "description": "the id of the last event the client received; the stream resumes after it",
    "schema": {"type": "string", "pattern": EVENT_ID_PATTERN},
}


def sse_answer(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "Cache-Control": {"schema": {"type": "string", "const": "no-store"}},
        },
        "content": {"text/event-stream": {"schema": {"$ref": "#/components/schemas/ServerSentEvent"}}},
    }


def json_answer(description: str, schema: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def refusals(*statuses: int) -> dict[str, Any]:
    """The route's own refusals, and the guard's 403 that every route may give."""
    return {str(s): json_answer(ERRORS[s], "ErrorEnvelope") for s in sorted({403, *statuses})}


def operation(spec: dict[str, Any]) -> Callable[[View], View]:
    """Declare a view's OpenAPI operation (summary, parameters, request body, responses)."""
    def declare(view: View) -> View:
        view.openapi = spec  # type: ignore[attr-defined]
        return view
    return declare


def operation_of(view: Any) -> dict[str, Any] | None:
    return getattr(view, "openapi", None)
