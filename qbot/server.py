"""The HTTP server around the app: aiohttp's own refusals (a request its parser cannot read) as
qbot's JSON, a `Server` header without versions, and idle connections closed in bounded time."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from qbot.config import Config
from qbot.errors import error_body

SERVER_HEADER = "qbot"

log = logging.getLogger(__name__)


async def name_server(request: web.Request, response: web.StreamResponse) -> None:
    """aiohttp would say `Python/3.x aiohttp/3.y`: versions help only an attacker."""
    response.headers["Server"] = SERVER_HEADER


class _JsonRefusals(RequestHandler):
    """aiohttp answers a request it cannot parse (bad request line, header or chunking) with
    text/plain before any middleware runs; this says the same in qbot's one error shape."""

    def handle_error(self, request: BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if request.writer.output_size > 0:  # an answer has begun: only cutting it is left
            raise ConnectionError("the response has begun; it cannot become an error")
        if status >= 500:
            log.error("error handling a request from %s", request.remote, exc_info=exc)
            code, text = "internal_error", "the server failed on this request; it is logged"
        else:  # the client's mistake: not an error of ours
            log.info("refused a request from %s that HTTP cannot parse: %s", request.remote, message or exc)
            code = "bad_request" if status == 400 else f"http_{status}"
            text = f"the request is not valid HTTP/1.1: {str(message or exc or 'unreadable')[:200]}"
        response = web.Response(status=status, text=error_body(code, text), content_type="application/json",
                                headers={"Server": SERVER_HEADER})
        response.force_close()
        return response


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        return _JsonRefusals(self, loop=self._loop, **self._kwargs)


class QbotRunner(web.AppRunner):
    async def _make_server(self) -> web.Server:
        made = await super()._make_server()
        # The same server aiohttp made, speaking through _JsonRefusals.
        return _Server(made.request_handler, request_factory=made.request_factory,
                       handler_cancellation=made.handler_cancellation, loop=made._loop, **made._kwargs)


def make_runner(app: web.Application, config: Config) -> QbotRunner:
    """`server.idle_timeout` closes a connection that sends no complete request headers within
    that many seconds of connecting or of its previous answer (slow-header clients included);
    aiohttp's keep-alive timer does both."""
    return QbotRunner(app, shutdown_timeout=config.server.shutdown_timeout + 5, access_log=None,
                      keepalive_timeout=config.server.idle_timeout)


def runner_kwargs(config: Config) -> dict[str, Any]:
    """The same settings for aiohttp's test server."""
    return {"keepalive_timeout": config.server.idle_timeout}
