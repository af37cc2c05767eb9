"""A refusal: JSON `{"error": {"code", "message", "details"}}` that says what was wrong and what
is accepted."""

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


def error_body(code: str, message: str, details: Any = None) -> str:
    return dumps({"error": {"code": code, "message": message, "details": details}})
