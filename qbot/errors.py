"""A refusal: JSON `{"error": {"code", "message", "details"}}` that says what was wrong and what
is accepted. The request layer raises its own with `refuse`; the runner's, the engine's and the
log's errors carry no status and become refusals at the edge (`qbot.middlewares.REFUSALS`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from qbot.events import dumps


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None, close_connection: bool = False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.close_connection = close_connection  # what follows on the connection cannot be read

    def response(self, headers: dict[str, str] | None = None) -> web.Response:
        response = web.Response(text=error_body(self.code, self.message, self.details), status=self.status,
                                content_type="application/json", headers={**self.headers, **(headers or {})})
        if self.close_connection:
            response.force_close()
        return response


# The request layer's own refusals, by code: their status. Reading, parsing and guarding a
# request, authentication, the views' checks of their parameters, the console's files and the
# error middleware's own; the runner's, the engine's and the log's are qbot.middlewares.REFUSALS.
REQUEST_REFUSALS: dict[str, int] = {
    "invalid_json": 400, "invalid_request": 400, "invalid_body": 400, "client_gone": 400,
    "unknown_confirm_type": 400, "conversation_id_mismatch": 400, "invalid_conversation_id": 400,
    "invalid_last_event_id": 400, "invalid_limit": 400, "invalid_case_id": 400, "invalid_cursor": 400,
    "unauthorized": 401,
    "origin_not_allowed": 403, "host_not_allowed": 403,
    "not_found": 404,
    "body_timeout": 408,
    "unsupported_media_type": 415,
    "internal_error": 500,
    "pdf_unavailable": 503,
}


def refuse(code: str, message: str, details: Any = None, headers: dict[str, str] | None = None,
           close_connection: bool = False) -> ApiError:
    """The request layer's refusal `code`, with its status from REQUEST_REFUSALS."""
    return ApiError(REQUEST_REFUSALS[code], code, message, details, headers, close_connection)


def error_body(code: str, message: str, details: Any = None) -> str:
    return dumps({"error": {"code": code, "message": message, "details": details}})
