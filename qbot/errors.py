"""A refusal: JSON `{"error": {"code", "message", "details"}}` that says what was wrong and what
is accepted."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from qbot.events import dumps


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}

    def response(self, headers: dict[str, str] | None = None) -> web.Response:
        body = {"error": {"code": self.code, "message": self.message, "details": self.details}}
        return web.json_response(body, status=self.status, headers={**self.headers, **(headers or {})},
                                 dumps=dumps)
